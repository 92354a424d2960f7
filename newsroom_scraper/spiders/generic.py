"""Any newsroom: ``newsroom-scraper crawl URL`` finds the articles of the site at URL and reads
each one from its metadata and main content. No site knowledge; a site module (or a preset)
subclasses the parts it knows better.

1. **The article page** (:class:`GenericPage`): response + context -> item, through the item
   loader, each field from :class:`~newsroom_scraper.extraction.article.ArticleReader`
   (metadata first, trafilatura for the body). Ids are ``generic:<host>:<hash>``, the hash of
   the page's canonical URL (``og:url``, canonical link), whatever host that URL names (a mirror
   or a syndicated copy stays an article of the site crawled). A page that says it is a home,
   listing or tag page is no item: ``extract`` reports it as ``not_article``, a crawl counts it
   (``generic/not_article``).
2. **Discovery** (:class:`GenericSpider`), ``auto`` mode: the feeds the start page announces
   (``<link rel=alternate>``) or links to, the sitemaps named in robots.txt (indexes, gzip,
   Google News), and the listing itself, paged (``rel=next``, a "next" link found by its
   structure, ``?page=N``) until a page ends or repeats. Which links of a listing are articles
   is decided from the page's structure (:mod:`newsroom_scraper.extraction.navigation`): the
   links of the repeated teaser blocks, and the URL shape they share. ``feed``, ``sitemap`` and
   ``listing`` use one source only.
3. **Presets**: a subclass with a start URL, patterns and vocabulary names (:class:`Preset`).
"""

from __future__ import annotations

import calendar
import hashlib
import logging
import re
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import lxml.etree
import scrapy
from scrapy import signals
from scrapy.exceptions import UsageError
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from newsroom_scraper.errors import DISCOVERY, ExtractionError
from newsroom_scraper.extraction.article import (
    ArticleReader,
    cleaned_content,
    date_lines,
    main_content_html,
)
from newsroom_scraper.extraction.dates import DateError, parse_moment
from newsroom_scraper.extraction.metadata import PageMetadata
from newsroom_scraper.extraction.navigation import (
    article_links,
    clean_link,
    feed_links,
    next_page,
    numbered_next,
)
from newsroom_scraper.extraction.page import NewsPage, PageContext
from newsroom_scraper.params import parse_limit
from newsroom_scraper.requests import ROLE, Role
from newsroom_scraper.signals import page_not_article
from newsroom_scraper.spiders.base import GONE_STATUSES, NewsroomSpider

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from newsroom_scraper.extraction.loaders import NewsItemLoader
    from newsroom_scraper.items import NewsItem

logger = logging.getLogger(__name__)

#: Error kind of a page that is not an article (a home, listing, tag or section page).
NOT_ARTICLE = "not_article"


def article_id(site_url: str, canonical_url: str | None) -> str:
    """``generic:<host of the crawled site>:<first 16 hex of sha256(canonical URL)>``."""
    host = (urlsplit(site_url).hostname or "unknown").lower()
    key = normalized_url(canonical_url or site_url)
    return f"generic:{host}:{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}"


def normalized_url(url: str) -> str:
    """A URL compared as the same page: no scheme, ``www.``, fragment or trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/") or "/"
    return f"{host}{path}" + (f"?{parts.query}" if parts.query else "")


class GenericPage(NewsPage):
    """Any article page -> :class:`NewsItem` (see the module docstring).

    A site module overrides one method per field it knows better (``title``, ``published``,
    ``lead``, ``body_html``, ``taxonomy``) and keeps the others. Hints: ``language``, the
    language to assume when the page declares none; ``vocabularies``, a renaming of taxonomy
    vocabularies (``{"keywords": "topics"}``).
    """

    reader_class: ClassVar[type[ArticleReader]] = ArticleReader

    @cached_property
    def metadata(self) -> PageMetadata:
        if not isinstance(self.response, TextResponse):
            raise ExtractionError("not an HTML page")
        return PageMetadata(self.response.body, encoding=self.response.encoding or "utf-8")

    @cached_property
    def reader(self) -> ArticleReader:
        return self.reader_class(self.metadata, self.url)

    @cached_property
    def content_html(self) -> str:
        """The main content as HTML (trafilatura), ``""`` when it finds none."""
        found = main_content_html(self.response.body, self.url) or ""
        if not found.strip():
            return ""
        # A leading block that repeats any of the page's headlines (the og, JSON-LD, h1 or
        # <title> one, site name cut) is the headline, not the body.
        # So is a leading block that repeats the lead, and a date line's label left without
        # its <time> ("Published").
        headlines = [self.reader.without_site_name(v) for _, v in self.reader.title_candidates()]
        return cleaned_content(
            found,
            self.url,
            [self.reader.title()[0] or "", *headlines],
            lead=self.reader.separate_lead(),
            dates=date_lines(self.metadata.root),
        )

    @cached_property
    def content_root(self) -> Any:
        import lxml.html

        return lxml.html.fromstring(self.content_html) if self.content_html.strip() else None

    # -- the item ------------------------------------------------------------------------------

    def build_item(self) -> NewsItem:
        reason = self.reader.not_article_reason()
        if reason:
            raise ExtractionError(reason, NOT_ARTICLE)
        loader = self.context.new_loader(self.url)
        loader.add_value("url", self.url)
        loader.add_value("id", article_id(self.url, self.reader.canonical_url()))
        self.add_title(loader)
        self.add_published(loader)
        loader.add_value("content_type", self.reader.content_type())
        loader.add_value("language", self.language())
        lead, _ = self.reader.lead()
        loader.add_value("lead", lead)
        if not self.content_html.strip():
            raise ExtractionError("no main content found", NOT_ARTICLE)
        loader.add_body(self.content_html)
        loader.add_value("taxonomy", self.taxonomy())
        item: NewsItem = loader.load_item()
        if not item.get("title"):
            raise ExtractionError("no title (og:title, JSON-LD headline, h1, <title>)")
        if not item.get("language"):
            raise ExtractionError("no language: the page declares none (-a language=xx)")
        return item

    def add_title(self, loader: NewsItemLoader) -> None:
        title, source = self.reader.title()
        loader.add_value("title", title)
        self.context.count(f"generic/title/{source or 'none'}")

    def add_published(self, loader: NewsItemLoader) -> None:
        moment, source = self.reader.published(self.context.site.timezone)
        if moment is None:
            raise ExtractionError("no publication date", NOT_ARTICLE)
        loader.add_value("published", moment)
        self.context.count(f"generic/published/{source}")

    def language(self) -> str | None:
        headers = self.response.headers.get(b"Content-Language")
        declared = self.reader.language(headers.decode("latin-1") if headers else None)
        if declared:
            return declared
        sample = f"{self.reader.title()[0] or ''} {self.reader.lead()[0] or ''}"
        return self.reader.script_language(sample) or self.context.hints.get("language")

    def taxonomy(self) -> dict[str, list[dict[str, Any]]]:
        terms = self.reader.taxonomy(self.content_root)
        names: dict[str, str] = dict(self.context.hints.get("vocabularies") or {})
        renamed: dict[str, list[dict[str, Any]]] = {}
        for vocabulary, entries in terms.items():
            name = re.sub(r"[^a-z0-9_]", "_", names.get(vocabulary, vocabulary).lower())
            renamed.setdefault(name, []).extend(entries)
        return renamed


# -- discovery ------------------------------------------------------------------------------------

#: The origin of ``crawl generic`` without a start URL: the made-up newsroom of the offline demo
#: and the test mirrors (``example.org`` is reserved for examples, RFC 2606); it only answers
#: with ``--demo`` or ``--base-url``.
DEMO_ORIGIN = "https://newsroom.example.org"
#: Why ``crawl generic`` without a URL does not start.
NO_START_URL = (
    "generic needs the newsroom's URL: newsroom-scraper crawl URL (or -a start_url=URL); "
    "without one, only --demo or --base-url serve the demo newsroom"
)
_DATASET_HOST = re.compile(r"^[a-z0-9][a-z0-9.-]{0,200}$")


def parse_start_url(value: str) -> str:
    """An absolute http(s) URL with a host; :class:`UsageError` otherwise."""
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.username:
        raise UsageError(f"start_url={value!r}: expected an http(s) URL such as https://host/news")
    try:
        parts.port  # noqa: B018  # an invalid port raises here
    except ValueError:
        raise UsageError(f"start_url={value!r}: invalid port") from None
    return value.strip()


def dataset_name(start_url: str) -> str:
    """``generic-<host>`` (``generic-www.eurojust.europa.eu``): the only part of a start URL
    that reaches a file name, as letters, digits, dots and dashes (a port becomes ``-N``)."""
    parts = urlsplit(parse_start_url(start_url))
    try:
        host = (parts.hostname or "").encode("idna").decode("ascii").lower().strip(".")
    except UnicodeError:
        raise UsageError(f"start_url={start_url!r}: not a valid host name") from None
    if parts.port:
        host += f"-{parts.port}"
    if not _DATASET_HOST.match(host) or ".." in host:
        raise UsageError(f"start_url={start_url!r}: its host cannot name a dataset")
    return f"generic-{host}"


def _pattern(name: str, value: str | None) -> re.Pattern[str] | None:
    if not value:
        return None
    try:
        return re.compile(value)
    except re.error as exc:
        raise UsageError(f"{name}={value!r}: not a regular expression ({exc})") from None


_FEED_TYPE = re.compile(rb"(rss|atom|feed|/xml)\b", re.IGNORECASE)
_FEED_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(rss|feed|rdf:RDF)\b", re.DOTALL)


def feed_time(value: Any) -> datetime | None:
    """feedparser's parsed time (a UTC ``struct_time``) as an aware datetime."""
    if value is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)


def is_feed(response: Response) -> bool:
    """An RSS, Atom or RDF feed (by its content type or its first element), not a page."""
    kind = response.headers.get(b"Content-Type") or b""
    if b"html" in kind.lower():
        return False
    return bool(_FEED_TYPE.search(kind) or _FEED_START.match(response.body[:2000]))


class GenericSpider(NewsroomSpider):
    """Any newsroom (see the module docstring).

    Arguments beyond every site's: ``start_url`` (the newsroom's listing page; its origin is the
    site), ``article_pattern`` (a regular expression article URLs match: links anywhere on a
    listing page are then articles when they match, and sitemap or feed URLs only when they
    match), ``listing_pattern`` (the next pages a listing may follow), ``max_pages`` (listing
    pages at most), ``language`` (for pages that declare none) and ``vocabularies``
    (``keywords=topics,section=sections``: taxonomy vocabularies renamed).
    """

    name = "generic"
    description = (
        "any newsroom: `crawl URL` finds its articles through feeds, sitemaps, listings "
        "(dataset generic-<host>; `crawl generic --demo`: the demo newsroom, dataset generic)"
    )
    public_origin = DEMO_ORIGIN
    public_hosts: tuple[str, ...] = ("newsroom.example.org",)
    page_class: ClassVar[type[NewsPage]] = GenericPage
    discovery_modes = ("auto", "feed", "sitemap", "listing")
    #: Preset values (a subclass sets them; ``-a`` arguments win).
    start_url: ClassVar[str | None] = None
    article_pattern: ClassVar[str | None] = None
    listing_pattern: ClassVar[str | None] = None
    vocabularies: ClassVar[dict[str, str]] = {}
    language: ClassVar[str | None] = None

    def __init__(
        self,
        *args: Any,
        start_url: str | None = None,
        article_pattern: str | None = None,
        listing_pattern: str | None = None,
        max_pages: str | None = None,
        language: str | None = None,
        vocabularies: str | None = None,
        **kwargs: Any,
    ) -> None:
        given = start_url or type(self).start_url
        super().__init__(*args, **kwargs)
        if not given and self.base_url is None:
            raise UsageError(NO_START_URL)  # the CLI checks arguments before any request
        if given and type(self).name == GenericSpider.name:
            # The dataset of a generic crawl is named after its host (a preset keeps its name).
            self.name = dataset_name(given)
        self.start_page = parse_start_url(given or DEMO_ORIGIN + "/")
        parts = urlsplit(self.start_page)
        host = (parts.hostname or "").lower()
        bare = host.removeprefix("www.")
        # The one site whose origin is an argument: the class values are the demo's, each
        # crawl's are its start URL's (the URL rewriting and the offsite filter read these).
        self.public_origin = f"{parts.scheme}://{parts.netloc.lower()}"
        self.public_hosts = tuple(dict.fromkeys((host, bare, f"www.{bare}")))
        self.allowed_domains = list(self.public_hosts)
        self.article_re = _pattern("article_pattern", article_pattern or self.article_pattern)
        self.listing_re = _pattern("listing_pattern", listing_pattern or self.listing_pattern)
        self.max_pages = parse_limit(max_pages) if max_pages else None
        self.default_language = language or type(self).language
        names = dict(type(self).vocabularies)
        for pair in (vocabularies or "").split(","):
            source, _, target = pair.partition("=")
            if source.strip() and target.strip():
                names[source.strip()] = target.strip()
        self.vocabulary_names = names
        self.listing_pages: set[str] = set()
        self.listing_signatures: set[tuple[str, ...]] = set()
        self.feeds: set[str] = set()
        #: URL shapes of the articles the listing gave so far (see ``article_links``).
        self.article_shapes: set[int] = set()
        #: The block signatures of those articles' teasers.
        self.teaser_blocks: set[str] = set()
        #: Article URLs the discovery sources gave (``--since`` aside), and why a source gave
        #: none: a crawl whose sources give no article at all reports it (see ``on_idle``).
        self.found_articles = 0
        self.empty_sources: list[str] = []
        self.idle_checked = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    def on_idle(self) -> None:
        """Once everything discovered is fetched: a discovery that found no article at all is
        an error (exit 1) naming why each source gave none, never a silent empty crawl. Not
        after an error already reported (a start page that failed says it itself)."""
        if self.idle_checked or self.found_articles:
            return
        self.idle_checked = True
        stats = self.crawler.stats.get_stats()
        if any(key.startswith("errors/") and value for key, value in stats.items()):
            return
        mode = self.params.discovery
        why = "; ".join(dict.fromkeys(self.empty_sources)) or "no source answered"
        self.report(DISCOVERY, self.start_page, f"--discovery {mode} found no article: {why}")

    def source_gave_none(self, reason: str) -> None:
        self.empty_sources.append(reason)

    @property
    def page_context(self) -> PageContext:
        """The base's (this crawl's origin and hosts), with the crawl's language and vocabularies
        as hints of every page."""
        if self._page_context is None:
            self._page_context = super().page_context.with_hints(
                language=self.default_language, vocabularies=self.vocabulary_names
            )
        return self._page_context

    # -- requests -----------------------------------------------------------------------------

    def article_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.on_request_error,
            meta={ROLE: Role.ARTICLE},
        )

    def is_article_url(self, url: str) -> bool:
        if self.article_re is not None and self.article_re.search(url):
            return True
        return url in self.claimed_articles

    def articles(self, urls: list[str], source: str) -> Iterator[scrapy.Request]:
        """Requests for the article URLs not yet scheduled (``limit`` allowing)."""
        for url in urls:
            if url in self.listing_pages or not self.is_site_url(url):
                continue
            if not urlsplit(url).path.strip("/"):
                continue  # the home page is never an article
            if self.claim_article(url):
                self.inc_stat(f"discovery/{source}_articles")
                yield self.article_request(url)

    def listing_request(self, url: str, guessed: bool = False) -> scrapy.Request:
        """A listing page; ``guessed``: a page number tried (its absence ends the listing)."""
        self.listing_pages.add(url)
        return scrapy.Request(
            url, callback=self.parse_listing,
            errback=self.on_guessed_page_error if guessed else self.on_request_error,
            meta={ROLE: Role.LISTING}, priority=Role.LISTING.priority,
        )  # fmt: skip

    def on_guessed_page_error(self, failure: Failure) -> None:
        """A tried page number that does not exist (404, 410): the listing's end."""
        error = failure.value
        if isinstance(error, HttpError) and error.response.status in GONE_STATUSES:
            self.inc_stat("discovery/listing_ended")
            return
        self.on_request_error(failure)

    def feed_request(self, url: str, callback: Any) -> scrapy.Request | None:
        if url in self.feeds:
            return None
        self.feeds.add(url)
        return scrapy.Request(
            url, callback=callback, errback=self.on_optional_error,
            meta={ROLE: Role.FEED}, priority=Role.FEED.priority,
        )  # fmt: skip

    async def start(self) -> AsyncIterator[Any]:
        mode = self.params.discovery
        if mode in {"auto", "sitemap"}:
            robots = scrapy.Request(
                self.public_origin + "/robots.txt", callback=self.parse_robots,
                errback=self.on_optional_error, meta={ROLE: Role.FEED},
                priority=Role.FEED.priority, dont_filter=True,
            )  # fmt: skip
            yield robots
        if mode in {"auto", "feed", "listing"}:
            yield self.listing_request(self.start_page)

    def on_optional_error(self, failure: Failure) -> Iterator[scrapy.Request]:
        """A robots.txt, sitemap or feed that does not answer: one discovery path less (with
        ``--discovery sitemap``, a robots.txt that does not answer: ``/sitemap.xml`` is tried)."""
        request: scrapy.Request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        self.inc_stat("discovery/unavailable")
        error = failure.value
        why = (
            f"HTTP {error.response.status}"
            if isinstance(error, HttpError)
            else failure.getErrorMessage()
        )
        logger.info("No %s: %s", request.meta.get(ROLE), why)
        url = self.requested_url(request)
        self.source_gave_none(f"{url} did not answer ({why})")
        if request.callback == self.parse_robots and self.params.discovery == "sitemap":
            fallback = self.feed_request(self.public_origin + "/sitemap.xml", self.parse_sitemap)
            if fallback is not None:
                yield fallback

    # -- robots.txt, sitemaps, feeds ----------------------------------------------------------

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        text = response.text if isinstance(response, TextResponse) else response.body.decode()
        sitemaps = [
            line.split(":", 1)[1].strip()
            for line in text.splitlines()
            if line.lower().startswith("sitemap:")
        ]
        if not sitemaps:
            self.source_gave_none("robots.txt names no sitemap")
            if self.params.discovery == "sitemap":
                sitemaps = [self.public_origin + "/sitemap.xml"]
        for url in sitemaps:
            request = self.feed_request(self.public_url(url), self.parse_sitemap)
            if request is not None:
                yield request

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            body = gunzip(body)
        try:
            sitemap = Sitemap(body)
        except (ValueError, lxml.etree.XMLSyntaxError) as exc:
            self.report(DISCOVERY, response.url, f"not a sitemap: {exc}")
            return
        self.inc_stat("discovery/sitemaps")
        entries = list(sitemap)
        if sitemap.type == "sitemapindex":
            for entry in entries:
                request = self.feed_request(self.public_url(entry["loc"]), self.parse_sitemap)
                if request is not None:
                    yield request
            return
        entries = [entry for entry in entries if entry.get("loc")]
        if self.article_re is not None:
            entries = [e for e in entries if self.article_re.search(self.public_url(e["loc"]))]
        self.found_articles += len(entries)
        if not entries:
            matching = " matching article_pattern" if self.article_re else ""
            self.source_gave_none(f"the sitemap {response.url} lists no page{matching}")
        entries.sort(key=lambda e: str(e.get("lastmod") or e.get("publication_date") or ""),
                     reverse=True)  # fmt: skip
        # Under --since, an entry last modified (or published) before it is not fetched: a
        # page is modified after it is published, so it was published before --since too.
        entries = [
            entry for entry in entries
            if not self.dated_before_since(entry.get("lastmod") or entry.get("publication_date"))
        ]  # fmt: skip
        urls = [self.public_url(entry["loc"]) for entry in entries]
        yield from self.articles(urls, "sitemap")

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        import feedparser  # deferred: only crawls that find a feed need it

        parsed = feedparser.parse(response.body)
        if not parsed.entries:
            self.inc_stat("discovery/empty_feeds")
            self.source_gave_none(f"the feed {response.url} has no entries")
            return
        self.inc_stat("discovery/feeds")
        entries = [
            (clean_link(self.public_url(entry.get("link"))), entry)
            for entry in parsed.entries
            if entry.get("link")
        ]
        if self.article_re is not None:
            entries = [(url, entry) for url, entry in entries if self.article_re.search(url)]
            if not entries:
                self.source_gave_none(f"no entry of {response.url} matches article_pattern")
        self.found_articles += len(entries)
        urls = [
            url
            for url, entry in entries
            if not self.dated_before_since(
                # dict.get: feedparser warns when asked for an updated time a feed lacks
                feed_time(entry.get("published_parsed") or dict.get(entry, "updated_parsed"))
            )
        ]
        yield from self.articles(urls, "feed")

    def dated_before_since(self, value: Any) -> bool:
        """Whether a sitemap or feed date (a W3C / ISO 8601 string, a datetime) is before
        ``--since``; ``False`` without ``--since`` or without a date that parses (counted when
        it skips)."""
        if self.params.since is None or not value:
            return False
        try:
            moment = parse_moment(value, self.page_context.site.timezone)
        except DateError:
            return False
        if self.params.before_since(moment.utc):
            self.inc_stat("discovery/before_since")
            return True
        return False

    # -- the listing --------------------------------------------------------------------------

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        first = response.url == self.start_page or len(self.listing_pages) == 1
        if first and is_feed(response):  # the start URL is a feed: its entries are the articles
            yield from self.parse_feed(response)
            return
        if not isinstance(response, TextResponse):
            self.report(DISCOVERY, response.url, "the listing page is not HTML")
            return
        root = PageMetadata(response.body, encoding=response.encoding).root
        mode = self.params.discovery
        if first:
            if mode in {"auto", "feed"}:
                feeds = feed_links(root, response.url, self.is_site_url)
                if not feeds:
                    self.source_gave_none(f"{response.url} announces and links no feed")
                for url in feeds:
                    request = self.feed_request(url, self.parse_feed)
                    if request is not None:
                        yield request
            if mode == "feed":
                return
        self.inc_stat("discovery/listing_pages")
        urls = article_links(root, response.url, self.is_site_url, self.article_re,
                             self.article_shapes, known_blocks=self.teaser_blocks)  # fmt: skip
        signature = tuple(urls)
        self.found_articles += len(urls)
        if not urls and first:
            self.source_gave_none(
                f"{response.url} has no article links (no repeated teaser blocks; "
                "-a article_pattern=REGEX names them)"
            )
        if not urls or signature in self.listing_signatures:
            self.inc_stat("discovery/listing_ended")
            return  # a page without articles, or one that repeats an earlier page
        self.listing_signatures.add(signature)
        new = [url for url in urls if url not in self.claimed_articles]
        yield from self.articles(urls, "listing")
        if new and not self.limit_reached:
            yield from self.next_listing_page(root, response.url)

    def next_listing_page(self, root: lxml.etree._Element, url: str) -> Iterator[scrapy.Request]:
        """The request for the page after ``url``, unless the listing ends there."""
        following = next_page(root, url, self.is_site_url)
        guessed = following is None
        if guessed:
            following = numbered_next(url)
        if following is None or following in self.listing_pages:
            return
        if self.listing_re is not None and not self.listing_re.search(following):
            return
        if self.max_pages is not None and len(self.listing_pages) >= self.max_pages:
            return
        yield self.listing_request(following, guessed=guessed)

    # -- articles -----------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[NewsItem]:
        try:
            item = self.page(response).to_item()
        except ExtractionError as error:
            if error.kind == NOT_ARTICLE:
                self.inc_stat("discovery/not_article")
                logger.info("Not an article: %s (%s)", response.url, error.reason)
                self.crawler.signals.send_catch_log(page_not_article, response=response)
                return
            self.extraction_failed(response.url, error)
            return
        if self.in_window(item):
            yield item
        else:
            self.inc_stat("discovery/outside_window")

    @classmethod
    def dataset_name(cls, arguments: dict[str, Any]) -> str:
        """``generic-<host>`` when a start URL is given (or preset), else ``generic``."""
        given = arguments.get("start_url") or cls.start_url
        return dataset_name(given) if given else cls.name


class Preset(GenericSpider):
    """A known newsroom read the generic way: a start URL, patterns, vocabulary names.

    A preset is a few lines; its name is its own dataset (``newsroom-scraper crawl
    example_preset``)::

        class EurojustNews(Preset):
            name = "eurojust"
            start_url = "https://www.eurojust.europa.eu/media-and-events/press-releases-and-news"
            article_pattern = r"/news/[^/]+$"
            vocabularies = {"keywords": "topics"}
            language = "en"

    Presets are not registered unless a module defines one (none does yet); this base is not a
    spider of its own (no ``name``).
    """

    name = ""
