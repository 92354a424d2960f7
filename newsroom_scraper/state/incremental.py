"""Incremental refresh: which discovered requests a run fetches.

:class:`IncrementalMiddleware` (spider middleware) retries the URLs that failed last time first,
lets through new articles and the newest ``NEWSROOM_LOOKBACK`` known ones (fetched again to catch
edits), and stops the listing once it has gone past them, unless the last pass was cut short
(then this run finishes it) or ``NEWSROOM_FULL`` is set. It decides from each request's role
(:mod:`newsroom_scraper.requests`) and the state; nothing here knows a site.

Listed versions. When the listing shows each article's version (``LISTED_VERSION_META``: a last
major update time, a sitemap's ``<lastmod>``, a feed's ``<updated>``), the state keeps, per
article, the version its last item was produced from (stored on ``item_scraped``, so an item a
pipeline dropped leaves the old version, and only for the article the request named, not one a
redirect led to). A known article listed with another version is fetched again wherever it is
(``incremental/changed_in_listing``): it takes no look-back slot and does not stop the listing.
One listed with the version stored counts as known, as one without a version always does: the
look-back refetches the newest of them, and the first one past it stops the listing. For a
listing ordered newest version first (GOV.UK's ``-public_timestamp``) that is "page until the
versions are older than the newest one the last complete pass saw": past an unchanged article,
nothing is newer than what was seen. An article stored without a version (a state file from
before listed versions) is fetched once when its listing shows one. ``RELATED_ARTICLE`` requests
(a translation named by an article this run fetched) go with that article: always fetched,
never counted as known.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from scrapy import Request, signals

from newsroom_scraper.extraction.dates import utc_now_iso
from newsroom_scraper.requests import (
    ARTICLE_ROLES,
    ARTICLE_URL_META,
    LISTED_VERSION_META,
    LISTING_ROLES,
    ROLE,
    Role,
)
from newsroom_scraper.signals import error_reported
from newsroom_scraper.state.store import require_dataset, store_for

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from newsroom_scraper.spiders.base import NewsroomSpider

logger = logging.getLogger(__name__)


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
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        require_dataset(crawler)
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

    def item_scraped(self, item: Any, response: Response | None) -> None:
        """Keep the listing's version of the article whose item the pipelines just kept."""
        request = response.request if response is not None else None
        version = request.meta.get(LISTED_VERSION_META) if request is not None else None
        if request is None or version is None or not self.site:
            return
        if item.get("url") != self.spider.requested_url(request):
            return  # an item other than the article listed (a redirect led elsewhere)
        self.store.set_listed_version(self.site, item["id"], str(version))

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
        if role == Role.RELATED_ARTICLE:
            self.crawler.stats.inc_value("incremental/related_fetched")
            return True  # requested because the article naming it was fetched
        known = self.store.article_by_url(
            self.site, request.meta.get(ARTICLE_URL_META, request.url)
        )
        if known is None:
            return True
        listed = request.meta.get(LISTED_VERSION_META)
        if listed is not None and str(listed) != known.listed_version:
            self.crawler.stats.inc_value("incremental/changed_in_listing")
            return True
        self.known_seen += 1
        if self.known_seen <= self.lookback:
            self.crawler.stats.inc_value("incremental/lookback_fetched")
            return True
        if role == Role.CHAINED_ARTICLE and self.resuming:
            return True  # the chain can only go on through the article itself
        if not self.resuming:
            self.stop_paging = True
        self.crawler.stats.inc_value("incremental/skipped_known")
        return False
