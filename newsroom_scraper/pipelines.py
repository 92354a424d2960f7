"""Item pipelines: validate -> deduplicate -> store."""

from __future__ import annotations

import copy
import json
import logging
import os
import sys
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured

from newsroom_scraper.errors import INVALID_ITEM
from newsroom_scraper.items import item_record
from newsroom_scraper.report import close_spider_soon, report_error, report_write_failure
from newsroom_scraper.state.files import SortedSpool

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Self

    from jsonschema.protocols import Validator
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

SCHEMA_RESOURCE = "news_item.schema.json"
#: ``NEWSROOM_OUTPUT`` (``--out``) meaning standard output.
STDOUT = "-"


@cache
def item_schema() -> dict[str, Any]:
    """The JSON Schema of an item, read from the installed package."""
    text = resources.files("newsroom_scraper").joinpath("schema", SCHEMA_RESOURCE).read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def item_validator() -> Validator:
    """The reference validator (every error, with its path); used when the fast check fails."""
    from jsonschema import Draft202012Validator  # deferred: only needed for invalid items

    validator: Validator = Draft202012Validator(item_schema())
    return validator


@cache
def fast_item_check() -> Callable[[dict[str, Any]], Any]:
    """The schema compiled to Python code once (our own schema, never page content).

    ``jsonschema`` walks the schema for every item (about 1.3 ms an item here, the largest
    cost of the whole pipeline); the compiled check takes about 0.1 ms.
    """
    import fastjsonschema

    check: Callable[[dict[str, Any]], Any] = fastjsonschema.compile(
        copy.deepcopy(item_schema())
    )  # it rewrites its argument
    return check


def validation_errors(record: dict[str, Any]) -> list[str]:
    """Every way ``record`` breaks the schema, as ``field: message`` lines (empty if valid)."""
    from fastjsonschema import JsonSchemaException

    try:
        fast_item_check()(record)
    except JsonSchemaException:
        pass
    else:
        return []
    errors = sorted(item_validator().iter_errors(record), key=lambda error: list(error.path))
    return [
        f"{'/'.join(map(str, error.path)) or '(item)'}: {shortened(error.message)}"
        for error in errors
    ]


#: Characters of one schema error kept in a reason (jsonschema quotes the whole value: a body).
PROBLEM_CHARS = 200


def shortened(message: str) -> str:
    """One line of at most :data:`PROBLEM_CHARS` characters (the middle of a long one cut)."""
    line = " ".join(message.split())
    if len(line) <= PROBLEM_CHARS:
        return line
    half = PROBLEM_CHARS // 2 - 1
    return f"{line[:half]} … {line[-half:]}"


class ValidationPipeline:
    """Drops (and reports, with URL and reason) every item that breaks the JSON Schema."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        record = item_record(item)
        problems = validation_errors(record)
        if problems:
            reason = "; ".join(problems[:5])
            self.crawler.stats.inc_value("validation/dropped")
            report_error(self.crawler, INVALID_ITEM, str(record.get("url")), reason)
            # The report's line above is the one people read; Scrapy's "Dropped" message
            # prints the whole item under it, so it is a debug message (--log-level DEBUG).
            raise DropItem(f"invalid item {record.get('url')}: {reason}", log_level="DEBUG")
        return item


class DeduplicationPipeline:
    """One item per article within a crawl: same id, same URL or same ``content_hash``.

    Keeps three sets of strings for the crawl's lifetime: the least memory deduplication
    strictly needs (documented in README, "Memory").
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.seen: dict[str, set[str]] = {"id": set(), "url": set(), "content_hash": set()}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        for field, seen in self.seen.items():
            if adapter.get(field) in seen:
                self.crawler.stats.inc_value(f"dedup/dropped/{field}")
                raise DropItem(f"duplicate {field} {adapter.get(field)} ({adapter.get('url')})")
        for field, seen in self.seen.items():
            seen.add(adapter[field])
        return item


class JsonLinesPipeline:
    """Writes the crawl's items to ``NEWSROOM_OUTPUT``: JSON Lines, newest first, atomically
    (``-``: to standard output, once the crawl is over).

    Scrapy's feed exports write in arrival order and straight into the target file; a dataset
    must be sorted and must never be seen half-written, hence this pipeline. A write that fails
    (full disk, read-only file system) is reported (:func:`report_write_failure`), the crawl is
    closed (nothing more could be written) and the previous file is left as it was.
    """

    def __init__(self, crawler: Crawler, output: Path | None) -> None:
        self.crawler = crawler
        self.output = output  # None: standard output
        self.label = str(output) if output is not None else STDOUT
        self.failed = False
        spool_dir = output.parent if output is not None else Path(tempfile.gettempdir())
        self.spool = SortedSpool(spool_dir, output.name if output is not None else "stdout")
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        output = crawler.settings.get("NEWSROOM_OUTPUT")
        if not output:
            raise NotConfigured  # no message: Scrapy would warn about an ordinary setup
        return cls(crawler, None if output == STDOUT else Path(output))

    def process_item(self, item: Any) -> Any:
        if not self.failed:
            try:
                self.spool.append(item_record(item))
            except OSError as exc:
                self.fail(exc)
        return item

    def fail(self, exc: OSError) -> None:
        self.failed = True
        report_write_failure(self.crawler, self.label, exc)
        close_spider_soon(self.crawler, "write_failed")

    def spider_closed(self, spider: Any, reason: str) -> None:
        try:
            if not self.failed:
                self.write(reason)
        except OSError as exc:
            self.failed = True
            report_write_failure(self.crawler, self.label, exc)
        finally:
            self.spool.close()

    def write(self, reason: str) -> None:
        answered = self.crawler.stats.get_value("downloader/response_count")
        if not len(self.spool) and (reason != "finished" or not answered):
            # Nothing answered, or a stopped crawl with no item: an empty file would look like
            # a successful, empty crawl.
            logger.warning("No items: %s is left as it was", self.label)
            return
        count = self.write_stdout() if self.output is None else self.spool.write_to(self.output)
        self.crawler.stats.set_value("output/file", self.label)
        self.crawler.stats.set_value("output/items", count)
        logger.info("Wrote %d items to %s", count, self.label)

    def write_stdout(self) -> int:
        count = 0
        stream = sys.stdout.buffer
        try:
            for line in self.spool.sorted_lines():
                stream.write(line)
                count += 1
            stream.flush()
        except BrokenPipeError:
            # The reader went away (`| head`): nothing more to write, and no error at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise
        return count
