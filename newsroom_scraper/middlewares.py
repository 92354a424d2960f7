"""Downloader middlewares shared by every newsroom."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urljoin

from itemadapter import ItemAdapter
from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from w3lib.url import canonicalize_url, safe_url_string

from newsroom_scraper.extraction.page import PAGE_META
from newsroom_scraper.handlers import REDIRECT_STATUSES
from newsroom_scraper.requests import ARTICLE_ROLES, ROLE
from newsroom_scraper.signals import page_not_article

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class RedirectCheckMiddleware:
    """What Scrapy's redirects leave unsaid: a loop, and a redirect to a page already requested.

    Scrapy's ``RedirectMiddleware`` sends the redirected request back through the scheduler,
    whose duplicate filter drops it when its URL was requested before; no errback runs and
    nothing is logged above DEBUG. Two cases hide there:

    - a loop (``A`` -> ``A?x`` -> ``A``): the article would be lost silently. This middleware
      sits just before ``RedirectMiddleware`` (600) on the response's way back and raises
      ``IgnoreRequest`` there, as that middleware does when it gives up, so the request's
      errback reports the URL and the loop (``REDIRECT_MAX_TIMES`` only ends loops of URLs the
      filter has not seen);
    - a redirect to a page the crawl requested already (a listed sub-path answered by the item
      that owns it): nothing is lost, the page is fetched once; it is counted
      (``redirect/already_requested``) and logged, from Scrapy's ``request_dropped`` signal.

    It looks only at the redirects ``RedirectMiddleware`` follows (same statuses, same opt-outs,
    the ``Location`` read as it reads it), and only at requests the duplicate filter would drop:
    a ``dont_filter`` request going back to its own URL (a redirect that sets a cookie) is
    followed by Scrapy, and a true loop of it ends at ``REDIRECT_MAX_TIMES`` with its reason.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("REDIRECT_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if (
            response.status not in REDIRECT_STATUSES
            or not location
            or request.dont_filter
            or not self.followed(request, response)
        ):
            return response
        # As RedirectMiddleware reads it: non-ASCII bytes percent-encoded as UTF-8.
        target = canonicalize_url(urljoin(request.url, safe_url_string(location)))
        chain = [*request.meta.get("redirect_urls", ()), request.url]
        if target in {canonicalize_url(url) for url in chain}:
            raise IgnoreRequest(
                f"redirect loop: {request.url} redirects back to {target} "
                f"({len(chain)} redirect(s) followed)"
            )
        return response

    def followed(self, request: Request, response: Response) -> bool:
        """Whether ``RedirectMiddleware`` follows this response's redirect (its opt-outs)."""
        meta = request.meta
        spider_statuses = getattr(self.crawler.spider, "handle_httpstatus_list", ())
        return not (
            meta.get("dont_redirect")
            or meta.get("handle_httpstatus_all")
            or response.status in meta.get("handle_httpstatus_list", ())
            or response.status in spider_statuses
        )

    def request_dropped(self, request: Request) -> None:
        redirects = request.meta.get("redirect_urls")
        if not redirects:
            return
        self.crawler.stats.inc_value("redirect/already_requested")
        logger.info(
            "%s redirects to %s, requested already in this crawl: fetched once",
            redirects[0],
            request.url,
        )


class PageArchiveMiddleware:
    """``--keep-pages``: keeps article responses, gzip-compressed, for ``extract`` to reprocess.

    On disk, under ``<data dir>/pages/<site>/``: one ``<sha1 of the page's public URL>.html.gz``
    per article and ``index.jsonl``, one ``{"url", "file"}`` line per file written, with
    ``"hints"`` when the item was read with page hints (a later line for the same file replaces
    an earlier one). ``extract`` reads that index for files of a kept folder.

    Every article page is kept as it arrives, so that a page that could not be extracted can be
    tried again. Once an item is read, its file holds what the item was read from, under the
    URL and with the hints its page had (noted by the spider, see
    :func:`~newsroom_scraper.extraction.page.note_page`): when that response is not the page
    itself (Europol's node API answering for a page shell without data), it replaces the page's
    file; a later visit of the page that gives no item (a chain walked through it again) leaves
    it alone. So every kept file, read alone and in any order, gives the crawl's item again.
    A page that turns out not to be an article (:data:`~.signals.page_not_article`) is removed
    again: ``extract`` of the folder's files gives no "not an article" error.

    Why the hints go to the index, rather than a page's companions into a bundle (a node API
    answer kept with the shell whose site menu lent its terms their URLs): hints are the one
    input of a page besides its response, they are small plain JSON data, and every site has
    them (Europarl's listing label and crawl language, the generic spider's language and
    vocabularies, Europol's menu URLs); the kept file stays the very response, readable by any
    tool, in no format of ours; and only what the item used is kept, not a 60 KB shell per
    article. A hint records what the crawl knew, never content the page lacks: a page the crawl
    read without them gives the same item without them.

    Scrapy's HTTP cache also stores responses, but it answers later requests from them, which
    would defeat an incremental refresh; this archive is write-only.
    """

    def __init__(self, crawler: Crawler, folder: Path) -> None:
        self.crawler = crawler
        self.folder = folder
        self.index: IO[str] | None = None
        #: File name -> (sha1 of the body written, the index line written), in this crawl: the
        #: item read from the page kept on arrival costs no second compression nor a new line.
        self.written: dict[str, tuple[bytes, str]] = {}
        #: Files that hold what an item was read from, in this crawl.
        self.read_from: set[str] = set()
        crawler.signals.connect(self.item_done, signal=signals.item_scraped)
        crawler.signals.connect(self.item_done, signal=signals.item_dropped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.not_article, signal=page_not_article)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        data_dir = crawler.settings.get("NEWSROOM_DATA_DIR")
        if not crawler.settings.getbool("NEWSROOM_KEEP_PAGES") or not data_dir:
            raise NotConfigured
        return cls(crawler, Path(data_dir) / "pages")

    @staticmethod
    def file_name(public_url: str) -> str:
        return hashlib.sha1(public_url.encode(), usedforsecurity=False).hexdigest() + ".html.gz"

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status != 200 or request.meta.get(ROLE) not in ARTICLE_ROLES:
            return response
        public_url = request.url
        if self.file_name(public_url) not in self.read_from:
            self.keep(public_url, response.body)
        return response

    def item_done(self, item: Any, response: Response | None, **kwargs: Any) -> None:
        """An item (scraped or dropped): its file holds the response, URL and hints it came from."""
        request = getattr(response, "request", None)
        if response is None or request is None:
            return
        page = request.meta.get(PAGE_META)
        if isinstance(page, dict):
            url, hints = page["url"], page["hints"]
        elif request.meta.get(ROLE) in ARTICLE_ROLES:
            url, hints = request.url, {}
        else:
            url, hints = ItemAdapter(item).get("url"), {}
        if isinstance(url, str) and url:
            self.keep(url, response.body, hints)
            self.read_from.add(self.file_name(url))

    def not_article(self, response: Response) -> None:
        """Removes the file kept for ``response``'s page (its index line names a file no
        longer there: ``extract`` only reads the files it is given)."""
        request = getattr(response, "request", None)
        public_url = request.url if request else response.url
        name = self.file_name(public_url)
        spider = self.crawler.spider
        if name in self.read_from or spider is None:
            return
        if self.written.pop(name, None) is not None:
            self.crawler.stats.inc_value("pages/kept", -1)
        path = self.folder / spider.name / name
        if path.exists():
            path.unlink()
            self.crawler.stats.inc_value("pages/not_article")

    def keep(self, public_url: str, body: bytes, hints: dict[str, Any] | None = None) -> None:
        spider = self.crawler.spider
        assert spider is not None
        folder = self.folder / spider.name
        name = self.file_name(public_url)
        record: dict[str, Any] = {"url": public_url, "file": name}
        if hints:
            record["hints"] = hints
        line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        digest = hashlib.sha1(body, usedforsecurity=False).digest()
        before = self.written.get(name)
        if before == (digest, line):
            return
        if before is None or before[0] != digest:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(gzip.compress(body, compresslevel=6))
        if before is None:
            self.crawler.stats.inc_value("pages/kept")
        self.written[name] = (digest, line)
        if self.index is None:
            self.index = (folder / "index.jsonl").open("a", encoding="utf-8")
        self.index.write(line)
        self.index.flush()

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
