"""Downloader middlewares shared by every newsroom."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from itemadapter import ItemAdapter
from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from w3lib.url import safe_url_string

from newsroom_scraper.requests import ARTICLE_ROLES, PUBLIC_URL_META, ROLE

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class BaseUrlMiddleware:
    """Sends every request for the newsroom's public hosts to the ``base_url`` origin instead.

    Spiders, links, the offsite filter, robots.txt, the HTTP cache and the items all keep
    working with public URLs; only the wire goes to the mirror. Responses come back under their
    public URL, and redirects the mirror gives under its own origin are mapped back, so that a
    redirect never leaves the mirror for the live site.

    It sits after robots.txt, retries and redirects and before the downloader stats, so those
    see public URLs and every request is counted once, as it goes to the mirror.
    A built-in cannot do this: Scrapy has no setting to rewrite hosts.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.origin: str | None = None
        self.public_hosts: frozenset[str] = frozenset()
        self.public_origin = ""
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("NEWSROOM_BASE_URL_ENABLED", True):
            raise NotConfigured
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        self.origin = getattr(spider, "base_url", None)
        self.public_origin = getattr(spider, "public_origin", "")
        self.public_hosts = frozenset(getattr(spider, "public_hosts", ()))
        if self.origin:
            logger.info(
                "Requests for %s go to %s", ", ".join(sorted(self.public_hosts)), self.origin
            )

    def process_request(self, request: Request) -> Request | None:
        if not self.origin:
            return None
        parts = urlsplit(request.url)
        if parts.hostname not in self.public_hosts:
            return None
        origin = urlsplit(self.origin)
        mirrored = urlunsplit((origin.scheme, origin.netloc, parts.path, parts.query, ""))
        # robots.txt was obeyed for the public URL; the mirror's own is not asked again.
        meta = {**request.meta, PUBLIC_URL_META: request.url, "dont_obey_robotstxt": True}
        # A new request is rescheduled once; it was already filtered as its public URL.
        return request.replace(url=mirrored, meta=meta, dont_filter=True)

    def process_response(self, request: Request, response: Response) -> Response:
        public_url = request.meta.get(PUBLIC_URL_META)
        if not public_url or not self.origin:
            return response
        location = response.headers.get(b"Location")
        if not location:
            return response.replace(url=public_url)
        # Relative, mirror-absolute or public: always an absolute public URL, so that the
        # redirected request is mapped to the mirror again by process_request. Anywhere else is
        # off the site: the rewritten request skips Scrapy's offsite filter, so it stops here.
        target = location.decode("latin-1")
        target = self.to_public(target) or urljoin(public_url, target)
        if urlsplit(target).hostname not in self.public_hosts:
            self.crawler.stats.inc_value("offsite/redirects_refused")
            raise IgnoreRequest(f"redirected off the site, to {target}")
        headers = response.headers.copy()
        headers[b"Location"] = safe_url_string(target).encode("latin-1")
        return response.replace(url=public_url, headers=headers)

    def to_public(self, url: str) -> str | None:
        """A URL on the mirror's origin as the same URL on the public host."""
        if not self.origin:
            return None
        parts = urlsplit(url)
        origin = urlsplit(self.origin)
        if parts.scheme != origin.scheme or parts.netloc != origin.netloc:
            return None
        public = urlsplit(self.public_origin)
        return urlunsplit((public.scheme, public.netloc, parts.path, parts.query, parts.fragment))


class PageArchiveMiddleware:
    """``--keep-pages``: keeps article responses, gzip-compressed, for ``extract`` to reprocess.

    On disk, under ``<data dir>/pages/<site>/``: one ``<sha1 of the public URL>.html.gz`` per
    article and ``index.jsonl``, one ``{"url", "file"}`` line per file written (a later line for
    the same file replaces an earlier one). Every article page is kept as it arrives, so that a
    page that could not be extracted can be tried again; when an item comes from another
    response than its page (Europol's node API answering for a page shell without data), that
    response replaces the page's file: the kept file is always what the item was read from.

    Scrapy's HTTP cache also stores responses, but it answers later requests from them, which
    would defeat an incremental refresh; this archive is write-only.
    """

    def __init__(self, crawler: Crawler, folder: Path) -> None:
        self.crawler = crawler
        self.folder = folder
        self.index: IO[str] | None = None
        crawler.signals.connect(self.item_done, signal=signals.item_scraped)
        crawler.signals.connect(self.item_done, signal=signals.item_dropped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        data_dir = crawler.settings.get("NEWSROOM_DATA_DIR")
        if not crawler.settings.getbool("NEWSROOM_KEEP_PAGES") or not data_dir:
            raise NotConfigured
        return cls(crawler, Path(data_dir) / "pages")

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status != 200 or request.meta.get(ROLE) not in ARTICLE_ROLES:
            return response
        self.keep(request.meta.get(PUBLIC_URL_META, request.url), response.body)
        return response

    def item_done(self, item: Any, response: Response | None, **kwargs: Any) -> None:
        """An item (scraped or dropped) read from a response that is not an article page."""
        request = getattr(response, "request", None)
        if response is None or request is None or request.meta.get(ROLE) in ARTICLE_ROLES:
            return  # its page is kept already, by process_response
        url = ItemAdapter(item).get("url")
        if isinstance(url, str) and url:
            self.keep(url, response.body)

    def keep(self, public_url: str, body: bytes) -> None:
        spider = self.crawler.spider
        assert spider is not None
        folder = self.folder / spider.name
        folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha1(public_url.encode(), usedforsecurity=False).hexdigest() + ".html.gz"
        (folder / name).write_bytes(gzip.compress(body, compresslevel=6))
        if self.index is None:
            self.index = (folder / "index.jsonl").open("a", encoding="utf-8")
        self.index.write(json.dumps({"url": public_url, "file": name}) + "\n")
        self.index.flush()
        self.crawler.stats.inc_value("pages/kept")

    def spider_closed(self, spider: Any) -> None:
        if self.index is not None:
            self.index.close()
            self.index = None


class CallbackErrorMiddleware:
    """Safety net: an exception escaping a spider callback becomes a counted, reported error.

    Extractors raise :class:`~newsroom_scraper.errors.ExtractionError` and spiders report those
    themselves; anything else is a bug or a page shape nobody foresaw. Scrapy would only log it,
    and the run would still exit 0; here it is reported with its URL (exit code 1) and the crawl
    goes on.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_spider_exception(self, response: Response, exception: Exception) -> list[Any]:
        from newsroom_scraper.errors import EXTRACTION
        from newsroom_scraper.report import report_error

        logger.error("Unexpected error processing %s", response.url, exc_info=exception)
        reason = f"unexpected {type(exception).__name__}: {exception}"
        report_error(self.crawler, EXTRACTION, response.url, reason)
        return []
