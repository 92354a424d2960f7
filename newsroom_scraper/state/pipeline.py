"""The dataset pipeline: versions, bookkeeping and the dataset file, kept from the state.

:class:`DatasetPipeline` gives every item its bookkeeping (``version``, ``first_seen``,
``last_changed``, ``removed``), stores it, writes new and changed items to the run file, and at
the end rebuilds ``<site>.jsonl`` from the state, atomically (with the state in Redis,
``newsroom-scraper export`` does, once every worker is done). Articles that answer 404/410 are
kept, marked ``removed`` (signal :data:`newsroom_scraper.signals.article_gone`). A changed
article whose new version lost fields keeps its stored version, and the run's field coverage is
compared with the dataset's (:mod:`newsroom_scraper.state.shape`).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from scrapy import signals

from newsroom_scraper.extraction.dates import utc_now_iso
from newsroom_scraper.items import dumps_record, dumps_record_bytes, item_record
from newsroom_scraper.report import close_spider_soon, report_write_failure
from newsroom_scraper.signals import article_gone
from newsroom_scraper.state.files import atomic_write_lines
from newsroom_scraper.state.runs import new_run_id, run_files, worker_name
from newsroom_scraper.state.shape import ShapeMonitor
from newsroom_scraper.state.store import (
    STATE_FILE,
    distributed,
    removed_version,
    require_dataset,
    store_for,
)

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class DatasetPipeline:
    """Stores items in the state with their bookkeeping; rebuilds the dataset at the end."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.store = store_for(crawler)
        folder = crawler.settings.get("NEWSROOM_DATA_DIR")
        self.data_dir = Path(folder) if folder else None  # None: a Redis worker without run files
        #: A worker of a distributed crawl writes its run files only: the dataset is exported.
        self.distributed = distributed(crawler.settings)
        self.run_id = crawler.settings.get("NEWSROOM_RUN_ID") or new_run_id()
        if self.distributed and not crawler.settings.get("NEWSROOM_RUN_ID"):
            self.run_id += f"-{worker_name(crawler.settings)}"
        self.site = ""
        self.run_file: BinaryIO | None = None
        self.run_path: Path | None = None
        #: A write failed (full disk, read-only file system): nothing more is stored and the
        #: dataset is not rewritten; the previous one stays as it was.
        self.failed = False
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.on_article_gone, signal=article_gone)
        self.shape = ShapeMonitor.for_crawler(crawler)
        crawler.signals.connect(self.close_shape, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        require_dataset(crawler)
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        self.site = spider.name
        if self.data_dir is None:
            return
        self.run_path, _ = run_files(self.data_dir, self.site, self.run_id)
        if self.distributed:
            return  # no lock held, no dataset written: leftovers are the export's business
        # A run killed while replacing the dataset leaves its temporary file; this run holds
        # the data directory's lock, so no other run can be writing one now.
        for leftover in self.data_dir.glob(f".{self.site}.jsonl.*.tmp"):
            leftover.unlink(missing_ok=True)
            logger.info("Removed %s, left by a run that was killed", leftover)

    def write_run_line(self, record: dict[str, Any], line: str | None = None) -> None:
        """One unbuffered ``write`` per line: a killed run leaves whole lines only (``line``:
        ``dumps_record(record)``, when already made)."""
        if self.run_file is None:
            if self.run_path is None:
                return  # a Redis worker without a data directory: the record is in Redis
            self.run_path.parent.mkdir(parents=True, exist_ok=True)
            self.run_file = self.run_path.open("ab", buffering=0)
        data = dumps_record_bytes(record) if line is None else line.encode("utf-8")
        self.run_file.write(data + b"\n")

    @property
    def state_path(self) -> Path | str:
        return self.data_dir / STATE_FILE if self.data_dir is not None else "the state"

    def fail(self, exc: OSError | sqlite3.Error) -> None:
        """Report the failed write (naming its file), store nothing more, close the crawl."""
        if isinstance(exc, sqlite3.Error):
            path: Path | str = self.state_path
        else:
            path = exc.filename or self.run_path or self.state_path
        self.failed = True
        report_write_failure(self.crawler, path, exc)
        close_spider_soon(self.crawler, "write_failed")

    def process_item(self, item: Any) -> Any:
        if not self.failed:
            try:
                self.store_item(item)
            except (OSError, sqlite3.Error) as exc:
                self.fail(exc)
        return item

    def store_item(self, item: Any) -> None:
        record = item_record(item)
        now = utc_now_iso()
        known = self.store.article_by_id(self.site, record["id"])
        stats = self.crawler.stats
        self.shape.observe(self.store, self.site, record)  # before anything of this run is saved
        self.store.clear_failed(self.site, record["url"])
        if known is not None and known.content_hash == record["content_hash"] and not known.removed:
            self.store.touch_article(self.site, known.id, now)
            stats.inc_value("dataset/unchanged")
            return
        if known is None:
            record.update(version=1, first_seen=now)
            stats.inc_value("dataset/new")
        else:
            changed = known.content_hash != record["content_hash"]
            if changed and self.shape.keeps_previous(self.store, self.site, known, record):
                self.store.touch_article(self.site, known.id, now)
                stats.inc_value("dataset/kept_previous")
                return
            record.update(version=known.version + int(changed), first_seen=known.first_seen)
            stats.inc_value("dataset/updated")
        record.update(last_changed=now, removed=False, removed_at=None)
        line = dumps_record(record)  # once, for the state and the run's line
        # The run's line first, then the state: a run killed between the two has the line and
        # not the state, so the next run fetches the article again and writes it again (a
        # duplicate across run files, never a loss). The other way round, the article was
        # stored and its line never written: no later run would write it either, as unchanged.
        self.write_run_line(record, line)
        self.store.save_article(self.site, record, now, line)

    def on_article_gone(self, url: str, status: int) -> bool:
        if self.failed:
            return False
        try:
            return self.mark_gone(url)
        except (OSError, sqlite3.Error) as exc:
            self.fail(exc)
            return False

    def mark_gone(self, url: str) -> bool:
        known = self.store.article_by_url(self.site, url)
        if known is None:
            return False
        if not known.removed:
            removed_at = utc_now_iso()
            record = self.store.record_by_id(self.site, known.id)
            if record is not None:  # it is: ``known`` came from the store just now
                # The run's line first, then the state, as in store_item.
                self.write_run_line(removed_version(record, removed_at))
            self.store.mark_removed(self.site, known.id, removed_at)
            self.crawler.stats.inc_value("dataset/removed")
        self.store.clear_failed(self.site, url)
        return True

    def close_shape(self, spider: Any, reason: str) -> None:
        try:
            self.shape.close(self.store, self.site, self.crawler.stats.get_stats())
        except (OSError, sqlite3.Error) as exc:  # recording an accepted shape in the state
            self.closing_write_failed(exc)

    def spider_closed(self, spider: Any, reason: str) -> None:
        try:
            self.close_run_file()
            if not self.failed:
                self.write_dataset()
        except (OSError, sqlite3.Error) as exc:
            self.closing_write_failed(exc)

    def closing_write_failed(self, exc: OSError | sqlite3.Error) -> None:
        """A write at the end failed: reported once, naming its file (the crawl is over)."""
        if not self.failed:
            self.failed = True
            path = exc.filename if isinstance(exc, OSError) else None
            report_write_failure(self.crawler, path or self.state_path, exc)

    def close_run_file(self) -> None:
        if self.run_file is not None:
            run_file, self.run_file = self.run_file, None
            try:
                os.fsync(run_file.fileno())
            except OSError as exc:
                exc.filename = exc.filename or str(self.run_path)
                raise
            finally:
                run_file.close()
            if self.distributed:
                self.crawler.stats.set_value("output/file", str(self.run_path))

    def write_dataset(self) -> None:
        if self.distributed or self.data_dir is None:
            self.crawler.stats.set_value("dataset/articles", self.store.count_articles(self.site))
            return  # `newsroom-scraper export` writes the dataset, under the data-dir lock
        dataset = self.data_dir / f"{self.site}.jsonl"
        if not dataset.exists() and not self.store.count_articles(self.site):
            # A first run that stored nothing (interrupted, nothing answered): an empty file
            # would look like a successful, empty crawl.
            logger.warning("No articles yet: no dataset is written")
            return
        try:
            count = atomic_write_lines(dataset, self.store.records(self.site))
        except OSError as exc:
            exc.filename = str(dataset)  # the dataset, not its temporary file
            raise
        self.crawler.stats.set_value("dataset/articles", count)
        self.crawler.stats.set_value("output/file", str(dataset))
        self.crawler.stats.set_value("output/items", count)
        logger.info("Dataset %s: %d articles", dataset, count)
