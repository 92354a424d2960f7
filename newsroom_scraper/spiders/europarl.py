"""European Parliament press room (www.europarl.europa.eu), per ``shared/sites/europarl.md``.

The site is server-rendered HTML, so every field is read with CSS/XPath from the article page;
page metadata (OpenGraph, JSON-LD ``NewsArticle``, microdata, ``<time>``, ``<h1>``, ``meta
keywords``) fills a field only where the site's own markup gives nothing, and each such use is
counted as ``fallback/<field>``: a markup change then costs a counted fallback, not the item.

Discovery, in ``auto`` mode: the newsroom listing ``/news/<lang>/page/<N>`` from page 0 until an
empty page, a page that repeats an earlier one, ``limit``, or a page wholly older than ``since``;
plus the plenary RSS feed ``/rss/doc/press-releases-plenary/<lang>.xml`` for the newest plenary
releases. ``listing`` and ``rss`` use one source only. A release is claimed by its release id,
so one that both sources give, or under two URLs, is fetched once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urljoin, urlsplit
from zoneinfo import ZoneInfo

import scrapy
from scrapy.exceptions import UsageError
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from newsroom_scraper.dates import MINUTE, SECOND, DateError, Moment, local_midnight, parse_moment
from newsroom_scraper.errors import DISCOVERY, ExtractionError
from newsroom_scraper.htmltext import AttachmentRules, HtmlFragment, squash
from newsroom_scraper.incremental import ROLE
from newsroom_scraper.spiders.base import NewsroomSpider

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator

    from parsel import Selector, SelectorList

    from newsroom_scraper.items import NewsItem
    from newsroom_scraper.loaders import NewsItemLoader

PUBLIC_ORIGIN = "https://www.europarl.europa.eu"
SITE_DOMAIN = "europarl.europa.eu"
TIMEZONE = ZoneInfo("Europe/Brussels")
UTC_ZONE = ZoneInfo("UTC")
DEFAULT_LANG = "en"
#: The EU's 24 official languages: the site exists in each (``/news/<lang>/...``).
EU_LANGUAGES = frozenset(
    {"bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr",
     "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv"}
)  # fmt: skip
CONTENT_TYPES = "content_types"
#: How long after the date in its release id a release may plausibly be published. Only used to
#: end a listing by ``since`` when its entries show no date: the id date is a lower bound only.
RELEASE_ID_MAX_LAG = timedelta(days=60)

_RELEASE_ID = r"\d{8}[A-Z]{2,4}\d+"  # 20221014IPR43206: date, product type, number
_ARTICLE_PATH = re.compile(rf"^/news/(?P<lang>[a-z]{{2}})/press-room/(?P<id>{_RELEASE_ID})(?:/|$)")
_RELEASE_ID_DATE = re.compile(r"^(?P<day>\d{8})")
_DOCUMENT_NAME = re.compile(r"^(?P<type>[A-Z]+)-(?P<term>\d+)-(?P<year>\d{4})-(?P<number>\d+)$")
_LANGUAGE_SUFFIX = re.compile(r"_[A-Za-z]{2}$")

# -- where things are on an article page (site file, "Article page") --------------------------


def css_class(name: str) -> str:
    """XPath 1.0 for ``.name``: evaluated inside libxml2, unlike parsel's ``has-class()``, which
    calls back into Python for every element (several times slower on a 100 kB page)."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


#: ``#website-body`` / ``article[role=main]``: the outermost of them, never both when nested.
#: The site's own selectors below are relative to it; the metadata fallbacks read the whole page.
MAIN = (
    "(//*[@id='website-body'] | //article[@role='main'])"
    "[not(ancestor::*[@id='website-body'] or ancestor::article[@role='main'])]"
)
TITLE = f".//h1[{css_class('ep_title')}]"
PUBLISHED = ".//time[@itemprop='datePublished']/@datetime"
#: Content-type labels of the release itself, not of teasers of other releases on the page.
CONTENT_TYPE_LABELS = (
    f".//*[{css_class('ep-layout_contenttype')}]"
    f"[not(ancestor::article[{css_class('ep-m_product')}])]"
)
KEY_FACTS = f".//*[{css_class('ep-a_facts')}]//li[not(ancestor::li)]"
LEAD = f".//*[{css_class('ep-layout_chapo')}][not(ancestor::*[{css_class('ep-a_facts')}])]"
#: Text containers: ``.ep-a_text`` blocks (the lead excepted) and ``.ep-wysiwig_paragraph``
#: paragraphs standing on their own; never one inside another, nor inside the key facts.
_TEXT_CONTAINER = f"{css_class('ep-a_text')} or {css_class('ep-wysiwig_paragraph')}"
BODY = (
    f".//*[{_TEXT_CONTAINER}][not({css_class('ep-layout_chapo')})]"
    f"[not(ancestor::*[{_TEXT_CONTAINER} or {css_class('ep-a_facts')}])]"
)
REFERENCE_LINKS = f".//*[{css_class('ep-a_links')}]"
ANCHORS = ".//a[@href]/@href"
#: Text a reader sees: not the screen-reader labels (``.ep_hidden``) nor the icon spans.
VISIBLE_TEXT = (
    f".//text()[not(ancestor::*[{css_class('ep_hidden')} or {css_class('ep_icon')}]"
    " or ancestor::script or ancestor::style)]"
)


# -- URLs --------------------------------------------------------------------------------------


def parse_lang(value: str | None) -> str:
    """The ``lang`` spider argument: one of the EU's 24 language codes, else a usage error."""
    lang = (value or DEFAULT_LANG).strip().lower()
    if lang not in EU_LANGUAGES:
        raise UsageError(
            f"lang={value!r}: expected one of the EU's 24 language codes "
            f"({', '.join(sorted(EU_LANGUAGES))})"
        )
    return lang


def listing_path(lang: str, page: int) -> str:
    return f"/news/{lang}/page/{page}"


def rss_path(lang: str) -> str:
    return f"/rss/doc/press-releases-plenary/{lang}.xml"


def article_path(lang: str, release_id: str, slug: str = "") -> str:
    """``/news/<lang>/press-room/<release id>[/<slug>]``: the id alone is enough for the site."""
    return f"/news/{lang}/press-room/{release_id}" + (f"/{slug}" if slug else "")


def in_site_domain(host: str | None) -> bool:
    """``europarl.europa.eu`` and its sub-domains (``www.``, ``oeil.secure.``, ``multimedia.``)."""
    return bool(host) and (host == SITE_DOMAIN or str(host).endswith("." + SITE_DOMAIN))


def site_https(url: str) -> str:
    """``http:`` links to the Parliament's own hosts as ``https:`` (items carry https URLs)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme == "http" and in_site_domain(parts.hostname):
        return "https" + url[len("http") :]
    return url


@dataclass(frozen=True, slots=True)
class ReleaseRef:
    """A press release as a URL names it."""

    lang: str
    release_id: str
    path: str

    @property
    def key(self) -> str:
        """What the crawl claims: the release, whatever slug or query its link carries."""
        return article_path(self.lang, self.release_id)

    def earliest(self) -> datetime | None:
        """Local midnight of the date in the release id: it is never published before."""
        match = _RELEASE_ID_DATE.match(self.release_id)
        if not match:
            return None
        try:
            day = date(int(match["day"][:4]), int(match["day"][4:6]), int(match["day"][6:]))
            return local_midnight(day, TIMEZONE).utc
        except ValueError:  # not a calendar date, or out of range (DateError)
            return None


def release_of(url: str) -> ReleaseRef | None:
    """The release an article URL (absolute on a site host, or relative) names, else ``None``."""
    parts = urlsplit(url.strip())
    if parts.hostname is not None and not in_site_domain(parts.hostname):
        return None
    match = _ARTICLE_PATH.match(parts.path)
    if not match:
        return None
    return ReleaseRef(match["lang"], match["id"], parts.path)


# -- related documents and procedures (site file, "Fixed for this project") ---------------------


def citation_form(name: str) -> str | None:
    """A ``/doceo/document/`` file name in the Parliament's citation form.

    ``A-9-2022-0234_EN.html`` -> ``A9-0234/2022`` (likewise ``B-``), ``RC-9-2022-0123`` ->
    ``RC-B9-0123/2022``, ``TA-8-2019-0327`` -> ``P8_TA(2019)0327``. Other document series
    keep their file name without language and extension (no citation form is known for them),
    so that they are still related documents; ``None`` for an empty name.
    """
    stem = _LANGUAGE_SUFFIX.sub("", PurePosixPath(name.strip()).name.split(".", 1)[0])
    if not stem:
        return None
    match = _DOCUMENT_NAME.match(stem)
    if not match:
        return stem
    series, term, year, number = match["type"], match["term"], match["year"], match["number"]
    if series in {"A", "B"}:
        return f"{series}{term}-{number}/{year}"
    if series == "RC":
        return f"RC-B{term}-{number}/{year}"
    if series == "TA":
        return f"P{term}_TA({year}){number}"
    return stem


def procedure_reference(url: str) -> str | None:
    """The ``reference`` parameter of a Legislative Observatory (OEIL) link, trimmed, as given."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    on_oeil = in_site_domain(host) and (host.startswith("oeil.") or parts.path.startswith("/oeil/"))
    if not on_oeil:
        return None
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name.strip().lower() == "reference" and value.strip():
            return value.strip()
    return None


def related_reference(url: str) -> dict[str, str | None] | None:
    """A link as a related ``procedure`` or ``document``, or ``None`` for any other link."""
    url = site_https(url)
    procedure = procedure_reference(url)
    if procedure:
        return {"kind": "procedure", "id": procedure, "url": url}
    parts = urlsplit(url)
    if in_site_domain(parts.hostname) and "/doceo/document/" in parts.path:
        document = citation_form(parts.path.rsplit("/", 1)[-1])
        if document:
            return {"kind": "document", "id": document, "url": url}
    return None


def related_references(urls: Iterable[str]) -> list[dict[str, str | None]]:
    """Related items of a page's links: page order, each (kind, id) once."""
    found: dict[tuple[str | None, str | None], dict[str, str | None]] = {}
    for url in urls:
        reference = related_reference(url)
        if reference is not None:
            found.setdefault((reference["kind"], reference["id"]), reference)
    return list(found.values())


# -- dates --------------------------------------------------------------------------------------


def release_moment(value: Any, tz: ZoneInfo = TIMEZONE) -> Moment:
    """A publication time of the site; local Brussels time when it carries no offset.

    The page shows minutes (``18-07-2019 - 11:37``) and pads its ``datetime`` with ``:00``
    seconds: such a time is precise to the minute, not to the second.
    """
    moment = parse_moment(value, tz)
    if moment.precision == SECOND and moment.utc.second == 0:
        return Moment(moment.utc, MINUTE)
    return moment


def moment_or_none(value: Any) -> Moment | None:
    """:func:`release_moment`, or ``None`` when there is no usable date (a fallback follows)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return release_moment(value.strip() if isinstance(value, str) else value)
    except DateError:
        return None


def rss_date(text: str | None) -> datetime | None:
    """An RSS ``pubDate`` (RFC 822) in UTC; without an offset it is Brussels time."""
    if not text or not text.strip():
        return None
    try:
        moment = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TIMEZONE)
    return moment.astimezone(UTC)


# -- page metadata (the fallbacks) --------------------------------------------------------------


def visible_text(selector: Selector) -> str:
    return squash("".join(selector.xpath(VISIBLE_TEXT).getall()))


def strip_site_suffix(title: str | None) -> str | None:
    """``<title> | News | European Parliament`` -> ``<title>``: the site appends its section
    and its name, in the page's language, to OpenGraph and document titles."""
    if not title:
        return None
    parts = title.split(" | ")
    if len(parts) >= 3:
        parts = parts[:-2]
    elif len(parts) == 2:
        parts = parts[:-1]
    return squash(" | ".join(parts)) or None


def json_ld_article(selector: Selector) -> dict[str, Any]:
    """The page's JSON-LD ``NewsArticle`` (or ``Article``), ``{}`` when it has none."""
    for text in selector.xpath("//script[@type='application/ld+json']/text()").getall():
        try:
            data = json.loads(text)
        except ValueError:
            continue
        found = _find_article(data)
        if found is not None:
            return found
    return {}


def _find_article(data: Any) -> dict[str, Any] | None:
    candidates = data if isinstance(data, list) else [data]
    for candidate in candidates:
        if not isinstance(candidate, dict):
            continue
        types = candidate.get("@type")
        names = types if isinstance(types, list) else [types]
        if any(isinstance(n, str) and n in {"NewsArticle", "Article"} for n in names):
            return candidate
        nested = _find_article(candidate.get("@graph"))
        if nested is not None:
            return nested
    return None


def humanize(code: str) -> str:
    """``PLENARY_SESSION`` -> ``Plenary session``: how the site shows its product codes."""
    return code.replace("_", " ").strip().lower().capitalize()


def keyword_content_types(keywords: str | None, routes: str | None) -> list[str]:
    """Content-type labels from ``meta name=keywords`` (and its sibling ``meta name=routes``).

    ``routes`` names the product sub-type (``productSubType:PLENARY_SESSION``, shown
    ``Plenary session``), ``keywords`` the committees (``com:TRAN``, shown ``TRAN``) and the
    product type (``productType:PRESS_RELEASE``), the last resort.
    """
    pairs = [
        tuple(part.strip() for part in entry.split(":", 1))
        for entry in f"{routes or ''},{keywords or ''}".split(",")
        if ":" in entry
    ]
    labels = [humanize(value) for name, value in pairs if name == "productSubType" and value]
    labels += [value for name, value in pairs if name == "com" and value]
    if not labels:
        labels = [humanize(value) for name, value in pairs if name == "productType" and value]
    return list(dict.fromkeys(labels))


def _string(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    return value.strip() if isinstance(value, str) and value.strip() else None


# -- extraction: page -> item ---------------------------------------------------------------------


class ReleasePage:
    """One article page and where each field is on it (site file, "Article page")."""

    def __init__(self, spider: NewsroomSpider, response: TextResponse) -> None:
        self.spider = spider
        self.response = response
        self.sel: Selector = response.selector
        main = self.sel.xpath(MAIN)
        if not main:
            raise ExtractionError("no #website-body / article[role=main]: not an article page")
        #: The article itself: the site's own selectors never look outside it.
        self.main: Selector = main[0]
        self.json_ld = json_ld_article(self.sel)

    def meta(self, attribute: str, name: str) -> str | None:
        return _string(self.sel.xpath(f"//meta[@{attribute}='{name}']/@content").get())

    def article_url(self) -> tuple[str, ReleaseRef, str] | None:
        """Canonical public URL, its release and where it came from (``og:url``, canonical link,
        JSON-LD, else the page's own URL): https, no query."""
        candidates = [
            ("og_url", self.meta("property", "og:url")),
            ("canonical", _string(self.sel.xpath("//link[@rel='canonical']/@href").get())),
            ("json_ld", _string(self.json_ld.get("url"))),
            ("page_url", self.response.url),
        ]
        for source, url in candidates:
            release = release_of(url) if url else None
            if release is not None:
                return self.spider.public_url(release.path), release, source
        return None

    def language(self, release: ReleaseRef) -> str:
        for candidate in (
            release.lang,
            self.sel.xpath("/html/@lang").get(),
            self.meta("name", "language"),
        ):
            code = (candidate or "").strip().lower()[:2]
            if code in EU_LANGUAGES:
                return code
        return getattr(self.spider, "lang", DEFAULT_LANG)

    def title(self) -> str | None:
        heading = self.main.xpath(TITLE)
        return visible_text(heading[0]) if heading else None

    def published(self) -> Moment | None:
        return moment_or_none(self.main.xpath(PUBLISHED).get())

    def published_fallbacks(self) -> Iterator[tuple[str, Moment | None]]:
        """Lazily, in order: later sources are only read when the earlier ones gave nothing."""
        yield "og_published_time", moment_or_none(self.meta("property", "article:published_time"))
        yield "json_ld", moment_or_none(_string(self.json_ld.get("datePublished")))
        for element in self.sel.xpath("//*[@itemprop='datePublished']"):
            values = [*element.xpath("@content | @datetime").getall(), visible_text(element)]
            yield "microdata", next(filter(None, map(moment_or_none, values)), None)
        for value in self.sel.xpath("//time/@datetime").getall():
            yield "time", moment_or_none(value)

    def content_types(self) -> list[dict[str, str | None]]:
        """Every content-type label as shown; its URL only where the page links it."""
        terms: list[dict[str, str | None]] = []
        for element in self.main.xpath(CONTENT_TYPE_LABELS):
            label = visible_text(element)
            href = element.xpath(".//a/@href").get()
            url = self.absolute(href) if href and href.strip() else None
            term = {"label": label, "url": url}
            if label and term not in terms:
                terms.append(term)
        return terms

    def fallback_content_types(self) -> tuple[str, list[str]]:
        """Labels from JSON-LD ``articleSection``, else from the keywords (source, labels)."""
        section = self.json_ld.get("articleSection")
        sections = section if isinstance(section, list) else [section]
        labels = [label for label in map(_string, sections) if label is not None]
        if labels:
            return "json_ld", labels
        keywords, routes = self.meta("name", "keywords"), self.meta("name", "routes")
        return "meta_keywords", keyword_content_types(keywords, routes)

    def absolute(self, href: str) -> str:
        return site_https(urljoin(self.response.url, href.strip()))

    def html_of(self, xpath: str) -> str:
        """The HTML of every element ``xpath`` selects, http links to the site made https.

        The attributes are rewritten on the response's own parse tree (read once per page, and
        nothing reads it after extraction), so the body is still parsed only once afterwards.
        """
        elements = self.main.xpath(xpath)
        _https_attributes(elements)
        return "".join(elements.getall())

    def related(self) -> list[dict[str, str | None]]:
        """Documents and procedures the release links to, anywhere in the article, page order."""
        return related_references(self.absolute(h) for h in self.main.xpath(ANCHORS).getall())

    def reference_links(
        self, rules: AttachmentRules
    ) -> tuple[list[dict[str, str]], list[dict[str, str | None]]]:
        """The "Further information" block: links and files that are not related items."""
        fragment = HtmlFragment(self.html_of(REFERENCE_LINKS), self.response.url)
        links = [link for link in fragment.links(rules) if related_reference(link["url"]) is None]
        files = [f for f in fragment.attachments(rules) if related_reference(str(f["url"])) is None]
        return links, files


def _https_attributes(elements: SelectorList[Selector]) -> None:
    for element in elements:
        for node in element.root.iter():
            if not isinstance(node.tag, str):
                continue  # comments and processing instructions
            for attribute in ("href", "src"):
                value = node.get(attribute)
                if value is not None and value != (upgraded := site_https(value)):
                    node.set(attribute, upgraded)


def item_from_page(
    spider: NewsroomSpider, response: Response, listing_label: str | None = None
) -> NewsItem:
    """An article page -> :class:`NewsItem`; :class:`ExtractionError` and nothing else when
    the page is not a usable press release (the crawl reports it with its URL)."""
    if not isinstance(response, TextResponse):
        raise ExtractionError("not an HTML page")
    try:
        return _build_item(spider, ReleasePage(spider, response), listing_label)
    except ExtractionError:
        raise
    except (ValueError, TypeError, LookupError, AttributeError) as exc:
        raise ExtractionError(f"cannot read the page: {exc!r}") from None


def _build_item(spider: NewsroomSpider, page: ReleasePage, listing_label: str | None) -> NewsItem:
    found = page.article_url()
    if found is None:
        raise ExtractionError("no press-room URL with a release id (og:url, canonical, page URL)")
    url, release, url_source = found
    loader = spider.new_loader(url, selector=page.main)
    if url_source in {"og_url", "canonical"}:
        loader.add_value("url", url)
    else:
        loader.add_fallback("url", url_source, url)
    language = page.language(release)
    loader.add_value("id", f"europarl:{language}:{release.release_id}")
    loader.add_value("language", language)
    _add_title(loader, page)
    _add_published(loader, page)
    _add_content_types(loader, page, listing_label)
    loader.add_xpath("key_points", KEY_FACTS)
    loader.add_value("lead", page.html_of(LEAD) or None)
    _add_text(loader, page, spider.attachment_rules)
    loader.add_value("related", page.related())
    item: NewsItem = loader.load_item()
    for field in ("title", "content_type"):
        if not item.get(field):
            raise ExtractionError(f"no {field} (site markup and every fallback are empty)")
    if not item["body"]:
        spider.inc_stat("europarl/empty_body")
        spider.logger.warning("%s: no text in the body containers", url)
    return item


def _add_title(loader: NewsItemLoader, page: ReleasePage) -> None:
    loader.add_value("title", page.title())
    if loader.add_fallback(
        "title", "og_title", strip_site_suffix(page.meta("property", "og:title"))
    ):
        return
    if loader.add_fallback("title", "json_ld", _string(page.json_ld.get("headline"))):
        return
    first_h1 = page.sel.xpath("//h1")
    loader.add_fallback("title", "h1", visible_text(first_h1[0]) if first_h1 else None)


def _add_published(loader: NewsItemLoader, page: ReleasePage) -> None:
    loader.add_value("published", page.published())
    for source, moment in page.published_fallbacks():
        if loader.get_output_value("published") is not None:
            return
        loader.add_fallback("published", source, moment)


def _add_content_types(
    loader: NewsItemLoader, page: ReleasePage, listing_label: str | None
) -> None:
    terms = page.content_types()
    if terms:
        loader.add_value("content_type", terms[0]["label"])
        loader.add_value("taxonomy", {CONTENT_TYPES: terms})
        return
    source, labels = page.fallback_content_types()
    if not labels and listing_label:
        source, labels = "listing", [listing_label]
    if labels:
        loader.add_fallback("content_type", source, labels[0])
        loader.add_fallback(
            "taxonomy", source, {CONTENT_TYPES: [{"label": label, "url": None} for label in labels]}
        )


def _add_text(loader: NewsItemLoader, page: ReleasePage, rules: AttachmentRules) -> None:
    """Body from the text containers; the "Further information" links that are not related
    documents or procedures join the links and attachments (files and videos by the shared
    rules of :mod:`newsroom_scraper.htmltext`)."""
    loader.add_body(page.html_of(BODY))
    links, files = page.reference_links(rules)
    known = {link["url"] for link in loader.get_collected_values("links")}
    loader.add_value("links", [link for link in links if link["url"] not in known])
    for file in files:
        loader.add_attachment(str(file["kind"]), file["title"], file["url"])


# -- discovery: listing pages and RSS -------------------------------------------------------------


def failure_facts(failure: Any) -> tuple[str, int | None, str]:
    """Public URL, final HTTP status (if any) and a one-line reason of a failed request."""
    request = failure.request
    url = str(request.meta.get("newsroom_public_url", request.url))
    if failure.check(HttpError):
        status = int(failure.value.response.status)
        return url, status, f"HTTP {status}"
    return url, None, f"{failure.type.__name__}: {failure.getErrorMessage()}"


@dataclass(frozen=True, slots=True)
class ListingEntry:
    """One ``article.ep-m_product`` of a listing page."""

    href: str
    release: ReleaseRef | None
    label: str | None
    published: datetime | None

    def earliest(self) -> datetime | None:
        """The entry's time if it shows one, else the lower bound its release id gives."""
        if self.published is not None:
            return self.published
        return self.release.earliest() if self.release else None


def listing_entries(response: TextResponse) -> list[ListingEntry]:
    entries = []
    for product in response.css("article.ep-m_product"):
        hrefs = [h.strip() for h in product.xpath(".//a/@href").getall() if h.strip()]
        releases = [r for r in map(release_of, hrefs) if r is not None]
        labels = [visible_text(s) for s in product.css(".ep-layout_contenttype")]
        moment = moment_or_none(product.xpath(".//time/@datetime").get())
        entries.append(
            ListingEntry(
                href=releases[0].path if releases else (hrefs[0] if hrefs else ""),
                release=releases[0] if releases else None,
                label=next((label for label in labels if label), None),
                published=moment.utc if moment else None,
            )
        )
    return entries


class EuroparlSpider(NewsroomSpider):
    """European Parliament press room: press releases in any of the EU's 24 languages."""

    name = "europarl"
    description = "European Parliament press room (www.europarl.europa.eu): press releases"
    public_origin = PUBLIC_ORIGIN
    public_hosts = ("www.europarl.europa.eu", "europarl.europa.eu")
    timezone = TIMEZONE
    attachment_rules = AttachmentRules(file_path_prefixes=("/RegData/",))
    discovery_modes = ("auto", "listing", "rss")

    def __init__(self, *args: Any, lang: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lang = parse_lang(lang)
        self.listing_signatures: set[str] = set()
        self.sources: list[str] = []
        self.rss_requested = False

    # -- discovery ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        mode = self.params.discovery
        self.crawler.stats.set_value("discovery/mode", mode)
        if mode in {"auto", "listing"}:
            yield self.listing_request(0)
        # With a limit, the listing alone says which releases are the newest N: the plenary
        # feed waits for the listing to end (see ``listing_ended``).
        if mode == "rss" or (mode == "auto" and self.params.limit is None):
            yield self.rss_request()

    def use_source(self, source: str) -> None:
        if source not in self.sources:
            self.sources.append(source)
            self.crawler.stats.set_value("discovery/path", "+".join(self.sources))

    def listing_request(self, page: int) -> scrapy.Request:
        if page == 0:
            self.use_source("listing")
        return scrapy.Request(
            self.public_url(listing_path(self.lang, page)),
            callback=self.parse_listing,
            errback=self.listing_failed,
            meta={"listing_page": page, ROLE: "listing"},
        )

    def rss_request(self) -> scrapy.Request:
        self.rss_requested = True
        self.use_source("rss")
        return scrapy.Request(
            self.public_url(rss_path(self.lang)),
            callback=self.parse_rss,
            errback=self.rss_failed,
            meta={ROLE: "feed"},
        )

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """One listing page, then the next one until the listing ends."""
        page = int(response.meta["listing_page"])
        self.inc_stat("discovery/listing/pages")
        if not isinstance(response, TextResponse):
            self.report(DISCOVERY, response.url, "listing page is not HTML")
            yield from self.listing_ended("not HTML")
            return
        entries = listing_entries(response)
        signature = "\n".join(entry.href for entry in entries)
        if not entries:
            yield from self.listing_ended(f"page {page} is empty")
            return
        if signature in self.listing_signatures:
            yield from self.listing_ended(f"page {page} repeats an earlier page")
            return
        self.listing_signatures.add(signature)
        for entry in entries:
            if entry.release is not None:
                yield from self.schedule(entry.release, "listing", entry.published, entry.label)
        if self.limit_reached:
            yield from self.listing_ended("limit reached")
        elif self.past_since(entries):
            yield from self.listing_ended(f"page {page} is older than since")
        else:
            yield self.listing_request(page + 1)

    def past_since(self, entries: list[ListingEntry]) -> bool:
        """Every entry of the page is older than ``since``: later pages are older still."""
        if self.params.since is None:
            return False
        for entry in entries:
            if entry.published is not None:
                latest = entry.published
            elif (earliest := entry.earliest()) is not None:
                latest = earliest + RELEASE_ID_MAX_LAG
            else:
                return False
            if not self.params.before_since(latest):
                return False
        return True

    def listing_failed(self, failure: Any) -> Iterator[scrapy.Request]:
        page = int(failure.request.meta.get("listing_page", 0))
        url, status, reason = failure_facts(failure)
        if status == 404 and page > 0:
            yield from self.listing_ended(f"page {page} does not exist (404)")
            return
        self.report(DISCOVERY, url, f"listing page {page} failed: {reason}")
        yield from self.listing_ended(f"page {page} failed")

    def listing_ended(self, why: str) -> Iterator[scrapy.Request]:
        """The listing is done: in ``auto`` mode with a limit, the feed's turn has come."""
        self.logger.info("Listing ends: %s", why)
        self.crawler.stats.set_value("discovery/listing/end", why)
        if self.params.discovery == "auto" and not self.rss_requested and not self.limit_reached:
            yield self.rss_request()

    def parse_rss(self, response: Response) -> Iterator[scrapy.Request]:
        """The newest plenary releases, with their dates (so ``since``/``until`` apply)."""
        self.inc_stat("discovery/rss/pages")
        if not isinstance(response, TextResponse):
            self.report(DISCOVERY, response.url, "RSS feed is not XML")
            return
        items = response.xpath("//*[local-name()='item']")
        if not items:
            self.report(DISCOVERY, response.url, "RSS feed without items")
            return
        for item in items:
            link = item.xpath("*[local-name()='link']/text()").get() or ""
            guid = item.xpath("*[local-name()='guid']/text()").get() or ""
            release = release_of(link) or release_of(guid)
            if release is None:
                self.logger.debug("RSS item without a press-room link: %r", link)
                continue
            published = rss_date(item.xpath("*[local-name()='pubDate']/text()").get())
            yield from self.schedule(release, "rss", published)

    def rss_failed(self, failure: Any) -> None:
        url, _, reason = failure_facts(failure)
        if self.params.discovery == "rss":
            self.report(DISCOVERY, url, f"RSS feed failed: {reason}")
        else:
            self.logger.warning("RSS feed failed (%s): %s; the listing still runs", url, reason)

    def schedule(
        self,
        release: ReleaseRef,
        source: str,
        published: datetime | None,
        label: str | None = None,
    ) -> Iterator[scrapy.Request]:
        """Claim a release (once per crawl, within ``limit``) and request its page."""
        if published is not None and not self.params.accepts(published):
            return
        earliest = release.earliest()
        if published is None and earliest is not None and self.params.after_until(earliest):
            return
        if not self.claim_article(self.public_url(release.key)):
            return
        self.inc_stat(f"discovery/{source}/articles")
        yield self.article_request(self.public_url(release.path), label)

    def article_request(self, url: str, label: str | None = None) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.on_request_error,
            meta={"listing_label": label, ROLE: "article"},
        )

    def is_article_url(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.hostname in self.public_hosts and bool(_ARTICLE_PATH.match(parts.path))

    # -- articles -----------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[NewsItem]:
        try:
            item = item_from_page(self, response, response.meta.get("listing_label"))
        except ExtractionError as exc:
            self.extraction_failed(response.url, exc)
            return
        if self.params.accepts(parse_moment(item["published"], UTC_ZONE).utc):
            yield item

    def extract(self, response: Response) -> NewsItem:
        """A saved article page -> item (``newsroom-scraper extract --site europarl``)."""
        return item_from_page(self, response)
