"""GOV.UK news (www.gov.uk), as described in ``shared/sites/govuk.md``.

GOV.UK serves every page as JSON: the crawler never parses an HTML page.

Discovery: the Search API (``/api/search.json``) lists an organisation's news newest first
(``order=-public_timestamp``, 100 a page, content ids de-duplicated); each listed ``link`` is
fetched from the Content API (``/api/content<base_path>``), and each English item's versions in
other languages (``links.available_translations``) are fetched too, since search lists English
only. Extraction: :class:`GovukPage` turns one Content API response into the item exactly as the
site file's "Fixed for this project" says (id ``govuk:<locale>:<content_id>``, its paragraph rule,
links versus attachments, the six taxonomy vocabularies, translations as ``related``).

``public_timestamp`` (the listing's order) is the time of the last major update, not the
publication: an updated item moves back to the top of the listing. Each Content API request
carries it as the article's listed version (``LISTED_VERSION_META``), so an incremental refresh
fetches the new ids and the known ones listed with another ``public_timestamp`` and stops where
the listing reaches the items the last complete run saw (the contract's incremental rule, kept by
:mod:`newsroom_scraper.state.incremental`). Translations, which search does not list, are
``RELATED_ARTICLE`` requests: fetched whenever their English item is.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeGuard, cast
from urllib.parse import urlencode, urljoin, urlsplit
from zoneinfo import ZoneInfo

import scrapy
from scrapy.exceptions import UsageError
from scrapy.http import TextResponse

from newsroom_scraper.errors import DISCOVERY, EXTRACTION, UNEXPECTED_SHAPE, ExtractionError
from newsroom_scraper.extraction.htmltext import HtmlFragment, clean_url, element_text, squash
from newsroom_scraper.extraction.page import NewsPage
from newsroom_scraper.items import compute_content_hash
from newsroom_scraper.requests import ARTICLE_URL_META, LISTED_VERSION_META, ROLE, Role
from newsroom_scraper.spiders.base import GONE_STATUSES, NewsroomSpider

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    import lxml.html
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from newsroom_scraper.items import NewsItem

PUBLIC_ORIGIN = "https://www.gov.uk"
PUBLIC_HOST = "www.gov.uk"
CONTENT_API = "/api/content"
SEARCH_API = "/api/search.json"
TIMEZONE = ZoneInfo("Europe/London")
DEFAULT_ORGANISATIONS = ("home-office",)
#: Search page size (the contract's ``count=100``; the API allows up to 1500).
PAGE_SIZE = 100
SEARCH_FIELDS = "content_id,content_store_document_type,description,link,public_timestamp,title"
#: schema_name -> content_type, when an item has no document_type.
SCHEMA_TYPES: dict[str, str] = {"news_article": "News article", "speech": "Speech"}
#: The schemas the contract accepts.
SCHEMAS = frozenset(SCHEMA_TYPES)

#: document_type -> content_type: Whitehall's own names (the contract's eight types).
CONTENT_TYPES: dict[str, str] = {
    "press_release": "Press release",
    "news_story": "News story",
    "government_response": "Government response",
    "world_news_story": "World news story",
    "speech": "Speech",
    "oral_statement": "Oral statement to Parliament",
    "written_statement": "Written statement to Parliament",
    "authored_article": "Authored article",
}
DOCUMENT_TYPES = tuple(CONTENT_TYPES)

#: Vocabulary -> the link types it reads, in order (the contract's six vocabularies).
TAXONOMY: dict[str, tuple[str, ...]] = {
    "organisations": ("organisations",),
    "worldwide_organisations": ("worldwide_organisations",),
    "people": ("people", "speaker"),
    "topical_events": ("topical_events",),
    "world_locations": ("world_locations",),
    "topics": ("taxons",),
}

#: The paragraph rule's block elements; every other element is inline (``<br>``: a space).
BLOCK_TAGS = frozenset(
    {"address", "article", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure",
     "h1", "h2", "h3", "h4", "h5", "h6", "li", "ol", "p", "pre", "section", "table", "tbody",
     "td", "tfoot", "th", "thead", "tr", "ul"}
)  # fmt: skip
ASSET_HOST = "assets.publishing.service.gov.uk"
UPLOADS_PREFIX = PUBLIC_ORIGIN + "/government/uploads/"
DEFAULT_IMAGE_MARKER = "/default_news_organisation_image_data/"
_UNICODE_SPACE = re.compile(r"\s+")
_SIZE_KEY = re.compile(r"^s(\d+)$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


# -- extraction: one Content API response -> one item -------------------------------------------


def public_url(url_or_path: str, base: str = PUBLIC_ORIGIN + "/") -> str:
    """Resolved against ``base``; ``http://www.gov.uk/`` becomes https, other URLs as written."""
    absolute = urljoin(base, url_or_path.strip())
    if absolute.startswith("http://" + PUBLIC_HOST + "/") or absolute == "http://" + PUBLIC_HOST:
        absolute = "https" + absolute[len("http") :]
    return clean_url(absolute)


def item_id(locale: str, content_id: str) -> str:
    return f"govuk:{locale}:{content_id}"


def body_paragraphs(root: lxml.html.HtmlElement) -> list[str]:
    """The contract's paragraph rule: each block's own text, in the order of the start tags."""
    paragraphs: list[list[str]] = []

    def walk(element: lxml.html.HtmlElement, own: list[str]) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in BLOCK_TAGS or element is root:
            own = []
            paragraphs.append(own)
        elif tag == "br":
            own.append(" ")
        own.append(element.text or "")
        for child in element:
            walk(child, own)
            own.append(child.tail or "")

    walk(root, [])
    texts = (_UNICODE_SPACE.sub(" ", "".join(parts)).strip() for parts in paragraphs)
    return [text for text in texts if text]


def anchor_kind(url: str) -> str | None:
    """``document`` (GOV.UK's file hosts), ``video`` (YouTube) or ``None`` for a link."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host == ASSET_HOST or url.startswith(UPLOADS_PREFIX):
        return "document"
    if host in {"youtube.com", "www.youtube.com", "m.youtube.com"} and parts.path == "/watch":
        return "video"
    if host in {"youtu.be", "www.youtu.be"}:
        return "video"
    return None


def largest_source(sources: dict[str, Any]) -> str | None:
    """``s960``, else the largest ``sNNN``."""
    if isinstance(sources.get("s960"), str) and sources["s960"]:
        return str(sources["s960"])
    sized = [
        (int(match.group(1)), value)
        for key, value in sources.items()
        if (match := _SIZE_KEY.match(key)) and isinstance(value, str) and value
    ]
    return max(sized)[1] if sized else None


def _has(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


class GovukPage(NewsPage):
    """A Content API response (``news_article`` or ``speech``) -> the item."""

    @cached_property
    def data(self) -> dict[str, Any]:
        if not isinstance(self.response, TextResponse):
            raise ExtractionError("not a Content API response (not text)", UNEXPECTED_SHAPE)
        try:
            data = json.loads(self.response.text)
        except ValueError:
            raise ExtractionError(
                "not a Content API response (not JSON)", UNEXPECTED_SHAPE
            ) from None
        if not isinstance(data, dict):
            raise ExtractionError("not a Content API response (no object)", UNEXPECTED_SHAPE)
        return data

    @property
    def details(self) -> dict[str, Any]:
        details = self.data.get("details")
        return details if isinstance(details, dict) else {}

    @property
    def locale(self) -> str:
        locale = self.data.get("locale")
        return locale.strip() if _has(locale) else "en"

    @property
    def item_url(self) -> str:
        return public_url(str(self.data["base_path"]))

    @property
    def withdrawn(self) -> bool:
        notice = self.data.get("withdrawn_notice")
        return isinstance(notice, dict) and bool(
            notice.get("explanation") or notice.get("withdrawn_at")
        )

    def link_entries(self, link_type: str) -> list[dict[str, Any]]:
        links = self.data.get("links")
        entries = links.get(link_type) if isinstance(links, dict) else None
        return [entry for entry in entries or () if isinstance(entry, dict)]

    def translations(self) -> list[tuple[str, str]]:
        """``(id, public URL)`` of every other-language version of this item."""
        found = []
        for entry in self.link_entries("available_translations"):
            locale, path = entry.get("locale"), entry.get("base_path")
            if not _has(locale) or locale == self.locale or not _has(path):
                continue
            content_id = str(entry.get("content_id") or self.data["content_id"]).strip()
            found.append((item_id(locale, content_id), public_url(path)))
        return found

    def refusal(self) -> str | None:
        """Why the contract refuses this item, or ``None``."""
        data = self.data
        schema = data.get("schema_name")
        if schema not in SCHEMAS:
            return f"schema_name {schema!r} is not news_article or speech"
        for key in ("content_id", "base_path", "title"):
            if not _has(data.get(key)):
                return f"no {key}"
        if not str(data["base_path"]).startswith("/"):
            return f"base_path {data['base_path']!r} is not a path"
        if not _has(self.details.get("body")):
            return "no details.body"
        if not (_has(data.get("first_published_at")) or _has(self.details.get("first_public_at"))):
            return "no publication date (first_published_at, details.first_public_at)"
        return None

    def build_item(self) -> NewsItem:
        reason = self.refusal()
        if reason is not None:
            kind = UNEXPECTED_SHAPE if reason.startswith("schema_name") else EXTRACTION
            raise ExtractionError(f"refused: {reason}", kind)
        data, details = self.data, self.details
        url = self.item_url
        loader = self.context.new_loader(url)
        loader.add_value("id", item_id(self.locale, str(data["content_id"]).strip()))
        loader.add_value("url", url)
        loader.add_value("title", data["title"])
        published = data.get("first_published_at")
        loader.add_value("published", published if _has(published) else None)
        if not _has(published):
            loader.add_fallback("published", "details.first_public_at", details["first_public_at"])
        document_type = data.get("document_type")
        document_type = document_type.strip() if _has(document_type) else ""
        loader.add_value("content_type", CONTENT_TYPES.get(document_type) or _humane(document_type))
        # No document_type (the schemas require one, but a response may lack it): the schema's
        # name is the next best type ("News article", "Speech"), counted in fallback/content_type.
        loader.add_fallback("content_type", "schema_name", SCHEMA_TYPES[data["schema_name"]])
        loader.add_value("language", self.locale)
        body = str(details["body"])
        raw = HtmlFragment(body, "")  # hrefs as written: the link rules read them
        loader.add_value("body", "\n\n".join(body_paragraphs(raw.root)))
        loader.add_value("body_html", HtmlFragment(body, url).html())
        links, attachments = self.links_and_attachments(raw.root, url)
        loader.add_value("links", links)
        loader.add_value("attachments", attachments)
        loader.add_value("taxonomy", self.taxonomy())
        loader.add_value(
            "related",
            [{"kind": "translation", "id": id_, "url": link} for id_, link in self.translations()],
        )
        item = loader.load_item()
        # ``lead`` is the description as it is, "" included (the loader's text processor
        # would read it as HTML and turn "" into null).
        description = data.get("description")
        item["lead"] = squash(description) if isinstance(description, str) else None
        item["content_hash"] = compute_content_hash(dict(item))
        return item

    def links_and_attachments(
        self, root: lxml.html.HtmlElement, url: str
    ) -> tuple[list[dict[str, str]], list[dict[str, str | None]]]:
        attachments: dict[str, dict[str, str | None]] = {}

        def attach(kind: str, title: str | None, link: str | None) -> None:
            if link and link not in attachments:
                attachments[link] = {"kind": kind, "title": title, "url": link}

        lead = self.lead_image()
        if lead is not None:
            attach("image", lead[0], lead[1])
        links: dict[str, dict[str, str]] = {}
        for element in root.iter("a", "img"):
            if element.tag == "img":
                source = (element.get("src") or "").strip()
                if source and not source.startswith("data:"):
                    attach("image", squash(element.get("alt") or ""), public_url(source, url))
                continue
            href = (element.get("href") or "").strip()
            if not href or href.startswith("#"):
                continue
            target = public_url(href, url)
            if urlsplit(target).scheme not in {"http", "https"}:
                continue  # mailto:, tel:
            text = element_text(element)
            kind = anchor_kind(target)
            if kind is not None:
                attach(kind, text, target)
            elif target not in links:
                links[target] = {"text": text, "url": target}
        for entry in self.details.get("attachments") or ():
            if not isinstance(entry, dict) or not _has(entry.get("url")):
                continue
            content_type = str(entry.get("content_type") or "")
            kind = (
                "image"
                if content_type.startswith("image/")
                else "video"
                if content_type.startswith("video/")
                else "document"
            )
            title = entry.get("title")
            attach(
                kind,
                squash(title) if isinstance(title, str) else None,
                public_url(entry["url"], url),
            )
        return list(links.values()), list(attachments.values())

    def lead_image(self) -> tuple[str, str] | None:
        """``(title, url)`` of the item's own lead image; ``None`` for the default picture."""
        images = self.details.get("images")
        for image in images if isinstance(images, list) else ():
            if not isinstance(image, dict) or image.get("type") != "lead":
                continue
            sources = image.get("sources")
            source = largest_source(sources) if isinstance(sources, dict) else None
            alt = image.get("alt_text")
            alt = alt if isinstance(alt, str) else ""
            if source is None or alt == "placeholder" or DEFAULT_IMAGE_MARKER in source:
                return None
            caption = image.get("caption")
            title = caption if _has(caption) else alt or ""
            return squash(title), public_url(source, self.item_url)
        return None

    def taxonomy(self) -> dict[str, list[dict[str, str | None]]]:
        taxonomy: dict[str, list[dict[str, str | None]]] = {}
        for vocabulary, link_types in TAXONOMY.items():
            terms: list[dict[str, str | None]] = []
            seen: set[str] = set()
            for link_type in link_types:
                for entry in self.link_entries(link_type):
                    label = squash(entry["title"]) if _has(entry.get("title")) else ""
                    path = entry.get("base_path")
                    url = public_url(path) if _has(path) else None
                    key = f"url:{url}" if url else f"label:{label}"
                    if not label or key in seen:
                        continue
                    seen.add(key)
                    terms.append({"label": label, "url": url})
            taxonomy[vocabulary] = terms
        return taxonomy


def _humane(document_type: str) -> str | None:
    """A document type outside the eight, as words (``html_publication`` -> "Html publication")."""
    words = document_type.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else None


# -- discovery: Search API pages -> Content API items (+ their translations) ---------------------


def parse_list_argument(name: str, value: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    """``a,b`` -> ``("a", "b")``, in order, without repeats or blanks."""
    if value is None or not value.strip():
        return default
    return tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))


def search_path(organisations: tuple[str, ...], document_types: tuple[str, ...], start: int) -> str:
    """One Search API page: repeated values of one filter are OR, different filters AND."""
    query = [("filter_organisations", slug) for slug in organisations]
    query += [("filter_content_store_document_type", kind) for kind in document_types]
    query += [("order", "-public_timestamp"), ("count", str(PAGE_SIZE)), ("start", str(start))]
    query += [("fields", SEARCH_FIELDS)]
    return f"{SEARCH_API}?{urlencode(query)}"


def utc_timestamp(value: Any) -> datetime | None:
    """A listing's ``public_timestamp`` (``2017-12-07T12:54:39Z``), or ``None``."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class GovukSpider(NewsroomSpider):
    """GOV.UK news of one or more organisations, from the Search and Content APIs."""

    name = "govuk"
    description = "GOV.UK news (www.gov.uk): press releases, news stories and speeches"
    public_origin = PUBLIC_ORIGIN
    public_hosts = (PUBLIC_HOST,)
    timezone = TIMEZONE
    discovery_modes = ("auto", "search")
    page_class = GovukPage
    # GOV.UK allows 10 requests a second per client; its robots.txt asks for Crawl-delay 0.5.
    # One request at a time, 0.5 s apart without jitter: never more than 2 a second.
    # AutoThrottle (on in the project settings) only ever lengthens the delay from there
    # (DOWNLOAD_DELAY is its floor). A mirror on this machine lifts all of it (base.py).
    custom_settings = {  # noqa: RUF012 (Scrapy's own attribute)
        "DOWNLOAD_DELAY": 0.5,
        "DOWNLOAD_DELAY_JITTER": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "AUTOTHROTTLE_START_DELAY": 0.5,
    }

    def __init__(
        self,
        *args: Any,
        organisation: str | None = None,
        document_type: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = parse_list_argument(
            "organisation", organisation, DEFAULT_ORGANISATIONS
        )
        bad = [slug for slug in self.organisations if not _SLUG.match(slug)]
        if bad:
            raise UsageError(
                f"organisation={organisation!r}: expected organisation slugs such as "
                f"home-office (several comma-separated), not {', '.join(map(repr, bad))}"
            )
        self.document_types = parse_list_argument("document_type", document_type, DOCUMENT_TYPES)
        unknown = [kind for kind in self.document_types if kind not in CONTENT_TYPES]
        if unknown:
            raise UsageError(
                f"document_type={document_type!r}: {', '.join(map(repr, unknown))} not one of "
                + ", ".join(DOCUMENT_TYPES)
            )
        self.listed_ids: set[str] = set()
        self.emitted_ids: set[str] = set()

    # -- requests -----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.set_stat("discovery/mode", self.params.discovery)
        self.set_stat("discovery/path", "search")
        yield self.search_request(0)

    def search_request(self, start: int) -> scrapy.Request:
        return scrapy.Request(
            self.public_url(search_path(self.organisations, self.document_types, start)),
            callback=self.parse_search,
            errback=self.search_failed,
            headers={"Accept": "application/json"},
            meta={"search_start": start, ROLE: Role.LISTING},
            priority=Role.LISTING.priority,
        )

    def content_api_url(self, url: str) -> str:
        """``https://www.gov.uk/<path>`` -> ``https://www.gov.uk/api/content/<path>``."""
        parts = urlsplit(url)
        return clean_url(self.public_origin + CONTENT_API + parts.path)

    def article_request(
        self, url: str, translation: bool = False, listed_version: str | None = None
    ) -> scrapy.Request:
        """The Content API request for an item's public URL (incremental retries use it too).

        ``listed_version``: the listing's ``public_timestamp`` of the item; a translation is
        requested because its English item was fetched (``RELATED_ARTICLE``).
        """
        meta: dict[str, Any] = {
            ROLE: Role.RELATED_ARTICLE if translation else Role.ARTICLE,
            ARTICLE_URL_META: url,
            "govuk_translation": translation,
        }
        if listed_version is not None:
            meta[LISTED_VERSION_META] = listed_version
        return scrapy.Request(
            self.content_api_url(url),
            callback=self.parse_item,
            errback=self.on_request_error,
            headers={"Accept": "application/json"},
            meta=meta,
        )

    def is_article_url(self, url: str) -> bool:
        parts = urlsplit(url)
        return (
            parts.hostname == PUBLIC_HOST
            and parts.path.startswith("/")
            and not parts.path.startswith("/api/")
            and parts.path != "/"
        )

    # -- the listing --------------------------------------------------------------------------

    def parse_search(self, response: Response) -> Iterator[scrapy.Request]:
        start = int(response.meta["search_start"])
        self.inc_stat("discovery/search/pages")
        try:
            payload = json.loads(response.text) if isinstance(response, TextResponse) else None
        except ValueError:
            payload = None
        results = payload.get("results") if isinstance(payload, dict) else None
        if not isinstance(payload, dict) or not isinstance(results, list):
            self.report(UNEXPECTED_SHAPE, response.url, "search page without a results list")
            self.listing_ended(f"page at start={start} is not a search response")
            return
        total = payload.get("total") if isinstance(payload.get("total"), int) else None
        if not results:
            self.empty_page(response.url, start, total)
            return
        oldest: datetime | None = None
        for result in results:
            if isinstance(result, dict):
                yield from self.listed(result)
                oldest = utc_timestamp(result.get("public_timestamp")) or oldest
        if self.limit_reached:
            self.listing_ended("limit reached")
        elif oldest is not None and self.params.before_since(oldest):
            # Listed by last major update, which is never before the publication.
            self.listing_ended(f"page at start={start} reaches back before since")
        elif len(results) < PAGE_SIZE or (total is not None and start + len(results) >= total):
            self.listing_ended(f"last page (start={start}, total={total})")
        else:
            yield self.search_request(start + len(results))

    def empty_page(self, url: str, start: int, total: int | None) -> None:
        self.inc_stat("discovery/search/empty_pages")
        if start == 0:
            reason = "the search lists nothing (unknown organisation, or no news of these types)"
            self.report(DISCOVERY, url, reason)
        elif total is not None and start < total:
            self.report(DISCOVERY, url, f"empty search page at start={start} of total={total}")
        self.listing_ended(f"empty page at start={start}")

    def listed(self, result: dict[str, Any]) -> Iterator[scrapy.Request]:
        """One search result: its Content API request, once per content id, within the window."""
        link = result.get("link")
        if not isinstance(link, str) or not link.startswith("/") or link.startswith("//"):
            self.inc_stat("discovery/search/skipped_links")
            self.logger.debug("Search result with a link off GOV.UK: %r", link)
            return
        kind = result.get("content_store_document_type")
        if isinstance(kind, str) and kind not in self.document_types:
            self.inc_stat("discovery/search/skipped_types")
            return
        key = result.get("content_id") or link
        if key in self.listed_ids:
            self.inc_stat("discovery/search/repeated")
            return
        self.listed_ids.add(str(key))
        updated = utc_timestamp(result.get("public_timestamp"))
        if updated is not None and self.params.before_since(updated):
            return  # published even earlier
        url = public_url(link)
        if self.claim_article(url):
            self.inc_stat("discovery/search/articles")
            # One instant, one string (offsets and "Z" alike): the version compared next time.
            version = (
                updated.astimezone(UTC).isoformat().replace("+00:00", "Z") if updated else None
            )
            yield self.article_request(url, listed_version=version)

    def listing_ended(self, why: str) -> None:
        self.logger.info("Search listing ends: %s", why)
        self.set_stat("discovery/search/end", why)

    def search_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        error = failure.value
        response = getattr(error, "response", None)
        if response is not None:
            reason = f"HTTP {response.status}"
            try:
                message = json.loads(response.text).get("error")
            except (ValueError, AttributeError):
                message = None
            if message:
                reason += f": {str(message)[:200]}"
        else:
            reason = f"{type(error).__name__}: {failure.getErrorMessage()}"
        start = request.meta.get("search_start", 0)
        self.report(DISCOVERY, self.requested_url(request), f"search page failed: {reason}")
        self.listing_ended(f"page at start={start} failed")

    # -- items --------------------------------------------------------------------------------

    def parse_item(self, response: Response) -> Iterator[NewsItem | scrapy.Request]:
        article_url = str(response.meta.get(ARTICLE_URL_META) or response.url)
        translation = bool(response.meta.get("govuk_translation"))
        redirects = response.meta.get("redirect_urls")
        if redirects:
            self.inc_stat("govuk/redirected")
            self.logger.warning(
                "%s: the Content API sent it to %s (a sub-path of that item)",
                article_url,
                response.url,
            )
        page = cast("GovukPage", self.page(response))
        try:
            item = page.to_item()
        except ExtractionError as exc:
            self.inc_stat("govuk/refused")
            if translation:
                self.inc_stat("govuk/translations/failed")
            self.extraction_failed(article_url, exc)
            return
        if item["id"] in self.emitted_ids:
            self.inc_stat("govuk/duplicates")
            return
        self.emitted_ids.add(item["id"])
        if translation:
            self.inc_stat("govuk/translations/items")
        if page.withdrawn:
            self.inc_stat("govuk/withdrawn")
            self.logger.info("%s is withdrawn (emitted, the notice is not body)", item["url"])
        if not self.in_window(item):
            return
        yield item
        if page.locale != "en":
            return
        for _, url in page.translations():
            if self.claim_article(url):
                self.inc_stat("govuk/translations/requested")
                yield self.article_request(url, translation=True)

    def on_request_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        if request.meta.get("govuk_translation"):
            self.inc_stat("govuk/translations/failed")
        super().on_request_error(failure)

    def handle_http_error(self, request: scrapy.Request, url: str, status: int) -> None:
        if status in GONE_STATUSES:
            self.inc_stat("govuk/gone")
            self.inc_stat(f"govuk/gone/{status}")
        super().handle_http_error(request, url, status)
