"""What every newsroom spider shares: arguments, public vs. mirror URLs, error reporting.

A newsroom module subclasses :class:`NewsroomSpider`, says where the site lives
(``public_origin``, ``public_hosts``, ``timezone``), names its article page object
(``page_class``, a :class:`~newsroom_scraper.extraction.page.NewsPage`) and implements discovery
(``start`` and its listing callbacks). Extraction never needs the spider: the spider only builds
the page's :class:`~newsroom_scraper.extraction.page.PageContext` (with its stats).
"""

from __future__ import annotations

import inspect
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import scrapy
from scrapy.exceptions import UsageError
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.asyncio import sleep
from scrapy.utils.misc import load_object

from newsroom_scraper.errors import FETCH_FAILED, HTTP_ERROR, ExtractionError
from newsroom_scraper.extraction.htmltext import AttachmentRules
from newsroom_scraper.extraction.page import NewsPage, PageContext, SiteInfo, note_page
from newsroom_scraper.params import DISCOVERY_MODES, CrawlParams, is_loopback_origin
from newsroom_scraper.report import report_error
from newsroom_scraper.requests import ARTICLE_URL_META
from newsroom_scraper.signals import article_gone

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from newsroom_scraper.items import NewsItem

#: HTTP statuses that mean an article was taken down.
GONE_STATUSES = frozenset({404, 410})

#: Settings for a mirror on this machine: no politeness needed towards ourselves.
LOOPBACK_SETTINGS: dict[str, Any] = {
    "NEWSROOM_BACKOFF_BASE": 0.05,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
}


#: Arguments a scheduler passes to every spider it starts (Scrapyd: ``-a _job=<job id>``).
SCHEDULER_ARGUMENTS: tuple[str, ...] = ("_job",)
_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


async def let_requests_out() -> None:
    """In an asynchronous callback: give the event loop to Scrapy until the requests yielded so
    far are on the wire, before the callback goes on with work of its own (building an item).

    A yielded request reaches the scheduler at once, but the downloader takes it on the loop's
    next turns and the HTTP client writes it when the loop polls its sockets: two turns, the
    guarantee Scrapy's own ``_process_pending_io`` relies on. Measured on the Europol chain
    (strace of the loop's ``epoll_wait``): without it the request went out after the item was
    stored, and every link waited for the mirror's answer; with it, the answer was ready when
    the loop next looked.
    """
    await sleep(0)
    await sleep(0)


class NewsroomSpider(scrapy.Spider):
    """Base of the newsroom spiders (see the module docstring)."""

    #: One line for ``newsroom-scraper sites``.
    description: ClassVar[str] = ""
    #: ``https://host`` of the live site: item URLs always use it. Not a ClassVar: a site whose
    #: origin is an argument (generic) sets it and ``public_hosts`` per crawl, in ``__init__``.
    public_origin: str = ""
    #: Hosts whose requests go to ``base_url`` when one is given.
    public_hosts: tuple[str, ...] = ()
    #: The newsroom's own time zone: the calendar date its readers see.
    timezone: ClassVar[ZoneInfo] = ZoneInfo("UTC")
    #: Languages tried by the free-form date parser (the last resort).
    date_languages: ClassVar[list[str]] = ["en"]
    attachment_rules: ClassVar[AttachmentRules] = AttachmentRules()
    #: The values ``--discovery`` accepts, ``auto`` first (the default); a site adds its own.
    discovery_modes: ClassVar[tuple[str, ...]] = DISCOVERY_MODES
    #: The article page object: response + context -> item.
    page_class: ClassVar[type[NewsPage]] = NewsPage

    def __init__(
        self,
        *args: Any,
        since: str | None = None,
        until: str | None = None,
        limit: str | None = None,
        base_url: str | None = None,
        discovery: str | None = None,
        **kwargs: Any,
    ) -> None:
        unknown = sorted(set(kwargs) - set(self.accepted_arguments()))
        if unknown:
            raise UsageError(
                f"{self.name} has no spider argument {', '.join(map(repr, unknown))}; "
                f"it accepts: {', '.join(self.accepted_arguments(public=True))}"
            )
        super().__init__(*args, **kwargs)
        self.params = CrawlParams.from_arguments(
            since=since,
            until=until,
            limit=limit,
            base_url=base_url,
            discovery=discovery,
            discovery_modes=self.discovery_modes,
        )
        self.base_url = self.params.base_url
        self.allowed_domains = list(self.public_hosts)
        self.claimed_articles: set[str] = set()
        self._page_context: PageContext | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.base_url:
            spider.check_mirror_handler(crawler)
            # The mirror answers under the public URLs, which the HTTP cache keys on: its pages
            # are kept apart, or a live crawl would be answered from them (and the other way).
            settings = crawler.settings
            mirror_dir = f"{settings['HTTPCACHE_DIR']}/mirror-{urlsplit(spider.base_url).netloc}"
            priority = settings.getpriority("HTTPCACHE_DIR") or "default"
            settings.set("HTTPCACHE_DIR", mirror_dir, priority)
        if is_loopback_origin(spider.base_url):
            # "spider" priority: settings from the command line (-s) still win.
            for name, value in LOOPBACK_SETTINGS.items():
                crawler.settings.set(name, value, priority="spider")
            spider.logger.info(
                "Mirror on this machine (%s): delays and AutoThrottle off, concurrency 16",
                spider.base_url,
            )
        return spider

    def check_mirror_handler(self, crawler: Crawler) -> None:
        """Refuses ``--base-url`` when the public URLs' scheme is downloaded by a handler other
        than ``BaseUrlDownloadHandler`` (``-s DOWNLOAD_HANDLERS`` for HTTP/2, say): the mirror
        rewrite lives there, so the crawl would go to the live site instead of the mirror."""
        from newsroom_scraper.handlers import BaseUrlDownloadHandler

        scheme = urlsplit(self.public_origin).scheme or "https"
        handler = crawler.settings.getwithbase("DOWNLOAD_HANDLERS").get(scheme)
        try:
            handler = load_object(handler) if isinstance(handler, str) else handler
        except ImportError:  # Scrapy says so when it loads the handlers; nothing is sent
            return
        if not (isinstance(handler, type) and issubclass(handler, BaseUrlDownloadHandler)):
            name = getattr(handler, "__qualname__", handler)
            raise UsageError(
                f"--base-url needs newsroom_scraper.handlers.BaseUrlDownloadHandler for "
                f"{scheme}: URLs (DOWNLOAD_HANDLERS), not {name}: it sends them to the mirror"
            )

    # -- URLs ---------------------------------------------------------------------------------

    def public_url(self, url_or_path: str) -> str:
        """An absolute public URL for a path, a relative or an absolute URL of the site."""
        return self.page_context.site.public_url(url_or_path)

    def is_site_url(self, url: str) -> bool:
        return self.page_context.site.is_site_url(url)

    # -- discovery budget ---------------------------------------------------------------------

    def claim_article(self, url: str) -> bool:
        """True the first time an article URL is scheduled and while ``limit`` allows more."""
        if url in self.claimed_articles:
            return False
        if self.params.limit is not None and len(self.claimed_articles) >= self.params.limit:
            return False
        self.claimed_articles.add(url)
        return True

    @property
    def limit_reached(self) -> bool:
        return self.params.limit is not None and len(self.claimed_articles) >= self.params.limit

    # -- items and errors ---------------------------------------------------------------------

    @classmethod
    def site_info(cls) -> SiteInfo:
        """The site as page objects see it (built from the class attributes above)."""
        return _site_info(cls)

    @classmethod
    def offline_context(cls) -> PageContext:
        """A page context without a crawl (``newsroom-scraper extract``, tests)."""
        return PageContext(cls.site_info())

    @property
    def page_context(self) -> PageContext:
        """This crawl's page context: the site and the crawl's stats (built once)."""
        if self._page_context is None:
            # From this spider, not its class: a site whose origin is an argument (generic) sets
            # it per crawl, in ``__init__``, before any page or URL is asked for.
            self._page_context = PageContext(_site_info(self), stats=self.inc_stat)
        return self._page_context

    def page(self, response: Response, **hints: Any) -> NewsPage:
        """The page object of an article response (``hints``: what discovery knew)."""
        context = self.page_context.with_hints(**hints) if hints else self.page_context
        page = self.page_class(response, context)
        note_page(page)  # for --keep-pages: the URL and hints an item of the response is read with
        return page

    def inc_stat(self, key: str, count: int = 1) -> None:
        if getattr(self, "crawler", None) is not None:
            self.crawler.stats.inc_value(key, count)

    def set_stat(self, key: str, value: Any) -> None:
        if getattr(self, "crawler", None) is not None:
            self.crawler.stats.set_value(key, value)

    def report(self, kind: str, url: str, reason: str) -> None:
        """A counted, logged failure with its URL (see :mod:`newsroom_scraper.report`)."""
        if getattr(self, "crawler", None) is not None:
            report_error(self.crawler, kind, url, reason)
        else:
            self.logger.error("%s: %s (%s)", kind, url, reason)

    @staticmethod
    def published_at(item: NewsItem) -> datetime:
        """The item's ``published`` (always ``YYYY-MM-DDTHH:MM:SSZ``) as a datetime."""
        return datetime.fromisoformat(item["published"].replace("Z", "+00:00"))

    def in_window(self, item: NewsItem) -> bool:
        """Published within ``since`` / ``until``."""
        return self.params.accepts(self.published_at(item))

    def extraction_failed(self, url: str, error: ExtractionError) -> None:
        self.report(error.kind, url, error.reason)

    def on_request_error(self, failure: Failure) -> None:
        """Errback of every request: a final HTTP status or a failure after the retries."""
        request: scrapy.Request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        url = self.requested_url(request)
        error = failure.value
        if isinstance(error, HttpError):
            self.handle_http_error(request, url, error.response.status)
            return
        self.report(FETCH_FAILED, url, f"{type(error).__name__}: {failure.getErrorMessage()}")

    def requested_url(self, request: scrapy.Request) -> str:
        """The public URL the spider asked for, before any redirect; for a
        request of an article through an API, the article's public URL (``ARTICLE_URL_META``):
        what the dataset knows it by, as the incremental state reads it too."""
        article_url = request.meta.get(ARTICLE_URL_META)
        if article_url:
            return str(article_url)
        redirects = request.meta.get("redirect_urls") or []
        return str(redirects[0] if redirects else request.url)

    def handle_http_error(self, request: scrapy.Request, url: str, status: int) -> None:
        """404/410 of a known article: it was removed (kept, flagged); anything else: error."""
        if status in GONE_STATUSES and getattr(self, "crawler", None) is not None:
            answers = self.crawler.signals.send_catch_log(article_gone, url=url, status=status)
            if any(result is True for _, result in answers):
                return
        self.report(HTTP_ERROR, url, f"HTTP {status}")

    # -- what a newsroom module provides --------------------------------------------------------

    def article_request(self, url: str) -> scrapy.Request:
        """A request for one article page (incremental runs retry failed URLs with it)."""
        raise NotImplementedError

    def is_article_url(self, url: str) -> bool:
        """True for URLs of article pages (their failures are retried by the next run)."""
        raise NotImplementedError

    @classmethod
    def dataset_name(cls, arguments: dict[str, Any]) -> str:
        """The name of the crawl's dataset (file names, state): the site's name; a site whose
        arguments name the newsroom (generic: ``start_url``) derives it from them."""
        return cls.name

    @classmethod
    def accepted_arguments(cls, public: bool = False) -> tuple[str, ...]:
        """The spider arguments (``-a NAME=VALUE``) this newsroom accepts: the keyword
        parameters of ``__init__`` along the class hierarchy (this base's, then each site's
        own), so that a site declares an argument once, where it reads it. ``public=False``
        adds what schedulers pass on their own (Scrapyd's ``_job``)."""
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            if not (isinstance(klass, type) and issubclass(klass, NewsroomSpider)):
                continue
            init = vars(klass).get("__init__")
            if init is None:
                continue
            for parameter in inspect.signature(init).parameters.values():
                if parameter.kind in _NAMED and parameter.name != "self":
                    names.append(parameter.name)
        if not public:
            names.extend(SCHEDULER_ARGUMENTS)
        return tuple(dict.fromkeys(names))

    @classmethod
    def check_arguments(cls, **arguments: Any) -> None:
        """Raise :class:`scrapy.exceptions.UsageError` for arguments this spider refuses."""
        cls(**arguments)


def _site_info(source: type[NewsroomSpider] | NewsroomSpider) -> SiteInfo:
    """The :class:`SiteInfo` of a spider class (offline) or of one crawl's spider; the name is
    the class's (the item's ``site``), whatever dataset a crawl's spider is named after."""
    spidercls = source if isinstance(source, type) else type(source)
    return SiteInfo(
        name=spidercls.name,
        public_origin=source.public_origin,
        public_hosts=source.public_hosts,
        timezone=source.timezone,
        date_languages=tuple(source.date_languages),
        attachment_rules=source.attachment_rules,
    )
