"""European Parliament press room (www.europarl.europa.eu), per ``shared/sites/europarl.md``.

One module, three sections:

1. **URL and citation rules**: which URLs are releases, listing pages and the feed; related
   documents in the Parliament's citation form; Brussels times.
2. **The article page** (:class:`EuroparlPage`): response + :class:`PageContext` -> item, no
   spider. The site is server-rendered HTML: every field is read from the article element by the
   selectors of :data:`SELECTORS` (found in one pass by :class:`ArticleNodes`). Page metadata
   (:mod:`newsroom_scraper.extraction.metadata`: OpenGraph, JSON-LD ``NewsArticle``, microdata,
   ``<time>``, ``<h1>``, ``meta keywords``) fills a field only where the site's own markup gives
   nothing, and each such use is counted as ``fallback/<field>``: a markup change then costs a
   counted fallback, not the item.
3. **Discovery** (:class:`EuroparlSpider`), in ``auto`` mode: the newsroom listing
   ``/news/<lang>/page/<N>`` from page 0 until an empty page, a page that repeats an earlier one,
   ``limit``, or a page wholly older than ``since``; plus the plenary RSS feed
   ``/rss/doc/press-releases-plenary/<lang>.xml`` for the newest plenary releases. ``listing``
   and ``rss`` use one source only. A release is claimed by its release id, so one that both
   sources give, or under two URLs, is fetched once.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cached_property
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urljoin, urlsplit
from zoneinfo import ZoneInfo

import lxml.etree
import scrapy
from scrapy.exceptions import UsageError
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from newsroom_scraper.errors import DISCOVERY, ExtractionError
from newsroom_scraper.extraction.dates import (
    MINUTE,
    SECOND,
    DateError,
    Moment,
    local_midnight,
    parse_moment,
)
from newsroom_scraper.extraction.htmltext import (
    AttachmentRules,
    HtmlFragment,
    inline_text,
    squash,
)
from newsroom_scraper.extraction.metadata import PageMetadata
from newsroom_scraper.extraction.page import NewsPage
from newsroom_scraper.requests import ROLE, Role
from newsroom_scraper.spiders.base import NewsroomSpider

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator

    from newsroom_scraper.extraction.loaders import NewsItemLoader
    from newsroom_scraper.items import NewsItem

logger = logging.getLogger(__name__)

PUBLIC_ORIGIN = "https://www.europarl.europa.eu"
SITE_DOMAIN = "europarl.europa.eu"
TIMEZONE = ZoneInfo("Europe/Brussels")
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


# == 1. URL and citation rules =====================================================================


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


# -- related documents and procedures (site file, "Fixed for this project") ------------------------


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


#: A related item's URL has one of these (an ``oeil.`` host, an ``/oeil/`` or ``/doceo/document/``
#: path) in some case, once ``urlsplit`` has dropped the tabs and line breaks.
_RELATED_MARKS = ("oeil", "doceo")
_DROPPED_BY_URLSPLIT = str.maketrans("", "", "\t\n\r")


def may_be_related(url: str) -> bool:
    """Whether a link (or the page URL links are resolved against) may give a related item or
    may not parse: only then is it resolved, which spares most links of a page a ``urljoin``.

    A resolved URL is made of whole pieces of both, so it names a related item only if one of
    them has a mark. ``urlsplit`` only fails on brackets or non-ASCII characters: such a link
    is resolved, so that a broken link fails the page as it always did.
    """
    if not url.isascii() or "[" in url or "]" in url:
        return True
    lowered = url.lower()
    if "\t" in lowered or "\n" in lowered or "\r" in lowered:
        lowered = lowered.translate(_DROPPED_BY_URLSPLIT)
    return any(mark in lowered for mark in _RELATED_MARKS)


def related_references(urls: Iterable[str]) -> list[dict[str, str | None]]:
    """Related items of a page's links: page order, each (kind, id) once."""
    found: dict[tuple[str | None, str | None], dict[str, str | None]] = {}
    for url in urls:
        reference = related_reference(url)
        if reference is not None:
            found.setdefault((reference["kind"], reference["id"]), reference)
    return list(found.values())


# -- dates -----------------------------------------------------------------------------------------


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


# == 2. The article page ===========================================================================

# -- where things are (site file, "Article page") --------------------------------------------------


def css_class(name: str) -> str:
    """XPath for CSS ``.name``: the class attribute holds ``name`` between XML white space."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


@dataclass(frozen=True, slots=True)
class Selector:
    """One field's place on the page: as a reader says it, and exactly, in XPath."""

    #: CSS, with the "not inside" conditions CSS selectors cannot say in words.
    css: str
    #: The same selection, relative to the article element (:data:`MAIN`); "inside" looks at
    #: every ancestor up to the document root.
    xpath: str


#: ``#website-body`` / ``article[role=main]``: the outermost of them, never both when nested.
#: The site's own selectors are relative to it; the metadata fallbacks read the whole page.
MAIN = (
    "(//*[@id='website-body'] | //article[@role='main'])"
    "[not(ancestor::*[@id='website-body'] or ancestor::article[@role='main'])]"
)
_TEXT = f"{css_class('ep-a_text')} or {css_class('ep-wysiwig_paragraph')}"
#: The site's selectors: the source of truth for what each field is read from. The page is
#: read by :class:`ArticleNodes` instead, in one pass over the article (libxml2 evaluates a
#: predicate on every element an XPath visits, and ``ancestor::`` tests on every ancestor of
#: each: these eight queries were the largest cost of a page after its parse);
#: ``tests/test_europarl.py`` checks that it finds exactly what these select, on the real pages,
#: the mirror's pages and pages made to be tricky.
SELECTORS = {
    "title": Selector("h1.ep_title (the first)", f"(.//h1[{css_class('ep_title')}])[1]"),
    "published": Selector(
        "time[itemprop=datePublished]::attr(datetime) (the first)",
        "(.//time[@itemprop='datePublished']/@datetime)[1]",
    ),
    "content_types": Selector(
        ".ep-layout_contenttype, not inside article.ep-m_product (a teaser of another release)",
        f".//*[{css_class('ep-layout_contenttype')}]"
        f"[not(ancestor::article[{css_class('ep-m_product')}])]",
    ),
    "key_facts": Selector(
        ".ep-a_facts li, not inside another li (sub-items are part of their item)",
        f".//*[{css_class('ep-a_facts')}]//li[not(ancestor::li)]",
    ),
    "lead": Selector(
        ".ep-layout_chapo, not inside .ep-a_facts",
        f".//*[{css_class('ep-layout_chapo')}][not(ancestor::*[{css_class('ep-a_facts')}])]",
    ),
    "body": Selector(
        ":is(.ep-a_text, .ep-wysiwig_paragraph):not(.ep-layout_chapo), not inside another of"
        " them or .ep-a_facts",
        f".//*[{_TEXT}][not({css_class('ep-layout_chapo')})]"
        f"[not(ancestor::*[{_TEXT} or {css_class('ep-a_facts')}])]",
    ),
    "reference_links": Selector(".ep-a_links", f".//*[{css_class('ep-a_links')}]"),
    "anchors": Selector("a[href]", ".//a[@href]"),
}
#: The text a reader sees (:func:`visible_text`): none inside ``.ep_hidden`` (screen-reader
#: labels), ``.ep_icon``, ``<script>`` or ``<style>``.
VISIBLE_TEXT = Selector(
    "::text, not inside .ep_hidden, .ep_icon, script or style",
    f".//text()[not(ancestor::*[{css_class('ep_hidden')} or {css_class('ep_icon')}]"
    " or ancestor::script or ancestor::style)]",
)

#: The class names of :data:`SELECTORS`, for the one-pass reader.
TITLE_CLASS = "ep_title"
CONTENT_TYPE_CLASS = "ep-layout_contenttype"
TEASER_CLASS = "ep-m_product"
KEY_FACTS_CLASS = "ep-a_facts"
LEAD_CLASS = "ep-layout_chapo"
TEXT_CLASSES = frozenset({"ep-a_text", "ep-wysiwig_paragraph"})
LINKS_CLASS = "ep-a_links"
HIDDEN_CLASSES = frozenset({"ep_hidden", "ep_icon"})
_PART_CLASSES = TEXT_CLASSES | {CONTENT_TYPE_CLASS, KEY_FACTS_CLASS, LEAD_CLASS, LINKS_CLASS}
#: What every part's class starts with: elements without it need no closer look.
_PART_PREFIX = "ep-"
assert all(name.startswith(_PART_PREFIX) for name in _PART_CLASSES)
#: XPath's white space (``normalize-space``), which separates class names as in CSS.
_CLASS_SEPARATOR = re.compile(r"[ \t\n\r]+")
_KEY_FACTS = frozenset({KEY_FACTS_CLASS})
_TEXT_OR_FACTS = TEXT_CLASSES | _KEY_FACTS
_INVISIBLE_TAGS = frozenset({"script", "style"})


def class_names(element: lxml.etree._Element) -> set[str]:
    """The classes of an element, as CSS ``.name`` (and :func:`css_class`) tells them apart."""
    value = element.get("class")
    return set(_CLASS_SEPARATOR.split(value)) if value else set()


def part_classes(element: lxml.etree._Element) -> frozenset[str]:
    """The classes of ``element`` that name a part of the article (few elements have one)."""
    value = element.get("class")
    if not value or _PART_PREFIX not in value:
        return frozenset()
    return _PART_CLASSES.intersection(_CLASS_SEPARATOR.split(value))


def has_class(element: lxml.etree._Element, name: str) -> bool:
    """CSS ``.name``, for one name: the attribute is only split when it holds the name."""
    value = element.get("class")
    return value is not None and name in value and name in _CLASS_SEPARATOR.split(value)


def inside(element: lxml.etree._Element, names: frozenset[str]) -> bool:
    """Whether an ancestor of ``element`` (up to the document root, like XPath's
    ``ancestor::``) has one of the part classes ``names``."""
    return any(not names.isdisjoint(part_classes(a)) for a in element.iterancestors())


def hides_text(element: lxml.etree._Element) -> bool:
    """Whether nothing inside ``element`` is text a reader sees."""
    return element.tag in _INVISIBLE_TAGS or not HIDDEN_CLASSES.isdisjoint(class_names(element))


def visible_text(element: lxml.etree._Element) -> str:
    """The text a reader sees of an element, on one line (:data:`VISIBLE_TEXT`), by the shared
    walker of :mod:`newsroom_scraper.extraction.htmltext`."""
    return inline_text(element, hides_text)


_BY_ID = lxml.etree.XPath("id('website-body')")
_ARTICLES = lxml.etree.XPath("//article")
_MAIN = lxml.etree.XPath(MAIN)


def page_root(response: TextResponse) -> tuple[lxml.etree._Element, str]:
    """The root element of the page and how parsel serialises its elements (``html``/``xml``).

    An HTML response is parsed as ``response.selector`` parses it (parsel's clean-up of the text,
    the same libxml2 options) into plain lxml elements: ``lxml.html`` finds the class of each
    element it hands out with a Python callback, which doubled the cost of walking the page.
    Any other text response keeps parsel's choice of HTML, XML or JSON: on JSON, parsel's
    refusal of XPath is the page's error, as it always was.
    """
    if isinstance(response, HtmlResponse):
        body = _parse_source(response) or b"<html/>"
        parser = lxml.etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
        root = lxml.etree.fromstring(body, parser=parser)
        if root is None:  # nothing but comments or a doctype
            root = lxml.etree.fromstring(b"<html/>", parser=parser)
        return root, "html"
    selector = response.selector
    return selector.xpath("/*")[0].root, selector.type


#: The ASCII characters ``str.strip`` strips (``str.isspace``).
_ASCII_SPACE = bytes(c for c in range(128) if chr(c).isspace())


def _parse_source(response: HtmlResponse) -> bytes:
    """``response.text`` stripped, without NULs, in UTF-8: what libxml2 parses.

    When the body is UTF-8 as it stands (declared or inferred, no BOM: scrapy decodes it as
    it is), holds no NUL and its edges past ASCII white space are ASCII, those are the body's
    own bytes between the edges: the decode, the search for NULs and the encode of the 100 KB
    page (a tenth of a Europarl page's instructions) are skipped. A strict decode still checks
    that the bytes are UTF-8 (scrapy replaces what is not; then the text's bytes are used)."""
    raw = response.body
    if response.encoding == "utf-8" and b"\0" not in raw:
        stripped = raw.strip(_ASCII_SPACE)
        if stripped[:1] < b"\x80" and stripped[-1:] < b"\x80":
            try:
                stripped.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                return stripped
    return response.text.strip().replace("\x00", "").encode("utf-8")


def main_element(root: lxml.etree._Element, html: bool) -> lxml.etree._Element | None:
    """The page's first ``#website-body`` / ``article[role=main]``, i.e. :data:`MAIN`.

    libxml2 indexes the ``id`` attributes of an HTML page as it parses, so ``id()`` finds
    ``#website-body`` without visiting the page (the first of duplicates). The full search runs
    only when that answer cannot be trusted: an XML page, no answer, an ``<a name>`` (HTML's
    other kind of ID), or an ``article[role=main]`` outside it, which may come first.
    """
    found = _BY_ID(root) if html else []
    if found and found[0].get("id") == "website-body":
        main = found[0]
        others = [
            article
            for article in _ARTICLES(root)
            if article.get("role") == "main" and article is not main
        ]
        if not any(main not in article.iterancestors() for article in others):
            return main
    outermost = _MAIN(root)
    return outermost[0] if outermost else None


@dataclass(slots=True)
class ArticleNodes:
    """The elements of the article each field is read from, in page order.

    ``title``: the first ``h1.ep_title``; ``published``: the ``datetime`` of the first
    ``time[itemprop=datePublished]`` that has one; ``content_types``: every
    ``.ep-layout_contenttype`` not inside an ``article.ep-m_product`` (a teaser of another
    release); ``key_facts``: the ``li`` of the ``.ep-a_facts`` (never one inside another
    ``li``); ``lead``: ``.ep-layout_chapo`` outside the key facts; ``body``: the text containers
    (``.ep-a_text``, ``.ep-wysiwig_paragraph``) that stand on their own: not the lead, nor
    inside another text container or the key facts; ``reference_links``: every ``.ep-a_links``;
    ``anchors``: every ``a[href]``. "Inside" looks at every ancestor up to the document root.
    """

    title: lxml.etree._Element | None = None
    published: str | None = None
    content_types: list[lxml.etree._Element] = field(default_factory=list)
    key_facts: list[lxml.etree._Element] = field(default_factory=list)
    lead: list[lxml.etree._Element] = field(default_factory=list)
    body: list[lxml.etree._Element] = field(default_factory=list)
    reference_links: list[lxml.etree._Element] = field(default_factory=list)
    anchors: list[lxml.etree._Element] = field(default_factory=list)

    @classmethod
    def of(cls, main: lxml.etree._Element) -> ArticleNodes:
        """Two passes over the article: its tags (in C), then its classes (the candidates'
        ancestors are only looked at when the candidates are found)."""
        nodes = cls()
        for element in main.iterdescendants("a", "h1", "time"):
            nodes._note_tag(element)
        facts, texts = [], []
        for element in main.iterdescendants(lxml.etree.Element):
            names = part_classes(element)
            if not names:
                continue
            if CONTENT_TYPE_CLASS in names and not _in_teaser(element):
                nodes.content_types.append(element)
            if KEY_FACTS_CLASS in names:
                facts.append(element)
            if LEAD_CLASS in names:
                if not inside(element, _KEY_FACTS):
                    nodes.lead.append(element)
            elif not TEXT_CLASSES.isdisjoint(names):
                texts.append(element)
            if LINKS_CLASS in names:
                nodes.reference_links.append(element)
        nodes.key_facts = _key_fact_items(facts)
        nodes.body = [e for e in texts if not inside(e, _TEXT_OR_FACTS)]
        return nodes

    def _note_tag(self, element: lxml.etree._Element) -> None:
        """Title, publication time and links."""
        tag = element.tag
        if tag == "a":
            if element.get("href") is not None:
                self.anchors.append(element)
        elif tag == "h1":
            if self.title is None and has_class(element, TITLE_CLASS):
                self.title = element
        elif self.published is None and element.get("itemprop") == "datePublished":  # <time>
            self.published = element.get("datetime")


def _in_teaser(element: lxml.etree._Element) -> bool:
    return any(has_class(article, TEASER_CLASS) for article in element.iterancestors("article"))


def _key_fact_items(facts: list[lxml.etree._Element]) -> list[lxml.etree._Element]:
    """The ``li`` of the key-facts blocks, page order, each once (blocks may nest), without
    those inside another ``li`` (sub-items are part of their item)."""
    items: dict[lxml.etree._Element, None] = {}
    for block in facts:
        for item in block.iterdescendants("li"):
            if item not in items and next(item.iterancestors("li"), None) is None:
                items[item] = None
    return list(items)


# -- readings of the site's metadata ---------------------------------------------------------------


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


# -- the page object -------------------------------------------------------------------------------


class EuroparlPage(NewsPage):
    """A press release page -> :class:`NewsItem` (site file, "Article page").

    Hints (``context.hints``): ``listing_label``, the content-type label the listing showed for
    the release (the last fallback of ``content_type``); ``lang``, the crawl's language (the last
    guess of the page's language, ``en`` without one).
    """

    @cached_property
    def parsed(self) -> tuple[lxml.etree._Element, str]:
        """The page's root element and serialisation (:func:`page_root`), parsed once."""
        if not isinstance(self.response, TextResponse):
            raise ExtractionError("not an HTML page")
        return page_root(self.response)

    @property
    def root(self) -> lxml.etree._Element:
        return self.parsed[0]

    @cached_property
    def nodes(self) -> ArticleNodes:
        """The article's parts: the site's own selectors never look outside the article."""
        main = main_element(self.root, html=self.parsed[1] == "html")
        if main is None:
            raise ExtractionError("no #website-body / article[role=main]: not an article page")
        return ArticleNodes.of(main)

    @cached_property
    def metadata(self) -> PageMetadata:
        """The shared fallbacks, read from this page's bytes and tree, each only when asked."""
        encoding = getattr(self.response, "encoding", None) or "utf-8"
        return PageMetadata(self.response.body, self.root, encoding=encoding)

    # -- the item ------------------------------------------------------------------------------

    def build_item(self) -> NewsItem:
        nodes = self.nodes  # the page is not an article: nothing else is read
        found = self.article_url()
        if found is None:
            raise ExtractionError(
                "no press-room URL with a release id (og:url, canonical, page URL)"
            )
        url, release, url_source = found
        loader = self.context.new_loader(url)
        if url_source in {"og_url", "canonical"}:
            loader.add_value("url", url)
        else:
            loader.add_fallback("url", url_source, url)
        language = self.language(release)
        loader.add_value("id", f"europarl:{language}:{release.release_id}")
        loader.add_value("language", language)
        loader.add_value("title", self.title())
        _add_first_fallback(loader, "title", self.title_fallbacks())
        loader.add_value("published", self.published())
        _add_first_fallback(loader, "published", self.published_fallbacks())
        self.add_content_types(loader)
        loader.add_value("key_points", self.key_points())
        loader.add_value("lead", self.html_of(nodes.lead) or None)
        self.add_text(loader)
        loader.add_value("related", self.related())
        item: NewsItem = loader.load_item()
        for field_name in ("title", "content_type"):
            if not item.get(field_name):
                raise ExtractionError(f"no {field_name} (site markup and every fallback are empty)")
        if not item["body"]:
            self.context.count("europarl/empty_body")
            logger.warning("%s: no text in the body containers", url)
        return item

    def add_content_types(self, loader: NewsItemLoader) -> None:
        terms = self.content_types()
        if terms:
            loader.add_value("content_type", terms[0]["label"])
            loader.add_value("taxonomy", {CONTENT_TYPES: terms})
            return
        source, labels = self.fallback_content_types()
        listing_label = self.context.hints.get("listing_label")
        if not labels and listing_label:
            source, labels = "listing", [listing_label]
        if labels:
            loader.add_fallback("content_type", source, labels[0])
            terms_of = [{"label": label, "url": None} for label in labels]
            loader.add_fallback("taxonomy", source, {CONTENT_TYPES: terms_of})

    def add_text(self, loader: NewsItemLoader) -> None:
        """Body from the text containers; the "Further information" links that are not related
        documents or procedures join the links and attachments (files and videos by the shared
        rules of :mod:`newsroom_scraper.extraction.htmltext`)."""
        loader.add_body(self.html_of(self.nodes.body))
        links, files = self.reference_links(self.context.site.attachment_rules)
        known = {link["url"] for link in loader.get_collected_values("links")}
        loader.add_value("links", [link for link in links if link["url"] not in known])
        for file in files:
            loader.add_attachment(str(file["kind"]), file["title"], file["url"])

    # -- fields --------------------------------------------------------------------------------

    def article_url(self) -> tuple[str, ReleaseRef, str] | None:
        """Canonical public URL, its release and where it came from (``og:url``, canonical link,
        JSON-LD, else the page's own URL): https, no query."""
        for source, url in self._url_candidates():
            release = release_of(url) if url else None
            if release is not None:
                return self.context.public_url(release.path), release, source
        return None

    def _url_candidates(self) -> Iterator[tuple[str, str | None]]:
        """Lazily, in order: later sources are only read when the earlier ones gave nothing."""
        for source in ("og_url", "canonical", "json_ld"):
            yield source, self.metadata.declared_url(source)
        yield "page_url", self.url

    def language(self, release: ReleaseRef) -> str:
        for candidate in self._language_candidates(release):
            code = (candidate or "").strip().lower()[:2]
            if code in EU_LANGUAGES:
                return code
        return str(self.context.hints.get("lang") or DEFAULT_LANG)

    def _language_candidates(self, release: ReleaseRef) -> Iterator[str | None]:
        yield release.lang
        yield self.metadata.html_lang
        yield self.metadata.meta("language")

    def title(self) -> str | None:
        heading = self.nodes.title
        return visible_text(heading) if heading is not None else None

    def published(self) -> Moment | None:
        return moment_or_none(self.nodes.published)

    def title_fallbacks(self) -> Iterator[tuple[str, str | None]]:
        """Lazily, in order: later sources are only read when the earlier ones gave nothing."""
        yield "og_title", strip_site_suffix(self.metadata.meta("og:title"))
        yield "json_ld", self.metadata.ld_first("headline")
        yield "h1", self.metadata.first_h1(visible_text)  # the first <h1>, whatever its class

    def published_fallbacks(self) -> Iterator[tuple[str, Moment | None]]:
        """Lazily, in order: later sources are only read when the earlier ones gave nothing."""
        metadata = self.metadata
        yield "og_published_time", moment_or_none(metadata.meta("article:published_time"))
        yield "json_ld", moment_or_none(metadata.ld_first("datePublished"))
        for values in metadata.microdata("datePublished", visible_text):
            yield "microdata", next(filter(None, map(moment_or_none, values)), None)
        for value in metadata.time_values:
            yield "time", moment_or_none(value)

    def content_types(self) -> list[dict[str, str | None]]:
        """Every content-type label as shown; its URL only where the page links it."""
        terms: list[dict[str, str | None]] = []
        for element in self.nodes.content_types:
            label = visible_text(element)
            href = next(
                (h for a in element.iterdescendants("a") if (h := a.get("href")) is not None),
                None,
            )
            url = self.absolute(href) if href and href.strip() else None
            term = {"label": label, "url": url}
            if label and term not in terms:
                terms.append(term)
        return terms

    def fallback_content_types(self) -> tuple[str, list[str]]:
        """Labels from JSON-LD ``articleSection``, else from the keywords (source, labels)."""
        labels = self.metadata.ld_all("articleSection")
        if labels:
            return "json_ld", labels
        keywords, routes = self.metadata.meta("keywords"), self.metadata.meta("routes")
        return "meta_keywords", keyword_content_types(keywords, routes)

    def absolute(self, href: str) -> str:
        return site_https(urljoin(self.url, href.strip()))

    def html(self, element: lxml.etree._Element) -> str:
        """An element as parsel's ``get()`` gives it: its HTML (XML on an XML page), no tail."""
        return str(
            lxml.etree.tostring(element, method=self.parsed[1], encoding="unicode", with_tail=False)
        )

    def key_points(self) -> list[str]:
        return [self.html(item) for item in self.nodes.key_facts]

    def html_of(self, elements: list[lxml.etree._Element]) -> str:
        """The HTML of ``elements``, http links to the site made https.

        The attributes are rewritten on the page's own parse tree (read once per page, and
        nothing reads it after extraction), so the body is still parsed only once afterwards.
        """
        _https_attributes(elements)
        return "".join(map(self.html, elements))

    def related(self) -> list[dict[str, str | None]]:
        """Documents and procedures the release links to, anywhere in the article, page order
        (only the links that :func:`may_be_related` are resolved)."""
        every_link = may_be_related(self.url)
        hrefs = [anchor.get("href") for anchor in self.nodes.anchors]
        candidates = [href for href in hrefs if every_link or may_be_related(href)]
        return related_references(self.absolute(href) for href in candidates)

    def reference_links(
        self, rules: AttachmentRules
    ) -> tuple[list[dict[str, str]], list[dict[str, str | None]]]:
        """The "Further information" block: links and files that are not related items."""
        fragment = HtmlFragment(self.html_of(self.nodes.reference_links), self.url)
        links = [link for link in fragment.links(rules) if related_reference(link["url"]) is None]
        files = [f for f in fragment.attachments(rules) if related_reference(str(f["url"])) is None]
        return links, files


def _add_first_fallback(
    loader: NewsItemLoader, field_name: str, fallbacks: Iterator[tuple[str, Any]]
) -> None:
    """The first of ``fallbacks`` that gives a value, when the site's markup gave none.

    The field is checked before each step of the (lazy) fallbacks, so that a page whose own
    markup has the value reads no metadata at all (the JSON-LD is not even parsed).
    """
    if loader.get_output_value(field_name) not in (None, "", [], {}):
        return
    for source, value in fallbacks:
        if loader.add_fallback(field_name, source, value):
            return


def _https_attributes(elements: list[lxml.etree._Element]) -> None:
    for element in elements:
        for node in element.iter():
            if not isinstance(node.tag, str):
                continue  # comments and processing instructions
            for attribute in ("href", "src"):
                value = node.get(attribute)
                if value is not None and value != (upgraded := site_https(value)):
                    node.set(attribute, upgraded)


# == 3. Discovery: listing pages and RSS ===========================================================


def failure_facts(failure: Any) -> tuple[str, int | None, str]:
    """Public URL, final HTTP status (if any) and a one-line reason of a failed request."""
    request = failure.request
    url = str(request.url)
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
        labels = [visible_text(s.root) for s in product.css(".ep-layout_contenttype")]
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
    page_class = EuroparlPage

    def __init__(self, *args: Any, lang: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lang = parse_lang(lang)
        self.listing_signatures: set[str] = set()
        self.sources: list[str] = []
        self.rss_requested = False

    # -- discovery ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        mode = self.params.discovery
        self.set_stat("discovery/mode", mode)
        if mode in {"auto", "listing"}:
            yield self.listing_request(0)
        # With a limit, the listing alone says which releases are the newest N: the plenary
        # feed waits for the listing to end (see ``listing_ended``).
        if mode == "rss" or (mode == "auto" and self.params.limit is None):
            yield self.rss_request()

    def use_source(self, source: str) -> None:
        if source not in self.sources:
            self.sources.append(source)
            self.set_stat("discovery/path", "+".join(self.sources))

    def listing_request(self, page: int) -> scrapy.Request:
        if page == 0:
            self.use_source("listing")
        return scrapy.Request(
            self.public_url(listing_path(self.lang, page)),
            callback=self.parse_listing,
            errback=self.listing_failed,
            meta={"listing_page": page, ROLE: Role.LISTING},
            priority=Role.LISTING.priority,
        )

    def rss_request(self) -> scrapy.Request:
        self.rss_requested = True
        self.use_source("rss")
        return scrapy.Request(
            self.public_url(rss_path(self.lang)),
            callback=self.parse_rss,
            errback=self.rss_failed,
            meta={ROLE: Role.FEED},
            priority=Role.FEED.priority,
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
        self.set_stat("discovery/listing/end", why)
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
            meta={"listing_label": label, ROLE: Role.ARTICLE},
        )

    def is_article_url(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.hostname in self.public_hosts and bool(_ARTICLE_PATH.match(parts.path))

    # -- articles -----------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[NewsItem]:
        page = self.page(response, listing_label=response.meta.get("listing_label"), lang=self.lang)
        try:
            item = page.to_item()
        except ExtractionError as exc:
            self.extraction_failed(response.url, exc)
            return
        if self.in_window(item):
            yield item
