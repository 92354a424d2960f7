"""Body HTML -> clean HTML, plain text, links and attachments (shared by every newsroom)."""

from __future__ import annotations

import lxml.etree
import lxml.html
import pytest

from newsroom_scraper.extraction.htmltext import (
    AttachmentRules,
    HtmlFragment,
    element_text,
    html_text,
    inline_text,
)

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
