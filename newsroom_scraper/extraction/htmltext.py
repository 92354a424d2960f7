"""HTML fragments of article bodies: cleaned HTML, plain text, links and attachments.

Every newsroom hands its body HTML to :class:`HtmlFragment`, so that what "plain text", "clean
HTML", "a link" and "an attachment" mean is decided once for all sites. A site only says which
URL paths hold its files (:class:`AttachmentRules`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
from w3lib.url import safe_url_string

from newsroom_scraper.errors import EXTRACTION, ExtractionError

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Elements whose content is never part of the article (dropped with their content).
_DROPPED_TAGS = frozenset({"script", "style", "noscript", "template", "link", "meta", "object"})
#: Elements that start a paragraph of their own in the plain text.
_PARAGRAPH_TAGS = frozenset(
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol",
        "dl", "section", "article", "header", "footer", "figure", "address", "aside", "main",
        "nav", "hr", "details", "summary", "form", "fieldset",
    }
)  # fmt: skip
#: Elements that are one line of their own (list items, table rows, captions).
_LINE_TAGS = frozenset({"li", "dt", "dd", "tr", "figcaption", "caption", "br"})
_DROPPED_ATTRIBUTES = frozenset({"style", "srcdoc", "formaction"})
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_URL_ATTRIBUTES = ("href", "src", "poster", "data-src")

DOCUMENT_EXTENSIONS = frozenset(
    {".pdf", ".doc", ".docx", ".odt", ".rtf", ".xls", ".xlsx", ".ods", ".csv", ".ppt", ".pptx",
     ".odp", ".zip", ".epub", ".txt"}
)  # fmt: skip
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".tif", ".tiff"})
VIDEO_EXTENSIONS = frozenset({".mp4", ".webm", ".mov", ".m4v", ".ogv", ".avi", ".mkv"})
VIDEO_HOSTS = ("youtube.com", "youtu.be", "youtube-nocookie.com", "vimeo.com", "dailymotion.com")
_VIDEO_WORDS = re.compile(r"\b(video|watch)\b", re.IGNORECASE)
#: Kana, CJK ideographs and Hangul: a text in them says more per character than in a Latin
#: script, so the length rules of headlines and paragraphs count these characters apart.
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def squash(text: str) -> str:
    """Collapse every run of white space (no-break spaces included) into one space and trim.

    ``str.split()`` splits on exactly the characters of ``\\s`` in a regular expression (both
    are ``str.isspace``, no-break spaces included); only the zero-width space needs adding. Six
    times faster than ``re.sub(r"[\\s\\u200b]+", " ", text).strip()``, with the same result.
    """
    if "\u200b" in text:
        text = text.replace("\u200b", " ")
    return " ".join(text.split())


@dataclass(frozen=True)
class AttachmentRules:
    """What a site considers a file: extensions everywhere, and its own file folders."""

    file_path_prefixes: tuple[str, ...] = ()
    video_hosts: tuple[str, ...] = VIDEO_HOSTS

    @cached_property
    def _video_host_suffixes(self) -> tuple[str, ...]:
        """``.youtube.com``, ...: a host under one of :attr:`video_hosts` ends with one."""
        return tuple("." + host for host in self.video_hosts)

    def kind_of(self, url: str, text: str = "") -> str | None:
        """``document``, ``video``, ``image`` or ``None`` for an ordinary link."""
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"}:
            return None
        host = parts.hostname or ""
        suffix = _suffix(parts.path).lower()
        if host in self.video_hosts or host.endswith(self._video_host_suffixes):
            return "video"
        if suffix in VIDEO_EXTENSIONS:
            return "video"
        if suffix in IMAGE_EXTENSIONS:
            return "image"
        if suffix in DOCUMENT_EXTENSIONS:
            return "document"
        if parts.path.startswith(self.file_path_prefixes):
            return "document"
        if text and _VIDEO_WORDS.search(text) and "video" in text.lower():
            return "video"
        return None


def _suffix(path: str) -> str:
    """``PurePosixPath(path).suffix``, without building a path object (five times faster)."""
    name = path.rpartition("/")[2]
    if not name or name == ".":  # a trailing "/" or "/.": the path object's rules decide
        return PurePosixPath(path).suffix
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


#: Below this many characters of source a fragment's text is laid out by the Python walk, not
#: the XSLT transform: libxslt's fixed cost a call (about 20 us in a loop, 80-100 us in a crawl,
#: where its code is cold again after each page) is more than a short fragment's whole walk;
#: they are even at about 1 KB in a loop (BENCHMARKS.md, issue 12, third pass). Both give the
#: same text: tests/test_htmltext.py checks each against the reference builder.
SMALL_FRAGMENT = 1024


class HtmlFragment:
    """A body fragment, parsed once, cleaned and with every URL made absolute."""

    def __init__(self, html: str, base_url: str) -> None:
        self.base_url = base_url
        self.root, self._python_walk = _parse_for_text(html)
        _clean(self.root, base_url)
        #: ``rules.kind_of(url, text)`` of each anchor, asked by both :meth:`links` and
        #: :meth:`attachments` (35 K instructions a call: ``urlsplit`` and its host).
        self._kinds: dict[tuple[AttachmentRules, str, str], str | None] = {}

    def _kind(self, rules: AttachmentRules, url: str, text: str) -> str | None:
        key = (rules, url, text)
        if key not in self._kinds:
            self._kinds[key] = rules.kind_of(url, text)
        return self._kinds[key]

    def html(self) -> str:
        """The cleaned HTML of the fragment (without the wrapper element)."""
        # What lxml.html.tostring does, less its removal of <meta http-equiv> (cleaned away).
        # The wrapper's own text is taken as it is, unescaped (as it always was): serialised
        # with the wrapper in one call when escaping would not change it.
        text = self.root.text or ""
        if "&" not in text and "<" not in text and ">" not in text:
            whole: str = lxml.etree.tostring(self.root, method="html", encoding="unicode")
            return whole[len("<div>") : -len("</div>")].strip()
        inner = [text]
        inner.extend(
            lxml.etree.tostring(child, method="html", encoding="unicode", with_tail=True)
            for child in self.root
        )
        return "".join(inner).strip()

    def text(self) -> str:
        """Plain text: paragraphs separated by one blank line, list items one per line."""
        return _text(self.root, self._python_walk)

    def text_and_word_count(self) -> tuple[str, int]:
        """:meth:`text` and ``len(text.split())``, counted while the text is laid out (the
        split of a 25 KB body again for its word count was 5 % of a real Europol page)."""
        if self._python_walk:
            text = _text(self.root, True)
            return text, len(text.split())
        return _layout_utf8_counted(bytes(_text_transform()(self.root)))

    @cached_property
    def _anchor_texts(self) -> list[tuple[lxml.etree._Element, str]]:
        """Every ``<a>`` in page order with its text (read once for links and attachments)."""
        return [(anchor, element_text(anchor)) for anchor in self.root.iter("a")]

    def _anchors(self) -> Iterator[tuple[str, str]]:
        for anchor, text in self._anchor_texts:
            href = (anchor.get("href") or "").strip()
            if href:
                yield href, text

    def links(self, rules: AttachmentRules) -> list[dict[str, str]]:
        """In-body links in page order, each URL once; files and videos are attachments instead.

        Consecutive anchors to the same URL (a link split by markup, e.g. across a ``<br>``)
        are one link whose text joins theirs.
        """
        links: dict[str, dict[str, str]] = {}
        previous_url = None
        for url, text in self._anchors():
            if not _is_followable(url, self.base_url) or self._kind(rules, url, text):
                previous_url = None
                continue
            if url in links:
                if url == previous_url and text:
                    links[url]["text"] = squash(f"{links[url]['text']} {text}")
                continue
            links[url] = {"text": text, "url": url}
            previous_url = url
        return list(links.values())

    def attachments(self, rules: AttachmentRules) -> list[dict[str, str | None]]:
        """Linked files and videos, embedded videos and images, in page order, each URL once."""
        found: dict[str, dict[str, str | None]] = {}

        def add(kind: str | None, title: str | None, url: str) -> None:
            if kind and url not in found and urlsplit(url).scheme in {"http", "https"}:
                found[url] = {"kind": kind, "title": title or None, "url": url}

        anchor_texts = iter(self._anchor_texts)  # the same <a> elements, in the same order
        for element in self.root.iter("a", "iframe", "video", "source", "embed", "img"):
            tag = element.tag
            if tag == "a":
                url = (element.get("href") or "").strip()
                text = next(anchor_texts)[1]
                add(self._kind(rules, url, text), text, url)
            elif tag in {"iframe", "video", "source", "embed"}:
                url = (element.get("src") or "").strip()
                title = element.get("title") or element.get("aria-label")
                kind = rules.kind_of(url) or ("video" if tag != "source" else None)
                add("video" if tag == "iframe" and kind == "image" else kind, title, url)
            elif tag == "img":
                url = (element.get("src") or element.get("data-src") or "").strip()
                add("image", element.get("alt") or element.get("title"), url)
        return list(found.values())


#: A fragment that is one paragraph of plain ASCII text (no tag, no reference, no control
#: character but tab and line breaks), white space around it: a lead as newsrooms write it.
_ONE_PLAIN_PARAGRAPH = re.compile(
    r"[ \t\n\r]*<p>([\t\n\r\x20-\x25\x27-\x3b=\x3f-\x7e]*)</p>[ \t\n\r]*"
)


def html_text(html: str) -> str:
    """Plain text of an HTML fragment (or of plain text), without the cleaning of
    :class:`HtmlFragment`: for leads and key points, whose links are not kept."""
    if "<" not in html and "&" not in html:
        return squash(html)
    # One paragraph of plain text: libxml2 keeps such text as it is and the layout gives the
    # paragraph's words on one line (tests/test_htmltext.py compares the two on generated
    # fragments): no parse, which was a tenth of a generated Europol page, for its lead.
    paragraph = _ONE_PLAIN_PARAGRAPH.fullmatch(html)
    if paragraph is not None:
        return " ".join(paragraph.group(1).split())
    return _text(*_parse_for_text(html))


def element_text(element: lxml.etree._Element) -> str:
    """The text of one element on one line (line breaks inside it become spaces)."""
    if not len(element) and not drops_text(element):  # the common case: text alone
        return squash(element.text or "")
    pieces = _walk(element, drops_text, layout=True)
    return squash("".join(piece if isinstance(piece, str) else " " for piece in pieces))


_PARSERS = threading.local()
_OPEN_BODY, _CLOSE_BODY = b"<html><body>", b"</body></html>"
_FULL_HTML = re.compile(r"^\s*<(?:html|!doctype)", re.IGNORECASE)


def _html_parser(encoding: str | None = None) -> lxml.etree.HTMLParser:
    """lxml's HTML parser with lxml.html's options, one per thread and ``encoding`` (a parser
    is not thread-safe; ``"utf-8"`` for the source's own UTF-8, see :func:`_parse_marked`),
    giving plain elements: lxml.html's element classes are looked up by a Python function for
    every element touched, a fifth of the time of a body. ``huge_tree``: without it libxml2
    stops at 256 levels of nesting and drops the rest of the body, silently."""
    parsers: dict[str | None, lxml.etree.HTMLParser] | None = getattr(_PARSERS, "by_encoding", None)
    if parsers is None:
        parsers = _PARSERS.by_encoding = {}
    parser = parsers.get(encoding)
    if parser is None:
        parser = parsers[encoding] = lxml.etree.HTMLParser(huge_tree=True, encoding=encoding)
    return parser


def _parse(html: str) -> lxml.etree._Element:
    """The fragment's nodes in a ``<div>`` wrapper, as ``lxml.html.fragments_fromstring``
    reads them; :class:`ExtractionError` when the parser had to stop before the end (nesting
    deeper than libxml2's 2,048 levels even with ``huge_tree``): text would be lost."""
    return _parse_marked(html)[0]


def _parse_marked(html: str) -> tuple[lxml.etree._Element, bool]:
    """:func:`_parse`, and whether the source could put a break mark of :data:`_TEXT_XSLT`
    into the text (one scan of the source for both).

    A source without control characters, lone surrogates and marks (most) is parsed from the
    UTF-8 its scan made: lxml hands a ``str`` with a character past U+00FF to libxml2 as
    UTF-16, which libxml2 converts to UTF-8 again (a tenth of a real Europol body's parse)."""
    utf8 = _utf8_unless_control_or_mark(html)
    if utf8 is None:
        html = _CONTROL_CHARACTERS.sub("", html)  # never content (lxml keeps them as text)
        marks = "\ue000" in html or "\ue001" in html
        if not marks and "&#" in html:
            marks = bool(_MARKS.search(html))
        return _parse_clean(html), marks
    # No mark character in the source: only a reference to one could give one, and its
    # pattern is ASCII, so the UTF-8 (a byte a character of it) answers as the ``str`` would.
    marks = b"&#" in utf8 and _MARK_REFERENCES.search(utf8) is not None
    return _parse_clean(html, utf8), marks


def _parse_for_text(html: str) -> tuple[lxml.etree._Element, bool]:
    """:func:`_parse`, and whether :func:`_text` must lay it out by the Python walk: the source
    could hold a break mark of the XSLT stream, or is short (:data:`SMALL_FRAGMENT`)."""
    root, source_has_marks = _parse_marked(html)
    return root, source_has_marks or len(html) < SMALL_FRAGMENT


def _parse_clean(html: str, utf8: bytes | None = None) -> lxml.etree._Element:
    """The fragment ``html`` parsed (from ``utf8``, its UTF-8, when given) into a wrapper."""
    wrapper = lxml.etree.Element("div")
    if not html or not html.strip():
        return wrapper
    source: str | bytes
    if utf8 is None:
        parser = _html_parser()
        source = html if _FULL_HTML.match(html) else f"<html><body>{html}</body></html>"
    else:
        parser = _html_parser("utf-8")
        source = utf8 if _FULL_HTML.match(html) else b"".join((_OPEN_BODY, utf8, _CLOSE_BODY))
    try:
        document = lxml.etree.fromstring(source, parser)
    except (lxml.etree.ParserError, ValueError):
        return wrapper
    if document is None:
        return wrapper
    for error in parser.error_log:
        if error.level_name == "FATAL":
            raise ExtractionError(
                f"body HTML not readable to its end ({error.message.strip()}): its text would be "
                "incomplete",
                EXTRACTION,
            )
    bodies = [element for element in document if element.tag == "body"]
    if len(bodies) != 1:
        if squash("".join(document.itertext())):
            raise ExtractionError("body HTML with text but no <body> to read it from", EXTRACTION)
        return wrapper
    body = bodies[0]
    if body.text and body.text.strip():
        wrapper.text = body.text
    wrapper.extend(body)
    return wrapper


def _drop_tree(element: lxml.etree._Element) -> None:
    """``lxml.html``'s ``drop_tree`` for plain elements: the element and its content go, its
    tail joins the previous sibling's or the parent's text."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + tail
        else:
            previous.tail = (previous.tail or "") + tail
    parent.remove(element)


#: What :func:`_clean` drops with its content: the tags of :data:`_DROPPED_TAGS`, comments,
#: processing instructions and entities (every node whose tag is not a ``str``).
_DROPPED_NODES = (
    *sorted(_DROPPED_TAGS),
    lxml.etree.Comment,
    lxml.etree.ProcessingInstruction,
    lxml.etree.Entity,
)


def _clean(root: lxml.etree._Element, base_url: str) -> None:
    """Drop scripts, styles and comments, event attributes and ``javascript:`` URLs; make URLs
    absolute (lxml's ``make_links_absolute`` also walks CSS, which bodies never need).

    The nodes to drop are found by lxml's tag matcher in C (a proxy only for each of them),
    and the dropped attributes that need no look at their value (``style`` on every paragraph
    of a real Europol body) go in one ``strip_attributes`` walk in C; the walk in Python then
    reads each remaining element's attribute names (names in other cases included)."""
    for node in list(root.iter(*_DROPPED_NODES)):
        if node is not root:
            _drop_tree(node)
    lxml.etree.strip_attributes(root, *_DROPPED_ATTRIBUTES)
    for element in root.iter(lxml.etree.Element):
        names = element.keys()
        if not names:  # most elements of a body
            continue
        attributes = element.attrib
        for name in names:
            lowered = name.lower()
            if lowered.startswith("on") or lowered in _DROPPED_ATTRIBUTES:
                del attributes[name]
            elif lowered in _URL_ATTRIBUTES:
                value = attributes[name].strip()
                if _is_script_url(value):
                    del attributes[name]
                elif base_url:
                    attributes[name] = _absolute(base_url, value)


#: An absolute ``http(s)`` URL with a host, in characters ``urlsplit`` keeps as they are, with
#: no query, fragment or parameters: ``urljoin`` gives it back unchanged whatever the base
#: (another scheme: as it is; the same one: split and joined again, the same string), and
#: ``clean_url`` too. ``urljoin``'s Python is 50 K instructions a link (tested against it).
_PLAIN_ABSOLUTE = re.compile(
    r"https?://[A-Za-z0-9\-._~:@!$&'()*+,=%]+(?:/[A-Za-z0-9\-._~/:@!$&'()*+,=%]*)?"
)


def _absolute(base_url: str, value: str) -> str:
    if _PLAIN_ABSOLUTE.fullmatch(value):
        return value
    try:
        return clean_url(urljoin(base_url, value))
    except ValueError:  # e.g. an invalid IPv6 host: keep what the page says
        return value


_URL_SAFE = re.compile(r"[A-Za-z0-9!#$%&'()*+,\-./:;=?@\[\]_~]*")


def clean_url(url: str) -> str:
    """A URL as browsers send it: trimmed, spaces and non-ASCII characters percent-encoded
    (pages do hold ``href="/a b"``); a URL that needs nothing is returned as it is, fast."""
    url = url.strip()
    return url if _URL_SAFE.fullmatch(url) else safe_url_string(url)


def _is_script_url(value: str) -> bool:
    scheme = squash(value).lower().replace(" ", "").split(":", 1)[0]
    return scheme in {"javascript", "vbscript", "data"}


def _is_followable(url: str, page_url: str) -> bool:
    """Web and mail links; not anchors within the page itself."""
    parts = urlsplit(url)
    if parts.scheme == "mailto":
        return True
    if parts.scheme not in {"http", "https"}:
        return False
    page = urlsplit(page_url)
    return not (parts.fragment and parts._replace(fragment="") == page._replace(fragment=""))


Hides = Callable[[lxml.etree._Element], bool]


def drops_text(element: lxml.etree._Element) -> bool:
    """Whether an element's content is never text (scripts, styles, ...: :data:`_DROPPED_TAGS`)."""
    return element.tag in _DROPPED_TAGS


def inline_text(element: lxml.etree._Element, hides: Hides = drops_text) -> str:
    """The text of an element on one line, as XPath's ``string()`` reads it (text nodes joined
    as they are, no break between blocks: ``<li>one<ul><li>sub</li></ul></li>`` is ``onesub``),
    white space squashed; nothing inside an element that ``hides``, the element itself and its
    ancestors included (a newsroom adds its screen-reader-only classes)."""
    if hides(element) or any(map(hides, element.iterancestors())):
        return ""
    texts = _walk(element, hides, layout=False)  # only texts: breaks come with the layout
    return squash("".join(texts))  # type: ignore[arg-type]


#: A paragraph or line break in the stream of :func:`_walk` (its level: 1 or 2).
_Piece = str | int


def _walk(element: lxml.etree._Element, hides: Hides, *, layout: bool) -> list[_Piece]:
    """The texts of ``element`` in document order, with (``layout``) the breaks that its
    paragraph and line elements ask for before and after them, and a space after a cell.

    The one HTML-to-text walker of the project (:func:`_layout` lays its output out,
    :func:`inline_text` joins it). Depth first with a stack, not recursion: a broken page can
    nest elements deeper than Python's recursion limit (``huge_tree`` parses allow 2,048).
    Comments and processing instructions have no text; their tails do.
    """
    if hides(element):
        return []
    pieces: list[_Piece] = []
    add = pieces.append
    pending: list[Any] = [element]  # elements, tails, closing breaks
    pop, push = pending.pop, pending.append
    while pending:
        item = pop()
        kind = item.__class__
        if kind is str or kind is int:  # a tail, a closing break or a cell's space
            add(item)
            continue
        if layout:
            tag = item.tag
            level = 2 if tag in _PARAGRAPH_TAGS else 1 if tag in _LINE_TAGS else 0
            if level:
                add(level)
                if tag != "br":
                    push(level)
            elif tag in {"td", "th"}:
                push(" ")
        text = item.text
        if text:
            add(text)
        for child in reversed(item):
            tail = child.tail
            if tail:
                push(tail)
            if isinstance(child.tag, str) and not hides(child):
                push(child)
    return pieces


#: Break marks in the output of :data:`_TEXT_XSLT` (private-use characters: a page can hold
#: them only written as such or as character references, see :func:`_parse_marked`).
_PARAGRAPH_MARK = "\ue000"
_LINE_MARK = "\ue001"
_MARKS = re.compile(r"[\ue000\ue001]|&#(?:0*5734[45]|[xX]0*[eE]00[01])")
_MARK_REFERENCES = re.compile(rb"&#(?:0*5734[45]|[xX]0*[eE]00[01])")
_CONTROL_OR_MARK = re.compile(_CONTROL_CHARACTERS.pattern[:-1] + "\ue000\ue001]")
#: The bytes of :data:`_CONTROL_CHARACTERS`' code points below U+0080, as ints (``memchr``).
_CONTROL_BYTES = (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)


def _has_control_or_mark(html: str) -> bool:
    """``_CONTROL_OR_MARK.search(html) is not None`` (see :func:`_utf8_unless_control_or_mark`)."""
    return _utf8_unless_control_or_mark(html) is None


def _utf8_unless_control_or_mark(html: str) -> bytes | None:
    """``html`` in UTF-8 when ``_CONTROL_OR_MARK.search(html)`` finds nothing, else ``None``;
    in a third of the regex's time on a real body
    (0.02 against 0.085 ms for 28 KB): the regex tests every character in Python's ``re``
    loop, this asks C for whole-buffer scans. Exact because of UTF-8: strict encoding fails
    on a lone surrogate and only there; a byte below 0x80 is only ever that ASCII character;
    every mark is ``EE 80 80`` or ``EE 80 81`` (a lead byte 0xEE starts a character), and a
    source without the byte 0xEE (most) skips the slower multi-byte search. Searching the
    ``str`` itself is no faster: in a two-byte ``str``, ``memchr`` for U+0000 or U+E000 stops
    at every ASCII character. ``tests/test_htmltext.py`` checks it against the regex."""
    try:
        data = html.encode()
    except UnicodeEncodeError:
        return None
    for byte in _CONTROL_BYTES:
        if byte in data:
            return None
    if 0xEE in data and (b"\xee\x80\x80" in data or b"\xee\x80\x81" in data):
        return None
    return data


def _alternatives(tags: frozenset[str]) -> str:
    return "|".join(sorted(tags))


#: :func:`_walk` with ``layout`` (and :func:`drops_text`) as XSLT: libxslt walks the tree in C,
#: where the same walk in Python costs five times as much on a long body (reading every text
#: node into a Python string is most of it). Its text output carries the breaks as marks.
_TEXT_XSLT = f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="UTF-8"/>
<xsl:template match="{_alternatives(_PARAGRAPH_TAGS)}">&#xE000;<xsl:apply-templates/>&#xE000;\
</xsl:template>
<xsl:template match="{_alternatives(_LINE_TAGS - {"br"})}">&#xE001;<xsl:apply-templates/>&#xE001;\
</xsl:template>
<xsl:template match="br">&#xE001;</xsl:template>
<xsl:template match="td|th"><xsl:apply-templates/><xsl:text> </xsl:text></xsl:template>
<xsl:template match="{_alternatives(_DROPPED_TAGS)}"/>
</xsl:stylesheet>"""

_TRANSFORMS = threading.local()


def _text_transform() -> lxml.etree.XSLT:
    transform: lxml.etree.XSLT | None = getattr(_TRANSFORMS, "text", None)
    if transform is None:
        transform = _TRANSFORMS.text = lxml.etree.XSLT(lxml.etree.XML(_TEXT_XSLT))
    return transform


def _text(root: lxml.etree._Element, python_walk: bool) -> str:
    """The laid-out text of a parsed fragment (see :func:`_layout`): by the Python walk when the
    source could hold a break mark of the XSLT stream or is short (:data:`SMALL_FRAGMENT`), else
    by the XSLT transform."""
    if python_walk:
        return _layout(_walk(root, drops_text, layout=True))
    return _layout_utf8_counted(bytes(_text_transform()(root)))[0]


def _layout_marked(marked: str) -> str:
    """:func:`_layout` of the stream :data:`_TEXT_XSLT` writes: texts between break marks."""
    return _layout_marked_counted(marked)[0]


def _layout_marked_counted(marked: str) -> tuple[str, int]:
    """:func:`_layout_marked` and the text's ``len(text.split())`` (see
    :func:`_layout_utf8_counted`, which lays out the transform's own UTF-8 output)."""
    return _layout_utf8_counted(marked.encode())


#: The break marks in the UTF-8 output of :data:`_TEXT_XSLT`.
_PARAGRAPH_MARK_UTF8 = _PARAGRAPH_MARK.encode()
_LINE_MARK_UTF8 = _LINE_MARK.encode()
#: The ASCII characters ``str.split`` splits on, but the space.
_ASCII_SPACES = tuple(bytes([code]) for code in (*range(0x09, 0x0E), *range(0x1C, 0x20)))
#: The other characters it splits on (``str.isspace``), and U+200B (as :func:`squash`), in
#: UTF-8, by their first byte (a ``memchr`` tells whether a stream holds any): U+0085 and
#: U+00A0; U+1680; U+2000-U+200B, U+2028, U+2029, U+202F and U+205F; U+3000. A pattern that
#: starts with one literal byte is scanned for it by ``re``; an alternation would be tried at
#: every byte.
_WIDE_SPACES = (
    (b"\xc2", re.compile(rb"\xc2[\x85\xa0]")),
    (b"\xe1", re.compile(rb"\xe1\x9a\x80")),
    (b"\xe2", re.compile(rb"\xe2(?:\x80[\x80-\x8b\xa8\xa9\xaf]|\x81\x9f)")),
    (b"\xe3", re.compile(rb"\xe3\x80\x80")),
)
_BREAKS = (b"", b"\n", b"\n\n")


def _layout_utf8_counted(marked: bytes) -> tuple[str, int]:
    """:func:`_layout` of the UTF-8 stream :data:`_TEXT_XSLT` writes (texts between break
    marks), and the text's ``len(text.split())``.

    Each line between two marks is ``" ".join(line.split())`` (U+200B a space too), and empty
    lines only carry their breaks. What that costs in ``str`` is a string object a word (the
    split and join of a real Europol body's 4,000 words were a sixth of its page's
    instructions), so the white space is worked on in the UTF-8 bytes, where whole-buffer
    ``replace``, ``find`` and literal-prefixed ``re`` scans do it: every white space character
    becomes a space (each is one complete UTF-8 sequence, and no other character's bytes hold
    one), then each run of spaces one space
    (:func:`_collapse_spaces`), then each line is stripped. The text is its lines' words joined
    by single spaces and line breaks, so it holds ``spaces + lines`` words.
    ``tests/test_htmltext.py`` checks it against the line-by-line layout it replaced."""
    for space in _ASCII_SPACES:
        if space in marked:
            marked = marked.replace(space, b" ")
    for lead, spaces in _WIDE_SPACES:
        if lead in marked:
            marked = spaces.sub(b" ", marked)
    marked = _collapse_spaces(marked)
    out: list[bytes] = []
    level = lines = 0
    for number, paragraph in enumerate(marked.split(_PARAGRAPH_MARK_UTF8)):
        if number:
            level = 2
        for index, line in enumerate(paragraph.split(_LINE_MARK_UTF8)):
            if index and not level:
                level = 1
            line = line.strip(b" ")  # noqa: PLW2901 - the line, trimmed
            if line:
                if out:
                    out.append(_BREAKS[level])
                out.append(line)
                lines += 1
                level = 0
    text = b"".join(out)
    return text.decode(), text.count(b" ") + lines


_SPACE_RUN = re.compile(rb" +")


def _collapse_spaces(data: bytes) -> bytes:
    """``data`` with each run of spaces as one space: a ``find`` of the next run (a regex
    ``sub`` tests every byte in Python's ``re`` loop, and the runs are few)."""
    at = data.find(b"  ")
    if at < 0:
        return data
    pieces = []
    start = 0
    run_end = _SPACE_RUN.match
    while at >= 0:
        pieces.append(data[start : at + 1])
        start = run_end(data, at).end()  # type: ignore[union-attr]  # a space is there
        at = data.find(b"  ", start)
    pieces.append(data[start:])
    return b"".join(pieces)


def _layout(pieces: list[_Piece]) -> str:
    """The stream of :func:`_walk` laid out as text with the least number of line breaks that
    keeps the structure: paragraphs separated by one blank line, lines by one line break, white
    space collapsed, each paragraph or line trimmed. Computed a run of texts at a time (the
    texts between two breaks): the run's words joined by single spaces (spaces at a run's edges
    never survive a break). ``tests/test_htmltext.py`` keeps the piece-by-piece builder this
    replaced as the reference it must agree with.

    Kept rather than Zyte's ``html-text`` 0.7.1 (``extract_text(html, guess_layout=True)``),
    measured against it: on 27 bodies (the real Europarl and Europol pages, the GOV.UK examples,
    whole mirror pages) it gives the same text for 11 and other text for 16: a space before
    punctuation that follows an inline element (GOV.UK: ``<abbr>CDE</abbr>’s`` -> ``CDE ’s``)
    and one line break, not a blank line, after a ``<div>``, which would change items' ``body``.
    Speed is no reason to switch either (and ``HtmlFragment`` parses and cleans once for its
    HTML, text, links and attachments). No new dependency, then.
    """
    lines: list[str] = []
    run: list[str] = []
    level = 0
    for piece in pieces:
        if isinstance(piece, int):
            if run:
                level = _add_run(lines, run, level)
                run = []
            level = max(level, piece)
        else:
            run.append(piece)
    if run:
        _add_run(lines, run, level)
    return "".join(lines)


def _add_run(lines: list[str], run: list[str], level: int) -> int:
    """Add one run of texts after a break of ``level``; the level still pending after it."""
    text = squash(run[0] if len(run) == 1 else "".join(run))
    if not text:
        return level  # nothing but white space: the break still waits for text
    if lines:
        lines.append("\n" * level)
    lines.append(text)
    return 0
