"""Incremental refresh: fetch only what is new or changed, keep one clean dataset.

Three components share one :class:`~newsroom_scraper.state.StateStore` per crawl:

- :class:`IncrementalMiddleware` (spider middleware) retries the URLs that failed last time
  first, lets through new articles and the newest ``NEWSROOM_LOOKBACK`` known ones (fetched
  again to catch edits), and stops the listing once it has gone past them, unless the last pass
  was cut short (then this run finishes it) or ``NEWSROOM_FULL`` is set.
- :class:`DatasetPipeline` gives every item its bookkeeping (``version``, ``first_seen``,
  ``last_changed``, ``removed``), stores it, writes new and changed items to the run file, and
  at the end rebuilds ``<site>.jsonl`` from the state, atomically (with the state in Redis,
  ``newsroom-scraper export`` does, once every worker is done).
- Articles that answer 404/410 are kept, marked ``removed`` (signal :data:`article_gone`).

Spiders only tag their requests (``meta["newsroom_role"]``: ``listing``, ``feed``, ``article``,
``chain``); nothing here knows a site.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast
from weakref import WeakKeyDictionary

from itemadapter import ItemAdapter
from scrapy import Request, signals
from scrapy.exceptions import NotConfigured

from newsroom_scraper.dates import utc_now_iso
from newsroom_scraper.items import dumps_record
from newsroom_scraper.report import error_reported
from newsroom_scraper.state import STATE_FILE, SqliteStateStore, StateStore
from newsroom_scraper.storage import atomic_write_lines

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

    from newsroom_scraper.spiders.base import NewsroomSpider

logger = logging.getLogger(__name__)

#: Sent by spiders for an article URL answering 404 or 410, with ``url`` and ``status``.
#: A receiver returns True when it knew the article (then it is not an error).
article_gone = object()

ROLE = "newsroom_role"
LISTING_ROLES = frozenset({"listing"})
ARTICLE_ROLES = frozenset({"article", "chain"})

_stores: WeakKeyDictionary[Any, StateStore] = WeakKeyDictionary()


def distributed(settings: BaseSettings) -> bool:
    """The state and the items live in Redis (``REDIS_URL``; ``crawl --redis`` also sets the
    shared scheduler, see :mod:`newsroom_scraper.distributed`): ``export`` writes the dataset."""
    return bool(settings.get("REDIS_URL"))


def store_for(crawler: Crawler) -> StateStore:
    """The crawl's one state store (opened on first use, closed when the spider closes)."""
    if crawler not in _stores:
        store: StateStore
        if distributed(crawler.settings):
            from newsroom_scraper.state_redis import RedisStateStore

            store = RedisStateStore.from_settings(crawler.settings)
        else:
            data_dir = Path(crawler.settings["NEWSROOM_DATA_DIR"])
            store = SqliteStateStore(data_dir / STATE_FILE)
        _stores[crawler] = store
        crawler.signals.connect(store.close, signal=signals.engine_stopped, weak=False)
    return _stores[crawler]


def new_run_id() -> str:
    """A run's name: its UTC start time to the microsecond, so that two runs in the same second
    never share (and append to) a run file."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H%M%S.%fZ")


def run_files(data_dir: Path, site: str, run_id: str) -> tuple[Path, Path]:
    """``runs/<site>/<run id>.jsonl`` and ``.report.json``."""
    folder = data_dir / "runs" / site
    return folder / f"{run_id}.jsonl", folder / f"{run_id}.report.json"


def _enabled(crawler: Crawler) -> None:
    settings = crawler.settings
    if settings.get("NEWSROOM_OUTPUT") or not (
        settings.get("NEWSROOM_DATA_DIR") or distributed(settings)
    ):
        raise NotConfigured  # one-shot export or plain `scrapy crawl`: no dataset


class IncrementalMiddleware:
    """Decides which discovered articles a run fetches (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.store = store_for(crawler)
        self.lookback = crawler.settings.getint("NEWSROOM_LOOKBACK", 20)
        self.full = crawler.settings.getbool("NEWSROOM_FULL", False)
        self.site = ""
        self.resuming = False
        self.known_seen = 0
        self.stop_paging = False
        self.pass_broken = False
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.on_error, signal=error_reported)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        _enabled(crawler)
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        self.site = spider.name
        previous = self.store.pass_state(self.site)
        known = self.store.count_articles(self.site)
        self.resuming = known > 0 and not previous.finished
        self.store.start_pass(self.site, utc_now_iso())
        stats = self.crawler.stats
        stats.set_value("incremental/known_articles", known)
        stats.set_value("incremental/lookback", self.lookback)
        stats.set_value("incremental/full", self.full)
        stats.set_value("incremental/resuming_pass", self.resuming)
        if self.resuming:
            logger.info("The last pass over %s was cut short: this run finishes it", self.site)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if reason == "finished" and not self.pass_broken:
            self.store.finish_pass(self.site, utc_now_iso())
        self.crawler.stats.set_value("incremental/stopped_early", self.stop_paging)

    @property
    def spider(self) -> NewsroomSpider:
        return cast("NewsroomSpider", self.crawler.spider)

    def on_error(self, kind: str, url: str, reason: str) -> None:
        if self.spider.is_article_url(url):
            self.store.add_failed(self.site, url, f"{kind}: {reason}", utc_now_iso())
        else:
            self.pass_broken = True  # discovery did not reach everything

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        spider = self.spider
        for url in self.store.failed_urls(self.site):
            if spider.claim_article(url):
                self.crawler.stats.inc_value("incremental/retried_failed")
                yield spider.article_request(url)
        async for request_or_item in start:
            yield request_or_item

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for request_or_item in result:
            if not isinstance(request_or_item, Request) or self.wanted(request_or_item):
                yield request_or_item

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for request_or_item in result:
            if not isinstance(request_or_item, Request) or self.wanted(request_or_item):
                yield request_or_item

    def wanted(self, request: Request) -> bool:
        role = request.meta.get(ROLE)
        if self.full:
            return True
        if role in LISTING_ROLES:
            if self.stop_paging:
                self.crawler.stats.inc_value("incremental/skipped_listing_pages")
            return not self.stop_paging
        if role not in ARTICLE_ROLES:
            return True
        known = self.store.article_by_url(self.site, request.url)
        if known is None:
            return True
        self.known_seen += 1
        if self.known_seen <= self.lookback:
            self.crawler.stats.inc_value("incremental/lookback_fetched")
            return True
        if role == "chain" and self.resuming:
            return True  # the chain can only go on through the article itself
        if not self.resuming:
            self.stop_paging = True
        self.crawler.stats.inc_value("incremental/skipped_known")
        return False


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
            from newsroom_scraper.distributed import worker_name  # plain `scrapy crawl` worker

            self.run_id += f"-{worker_name(crawler.settings)}"
        self.site = ""
        self.run_file: BinaryIO | None = None
        self.run_path: Path | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.on_article_gone, signal=article_gone)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        _enabled(crawler)
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

    def write_run_line(self, record: dict[str, Any]) -> None:
        """One unbuffered ``write`` per line: a killed run leaves whole lines only."""
        if self.run_file is None:
            if self.run_path is None:
                return  # a Redis worker without a data directory: the record is in Redis
            self.run_path.parent.mkdir(parents=True, exist_ok=True)
            self.run_file = self.run_path.open("ab", buffering=0)
        self.run_file.write((dumps_record(record) + "\n").encode("utf-8"))

    def process_item(self, item: Any) -> Any:
        record = dict(ItemAdapter(item))
        now = utc_now_iso()
        known = self.store.article_by_id(self.site, record["id"])
        stats = self.crawler.stats
        self.store.clear_failed(self.site, record["url"])
        if known is not None and known.content_hash == record["content_hash"] and not known.removed:
            self.store.touch_article(self.site, known.id, now)
            stats.inc_value("dataset/unchanged")
            return item
        if known is None:
            record.update(version=1, first_seen=now)
            stats.inc_value("dataset/new")
        else:
            changed = known.content_hash != record["content_hash"]
            record.update(version=known.version + int(changed), first_seen=known.first_seen)
            stats.inc_value("dataset/updated")
        record.update(last_changed=now, removed=False, removed_at=None)
        self.store.save_article(self.site, record, now)
        self.write_run_line(record)
        return item

    def on_article_gone(self, url: str, status: int) -> bool:
        known = self.store.article_by_url(self.site, url)
        if known is None:
            return False
        if not known.removed:
            record = self.store.mark_removed(self.site, known.id, utc_now_iso())
            self.write_run_line(record)
            self.crawler.stats.inc_value("dataset/removed")
        self.store.clear_failed(self.site, url)
        return True

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.run_file is not None:
            os.fsync(self.run_file.fileno())
            self.run_file.close()
        if self.distributed or self.data_dir is None:
            self.crawler.stats.set_value("dataset/articles", self.store.count_articles(self.site))
            return  # `newsroom-scraper export` writes the dataset, under the data-dir lock
        dataset = self.data_dir / f"{self.site}.jsonl"
        if not self.crawler.stats.get_value("downloader/response_count") and not dataset.exists():
            logger.warning("Nothing was downloaded: no dataset is written")
            return
        count = atomic_write_lines(dataset, self.store.records(self.site))
        self.crawler.stats.set_value("dataset/articles", count)
        logger.info("Dataset %s: %d articles", dataset, count)
