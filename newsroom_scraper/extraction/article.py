"""Any newsroom's article page, read without knowing the site: metadata first, main content last.

:class:`ArticleReader` answers one question per field (title, publication time, lead, body,
taxonomy, language, content type) from what every publisher's page carries: JSON-LD, OpenGraph
and ``<meta>`` (:class:`~newsroom_scraper.extraction.metadata.PageMetadata`, shared with the
site modules), microdata, and the page's main content, found by trafilatura. Each answer keeps
its source, so a site module (or a preset) can override one question and reuse the others.

Rules, measured on the 40 real pages of ``shared/generic`` (``benchmarks/bench_generic.py``),
none tuned to the look of one page:

* **title**: ``og:title`` (the headline a publisher gives for sharing), else the JSON-LD
  ``headline``, ``twitter:title``, ``<h1>``, ``<title>``; a trailing site name is cut when the
  part after the last separator names the site (``og:site_name``, the JSON-LD publisher, the
  host), or when what comes before it is exactly the JSON-LD headline; an ``og:title`` that is
  a short form of the headline that the JSON-LD ``headline`` and the ``<h1>`` both give yields
  to the ``<h1>``;
* **published**: the JSON-LD article's ``datePublished``, microdata ``itemprop=datePublished``,
  then the publication ``<meta>`` tags (never a modification time), then htmldate's reading of
  the page as a last resort: its day, at the precision of the page's first ``<time datetime>``
  of that day (``2024-03-09T10:30:00+01:00``: the second), else at day precision;
* **lead**: the page's description (OpenGraph, ``<meta name=description>``, JSON-LD); a
  description cut short with an ellipsis is completed from the paragraph it was cut from;
* **body**: trafilatura's main content (HTML: paragraphs, section headings, lists, links), see
  :func:`main_content_html` for why trafilatura, less the blocks :func:`cleaned_content` drops
  (a repeated headline, blocks that are mostly links to other pages);
* **taxonomy**: the publisher's keywords (JSON-LD ``keywords``, else ``<meta name=keywords>``,
  ``news_keywords``, ``article:tag``), the section (``article:section`` / ``articleSection``),
  the JSON-LD ``about`` things, ``rel=tag`` links inside the main content, and the JSON-LD
  breadcrumb, each in its own vocabulary, with URLs where the page gives them.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import lxml.etree

from newsroom_scraper.extraction.dates import DAY, DateError, Moment, parse_moment
from newsroom_scraper.extraction.htmltext import CJK
from newsroom_scraper.extraction.loaders import language_code
from newsroom_scraper.extraction.metadata import ARTICLE_TYPES, PageMetadata, ld_string, ld_types

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

#: JSON-LD types read as "the article" beyond :data:`ARTICLE_TYPES` (the site modules' set).
CREATIVE_WORK_TYPES = ARTICLE_TYPES | frozenset(
    {"LiveBlogPosting", "TechArticle", "SatiricalArticle", "ScholarlyArticle", "MedicalWebPage",
     "AdvertiserContentArticle", "SocialMediaPosting", "DiscussionForumPosting", "PressRelease"}
)  # fmt: skip
#: ``og:type`` values of pages that are not one article (a home, a section, a tag page).
NOT_ARTICLE_OG_TYPES = frozenset({"website", "webpage", "profile", "blog", "object"})
#: JSON-LD types of listing pages.
LISTING_LD_TYPES = frozenset({"CollectionPage", "ItemList", "SearchResultsPage", "ProfilePage"})

#: ``<meta>`` names that hold a publication time, most specific first (never a modification).
PUBLISHED_METAS = (
    "article:published_time", "og:article:published_time", "article_published_time",
    "datePublished", "pubdate", "publishdate", "publish-date", "publish_date", "published_time",
    "cXenseParse:publishtime", "cXenseParse:recs:publishtime", "parsely-pub-date",
    "sailthru.date", "dc.date.issued", "DC.date.issued", "dcterms.issued", "date.available",
    "og:published_time",
)  # fmt: skip
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—·•:»/]\s+|\s*[|｜ㅣ]\s*|\s+-|-(?=\S)")
_ELLIPSIS = re.compile(r"\s*(\.\.\.|…)\s*(weiter lesen|read more|lire la suite|leer más)?\s*$",
                       re.IGNORECASE)  # fmt: skip
#: ``Category: Life`` in a keywords list: the label ``Life`` of the vocabulary ``category``.
_NAMED_LABEL = re.compile(r"^(?:([A-Za-z][\w ]{1,30}):\s+)?(.+)$", re.DOTALL)
#: A label that is a host name (``theprovince.com``), not a topic.
_HOST_LIKE = re.compile(r"^[\w-]+(\.[\w-]+)*\.[a-z]{2,6}$", re.IGNORECASE)
_UUID_OR_HEX = re.compile(r"^[0-9a-f]{8}-[0-9a-f-]{27,}$|^[0-9a-f]{24,}$", re.IGNORECASE)
_REL_TAG = lxml.etree.XPath("//a[contains(concat(' ', normalize-space(@rel), ' '), ' tag ')]")
_TITLE_TAG = lxml.etree.XPath("//title")
_H1 = lxml.etree.XPath("//h1")
_STANDFIRST_TAGS = frozenset({"p", "h2", "li", "div"})
#: Elements that may hold a lead on its own (see :meth:`ArticleReader.separate_lead`).
_LEAD_BLOCKS = ("p", "div", "section", "header", "h2", "h3", "h4", "li", "blockquote", "span",
                "strong", "b")  # fmt: skip
_SKIPPED_TAGS = frozenset({"figure", "figcaption", "time", "address", "nav", "button", "form"})
#: Blocks of a header that are never its standfirst: a byline, a photo caption or credit.
_BOILERPLATE_CLASS = re.compile(r"caption|credit|copyright", re.IGNORECASE)
_SCRIPTS = (
    (re.compile(r"[\u3040-\u30ff]"), "ja"),
    (re.compile(r"[\uac00-\ud7af\u1100-\u11ff]"), "ko"),
    (re.compile(r"[\u0e00-\u0e7f]"), "th"),
    (re.compile(r"[\u0370-\u03ff]"), "el"),
    (re.compile(r"[\u0590-\u05ff]"), "he"),
    (re.compile(r"[\u10a0-\u10ff]"), "ka"),
    (re.compile(r"[\u0530-\u058f]"), "hy"),
)


def _text(element: lxml.etree._Element) -> str:
    return squash(lxml.etree.tostring(element, method="text", encoding=str, with_tail=False))


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def _overlap(words: set[str], other: set[str]) -> float:
    return len(words & other) / min(len(words), len(other)) if words and other else 0.0


def _long_enough(text: str) -> bool:
    return len(text.split()) >= 6 or (bool(CJK.search(text)) and len(text) >= 15)


def _in_skipped(element: lxml.etree._Element, container: lxml.etree._Element) -> bool:
    for node in (element, *element.iterancestors()):
        if node is container:
            return False
        if node.tag in _SKIPPED_TAGS or _BOILERPLATE_CLASS.search(node.get("class") or ""):
            return True
    return False


def fold(text: str) -> str:
    """Text compared loosely: NFKC, case-folded, letters and digits only."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def squash(text: str | None) -> str:
    return " ".join(html.unescape(text or "").split())


class ArticleReader:
    """One page read as "an article of some newsroom" (see the module docstring)."""

    def __init__(self, metadata: PageMetadata, url: str) -> None:
        self.metadata = metadata
        self.url = url

    # -- the article object ---------------------------------------------------------------------

    @cached_property
    def article(self) -> dict[str, Any]:
        """The JSON-LD article (any :data:`CREATIVE_WORK_TYPES`), ``{}`` when none."""
        if self.metadata.article:
            return self.metadata.article
        found = self.metadata.ld_typed(CREATIVE_WORK_TYPES)
        return found[0] if found else {}

    def ld(self, key: str) -> str | None:
        value = ld_string(self.article.get(key))
        return squash(value) or None if value else None

    @cached_property
    def host_names(self) -> list[str]:
        """The host's name without ``www`` and the public suffix (``www.lesothotimes.com``:
        ``lesothotimes``)."""
        host = (urlsplit(self.url).hostname or "").removeprefix("www.")
        labels = [label for label in host.split(".") if len(label) > 3]
        return labels[:1]

    # -- title ----------------------------------------------------------------------------------

    def title_candidates(self) -> list[tuple[str, str]]:
        meta = self.metadata
        titles = _TITLE_TAG(meta.root)
        found = [
            ("og", squash(meta.meta("og:title"))),
            ("json_ld", squash(self.ld("headline") or self.ld("name"))),
            ("twitter", squash(meta.meta("twitter:title"))),
            ("h1", squash(meta.first_h1())),
            ("title", squash(lxml.etree.tostring(titles[0], method="text", encoding=str))
             if titles else ""),
        ]  # fmt: skip
        return [(source, value) for source, value in found if value]

    def title(self) -> tuple[str | None, str]:
        """``(title, source)``: the first candidate with any site name cut off, unless it is a
        short form of the headline that the article's structured data and its visible ``<h1>``
        both give (see :meth:`shortened`)."""
        candidates = self.title_candidates()
        if not candidates:
            return None, ""
        source, value = candidates[0]
        title = self.without_site_name(value)
        found = dict(candidates)
        headline = self.without_site_name(found.get("json_ld", ""))
        h1 = self.without_site_name(found.get("h1", ""))
        if source == "og" and headline and fold(headline) == fold(h1) and shortened(title, h1):
            return h1, "h1"
        return title, source

    def site_name_keys(self) -> list[str]:
        keys = [fold(name) for name in self.metadata.site_names()] + self.host_names
        return [key for key in keys if len(key) >= 3]

    def without_site_name(self, title: str) -> str:
        """``Headline | Site`` -> ``Headline`` (see the module docstring); a title that is only
        the site name is kept."""
        # Not the <h1>: "Headline! - Current news" is a whole headline on some pages (measured)
        headlines = {fold(self.ld("headline") or "")} - {""}
        names = self.site_name_keys()
        for _ in range(3):  # "Headline - Section - Site"
            cut = self._cut_once(title, headlines, names)
            if cut is None:
                break
            title = cut
        return title

    @staticmethod
    def _cut_once(title: str, headlines: set[str], names: list[str]) -> str | None:
        for match in reversed(list(_TITLE_SEPARATORS.finditer(title))):
            head, tail = title[: match.start()].strip(), title[match.end() :].strip()
            if len(fold(head)) < 4:
                continue
            if fold(head) in headlines:
                return head
            folded_tail = fold(tail)
            if folded_tail and any(
                name in folded_tail or (folded_tail in name and len(folded_tail) >= 4)
                for name in names
            ):
                return head
            return None  # only the last separator is a site suffix
        return None

    # -- publication time -----------------------------------------------------------------------

    def published_candidates(self) -> list[tuple[str, Any]]:
        """``(source, raw value)`` of every publication time the page declares, in trust
        order."""
        meta = self.metadata
        found: list[tuple[str, Any]] = []
        value = self.article.get("datePublished")
        if ld_string(value):
            found.append(("json_ld", ld_string(value)))
        for node in meta.ld_typed(CREATIVE_WORK_TYPES | frozenset({"WebPage"})):
            if ld_string(node.get("datePublished")):
                found.append(("json_ld", ld_string(node.get("datePublished"))))
        for values in meta.microdata("datePublished"):
            found.extend(("microdata", v) for v in values[:-1])  # attributes, not shown text
        found.extend(("meta", v) for v in meta.meta_all(*PUBLISHED_METAS))
        return found

    def published(self, timezone: ZoneInfo) -> tuple[Moment | None, str]:
        """``(moment, source)``: the first declared time that parses, else htmldate's date."""
        for source, value in self.published_candidates():
            try:
                return parse_moment(value, timezone), source
            except DateError:
                continue
        found = htmldate_day(self.metadata.root, self.url)
        if found:
            precise = self.time_element(found, timezone)
            if precise is not None:
                return precise, "time"
            try:
                return parse_moment(found, timezone), "htmldate"
            except DateError:
                pass
        return None, ""

    def time_element(self, day: str, timezone: ZoneInfo) -> Moment | None:
        """The first ``<time datetime>`` of the page on ``day`` (as written, in its own offset)
        that gives a time of day, at its own precision: htmldate chooses the day (it weighs
        every date of the page), the page's own ``<time>`` of that day says when."""
        for value in self.metadata.time_values:
            if value.strip()[:10] != day:
                continue
            try:
                moment = parse_moment(value, timezone)
            except DateError:
                continue
            if moment.precision != DAY:
                return moment
        return None

    # -- lead -----------------------------------------------------------------------------------

    def lead(self) -> tuple[str | None, str]:
        """``(lead, source)``: the standfirst under the headline, else the description."""
        standfirst = self.standfirst()
        if standfirst:
            return standfirst, "standfirst"
        return self.description()

    def standfirst(self) -> str | None:
        """The text blocks between the headline and the body, inside the headline's header
        (``<header>``, else the ``<h1>``'s parent): a standfirst, a dek, summary bullets.

        Found by position, not by class names: the blocks that follow the ``<h1>`` in its
        header, each of at least six words, figures, bylines and times left out."""
        headings = _H1(self.metadata.root)
        if not headings:
            return None
        heading = headings[0]
        header = next((a for a in heading.iterancestors() if a.tag in {"header", "hgroup"}), None)
        container = header if header is not None else heading.getparent()
        if container is None or container.tag in {"body", "html", "main", "article"}:
            return None
        title = fold(self.title()[0] or "")
        found: list[lxml.etree._Element] = []
        after = False
        for element in container.iter():
            if element is heading:
                after = True
                continue
            if not after or heading in element.iterancestors():
                continue  # before the headline, or a part of it
            if element.tag not in _STANDFIRST_TAGS or _in_skipped(element, container):
                continue
            if any(child.tag in _STANDFIRST_TAGS for child in element.iterdescendants()):
                continue  # its blocks are read one by one
            text = _text(element)
            if _long_enough(text) and fold(text) != title:
                found.append(element)
        if not found:
            return None
        # The block the description repeats, if one does; else the first (a dek that the
        # description does not repeat).
        description = _words(self.description()[0] or "")
        first = max(found, key=lambda e: _overlap(_words(_text(e)), description))
        if _overlap(_words(_text(first)), description) < 0.6:
            first = found[0]
        # The first block, with the blocks of its kind that follow it (bullets, subtitles).
        blocks = [_text(first)]
        for sibling in first.itersiblings():
            if sibling.tag != first.tag or not _long_enough(_text(sibling)):
                break
            blocks.append(_text(sibling))
        text = "\n\n".join(dict.fromkeys(blocks))
        return text if len(text.split()) <= 150 else None

    def separate_lead(self) -> str | None:
        """The lead when the page sets it apart from the body, else ``None`` (a description
        that only repeats the body's first paragraph: that paragraph stays body).

        Set apart: a standfirst, or a block of the page holding exactly the lead (the outermost
        one) that is not followed by a block of its own kind (same tag, same ``class``), as the
        body's paragraphs follow each other. Measured on ``shared/generic``: of the six pages
        whose main content repeats the lead, the five with an expected lead set it apart (a
        bold paragraph, an ``h2``, a ``div`` of its own), the one without holds it in its first
        ``<p>``, followed by the next ``<p>``."""
        lead, source = self.lead()
        if not lead or source == "standfirst":
            return lead
        key = fold(lead)
        for element in self.metadata.root.iter(*_LEAD_BLOCKS):
            if fold(_text(element)) != key:
                continue
            following = element.getnext()
            while following is not None and (
                not isinstance(following.tag, str) or not _text(following)
            ):
                following = following.getnext()
            alike = following is not None and (following.tag, following.get("class")) == (
                element.tag,
                element.get("class"),
            )
            return None if alike else lead
        return lead

    def description(self) -> tuple[str | None, str]:
        meta = self.metadata
        for source, value in (
            ("og", meta.meta("og:description")),
            ("description", meta.meta("description")),
            ("json_ld", self.ld("description")),
            ("twitter", meta.meta("twitter:description")),
        ):
            text = squash(value)
            if len(text) >= 20:
                if _ELLIPSIS.search(text):
                    return self.completed(_ELLIPSIS.sub("", text)), source
                return text, source
        return None, ""

    def completed(self, start: str) -> str:
        """The text of the page's paragraph that a cut description starts, else the cut text
        (its last, possibly broken, word dropped)."""
        key = fold(start)[: max(20, len(fold(start)) - 8)]
        for element in self.metadata.root.iter("p", "div", "h2", "span"):
            text = squash(lxml.etree.tostring(element, method="text", encoding=str))
            if len(text) < len(start) or len(text) > 4 * len(start) + 400:
                continue
            if fold(text).startswith(key):
                return text
        return start.rsplit(" ", 1)[0] if " " in start else start

    # -- taxonomy -------------------------------------------------------------------------------

    def keywords(self) -> list[str]:
        """The publisher's keywords: JSON-LD ``keywords``, else the ``<meta>`` keywords."""
        raw = self.article.get("keywords")
        values = raw if isinstance(raw, list) else [raw]
        words = [squash(v) for value in values if isinstance(value, str) for v in split(value)]
        if not words:
            words = [
                squash(v)
                for value in self.metadata.meta_all("keywords", "news_keywords", "article:tag")
                for v in split(value)
            ]
        return list(dict.fromkeys(w for w in words if usable_label(w)))

    def taxonomy(self, content_root: lxml.etree._Element | None) -> dict[str, list[dict[str, Any]]]:
        meta = self.metadata
        terms: dict[str, list[dict[str, Any]]] = {}

        def add(vocabulary: str, label: str, url: str | None = None) -> None:
            label = squash(label)
            if not usable_label(label):
                return
            bucket = terms.setdefault(vocabulary, [])
            if all(term["label"] != label for term in bucket):
                bucket.append({"label": label, "url": self.absolute(url)})

        for word in self.keywords():
            vocabulary, label = _NAMED_LABEL.match(word).groups()  # type: ignore[union-attr]
            add(vocabulary.strip().lower() if vocabulary else "keywords", label)
        for thing in _as_list(self.article.get("about")):
            if isinstance(thing, dict) and ld_string(thing.get("name")):
                add("about", str(ld_string(thing.get("name"))), ld_string(thing.get("url")))
        if content_root is not None:
            for anchor in _REL_TAG(content_root):
                add("tags", lxml.etree.tostring(anchor, method="text", encoding=str),
                    anchor.get("href"))  # fmt: skip
        sections = meta.meta_all("article:section") or [
            s for v in _as_list(self.article.get("articleSection")) for s in [ld_string(v)] if s
        ]
        for section in sections:
            add("section", section)
        return terms

    def absolute(self, url: str | None) -> str | None:
        if not url or not isinstance(url, str):
            return None
        absolute = urljoin(self.url, url.strip())
        return absolute if urlsplit(absolute).scheme in {"http", "https"} else None

    # -- language, type, own URL ----------------------------------------------------------------

    def language(self, headers_language: str | None = None) -> str | None:
        meta = self.metadata
        for value in (
            meta.html_lang,
            self.ld("inLanguage"),
            meta.meta("og:locale"),
            meta.meta("language"),
            meta.meta("content-language"),
            headers_language,
        ):
            code = language_code(value or "")
            if code:
                return code
        return None

    def script_language(self, text: str) -> str | None:
        """The language of a text written in a script only one language uses (kana: ``ja``,
        hangul: ``ko``, Thai, Greek, Hebrew, Georgian, Armenian), else ``None``.

        Own code, not a language detector: it only answers where the script alone decides,
        for pages that declare no language at all (no ``lang``, ``og:locale``, JSON-LD)."""
        letters = [ch for ch in text[:4000] if ch.isalpha()]
        if not letters:
            return None
        for pattern, language in _SCRIPTS:
            if len(pattern.findall(text[:4000])) >= 0.15 * len(letters):
                return language
        return None

    def content_type(self) -> str:
        """What the page says it is: the JSON-LD type, else ``og:type``, else ``Article``."""
        types = sorted(ld_types(self.article) & CREATIVE_WORK_TYPES) if self.article else []
        if types:
            return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", types[0])
        og_type = squash(self.metadata.meta("og:type"))
        return og_type.capitalize() if og_type and og_type.lower() != "article" else "Article"

    def canonical_url(self) -> str | None:
        """The page's own canonical URL (canonical link, ``og:url``, JSON-LD), absolute."""
        for source in ("canonical", "og_url", "json_ld"):
            url = self.absolute(self.metadata.declared_url(source))
            if url and urlsplit(url).path.strip("/"):
                return url
        return None

    def not_article_reason(self) -> str | None:
        """Why the page is not one article (a home, listing, tag or section page), else
        ``None``. Decided from what the page says of itself, never from words in its URL."""
        og_type = (self.metadata.meta("og:type") or "").strip().lower()
        declared = {t for node in self.metadata.ld_nodes for t in ld_types(node)}
        if self.article:
            return None
        if declared & LISTING_LD_TYPES:
            return f"a listing page (JSON-LD {', '.join(sorted(declared & LISTING_LD_TYPES))})"
        if (
            og_type in NOT_ARTICLE_OG_TYPES
            and not self.published_candidates()
            and htmldate_day(self.metadata.root, self.url) is None
        ):
            return f"not an article (og:type {og_type}, no publication date)"
        if not urlsplit(self.url).path.strip("/"):
            return "the home page"
        return None


def shortened(short: str, full: str) -> bool:
    """Whether ``short`` is a shortened form of ``full`` (a sharing or SEO title cut from the
    headline): fewer characters, and at least 80% of its words are words of ``full``."""
    words = re.findall(r"\w+", short.casefold())
    if not words or len(fold(short)) >= len(fold(full)):
        return False
    kept = _words(full)
    return sum(word in kept for word in words) >= 0.8 * len(words)


def split(value: str) -> list[str]:
    """A keywords value: comma- (or semicolon-) separated labels."""
    separator = ";" if ";" in value and "," not in value else ","
    return [part for part in value.split(separator) if part.strip()]


def usable_label(label: str) -> bool:
    """Labels that are not identifiers (UUIDs, hashes) or URLs."""
    return (
        bool(label)
        and len(label) <= 120
        and not _UUID_OR_HEX.match(label)
        and not _HOST_LIKE.match(label)
        and "://" not in label
    )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def htmldate_day(root: lxml.etree._Element, url: str) -> str | None:
    """htmldate's original publication date of the page (a day), or ``None``."""
    from htmldate import find_date  # deferred: only pages without a declared time need it

    try:
        return find_date(
            lxml.etree.tostring(root, encoding=str),
            url=url,
            original_date=True,
            extensive_search=True,
            outputformat="%Y-%m-%d",
        )
    except (ValueError, TypeError):
        return None


def main_content_html(page_html: str | bytes, url: str) -> str | None:
    """The main content as HTML (paragraphs, section headings, lists, tables, links).

    Why trafilatura: it is the reference the issue names and measured best of the libraries at
    hand on the shared pages (body F1 0.97 against newspaper4k's 0.90); it keeps headings and
    links, so the loader still finds the in-body links and attachments. Comments are left out;
    ``favor_precision`` measured +0.002 body F1 on the shared pages (less related-article
    boilerplate), formatting tags are not asked for (they split words for nothing).
    """
    import trafilatura  # deferred: import cost only for pages that get this far

    return trafilatura.extract(
        page_html,
        url=url,
        output_format="html",
        include_comments=False,
        include_tables=True,
        include_links=True,
        include_formatting=False,
        favor_precision=True,
        include_images=False,
        with_metadata=False,
        deduplicate=False,
    )


#: Blocks read one by one by :func:`cleaned_content` (list items are left alone: a list of
#: links in a press release is its "further information", not a teaser).
_LEAF_BLOCKS = frozenset({"p", "div", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"})
_INNER_BLOCKS = _LEAF_BLOCKS | {"ul", "ol", "li", "table", "figure", "section"}
#: Share of a block's characters in links above which it is a teaser, not body text.
LINK_DENSITY = 0.7


def date_lines(root: lxml.etree._Element) -> set[str]:
    """The date lines of a page, folded (:func:`fold`): each ``<time>``'s block (its parent, and
    the parent's parent when that is an inline element) whose text without the ``<time>``'s
    text is a short label (``Published <time>…</time>``): that label, and the whole line.

    trafilatura drops the ``<time>`` and keeps ``Published`` as a paragraph of the body; found
    by the page's structure (a ``<time>`` in a block of at most three other words), not by
    the words of the label."""
    found: set[str] = set()
    for time in root.iter("time"):
        stamp = _text(time)
        block = time.getparent()
        for _ in range(2):
            if block is None:
                break
            whole = _text(block)
            label = squash(whole.replace(stamp, " ", 1)) if stamp else whole
            if label and len(label.split()) <= 3 and len(label) <= 40:
                found.update(key for key in (fold(label), fold(whole)) if key)
            if block.tag not in _INLINE_TAGS:
                break
            block = block.getparent()
    return found


#: Elements a ``<time>`` may sit in inside its date line (``<p><span>Published</span> ...``).
_INLINE_TAGS = frozenset({"span", "small", "em", "strong", "b", "i", "a", "abbr"})


def cleaned_content(
    content_html: str,
    url: str,
    headlines: list[str],
    lead: str | None = None,
    dates: set[str] | None = None,
) -> str:
    """The main content without what trafilatura keeps around the body:

    * its leading blocks that only repeat one of ``headlines`` (the headline, which trafilatura
      often keeps as the first paragraph), the ``lead`` (or one of its paragraphs: the item
      carries it as its own field) or a date line (``dates``, see :func:`date_lines`); a date
      line is dropped anywhere in the content (``Updated`` under the last paragraph);
    * the blocks whose text is mostly link text (more than :data:`LINK_DENSITY` of its
      characters), links to other pages, not files: related-article teasers ("Read also: <a>"),
      newsletter and subscription prompts, "skip the embedded content" links.

    Both are decided from the structure, not from words. Measured on the 40 pages of
    ``shared/generic``: of the blocks of trafilatura's output that are 70% links or more, none
    is a body paragraph (19 are boilerplate, on 10 publishers' pages); at 50% two are."""
    import lxml.html

    from newsroom_scraper.extraction.htmltext import AttachmentRules

    keys = {fold(text) for text in headlines if text}
    leads = {fold(part) for part in [lead or "", *(lead or "").split("\n\n")]} - {""}
    dates = dates or set()
    root = lxml.html.fromstring(content_html)
    body = root.find("body") if root.tag == "html" else root
    if body is None:
        return content_html
    changed = False
    # Never the last block: a page whose only paragraph is its lead keeps it as its body.
    while len(body) > 1 and fold(_text(body[0])) in keys | leads | dates:
        body.remove(body[0])
        changed = True
    files = AttachmentRules()
    for block in list(body.iter(*_LEAF_BLOCKS)):
        if any(child.tag in _INNER_BLOCKS for child in block.iterdescendants()):
            continue
        text = _text(block)
        if dates and fold(text) in dates and len(body) > 1:
            block.drop_tree()
            changed = True
            continue
        links = list(block.iter("a"))
        if not text or not links:
            continue
        if any(files.kind_of(urljoin(url, a.get("href") or "")) for a in links):
            continue
        if sum(len(_text(a)) for a in links) > LINK_DENSITY * len(text):
            block.drop_tree()
            changed = True
    return lxml.html.tostring(body, encoding="unicode") if changed else content_html
