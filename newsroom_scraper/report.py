"""What a run did: errors with their URLs, a progress line, the summary and the exit code.

Every component reports a failure through :func:`report_error`, which sends a Scrapy signal;
:class:`RunReport` is the one listener, so counting, logging and keeping the list for the
summary happen in one place whatever the component.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO

from scrapy import signals
from twisted.internet import task

from newsroom_scraper.errors import ErrorRecord
from newsroom_scraper.signals import error_reported, output_write_failed
from newsroom_scraper.state.shape import ShapeMonitor

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


EXIT_OK: Final = 0
EXIT_ERRORS: Final = 1
EXIT_USAGE: Final = 2
EXIT_LOCKED: Final = 3
EXIT_UNREACHABLE: Final = 4
#: A field the dataset's articles carry is missing from this run's items (see
#: :mod:`newsroom_scraper.state.shape`). Stopped (130/143) and unreachable (4) come first; it
#: wins over 1: a redesign often brings extraction errors too, and it needs a person (the
#: spider or ``--accept-shape-change``), not a retry.
EXIT_SHAPE_CHANGED: Final = 5
EXIT_SIGINT: Final = 130
EXIT_SIGTERM: Final = 143
EXIT_WRITE_FAILED: Final = 6
#: 128 + SIGPIPE: the reader of standard output stopped early (``| head``), as a shell reports
#: a writer killed by SIGPIPE (``yes | head`` under ``set -o pipefail``).
EXIT_READER_CLOSED: Final = 141

EXIT_CODES_DOC: Final = {
    EXIT_OK: "success",
    EXIT_ERRORS: "errors above the threshold (pages with an unexpected shape, dropped items, "
    "articles that could not be fetched after retries)",
    EXIT_USAGE: "usage error (bad command line or spider argument)",
    EXIT_LOCKED: "the data directory is locked by another run",
    EXIT_UNREACHABLE: "the site could not be reached at all",
    EXIT_SHAPE_CHANGED: "the newsroom changed shape (fields the dataset carries are missing "
    "from this run's items; the previous versions are kept)",
    EXIT_SIGINT: "interrupted (SIGINT / Ctrl-C)",
    EXIT_SIGTERM: "terminated (SIGTERM)",
    EXIT_WRITE_FAILED: "the output could not be written (dataset, --out file or run report: "
    "disk full, read-only, no permission); the previous file is kept as it was",
    EXIT_READER_CLOSED: "standard output was closed by its reader before everything was "
    "written (e.g. `| head`)",
}

#: The reason of a write failure whose reader went away (a pipe closed early, ``| head``).
READER_CLOSED = "closed by the reader"

#: Longest error reason kept (summary, log, report): one readable line.
MAX_REASON = 300
#: Records kept for the summary and the report; counts stay exact beyond it.
MAX_KEPT_ERRORS = 10_000


def report_error(crawler: Crawler, kind: str, url: str, reason: str) -> None:
    """Record one failure: counted in ``errors/<kind>``, logged and listed in the report.

    The reason is made one line of at most :data:`MAX_REASON` characters: a summary line, a log
    line and a report entry per error, whatever an exception's text holds."""
    reason = " ".join(str(reason).split())
    if len(reason) > MAX_REASON:
        reason = reason[: MAX_REASON - 1] + "\u2026"
    crawler.signals.send_catch_log(signal=error_reported, kind=kind, url=url, reason=reason)


_TRACEBACK = "Traceback (most recent call last):"


class TracebackFilter(logging.Filter):
    """A record's traceback becomes one line, its exception's type and message: people read
    the log (and stderr) for what failed and where; ``--log-level DEBUG`` keeps tracebacks.

    Covers exceptions logged with ``exc_info`` (Scrapy's robots.txt middleware logs 80 lines for
    one refused connection) and tracebacks already written into a message (Twisted's
    ``Unhandled error in Deferred``, passed on to logging by Scrapy)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        message = record.getMessage()
        if error is None and _TRACEBACK not in message:
            return True
        head, _, trace = message.partition(_TRACEBACK)
        lines = [line.strip() for line in (head.splitlines() or [""])]
        line = " ".join(part for part in lines if part)
        cause = f"{type(error).__name__}: {error}" if error is not None else ""
        if not cause and trace.strip():
            cause = trace.strip().splitlines()[-1].strip()
        if cause and str(error or cause) not in line:
            line = f"{line} ({cause})" if line else cause
        record.msg, record.args = line, None
        record.exc_info = record.exc_text = record.stack_info = None
        return True


def quiet_tracebacks(crawler: Crawler) -> Callable[..., None]:
    """A ``spider_opened`` receiver that puts :class:`TracebackFilter` on Scrapy's log handler
    (installed by then for the crawl's settings) unless the log level is DEBUG."""

    def install(spider: Any) -> None:
        from scrapy.utils.log import get_scrapy_root_handler

        handler = get_scrapy_root_handler()
        level = logging.getLevelName(str(crawler.settings.get("LOG_LEVEL", "DEBUG")).upper())
        if handler is None or not isinstance(level, int) or level <= logging.DEBUG:
            return
        if not any(isinstance(f, TracebackFilter) for f in handler.filters):
            handler.addFilter(TracebackFilter())

    return install


def describe_failure(exc: BaseException) -> str:
    """An OS or SQLite error in one line, without the file name (the caller names the path):
    ``[Errno 28] No space left on device``, ``database or disk is full``."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"[Errno {exc.errno}] {exc.strerror}" if exc.errno else exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


def report_write_failure(crawler: Crawler, path: Path | str, exc: BaseException) -> None:
    """A file of the run's output could not be written: the run must not say "success"."""
    logger.debug("Cannot write %s", path, exc_info=exc)  # the traceback, at DEBUG only
    reason = READER_CLOSED if isinstance(exc, BrokenPipeError) else describe_failure(exc)
    crawler.signals.send_catch_log(signal=output_write_failed, path=str(path), reason=reason)


def close_spider_soon(crawler: Crawler, reason: str) -> None:
    """Ask the engine to close the spider (from a pipeline, where ``CloseSpider`` cannot be
    raised), e.g. once nothing more can be written."""
    from scrapy.utils.defer import deferred_from_coro

    if crawler.engine is not None and crawler.engine.spider is not None:
        closing = deferred_from_coro(crawler.engine.close_spider_async(reason=reason))
        closing.addErrback(lambda failure: logger.debug("Closing the spider: %s", failure.value))


@dataclass(frozen=True, slots=True)
class WriteFailure:
    """A file that could not be written, and the OS error."""

    path: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}

    @property
    def reader_closed(self) -> bool:
        """A pipe whose reader stopped early: what was written was read, the rest is not wanted."""
        return self.reason == READER_CLOSED


class RunReport:
    """Collects the run's errors, draws the progress line and decides the exit code."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.errors: list[ErrorRecord] = []
        self.error_counts: Counter[str] = Counter()
        self.first_fetch_failure: str | None = None
        #: Its URL: where the crawl tried to go (the host named when nothing answered).
        self.first_failed_url: str | None = None
        #: Files that could not be written, with the OS error (dataset, state, --out file).
        self.write_failures: list[WriteFailure] = []
        self.close_reason: str | None = None
        self.started = time.monotonic()
        self.progress_stream: TextIO | None = None
        self._progress_task: task.LoopingCall | None = None
        progress = crawler.settings.get("NEWSROOM_PROGRESS", "auto")
        if progress is True or progress == "on" or (progress == "auto" and sys.stderr.isatty()):
            self.progress_stream = sys.stderr
        crawler.signals.connect(self.on_error, signal=error_reported)
        # Kept here: the signal dispatcher holds its receivers by weak reference.
        self._quiet_tracebacks = quiet_tracebacks(crawler)
        crawler.signals.connect(self._quiet_tracebacks, signal=signals.spider_opened)
        crawler.signals.connect(self.on_write_failed, signal=output_write_failed)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @classmethod
    def of(cls, crawler: Crawler) -> RunReport | None:
        """The instance enabled in ``crawler`` (the CLI reads the summary from it)."""
        for extension in crawler.extensions.middlewares:
            if isinstance(extension, cls):
                return extension
        return None

    def on_error(self, kind: str, url: str, reason: str) -> None:
        self.error_counts[kind] += 1
        self.stats.inc_value(f"errors/{kind}")
        self.stats.inc_value("errors/total")
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append(ErrorRecord(kind, url, reason))
        if kind == "fetch_failed" and self.first_fetch_failure is None:
            self.first_fetch_failure = f"{url}: {reason}"
            self.first_failed_url = url
        logger.error("%s: %s (%s)", kind, url, reason)

    def on_write_failed(self, path: str, reason: str) -> None:
        self.write_failures.append(WriteFailure(path, reason))
        self.stats.inc_value("output/write_failed")
        # The command line's summary says it on the console; a log file (or a plain
        # `scrapy crawl`) must say it too.
        console = self.crawler.settings.getbool("NEWSROOM_SUMMARY_ON_CONSOLE")
        logger.log(logging.INFO if console else logging.ERROR, "Cannot write %s: %s", path, reason)

    def spider_opened(self, spider: Any) -> None:
        self.started = time.monotonic()
        if self.progress_stream is not None:
            self._progress_task = task.LoopingCall(self.draw_progress)
            self._progress_task.start(1.0, now=False)

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.close_reason = reason
        stats_file = self.crawler.settings.get("NEWSROOM_STATS_FILE")
        if stats_file:
            # For tests and monitoring: the final stats as JSON (Scrapy only logs them).
            stats = {**self.stats.get_stats(), "finish_reason": reason}
            Path(stats_file).write_text(json.dumps(stats, default=str, sort_keys=True, indent=1))
        if self._progress_task is not None and self._progress_task.running:
            self._progress_task.stop()
            self.draw_progress(final=True)

    def progress_line(self) -> str:
        pages = self.stats.get_value("response_received_count", 0)
        items = self.stats.get_value("item_scraped_count", 0)
        errors = sum(self.error_counts.values())
        elapsed = max(time.monotonic() - self.started, 1e-6)
        return (
            f"pages {pages} | items {items} | errors {errors} | "
            f"{pages / elapsed:.1f} pages/s | {elapsed:.0f}s"
        )

    def draw_progress(self, final: bool = False) -> None:
        if self.progress_stream is None:
            return
        self.progress_stream.write("\r\033[K" + self.progress_line() + ("\n" if final else ""))
        self.progress_stream.flush()

    def exit_code(self, threshold: int | None = None) -> int:
        """0, 1 (errors above the threshold), 4 (nothing reachable), 5 (the newsroom changed
        shape), 6 (output not written) or 130/143 (stopped)."""
        if self.write_failures:
            return self.write_failure_code()
        if threshold is None:
            threshold = self.crawler.settings.getint("NEWSROOM_ERROR_THRESHOLD", 0)
        reason = self.close_reason or ""
        if reason == "shutdown":
            return EXIT_SIGINT  # the CLI knows which signal it was and says 130 or 143
        if self.unreachable():
            return EXIT_UNREACHABLE
        shape = self.shape()
        if shape is not None and shape.changed:
            return EXIT_SHAPE_CHANGED
        errors = sum(self.error_counts.values())
        if errors > threshold or reason not in {"finished", "closespider_itemcount"}:
            return EXIT_ERRORS
        return EXIT_OK

    def write_failure_code(self) -> int:
        """6, or 141 when the only "failure" is a reader that closed standard output early."""
        if all(failure.reader_closed for failure in self.write_failures):
            return EXIT_READER_CLOSED
        return EXIT_WRITE_FAILED

    def shape(self) -> ShapeMonitor | None:
        """Field coverage and shape changes; ``None`` when the crawl keeps no dataset."""
        return ShapeMonitor.of(self.crawler)

    def shape_document(self) -> dict[str, Any]:
        """The run report's ``coverage`` and ``shape`` parts (none without a dataset)."""
        shape = self.shape()
        return {} if shape is None else shape.document()

    def shape_lines(self) -> list[str]:
        """The summary's lines on shape changes and kept previous versions."""
        shape = self.shape()
        return [] if shape is None else shape.summary_lines()

    def unreachable(self) -> bool:
        """Not a single HTTP response, but failures: the site (or the network) is not there."""
        failures = int(self.stats.get_value("downloader/exception_count", 0))
        return self.nothing_answered() and failures > 0

    def connection_failure(self) -> str:
        """What failed when nothing answered, e.g. ``DNSLookupError (4 times)``."""
        if self.first_fetch_failure:
            return self.first_fetch_failure
        prefix = "downloader/exception_type_count/"
        counts = {
            key.removeprefix(prefix).rsplit(".", 1)[-1]: value
            for key, value in self.stats.get_stats().items()
            if key.startswith(prefix)
        }
        if not counts:
            return "no response"
        name, count = max(counts.items(), key=lambda pair: pair[1])
        return f"{name} ({count} times)"

    def nothing_answered(self) -> bool:
        return int(self.stats.get_value("downloader/response_count", 0)) == 0

    def summary(self) -> dict[str, Any]:
        """The figures a person reads at the end of a run (also the base of the run report)."""
        stats = self.stats.get_stats()
        return {
            "close_reason": self.close_reason,
            "pages": stats.get("response_received_count", 0),
            "requests": stats.get("downloader/request_count", 0),
            "items": stats.get("item_scraped_count", 0),
            "dataset": {
                change: stats.get(f"dataset/{change}", 0)
                for change in ("new", "updated", "unchanged", "removed")
            },
            # Changed articles whose new version lost fields (exit 5): not written over.
            "kept_previous": stats.get("dataset/kept_previous", 0),
            "output": stats.get("output/file"),
            "output_items": stats.get("output/items"),
            "write_failures": [record.as_dict() for record in self.write_failures],
            "dropped": stats.get("item_dropped_count", 0),
            "errors": dict(sorted(self.error_counts.items())),
            "discovery": {k: v for k, v in sorted(stats.items()) if k.startswith("discovery/")},
            "discovery_summary": summary_discovery(stats),
            "duration_seconds": round(time.monotonic() - self.started, 3),
        }


#: The discovery stats the summary shows: the mode asked for, the path taken, each source's pages
#: and articles, and the pages found not to be articles (generic: counted, never items, no
#: error). Internal ones (the state machine's ``state`` and ``transitions/*``, ends,
#: skips) stay in the stats and the run report.
_SUMMARY_DISCOVERY = re.compile(r"discovery/(mode|path|not_article|[a-z0-9_]+/(pages|articles))")


def summary_discovery(stats: dict[str, Any]) -> dict[str, Any]:
    """``{"mode": "auto", "path": "listing", "rss/articles": 5, ...}``, sorted by key."""
    return {
        key.removeprefix("discovery/"): value
        for key, value in sorted(stats.items())
        if _SUMMARY_DISCOVERY.fullmatch(key)
    }
