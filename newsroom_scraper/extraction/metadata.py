"""Page metadata every newsroom falls back on: the page's own URL, JSON-LD, OpenGraph and
``<meta>``, microdata, ``<time datetime>``, ``<h1>`` and keywords.

A newsroom reads its own markup first; when a field comes out empty, it asks
:class:`PageMetadata` (fundus's ``Precomputed(html, doc, meta, ld)``): built once per page, each
source read lazily on first use (``functools.cached_property``), so a page whose own markup gives
every field never reads its metadata at all::

    metadata = PageMetadata(response.body, root, encoding=response.encoding)
    metadata.meta("og:title")          # <meta property|name="og:title" content>
    metadata.ld_first("datePublished")  # the JSON-LD article's first string value

**The page's own URL** (canonical link, ``og:url``, JSON-LD ``url``) has one implementation,
:func:`own_url_candidates`, which reads the raw bytes: ``newsroom-scraper extract`` needs the URL
before any response (let alone a parse) exists, and page objects use the same function. Measured
(CPU, best of 5 x 200, this 2-core box): 0.009 ms on the 58 KB real Europol shell and 0.004 ms
on the 96-103 KB real Europarl pages, against 0.07 ms (Europol) and 0.7-1.3 ms (Europarl) to
parse the page with lxml and query ``//link[@rel='canonical']``; ``extract`` would parse every
Europarl page twice. So the fast byte path stays, and it is the only one.

**JSON-LD** is read from the parsed tree (:attr:`PageMetadata.ld`, only when a field needs it),
as browsers and extruct see it: a block inside a comment or inside a broken tag is no JSON-LD.
:func:`page_own_url`, on a page not parsed yet, finds the blocks by a byte search instead
(:func:`json_ld_objects`: comments skipped; its last source, after canonical and ``og:url``).

**Why not extruct** (0.18.0, measured on the two real Europarl pages, CPU, best of 5 x 50):

* it needs an ``lxml.html`` tree (``document.head``), while pages are parsed into plain
  ``lxml.etree`` elements (``lxml.html``'s per-element class lookup doubled the cost of walking
  a page): a second parse, 0.81-0.86 ms a page, before ``extruct.extract(tree,
  syntaxes=["json-ld", "opengraph", "microdata"], uniform=True)`` itself (0.28-0.29 ms);
* it reads every syntax of every page up front; this module reads a source only when a field
  needs it, and a page whose markup has every field reads only its own URL (0.04 ms). Reading
  the same three sources here costs 0.25-0.27 ms, every fallback of the Europarl page 0.39 ms;
* it finds no microdata on the Europarl pages: their ``itemprop="datePublished"`` has no
  ``itemscope``, and the fallback reads that element's shown text; ``<meta name=keywords>``,
  ``<time>``, ``<h1>`` and the own URL would still be this module's;
* ``import extruct`` took 0.19-0.27 s here and loads rdflib, pyRdfa, html5lib, mf2py, requests,
  bs4 and more (12 packages), for ``newsroom-scraper extract``'s start-up.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from functools import cached_property
from typing import TYPE_CHECKING, Any

import lxml.etree

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

#: schema.org types whose object is "the article" of a page: ``Article`` and the subtypes
#: newsrooms use (a press release is most often a ``NewsArticle``).
ARTICLE_TYPES = frozenset(
    {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle",
     "BackgroundNewsArticle", "OpinionNewsArticle", "ReviewNewsArticle", "Report",
     "BlogPosting"}
)  # fmt: skip
#: The page's own URL, in the order :func:`page_own_url` trusts them.
OWN_URL_SOURCES = ("canonical", "og_url", "json_ld")

# -- the page's own URL and JSON-LD, from the raw bytes -------------------------------------------

_QUOTE = "[\"']"
#: source -> (keyword, patterns): the keyword is looked for first (a plain, case-sensitive byte
#: search) and the ``re.I`` pattern only runs around it: ``re.I`` disables the literal-prefix
#: search, and a Europol shell embeds 60 KB of JSON (5 patterns over it cost 0.3 ms a page).
_OWN_URL_PATTERNS = {
    source: (
        keyword,
        tuple(re.compile(p.replace("Q", _QUOTE).encode(), re.IGNORECASE) for p in patterns),
    )
    for source, keyword, patterns in (
        ("canonical", b"canonical", (
            r"<link\b[^>]*\brel=QcanonicalQ[^>]*\bhref=Q([^\"']+)",
            r"<link\b[^>]*\bhref=Q([^\"']+)Q[^>]*\brel=Qcanonical",
        )),
        ("og_url", b"og:url", (
            r"<meta\b[^>]*\bproperty=Qog:urlQ[^>]*\bcontent=Q([^\"']+)",
            r"<meta\b[^>]*\bcontent=Q([^\"']+)Q[^>]*\bproperty=Qog:url",
        )),
    )
}  # fmt: skip
_AROUND = 2_000
#: The tags open ``<head>``, JSON-LD often closes the page after a large embedded JSON: the
#: first and last 16 KB are searched first, the whole page only when they name nothing.
_EDGE = 16_384
_LD_KEYWORD = b"application/ld+json"
_LD_OPEN = re.compile(
    rb"<script\b[^>]*\btype\s*=\s*[\"']?application/ld\+json[\"']?[^>]*>", re.IGNORECASE
)
_SCRIPT_CLOSE = re.compile(rb"</script", re.IGNORECASE)


def declared_url(
    body: bytes, source: str, encoding: str = "utf-8", ld: list[Any] | None = None
) -> str | None:
    """The page's own URL as one source declares it (:data:`OWN_URL_SOURCES`): the first
    ``<link rel=canonical href>`` or ``<meta property=og:url content>`` (HTML entities decoded),
    or the ``url`` of the JSON-LD article, else of the JSON-LD ``WebPage``. ``ld``: the page's
    JSON-LD when the caller has read it already (else it is read from the bytes)."""
    if source == "json_ld":
        return ld_string(_ld_page_url(json_ld_objects(body, encoding) if ld is None else ld))
    keyword, patterns = _OWN_URL_PATTERNS[source]
    return _attribute_url(body, keyword, patterns, encoding)


def own_url_candidates(body: bytes, encoding: str = "utf-8") -> Iterator[tuple[str, str]]:
    """``(source, url)`` of each declaration of the page's own URL (:func:`declared_url`), in
    :data:`OWN_URL_SOURCES` order, lazily: a source is only searched when the caller asks for
    the next one."""
    for source in OWN_URL_SOURCES:
        url = declared_url(body, source, encoding)
        if url is not None:
            yield source, url


def page_own_url(body: bytes) -> str | None:
    """Where a saved page names itself (see :func:`own_url_candidates`), else ``None``."""
    return next((url for _, url in own_url_candidates(body)), None)


def _attribute_url(
    body: bytes, keyword: bytes, patterns: tuple[re.Pattern[bytes], ...], encoding: str
) -> str | None:
    size = len(body)
    regions = [(0, size)]
    if size > 4 * _EDGE:
        # The head, the tail, then what lies between: the keyword positions neither edge
        # holds whole (one across an edge included). The same positions, in the same order,
        # as a third search of the whole page, whose head and tail were already tried (a
        # position's answer depends on the position alone): a page searched once, not 1.5x.
        overlap = len(keyword) - 1
        regions = [(0, _EDGE), (size - _EDGE, size), (_EDGE - overlap, size - _EDGE + overlap)]
    for begin, end in regions:
        start = body.find(keyword, begin, end)
        while start >= 0:
            for pattern in patterns:
                match = pattern.search(body, max(0, start - _AROUND), start + _AROUND)
                if match:
                    return html.unescape(match.group(1).decode(encoding, "replace"))
            start = body.find(keyword, start + len(keyword), end)
    return None


def json_ld_objects(body: bytes, encoding: str = "utf-8") -> list[Any]:
    """The parsed content of every ``<script type="application/ld+json">`` of a page not parsed
    yet, page order; a block that is not JSON, or inside a comment, is skipped. Script content is
    raw text in HTML: no entity to decode. (A parsed page reads its scripts from the tree:
    :attr:`PageMetadata.ld`; a script that a broken page hides inside another tag is only seen
    here.)"""
    found: list[Any] = []
    position = body.find(_LD_KEYWORD)
    while position >= 0:
        tag_start = body.rfind(b"<", 0, position)
        opening = _LD_OPEN.match(body, tag_start) if tag_start >= 0 else None
        if opening is None or _in_comment(body, tag_start):
            position = body.find(_LD_KEYWORD, position + len(_LD_KEYWORD))
            continue
        closing = _SCRIPT_CLOSE.search(body, opening.end())
        end = closing.start() if closing else len(body)
        with contextlib.suppress(ValueError):
            found.append(json.loads(body[opening.end() : end].decode(encoding, "replace")))
        position = body.find(_LD_KEYWORD, end)
    return found


def _in_comment(body: bytes, position: int) -> bool:
    """Whether the last ``<!--`` before ``position`` is after the last ``-->`` before it (both
    whole before ``position``). Searched back from ``position``, ``-->`` only after that
    ``<!--``: a page without a comment is scanned once, not twice."""
    opening = body.rfind(b"<!--", 0, position)
    return opening >= 0 and body.find(b"-->", opening + 1, position) < 0


def find_ld(data: Any, types: frozenset[str] = ARTICLE_TYPES) -> dict[str, Any] | None:
    """The first JSON-LD object of one of ``types``, depth first through lists and ``@graph``."""
    for candidate in data if isinstance(data, list) else [data]:
        if not isinstance(candidate, dict):
            continue
        declared = candidate.get("@type")
        names = declared if isinstance(declared, list) else [declared]
        if any(isinstance(name, str) and name in types for name in names):
            return candidate
        nested = find_ld(candidate.get("@graph"), types)
        if nested is not None:
            return nested
    return None


def _ld_page_url(objects: list[Any]) -> Any:
    for types in (ARTICLE_TYPES, frozenset({"WebPage"})):
        found = find_ld(objects, types)
        if found is not None and ld_string(found.get("url")):
            return found.get("url")
    return None


def ld_string(value: Any) -> str | None:
    """A metadata value as one trimmed string: the first non-empty string of a list, else
    ``None`` (numbers, objects and blank strings are no value)."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    return value.strip() if isinstance(value, str) and value.strip() else None


# -- everything else, from the parsed page ---------------------------------------------------------

_METAS = lxml.etree.XPath("//meta")
_JSON_LD = lxml.etree.XPath("//script[@type='application/ld+json']/text()")
_H1 = lxml.etree.XPath("//h1")
_TIME_VALUES = lxml.etree.XPath("//time/@datetime")
_HTML_LANG = lxml.etree.XPath("/html/@lang")
_ITEMPROP = lxml.etree.XPath("//*[@itemprop=$name]")
_MICRODATA_ATTRIBUTES = ("content", "datetime")


def plain_text(element: lxml.etree._Element) -> str:
    """Default text of an element for :class:`PageMetadata`: every text node on one line."""
    from newsroom_scraper.extraction.htmltext import inline_text

    return inline_text(element)


class PageMetadata:
    """One page's metadata, each source read once and only when first asked for.

    ``body`` is the page as received (the own URL and JSON-LD are read from it); ``root`` the
    page's parsed tree when the caller has one (else the body is parsed on first use).
    """

    def __init__(
        self,
        body: bytes,
        root: lxml.etree._Element | None = None,
        *,
        encoding: str = "utf-8",
    ) -> None:
        self.body = body
        self.encoding = encoding
        if root is not None:
            self.root = root

    @cached_property
    def root(self) -> lxml.etree._Element:
        parser = lxml.etree.HTMLParser(recover=True, encoding="utf-8")
        text = self.body.decode(self.encoding, "replace").strip().replace("\x00", "")
        root = lxml.etree.fromstring(text.encode("utf-8") or b"<html/>", parser=parser)
        return root if root is not None else lxml.etree.fromstring(b"<html/>", parser=parser)

    # -- the own URL ---------------------------------------------------------------------------

    def declared_url(self, source: str) -> str | None:
        """The page's own URL as ``source`` declares it (:func:`declared_url`; the JSON-LD is
        this page's :attr:`ld`)."""
        ld = self.ld if source == "json_ld" else None
        return declared_url(self.body, source, self.encoding, ld)

    def own_urls(self) -> dict[str, str]:
        """Every declaration of the page's own URL by source, :data:`OWN_URL_SOURCES` order."""
        found = {source: self.declared_url(source) for source in OWN_URL_SOURCES}
        return {source: url for source, url in found.items() if url is not None}

    # -- <meta> --------------------------------------------------------------------------------

    @cached_property
    def metas(self) -> dict[tuple[str, str], str]:
        """``(property or name, value) -> content`` of the ``<meta>`` tags, the first of each
        that has a content: one pass instead of one search of the page per tag."""
        found: dict[tuple[str, str], str] = {}
        for element in _METAS(self.root):
            content = element.get("content")
            if content is None:
                continue
            for attribute in ("property", "name"):
                value = element.get(attribute)
                if value is not None:
                    found.setdefault((attribute, value), content)
        return found

    def meta(self, key: str) -> str | None:
        """``<meta property=key content>``, else ``<meta name=key content>`` (pages put
        OpenGraph under ``name`` too), trimmed; ``None`` when absent or blank."""
        return ld_string(self.metas.get(("property", key))) or ld_string(
            self.metas.get(("name", key))
        )

    def keywords(self) -> list[str]:
        """``<meta name=keywords>`` split at its commas, trimmed, blanks dropped."""
        return [word.strip() for word in (self.meta("keywords") or "").split(",") if word.strip()]

    @cached_property
    def html_lang(self) -> str | None:
        """``<html lang>`` as written (a site may also say ``meta("language")``)."""
        value = next(iter(_HTML_LANG(self.root)), None)
        return None if value is None else str(value)

    # -- JSON-LD -------------------------------------------------------------------------------

    @cached_property
    def ld(self) -> list[Any]:
        """The content of every ``<script type="application/ld+json">`` of the parsed page,
        page order; a block that is not JSON is skipped."""
        found = []
        for text in _JSON_LD(self.root):
            try:
                found.append(json.loads(text))
            except ValueError:
                continue
        return found

    @cached_property
    def article(self) -> dict[str, Any]:
        """The page's JSON-LD article (:data:`ARTICLE_TYPES`, ``@graph`` included), ``{}``."""
        return find_ld(self.ld) or {}

    def ld_value(self, key: str) -> Any:
        """The JSON-LD article's raw value of ``key``."""
        return self.article.get(key)

    def ld_first(self, key: str) -> str | None:
        """The JSON-LD article's value of ``key`` as one string (:func:`ld_string`)."""
        return ld_string(self.article.get(key))

    def ld_all(self, key: str) -> list[str]:
        """Every string value of ``key`` in the JSON-LD article (``articleSection`` lists)."""
        value = self.article.get(key)
        return [s for s in map(ld_string, value if isinstance(value, list) else [value]) if s]

    # -- microdata, <time>, <h1> ---------------------------------------------------------------

    def microdata(
        self, name: str, text: Callable[[lxml.etree._Element], str] = plain_text
    ) -> Iterator[list[str]]:
        """For each ``[itemprop=name]`` element, page order: its ``content`` and ``datetime``
        attributes (in the element's order), then its text as ``text`` reads it."""
        for element in _ITEMPROP(self.root, name=name):
            values = [v for k, v in element.items() if k in _MICRODATA_ATTRIBUTES]
            yield [*values, text(element)]

    @cached_property
    def time_values(self) -> list[str]:
        """``datetime`` of every ``<time>``, page order."""
        return [str(value) for value in _TIME_VALUES(self.root)]

    def first_h1(self, text: Callable[[lxml.etree._Element], str] = plain_text) -> str | None:
        """The text of the page's first ``<h1>``, whatever its class."""
        headings = _H1(self.root)
        return text(headings[0]) if headings else None

    # -- what a generic reader needs beyond the fallbacks (additive: the sites above ignore it) --

    @cached_property
    def meta_lists(self) -> dict[str, list[str]]:
        """``property or name -> every content`` of the ``<meta>`` tags, page order (a page
        gives ``article:tag`` once per tag); keys as written, blank contents dropped."""
        found: dict[str, list[str]] = {}
        for element in _METAS(self.root):
            content = (element.get("content") or "").strip()
            key = element.get("property") or element.get("name") or element.get("itemprop")
            if content and key:
                found.setdefault(key, []).append(content)
        return found

    def meta_all(self, *keys: str) -> list[str]:
        """Every content of the ``<meta>`` tags named by any of ``keys`` (case-insensitive),
        in the order of ``keys``, then page order."""
        lowered: dict[str, list[str]] = {}
        for key, values in self.meta_lists.items():
            lowered.setdefault(key.lower(), []).extend(values)
        return [value for key in keys for value in lowered.get(key.lower(), [])]

    @cached_property
    def ld_nodes(self) -> list[dict[str, Any]]:
        """Every JSON-LD object of the page, depth first (lists, ``@graph`` and nested values
        included), page order."""
        found: list[dict[str, Any]] = []
        stack: list[Any] = list(reversed(self.ld))
        while stack and len(found) < 5_000:  # a bound: a page's JSON-LD is small
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                found.append(node)
                stack.extend(reversed([v for v in node.values() if isinstance(v, dict | list)]))
        return found

    def ld_typed(self, types: frozenset[str]) -> list[dict[str, Any]]:
        """The JSON-LD objects whose ``@type`` is one of ``types``, page order."""
        return [node for node in self.ld_nodes if ld_types(node) & types]

    def site_names(self) -> list[str]:
        """How the page names its site: ``og:site_name``, ``application-name``, the JSON-LD
        publisher's and ``WebSite``'s names."""
        names = self.meta_all("og:site_name", "application-name", "apple-mobile-web-app-title")
        publisher = self.article.get("publisher")
        for node in [publisher, *self.ld_typed(frozenset({"WebSite", "NewsMediaOrganization"}))]:
            if isinstance(node, dict) and ld_string(node.get("name")):
                names.append(html.unescape(str(ld_string(node.get("name")))))
        return list(dict.fromkeys(name.strip() for name in names if name.strip()))

    def breadcrumbs(self) -> list[tuple[str, str | None]]:
        """``(label, url)`` of the JSON-LD ``BreadcrumbList``, in list order."""
        for crumbs in self.ld_typed(frozenset({"BreadcrumbList"})):
            items = crumbs.get("itemListElement")
            found: list[tuple[str, str | None]] = []
            for entry in items if isinstance(items, list) else []:
                if not isinstance(entry, dict):
                    continue
                item = entry.get("item")
                name = ld_string(entry.get("name")) or (
                    ld_string(item.get("name")) if isinstance(item, dict) else None
                )
                url = item.get("@id") if isinstance(item, dict) else item
                if name:
                    found.append((html.unescape(name), url if isinstance(url, str) else None))
            if found:
                return found
        return []


def ld_types(node: dict[str, Any]) -> set[str]:
    """A JSON-LD object's ``@type`` names (``schema:NewsArticle`` read as ``NewsArticle``)."""
    declared = node.get("@type")
    names = declared if isinstance(declared, list) else [declared]
    return {name.rsplit(":", 1)[-1].rsplit("/", 1)[-1] for name in names if isinstance(name, str)}
