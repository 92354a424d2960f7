"""Body HTML -> clean HTML, plain text, links and attachments (shared by every newsroom)."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import urljoin

import lxml.etree
import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsroom_scraper.errors import ExtractionError
from newsroom_scraper.extraction import htmltext
from newsroom_scraper.extraction.htmltext import (
    _CONTROL_OR_MARK,
    _ONE_PLAIN_PARAGRAPH,
    AttachmentRules,
    HtmlFragment,
    _has_control_or_mark,
    _parse,
    _parse_marked,
    _text,
    _walk,
    drops_text,
    element_text,
    html_text,
    inline_text,
    squash,
)
from newsroom_scraper.report import EXIT_ERRORS
from tests.helpers import reference_layout_marked

BASE = "https://www.example.org/news/a"
RULES = AttachmentRules(file_path_prefixes=("/sites/default/files/",))


def test_paragraphs_are_separated_by_one_blank_line_and_list_items_by_lines():
    fragment = HtmlFragment(
        "<p>One&nbsp; two</p>\n\n<div>Three<br>four</div><ul><li>a</li><li>b <b>c</b></li></ul>"
        "<h2>Head</h2><p>  </p><table><tr><td>x</td><td>y</td></tr></table>",
        BASE,
    )
    assert fragment.text() == "One two\n\nThree\nfour\n\na\nb c\n\nHead\n\nx y"


def test_clean_html_has_no_scripts_styles_or_event_attributes_and_absolute_links():
    html = HtmlFragment(
        '<p onclick="evil()" style="color:red">Hi <a href="/x" onmouseover="e()">x</a>'
        '<a href="javascript:alert(1)">js</a><img src="i.png" onerror="e()"></p>'
        "<script>alert(1)</script><style>p{}</style><!-- note --><noscript>n</noscript>",
        BASE,
    ).html()
    for forbidden in ("<script", "<style", "<noscript", "onclick", "onmouseover", "onerror",
                      "javascript:", "note", "style="):  # fmt: skip
        assert forbidden not in html
    assert 'href="https://www.example.org/x"' in html
    assert 'src="https://www.example.org/news/i.png"' in html


def test_links_are_absolute_in_order_once_each_without_attachments_or_page_anchors():
    links = HtmlFragment(
        '<a href="/b">B</a> <a href="https://other.org/c">C</a> <a href="/b">B again</a>'
        '<a href="#top">top</a><a href="mailto:press@example.org">mail</a>'
        '<a href="/sites/default/files/report.pdf">report</a><a href="ftp://x/y">ftp</a>',
        BASE,
    ).links(RULES)
    assert links == [
        {"text": "B", "url": "https://www.example.org/b"},
        {"text": "C", "url": "https://other.org/c"},
        {"text": "mail", "url": "mailto:press@example.org"},
    ]


def test_adjacent_anchors_to_one_url_are_one_link():
    links = HtmlFragment(
        '<p>The <a href="https://u.org/">United Nations Office</a><br>'
        '<a href="https://u.org/">on Drugs and Crime</a> said</p>',
        BASE,
    ).links(RULES)
    assert links == [{"text": "United Nations Office on Drugs and Crime", "url": "https://u.org/"}]


@pytest.mark.parametrize(
    ("html", "kind"),
    [
        ('<a href="/files/x.PDF">Report</a>', "document"),
        ('<a href="/sites/default/files/fact-sheet">Fact sheet</a>', "document"),
        ('<a href="https://www.youtube.com/watch?v=1">Watch</a>', "video"),
        ('<a href="https://example.org/clip.mp4">clip</a>', "video"),
        ('<a href="https://tv.example.org/x">Watch video.</a>', "video"),
        ('<iframe src="https://player.vimeo.com/video/1" title="Film"></iframe>', "video"),
        ('<img src="/img/a.jpg" alt="A">', "image"),
        ('<a href="/img/a.png">photo</a>', "image"),
    ],
)
def test_attachment_kinds(html, kind):
    attachments = HtmlFragment(html, BASE).attachments(RULES)
    assert [a["kind"] for a in attachments] == [kind]
    assert str(attachments[0]["url"]).startswith("https://")


def test_ordinary_links_are_not_attachments():
    assert HtmlFragment('<a href="/news/b">Read more</a>', BASE).attachments(RULES) == []


@pytest.mark.parametrize("html", ["", "   ", "<", "</p></div>", "<p><b>unclosed", "\x00\x01"])
def test_broken_or_empty_fragments_give_text_without_raising(html):
    fragment = HtmlFragment(html, BASE)
    assert isinstance(fragment.text(), str)
    assert isinstance(fragment.html(), str)


def test_text_of_a_page_nested_deeper_than_the_recursion_limit():
    depth = 5_000
    root = lxml.etree.Element("div")
    element = root
    for index in range(depth):
        element = lxml.etree.SubElement(element, "p" if index % 2 else "span")
        element.text = "w"
    assert inline_text(root) == "w" * depth
    assert element_text(root).replace(" ", "") == "w" * depth


def test_inline_text_joins_text_nodes_and_leaves_out_what_hides_them():
    root = lxml.html.fromstring(
        '<div class="x"><ul><li>one<ul><li>sub</li></ul></li></ul><!-- c -->'
        "<script>no</script><span class='sr'>label</span><b> two  </b>three</div>"
    )
    assert inline_text(root) == "onesublabel two three"
    hidden = inline_text(root, lambda e: e.tag == "script" or e.get("class") == "sr")
    assert hidden == "onesub two three"
    assert inline_text(root, lambda e: e.tag == "b") == "onesubnolabelthree"
    assert inline_text(root.find(".//li"), lambda e: e.tag == "ul") == "", "an ancestor hides it"


def test_layout_of_cells_breaks_and_dropped_elements():
    assert html_text("<table><tr><td>a</td><td>b</td></tr><tr><th>c</th></tr></table>") == (
        "a b\nc"
    )
    assert html_text("a<br>b<br><br>c<noscript>x</noscript><template>y</template>") == "a\nb\nc"


# -- nesting deeper than libxml2's default limit (issue 10, finding 9) ------------------------------


def nested(depth: int) -> str:
    return "<p>a</p>" + "<div>" * depth + "deep" + "</div>" * depth + "<p>after</p>"


def test_text_under_300_nested_elements_is_all_kept():
    # Without huge_tree libxml2 stopped at 256 levels: the body was "a", and no error.
    fragment = HtmlFragment(nested(300), BASE)
    assert fragment.text() == "a\n\ndeep\n\nafter"
    assert fragment.html().endswith("deep" + "</div>" * 300 + "<p>after</p>")
    assert html_text(nested(300)) == "a\n\ndeep\n\nafter"


def test_nesting_beyond_what_the_parser_reads_is_an_extraction_error_not_a_short_text():
    # libxml2 reads 2,048 levels even with huge_tree; past that the text would be cut short.
    with pytest.raises(ExtractionError, match="not readable to its end"):
        HtmlFragment(nested(2_100), BASE)
    with pytest.raises(ExtractionError, match="not readable to its end"):
        html_text(nested(2_100))


def test_a_europol_article_nested_too_deep_is_reported_not_stored_short(tmp_path):
    from newsroom_scraper.extract import extract_files
    from newsroom_scraper.spiders.europol import EuropolSpider
    from tests.mirrors import europol

    article = europol.generate_articles(1)[0]
    node = {**article.node(False), "body": nested(2_100)}
    page = europol.shell(
        article.title, {"NodeLoader": {"node": node}}, europol.PUBLIC + article.alias
    )
    path = tmp_path / "deep.html"
    path.write_bytes(page)
    out, err = io.StringIO(), io.StringIO()
    assert extract_files(EuropolSpider, [path], None, out, err) == EXIT_ERRORS
    assert out.getvalue() == ""
    assert "not readable to its end" in err.getvalue()


# -- the fast text layout agrees with the piece-by-piece reference -------------------------------

_REFERENCE_WHITESPACE = re.compile(r"[\s\u00a0\u200b\u2007\u202f]+")


class ReferenceText:
    """The text builder HtmlFragment used before its XSLT walk: one piece of :func:`_walk` at a
    time (the specification of the layout; see ``htmltext._layout``)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pending_break = 0

    def add_text(self, text: str) -> None:
        text = _REFERENCE_WHITESPACE.sub(" ", text)
        if self.pending_break or not self.parts:
            text = text.lstrip()
            if not text:
                return
            if self.parts:
                self.parts[-1] = self.parts[-1].rstrip(" ")
                self.parts.append("\n" * self.pending_break)
            self.pending_break = 0
        elif self.parts[-1].endswith(" ") and text.startswith(" "):
            text = text[1:]
        if text:
            self.parts.append(text)

    def text(self, element: lxml.etree._Element) -> str:
        for piece in _walk(element, drops_text, layout=True):
            if isinstance(piece, int):
                self.pending_break = max(self.pending_break, piece)
            else:
                self.add_text(piece)
        return "".join(self.parts).strip()


TAGS = ["p", "div", "li", "ul", "br", "td", "tr", "table", "b", "a", "span", "script", "h2", "dd"]
TEXTS = ["", " ", "a", "b c", " d ", "\n", "\xa0", "\u200b", "e\tf", "&amp;", "&#xE000;", "\ue001"]


@st.composite
def html_fragments(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 14))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            parts.append(draw(st.sampled_from(TEXTS)))
        elif kind == 1:
            parts.append(f"<{draw(st.sampled_from(TAGS))}>")
        elif kind == 2:
            parts.append(f"</{draw(st.sampled_from(TAGS))}>")
        else:
            parts.append(draw(st.sampled_from(["<!-- c -->", "<a href='/x'>x<b>y</b></a>", "z"])))
    return "".join(parts)


@settings(max_examples=400, deadline=None)
@given(html_fragments())
def test_text_layout_agrees_with_the_reference_builder(html):
    fragment = HtmlFragment(html, BASE)
    reference = ReferenceText().text(fragment.root)
    assert fragment.text() == reference
    # Both layouts, whichever the fragment's size picks (SMALL_FRAGMENT): the Python walk, and
    # the XSLT stream wherever the source cannot hold one of its break marks.
    assert _text(fragment.root, True) == reference
    if not _parse_marked(html)[1]:
        assert _text(fragment.root, False) == reference
    for anchor in fragment.root.iter("a"):
        assert element_text(anchor) == squash(ReferenceText().text(anchor))
    assert html_text(html) == ReferenceText().text(_parse(html))


def test_text_of_the_real_pages_agrees_with_the_reference_builder():
    from tests.helpers import SHARED

    pages = sorted((SHARED / "sites" / "europol-real").glob("*.html"))
    pages += sorted((SHARED / "sites" / "europarl-pages").glob("*.html"))
    if not pages:
        pytest.skip(f"no real pages under {SHARED / 'sites'}")
    for page in pages:
        root = _parse(page.read_text(encoding="utf-8"))
        fragment = HtmlFragment(page.read_text(encoding="utf-8"), BASE)
        assert fragment.text() == ReferenceText().text(fragment.root)
        assert html_text(page.read_text(encoding="utf-8")) == ReferenceText().text(root)


#: Every character the scan looks for, its neighbours, and text around them: ASCII (one byte a
#: character in ``str``), Latin-1, two-byte (U+2019) and non-BMP sources.
_SCANNED = [chr(c) for c in (*range(0x21), 0x7E, 0x7F, 0x80, 0xEE, 0xFF, 0x100, 0xE00)]
_SCANNED += ["\ud800", "\udbff", "\udc00", "\udfff", "\ud7ff", "\ue000", "\ue001", "\ue002"]
_SCANNED += ["\udfff\ud800", "\ud83d\ude00", "\u2019", "\U0001f600", "\uefff", "<p>a</p>", "é"]


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(_SCANNED),
            st.text(),
            st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x7F)),
            st.text(alphabet=st.characters(min_codepoint=0xD700, max_codepoint=0xE100)),
        ),
        max_size=12,
    )
)
def test_control_scan_equals_the_regex(parts: list[str]) -> None:
    """The scan without a regex finds a control character, lone surrogate or break mark
    exactly where the regex it replaced does."""
    source = "".join(parts)
    assert _has_control_or_mark(source) is (_CONTROL_OR_MARK.search(source) is not None)


def test_control_scan_on_every_code_point() -> None:
    """Each code point of the BMP (surrogates included) and the edges of the others, alone
    and inside an ASCII, a two-byte and a marked text, gives the regex's answer."""
    for code in (*range(0x10000), 0x10000, 0x1F600, 0xEE000, 0x10FFFF):
        char = chr(code)
        for source in (char, f"<p>a{char}b</p>", f"\u2019{char}\u2019", f"{char}\ue000"):
            expected = _CONTROL_OR_MARK.search(source) is not None
            assert _has_control_or_mark(source) is expected, (hex(code), source)


def _parsed_text(html: str) -> str:
    """``html_text`` by the parse alone (as it was before its one-paragraph fast path)."""
    if "<" not in html and "&" not in html:
        return squash(html)
    return _text(*_parse_marked(html))


#: Around and inside a one-paragraph lead: every ASCII character (controls, ``<``, ``&`` and
#: ``>`` included), near-misses of ``<p>``, tags, references, non-ASCII and odd white space.
_LEAD_PIECES = [chr(c) for c in range(0x80)] + [
    "<p>", "</p>", "<P>", "<p >", "</P>", "<b>", "</b>", "<br>", "&amp;", "&#57344;", "&nbsp;",
    "\xa0", "\u2028", "\u200b", "\ue000", "é", "Lead of article 1.", "  ", "\r\n", "<!-- c -->",
]  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(st.sampled_from(_LEAD_PIECES), max_size=12),
    st.sampled_from(["", " ", "\n", " \t\r\n "]),
    st.booleans(),
)
def test_one_plain_paragraph_gives_the_parsed_text(inner: list[str], around: str, wrap: bool):
    """``html_text``'s fast path (one ``<p>`` of plain ASCII text, no parse) gives what the
    parse and layout give, and the pattern takes what it should and nothing else."""
    html = f"{around}<p>{''.join(inner)}</p>{around}" if wrap else "".join(inner)
    assert html_text(html) == _parsed_text(html)


def test_one_plain_paragraph_takes_every_plain_ascii_character_and_nothing_else():
    taken = "".join(
        chr(c) for c in range(0x80) if _ONE_PLAIN_PARAGRAPH.fullmatch(f"<p>{chr(c)}</p>")
    )
    assert taken == "\t\n\r" + "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in "&<>")
    for char in (*taken, "\x0b", "\x0c", "\x00", "\x7f", "&", "<", ">", "\xa0", "\u2028", "\ue000"):
        html = f"<p>a{char} b{char}</p>"
        assert html_text(html) == _parsed_text(html), repr(char)
    assert _ONE_PLAIN_PARAGRAPH.fullmatch("\n <p>Lead of article 10000.</p>\n")
    assert html_text("<p> Lead  of\narticle </p>") == "Lead of article"


def test_short_fragments_are_laid_out_by_the_python_walk_long_ones_by_xslt(monkeypatch):
    """The XSLT transform's fixed cost is not worth it for a short fragment; both layouts give
    the same text (above), so only the choice is checked here."""
    from newsroom_scraper.extraction import htmltext

    transforms: list[int] = []
    real = htmltext._text_transform()

    def counted() -> Any:
        transforms.append(1)
        return real

    monkeypatch.setattr(htmltext, "_text_transform", counted)
    short = "<p>One <b>short</b> paragraph.</p><p>And a second.</p>"
    long = "<p>" + "A paragraph long enough. " * 60 + "</p><p>And a second.</p>"
    assert len(short) < htmltext.SMALL_FRAGMENT <= len(long)
    assert HtmlFragment(short, BASE).text_and_word_count() == (
        "One short paragraph.\n\nAnd a second.",
        6,
    )
    assert html_text(short) == "One short paragraph.\n\nAnd a second."
    assert transforms == []
    text, words = HtmlFragment(long, BASE).text_and_word_count()
    assert words == len(text.split()) == 4 * 60 + 3
    assert html_text(long) == text
    assert transforms == [1, 1]


# -- the layout in UTF-8 and the parse from UTF-8 (issue 12, fifth pass) -------------------------

#: Every character ``str.split`` splits on, U+200B, the break marks, and characters whose UTF-8
#: shares a first byte (or two) with a wide space: U+00A1 and U+0084 (C2), U+1681 (E1 9A),
#: U+2019, U+200C, U+2030, U+205E (E2 80, E2 81), U+3001 (E3 80), U+E002 (EE 80), non-BMP.
_LAYOUT_PIECES = [
    *(chr(c) for c in range(0x110000) if chr(c).isspace()),
    "\u200b", htmltext._PARAGRAPH_MARK, htmltext._LINE_MARK,
    "\xa1", "\x84", "\u1681", "\u2019", "\u200c", "\u2030", "\u205e", "\u3001", "\ue002",
    "\U0001f600", "a", "b", "é", "  ", "word word", "\n  \n",
]  # fmt: skip


def _line_by_line_layout(marked: str) -> tuple[str, int]:
    """The layout before the UTF-8 one: each line between marks ``" ".join(line.split())``."""
    text = reference_layout_marked(marked)
    return text, len(text.split())


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_LAYOUT_PIECES), max_size=40))
def test_the_utf8_layout_is_the_line_by_line_one(pieces: list[str]) -> None:
    marked = "".join(pieces)
    assert htmltext._layout_utf8_counted(marked.encode()) == _line_by_line_layout(marked)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_the_utf8_layout_of_any_text_is_the_line_by_line_one(marked: str) -> None:
    marked = marked.encode("utf-8", "replace").decode()  # the transform writes UTF-8
    assert htmltext._layout_utf8_counted(marked.encode()) == _line_by_line_layout(marked)


def test_runs_of_spaces_collapse_wherever_they_are():
    for source in (b"", b" ", b"  ", b"a  b", b"  a   b    ", b"a" + b" " * 1000 + b"b"):
        assert htmltext._collapse_spaces(source) == re.sub(rb" +", b" ", source)


def _tree(root: lxml.etree._Element) -> bytes:
    tree: bytes = lxml.etree.tostring(root, method="xml", encoding="utf-8")
    return tree


#: Fragments as bodies hold them: ASCII, Latin-1, two-byte and non-BMP text, references,
#: a declared charset, a BOM, full documents, broken markup.
_SOURCE_PIECES = [
    "<p>", "</p>", "<div class='x'>", "</div>", "<br>", "<a href='/a b'>", "</a>", "<b>", "</b>",
    "<!-- c -->", "<meta charset='iso-8859-1'>", "<meta http-equiv='Content-Type' "
    "content='text/html; charset=windows-1252'>", "<html>", "<!DOCTYPE html>", "<body id='b'>",
    "<script>x<y</script>", "\ufeff", "&nbsp;", "&#8217;", "&#128;", "&#xE002;", "&eacute;",
    "text", " ", "\n", "\r\n", "\t", "é", "\xa0", "\u2019", "•", "\U0001f600", "<", "&", ">",
    "<p style='a'>", "<table><tr><td>", "<",
]  # fmt: skip


def _parse_outcome(html: str, utf8: bytes | None = None) -> bytes | str:
    """The tree ``_parse_clean`` gives, or the error it raises (a broken body is an outcome)."""
    try:
        return _tree(
            htmltext._parse_clean(html, utf8) if utf8 is not None else htmltext._parse_clean(html)
        )
    except ExtractionError as exc:
        return f"ExtractionError: {exc.reason}"


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_SOURCE_PIECES), max_size=20))
def test_the_parse_from_utf8_gives_the_tree_of_the_parse_from_str(pieces: list[str]) -> None:
    html = "".join(pieces)
    utf8 = htmltext._utf8_unless_control_or_mark(html)
    assert utf8 is not None
    assert _parse_outcome(html, utf8) == _parse_outcome(html)


def test_a_body_the_parse_refuses_is_refused_from_utf8_too():
    """Found by the test above: a document with text and no ``<body>`` is an error both ways."""
    html = "<html><script>x<y</script>"
    utf8 = htmltext._utf8_unless_control_or_mark(html)
    assert utf8 is not None
    refused = "ExtractionError: body HTML with text but no <body> to read it from"
    assert _parse_outcome(html, utf8) == _parse_outcome(html) == refused


def test_the_real_bodies_parse_from_utf8_to_the_same_tree():
    from newsroom_scraper.spiders.europol import find_server_data, node_of
    from tests.helpers import SHARED

    sources = [
        node_of(find_server_data(page.read_text(encoding="utf-8")))["body"]
        for page in sorted((SHARED / "sites" / "europol-real").glob("*.html"))
    ]
    sources += [p.read_text("utf-8") for p in sorted((SHARED / "sites").glob("europarl-*/*.html"))]
    if not sources:
        pytest.skip(f"no real pages under {SHARED / 'sites'}")
    for html in sources:
        utf8 = htmltext._utf8_unless_control_or_mark(html)
        assert utf8 is not None
        assert _parse_outcome(html, utf8) == _parse_outcome(html)
        assert _parse_marked(html)[0] is not None


def _reference_clean(root: lxml.etree._Element, base_url: str) -> None:
    """``htmltext._clean`` before issue 12's fifth pass: one walk in Python over every node."""
    for element in list(root.iter()):
        if element is root:
            continue
        tag = element.tag
        if tag.__class__ is not str or tag in htmltext._DROPPED_TAGS:
            htmltext._drop_tree(element)
            continue
        names = element.keys()
        if not names:
            continue
        attributes = element.attrib
        for name in names:
            lowered = name.lower()
            if lowered.startswith("on") or lowered in htmltext._DROPPED_ATTRIBUTES:
                del attributes[name]
            elif lowered in htmltext._URL_ATTRIBUTES:
                value = attributes[name].strip()
                if htmltext._is_script_url(value):
                    del attributes[name]
                elif base_url:
                    try:
                        attributes[name] = htmltext.clean_url(urljoin(base_url, value))
                    except ValueError:
                        attributes[name] = value


_CLEAN_PIECES = [
    "<p style='a'>", "<P STYLE='b' Class=c>", "<div onclick='x()' OnMouseOver=y id=d>", "</div>",
    "</p>", "<a href='/x'>", "<a HREF=' javascript:alert(1) '>", "<a href='https://e.org/a?b#c'>",
    "</a>", "<img src=i.png data-src='//cdn.org/i' srcdoc=s formaction=f>", "<iframe src=v>",
    "<video poster='p.jpg'>", "<script>s</script>", "<style>t</style>", "<noscript>n</noscript>",
    "<template>u</template>", "<link rel=x>", "<meta name=m>", "<object data=o>", "</object>",
    "<!-- c -->", "<?pi x?>", "<svg:script>q</svg:script>", "<b>", "</b>", "text", " tail ", "\n",
    "<script><!-- x --></script>", "<a href='http://[::1'>", "<br/onload=z>", "<br>",
]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(st.sampled_from(_CLEAN_PIECES), max_size=16),
    st.sampled_from(["", BASE, "http://other.org/a/b/"]),
)
def test_the_clean_up_is_the_one_walk_it_replaced(pieces: list[str], base_url: str) -> None:
    html = "".join(pieces)
    expected = htmltext._parse(html)
    _reference_clean(expected, base_url)
    cleaned = htmltext._parse(html)
    htmltext._clean(cleaned, base_url)
    assert _tree(cleaned) == _tree(expected)


_URL_CHARACTERS = [*"aZ09-._~:@!$&'()*+,=%/?#;[] \\\t", "http://", "https://", "HTTPS://", "é"]


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(st.sampled_from(_URL_CHARACTERS), max_size=14),
    st.sampled_from(["https://", "http://", "", "//"]),
    st.sampled_from([BASE, "http://example.org/a/", "ftp://f.org/", "https://h.org"]),
)
def test_a_plain_absolute_url_is_what_urljoin_gives(parts: list[str], start: str, base: str):
    value = start + "".join(parts)
    try:
        expected = htmltext.clean_url(urljoin(base, value))
    except ValueError:
        expected = value
    assert htmltext._absolute(base, value) == expected


def _reference_kind_of(rules: AttachmentRules, url: str, text: str = "") -> str | None:
    """``AttachmentRules.kind_of`` before issue 12's fifth pass."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        return None
    host = parts.hostname or ""
    suffix = htmltext._suffix(parts.path).lower()
    if any(host == video or host.endswith("." + video) for video in rules.video_hosts):
        return "video"
    if suffix in htmltext.VIDEO_EXTENSIONS:
        return "video"
    if suffix in htmltext.IMAGE_EXTENSIONS:
        return "image"
    if suffix in htmltext.DOCUMENT_EXTENSIONS:
        return "document"
    if any(parts.path.startswith(prefix) for prefix in rules.file_path_prefixes):
        return "document"
    if text and htmltext._VIDEO_WORDS.search(text) and "video" in text.lower():
        return "video"
    return None


_KIND_PIECES = [
    "https://", "http://", "ftp://", "youtube.com", "www.youtube.com", "xyoutube.com", "vimeo.com",
    ".", "/", "/sites/default/files/", "/files", "a.pdf", "b.MP4", "c.png", "d", "?x=1", "#f",
    "YouTube.com", "user@", ":8080", "[::1]",
]  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(st.sampled_from(_KIND_PIECES), max_size=8),
    st.sampled_from(["", "watch the video", "Video", "videos", "a"]),
    st.sampled_from([RULES, AttachmentRules(), AttachmentRules((), ()), AttachmentRules(("/",))]),
)
def test_kind_of_is_what_it_was(parts: list[str], text: str, rules: AttachmentRules) -> None:
    url = "".join(parts)
    try:
        expected: str | type[Exception] | None = _reference_kind_of(rules, url, text)
    except ValueError:
        expected = ValueError
    try:
        got: str | type[Exception] | None = rules.kind_of(url, text)
    except ValueError:
        got = ValueError
    assert got == expected


def _reference_marks(html: str) -> bool:
    """Whether ``_parse_marked`` found a possible break mark, as before issue 12's fifth pass."""
    marks = False
    if _CONTROL_OR_MARK.search(html):
        html = htmltext._CONTROL_CHARACTERS.sub("", html)
        marks = "\ue000" in html or "\ue001" in html
    if not marks and "&#" in html:
        marks = bool(htmltext._MARKS.search(html))
    return marks


_MARK_PIECES = [
    "&#57344;", "&#57345;", "&#57346;", "&#x0E000;", "&#XE001;", "&#xe001", "&#0057345;", "&#",
    "&amp;", "&", "#", "\ue000", "\ue001", "\ue002", "\x01", "\ud800", "é", "\u2019", "<p>", "a",
]  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_MARK_PIECES), max_size=10))
def test_the_marks_found_are_those_of_the_str_scan(pieces: list[str]) -> None:
    html = "".join(pieces)
    assert _parse_marked(html)[1] is _reference_marks(html)
