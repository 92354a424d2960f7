"""Page objects: one newsroom page -> one :class:`~newsroom_scraper.items.NewsItem`, no spider.

A newsroom module describes its article page as a subclass of :class:`NewsPage`. The page gets
the response (URL, headers, body) and a :class:`PageContext` (where the site lives, its time
zone, its attachment rules, a stats callback and a few hints from discovery) and returns the item
through the item loader. The crawl, ``newsroom-scraper extract`` and the tests all build pages
the same way::

    page = EuropolPage(response, EuropolSpider.offline_context())
    item = page.to_item()

Why not web-poet's ``ItemPage``: its ``@field`` protocol builds items without an item loader
(our processors would live twice, as ``out=`` and as loader processors), ``to_item`` is async,
and scrapy-poet's injection changes request fingerprints, which the incremental state and the
distributed seen-set depend on. The pattern is the same (typed inputs, no spider, testable by
hand); the class is plain and synchronous, as fundus's parsers are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Final
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from newsroom_scraper.errors import EXTRACTION, ExtractionError
from newsroom_scraper.extraction.htmltext import AttachmentRules, clean_url
from newsroom_scraper.extraction.loaders import NewsItemLoader

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from scrapy.http import Response

    from newsroom_scraper.items import NewsItem


_UTC = ZoneInfo("UTC")


def _no_stats(key: str, count: int = 1) -> None:
    """Stats callback of a context without a crawler (``extract``, tests): counts nothing."""


@dataclass(frozen=True)
class SiteInfo:
    """Where a newsroom lives and how its pages read: fixed for a site, declared once."""

    #: The site's name (``europol``): item ids, dataset file names, stats.
    name: str
    #: ``https://host`` of the live site: item URLs always use it, whatever mirror was crawled.
    public_origin: str
    #: Hosts that belong to the site (the offsite filter, ``--base-url`` rewriting).
    public_hosts: tuple[str, ...]
    #: The newsroom's own time zone: the calendar date its readers see.
    timezone: ZoneInfo = _UTC
    #: Languages tried by the free-form date parser (the last resort).
    date_languages: tuple[str, ...] = ("en",)
    #: Which links are files, videos or images.
    attachment_rules: AttachmentRules = field(default_factory=AttachmentRules)

    def public_url(self, url_or_path: str) -> str:
        """An absolute public URL for a path, a relative or an absolute URL of the site."""
        if url_or_path.startswith("/") and not url_or_path.startswith("//"):
            return clean_url(self.public_origin + url_or_path)  # the common case: no parsing
        absolute = urljoin(self.public_origin + "/", url_or_path.strip())
        parts = urlsplit(absolute)
        if parts.hostname in self.public_hosts and parts.scheme == "http":
            absolute = "https" + absolute[len("http") :]
        return clean_url(absolute)

    def is_site_url(self, url: str) -> bool:
        return urlsplit(url).hostname in self.public_hosts


@dataclass(frozen=True)
class PageContext:
    """What a page needs beyond its response: the site, a stats callback, discovery's hints.

    ``cache`` is shared by every page of one crawl or one ``extract`` run, for values that are
    the same on every page of a site (a menu index): computed by the first page, reused after.
    """

    site: SiteInfo
    #: ``stats(key, count)``: the crawl's stats collector, or nothing outside a crawl.
    stats: Callable[[str, int], None] = _no_stats
    #: What discovery knew about the page (a listing's label, a listing's date): plain JSON data
    #: (strings, numbers, lists, objects), for ``--keep-pages`` keeps them beside the page.
    hints: Mapping[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict, compare=False)

    def with_hints(self, **hints: Any) -> PageContext:
        """The same context for one page whose discovery knew ``hints``."""
        return PageContext(self.site, self.stats, {**self.hints, **hints}, self.cache)

    def count(self, key: str, count: int = 1) -> None:
        self.stats(key, count)

    def count_fallback(self, field_name: str, source: str) -> None:
        self.stats(f"fallback/{field_name}", 1)
        self.stats(f"fallback/{field_name}/{source}", 1)

    def public_url(self, url_or_path: str) -> str:
        return self.site.public_url(url_or_path)

    def new_loader(self, page_url: str) -> NewsItemLoader:
        """A loader with this newsroom's context; fallbacks are counted in the stats."""
        return NewsItemLoader(
            site=self.site.name,
            timezone=self.site.timezone,
            base_url=page_url,
            date_languages=list(self.site.date_languages),
            attachment_rules=self.site.attachment_rules,
            fallback_counter=self.count_fallback,
        )


#: ``Request.meta`` key where :func:`note_page` writes which page an item of the response is
#: read from: ``{"url": the page's URL, "hints": its context's hints}``.
PAGE_META: Final = "newsroom_page"


def note_page(page: NewsPage) -> None:
    """Notes on the response's request (``meta[PAGE_META]``) the URL and hints ``page`` reads
    with: ``--keep-pages`` keeps them beside the response, so that ``extract`` builds the same
    page again (see :class:`~newsroom_scraper.middlewares.PageArchiveMiddleware`). The last page
    built for a response is the one noted. A response without a request (tests, ``extract``)
    has nowhere to note it and needs nothing noted."""
    request = page.response.request
    if request is not None:
        request.meta[PAGE_META] = {"url": page.url, "hints": dict(page.context.hints)}


class NewsPage:
    """Base of every newsroom's article page: ``NewsPage(response, context).to_item()``.

    A subclass implements :meth:`build_item`; :meth:`to_item` turns the ordinary accidents of a
    page of the wrong shape (a value of the wrong type deep in its JSON, a missing key) into an
    :class:`ExtractionError` with a readable reason, which the crawl reports with the page's URL.
    """

    #: Exceptions that mean "the page is not what this class reads", never a bug to hide: the
    #: rest propagate (the crawl's safety net reports them as unexpected).
    page_errors: ClassVar[tuple[type[Exception], ...]] = (
        ValueError,
        TypeError,
        LookupError,
        AttributeError,
        OverflowError,
        RecursionError,
    )

    def __init__(self, response: Response, context: PageContext) -> None:
        self.response = response
        self.context = context

    @property
    def url(self) -> str:
        return str(self.response.url)

    def to_item(self) -> NewsItem:
        """The page's item; :class:`ExtractionError` when the page is not a usable article."""
        try:
            return self.build_item()
        except ExtractionError:
            raise
        except self.page_errors as exc:
            raise ExtractionError(
                f"unusable page ({type(exc).__name__}: {exc})"[:300], EXTRACTION
            ) from None

    def build_item(self) -> NewsItem:
        raise NotImplementedError
