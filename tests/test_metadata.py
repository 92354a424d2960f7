"""Shared metadata fallbacks (``extraction/metadata.py``): small real-shaped snippets, then the
real pages of ``../shared/sites/``."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsroom_scraper.extraction.metadata import (
    _EDGE,
    PageMetadata,
    _in_comment,
    declared_url,
    find_ld,
    json_ld_objects,
    ld_string,
    own_url_candidates,
    page_own_url,
)
from tests.conftest import shared_folder
from tests.helpers import reference_attribute_url, reference_in_comment

ARTICLE = "https://www.example.org/news/a"


def page(head: str = "", body: str = "") -> bytes:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>".encode()


def ld(data: object, quote: str = '"') -> str:
    return f"<script type={quote}application/ld+json{quote}>{json.dumps(data)}</script>"


# -- the page's own URL --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        f'<link rel="canonical" href="{ARTICLE}">',
        f"<link href='{ARTICLE}' rel='canonical' />",
        f'<LINK REL="canonical" HREF="{ARTICLE}">',
        f'<meta property="og:url" content="{ARTICLE}">',
        f'<meta content="{ARTICLE}" property="og:url">',
        ld({"@context": "https://schema.org", "@type": "NewsArticle", "url": ARTICLE}),
        ld(
            {
                "@graph": [
                    {"@type": "WebSite", "url": "https://www.example.org/"},
                    {"@type": "WebPage", "url": ARTICLE},
                ]
            }
        ),
    ],
)
def test_own_url_from_each_declaration(head):
    assert page_own_url(page(head)) == ARTICLE


def test_own_url_sources_in_order_and_entities_decoded():
    body = page(
        ld({"@type": "WebPage", "url": ARTICLE + "?ld"})
        + f'<meta property="og:url" content="{ARTICLE}?a=1&amp;b=2">'
        + f'<link rel="canonical" href="{ARTICLE}">'
    )
    assert list(own_url_candidates(body)) == [
        ("canonical", ARTICLE),
        ("og_url", ARTICLE + "?a=1&b=2"),
        ("json_ld", ARTICLE + "?ld"),
    ]
    assert page_own_url(body) == ARTICLE


def test_json_ld_article_url_wins_over_the_web_page_and_the_site():
    body = page(
        ld({"@type": "Organization", "url": "https://www.example.org/"})
        + ld({"@type": "WebPage", "url": ARTICLE + "/page"})
        + ld({"@type": ["Thing", "NewsArticle"], "url": [" ", ARTICLE]})
    )
    assert page_own_url(body) == ARTICLE


def test_own_url_in_a_large_shell_and_none_without_a_declaration():
    padding = "x" * 100_000
    shell = page(
        "<script>window.SERVER_DATA = {}</script>",
        f"<script>var d = '{padding}';</script>" + ld({"@type": "WebPage", "url": ARTICLE}),
    )
    assert page_own_url(shell) == ARTICLE
    assert page_own_url(page("<title>x</title>", "<p>canonical og:url</p>")) is None
    assert page_own_url(b"") is None


#: Pieces of pages for the comparisons with the search as it was: declarations of each kind and
#: quoting, keywords without a tag, comments and their halves, JSON-LD blocks, tag openings.
_PIECES = [
    b'<link rel="canonical" href="https://a.example/1">',
    b"<LINK HREF='https://a.example/2' REL='canonical'>",
    b'<link rel="alternate" href="https://a.example/3">',
    b'<meta property="og:url" content="https://a.example/4?x=1&amp;y">',
    b'<meta content="https://a.example/5" property="og:url">',
    b"canonical",
    b"og:url",
    b"<!--",
    b"-->",
    b"<!-->",
    b"<",
    b'"',
    b">",
    b'<script type="application/ld+json">{"@type": "WebPage", "url": "https://a.example/6"}',
    b"</script>",
    b"application/ld+json",
]


def _padding(size: int) -> bytes:
    return b"x" * size


_PAGES = st.lists(
    st.one_of(st.sampled_from(_PIECES), st.integers(0, 40_000).map(_padding)), max_size=14
).map(b"".join)


@settings(max_examples=400, deadline=None)
@given(_PAGES)
def test_own_url_search_gives_what_the_search_over_the_whole_page_gave(body):
    """The head, tail and middle searches find the declaration the head, tail and whole-page
    searches found, on pages of every size (the edge split starts at 4 x 16 KB)."""
    for source in ("canonical", "og_url"):
        assert declared_url(body, source) == reference_attribute_url(body, source)


@pytest.mark.parametrize("keyword", [b"canonical", b"og:url"])
@pytest.mark.parametrize("size", [4 * _EDGE + 1, 5 * _EDGE + 7])
def test_own_url_declared_across_an_edge_of_the_head_or_tail_is_found(keyword, size):
    # A declaration whose keyword straddles the end of the head or the start of the tail is in
    # neither edge search: the middle search must find it, as the whole-page search did.
    tag = {
        b"canonical": b'<link rel="canonical" href="https://a.example/edge">',
        b"og:url": b'<meta property="og:url" content="https://a.example/edge">',
    }[keyword]
    at = tag.index(keyword)
    for edge in (_EDGE, size - _EDGE):
        for shift in range(-len(keyword) - 1, 2):
            start = edge + shift - at  # the keyword starts at edge + shift
            body = _padding(start) + tag
            body += _padding(size - len(body))
            source = "canonical" if keyword == b"canonical" else "og_url"
            assert declared_url(body, source) == "https://a.example/edge"
            assert declared_url(body, source) == reference_attribute_url(body, source)


_COMMENT_PAGES = st.lists(
    st.sampled_from([b"<!--", b"-->", b"<!-->", b"<!---->", b"-", b"<", b"!", b"x", b" "]),
    max_size=30,
).map(b"".join)


@settings(max_examples=500, deadline=None)
@given(_COMMENT_PAGES)
def test_in_comment_answers_as_the_two_backward_searches_did(body):
    for position in range(len(body) + 1):
        assert _in_comment(body, position) == reference_in_comment(body, position), position


def test_json_ld_blocks_are_read_as_raw_text_and_broken_ones_skipped():
    body = page(
        '<script type="application/ld+json">{"headline": "A &amp; B"}</script>'
        '<script type="application/ld+json">{broken</script>'
        "<script type=application/ld+json>[1, 2]</SCRIPT>"
        '<script type="text/javascript">var s = "application/ld+json";</script>'
    )
    assert json_ld_objects(body) == [{"headline": "A &amp; B"}, [1, 2]]


def test_json_ld_in_a_comment_or_a_broken_tag_is_not_json_ld():
    block = ld({"@type": "NewsArticle", "headline": "hidden", "url": ARTICLE})
    commented = page(f"<!-- {block} -->")
    assert json_ld_objects(commented) == []
    assert page_own_url(commented) is None
    assert PageMetadata(commented).ld == []
    in_attribute = page(body=f'<time datetime="{block}">x</time>')
    assert PageMetadata(in_attribute).ld == [], "the tree sees an attribute, not a script"


def test_find_ld_goes_through_lists_and_graphs_depth_first():
    data = [
        {"@type": "WebSite"},
        {"@graph": [{"@type": "BreadcrumbList"}, {"@type": "Article", "headline": "deep"}]},
        {"@type": "NewsArticle", "headline": "later"},
    ]
    assert find_ld(data) == {"@type": "Article", "headline": "deep"}
    assert find_ld({"@type": "WebPage"}) is None
    assert find_ld("not an object") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [(" a ", "a"), ("", None), ("  ", None), ([None, " ", "b", "c"], "b"), (3, None), ({}, None)],
)
def test_ld_string(value, expected):
    assert ld_string(value) == expected


# -- the parsed sources ----------------------------------------------------------------------------

GOVUK_LIKE = page(
    '<meta name="og:title" content="Under name">'
    '<meta property="og:title" content="  Minister announces funding  ">'
    '<meta property="og:title" content="Second">'
    '<meta property="article:published_time" content="2024-02-01T10:30:00+00:00">'
    '<meta name="keywords" content="funding, ,schools,  ">'
    '<meta name="description">'
    + ld(
        {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebPage", "url": ARTICLE},
                {
                    "@type": "NewsArticle",
                    "headline": "Minister announces funding",
                    "datePublished": "2024-02-01T10:30:00+00:00",
                    "articleSection": ["Education", " ", "Funding"],
                },
            ],
        }
    ),
    '<main><h1 class="gem-c-title">Minister <span>announces</span> funding</h1>'
    '<p>Published <time datetime="2024-02-01">1 February 2024</time></p>'
    '<span itemprop="datePublished" datetime="2024-02-01T10:30" content="2024-02-01">'
    "1 Feb</span><h1>Second heading</h1></main>",
)


def test_meta_property_first_then_name_first_of_each_trimmed():
    metadata = PageMetadata(GOVUK_LIKE)
    assert metadata.meta("og:title") == "Minister announces funding"
    assert metadata.meta("article:published_time") == "2024-02-01T10:30:00+00:00"
    assert metadata.meta("description") is None  # no content
    assert metadata.meta("og:image") is None
    assert metadata.keywords() == ["funding", "schools"]
    assert PageMetadata(page('<meta name="og:title" content="Only name">')).meta("og:title") == (
        "Only name"
    )


def test_json_ld_article_values():
    metadata = PageMetadata(GOVUK_LIKE)
    assert metadata.ld_first("headline") == "Minister announces funding"
    assert metadata.ld_first("datePublished") == "2024-02-01T10:30:00+00:00"
    assert metadata.ld_all("articleSection") == ["Education", "Funding"]
    assert metadata.ld_first("url") is None, "the article has none; the WebPage's is the own URL"
    assert metadata.own_urls() == {"json_ld": ARTICLE}


def test_microdata_time_and_first_h1():
    metadata = PageMetadata(GOVUK_LIKE)
    assert list(metadata.microdata("datePublished")) == [
        ["2024-02-01T10:30", "2024-02-01", "1 Feb"]
    ]
    assert metadata.time_values == ["2024-02-01"]
    assert metadata.first_h1() == "Minister announces funding"
    assert metadata.first_h1(lambda element: element.get("class")) == "gem-c-title"


def test_nothing_is_read_until_asked_for():
    metadata = PageMetadata(GOVUK_LIKE)
    assert metadata.meta("og:title")
    assert set(vars(metadata)) == {"body", "encoding", "root", "metas"}, "JSON-LD not parsed yet"
    assert metadata.declared_url("canonical") is None
    assert "ld" not in vars(metadata), "the own URL reads the JSON-LD only for its last source"
    assert metadata.declared_url("json_ld") == ARTICLE


def test_empty_and_broken_pages_have_no_metadata():
    for body in (b"", b"<", b"<html><head><meta property=og:title></head>", b"\x00\xff"):
        metadata = PageMetadata(body)
        assert metadata.meta("og:title") is None
        assert metadata.ld_first("headline") is None
        assert metadata.first_h1() is None
        assert metadata.time_values == []
        assert metadata.html_lang is None


def test_page_encoding_is_used_for_bytes():
    body = page(
        '<link rel="canonical" href="https://www.example.org/caf\xe9">'
        + ld({"headline": "Caf\xe9", "@type": "Article"}).replace("\\u00e9", "\xe9")
    ).decode("utf-8")
    metadata = PageMetadata(body.encode("latin-1"), encoding="latin-1")
    assert metadata.own_urls()["canonical"] == "https://www.example.org/caf\xe9"
    assert metadata.ld_first("headline") == "Caf\xe9"


# -- the real pages --------------------------------------------------------------------------------

EUROPARL = {
    "press-release_20190712IPR56948.html": (
        "https://www.europarl.europa.eu/news/en/press-room/20190712IPR56948/"
        "venezuela-european-parliament-calls-for-additional-sanctions",
        "Venezuela: European Parliament calls for additional sanctions  | News | European"
        " Parliament",
        "productType:PRESS_RELEASE,plenaryDate:15-07-2019",
        ["2019-07-18T11:37:00", "18-07-2019 - 11:37"],
    ),
    "press-release_20201217IPR94207.html": (
        "https://www.europarl.europa.eu/news/en/press-room/20201217IPR94207/"
        "eu-uk-relations-parliament-adopts-temporary-contingency-measures",
        "EU-UK relations: parliament adopts temporary contingency measures | News | European"
        " Parliament",
        "productType:PRESS_RELEASE,com:TRAN,plenaryDate:14-12-2020",
        ["2020-12-18T17:10:00", "18-12-2020 - 17:10"],
    ),
}


@pytest.mark.parametrize("name", sorted(EUROPARL))
def test_real_europarl_pages(name):
    url, og_title, keywords, microdata = EUROPARL[name]
    body = shared_folder("sites", "europarl-pages").joinpath(name).read_bytes()
    metadata = PageMetadata(body)
    assert metadata.own_urls() == {"canonical": url, "og_url": url}
    assert page_own_url(body) == url
    assert metadata.meta("og:title") == og_title
    assert metadata.meta("og:type") == "article"
    assert metadata.meta("keywords") == keywords
    assert metadata.meta("routes") == "productSubType:PLENARY_SESSION"
    assert metadata.meta("language") == "en"
    assert metadata.ld == []
    assert metadata.article == {}
    assert [values[:1] for values in metadata.microdata("datePublished")] == [microdata[:1]]
    assert metadata.time_values == microdata[:1]
    assert metadata.first_h1() == og_title.split("  |")[0].split(" |")[0]


def test_real_europol_shell():
    folder = shared_folder("sites", "europol-real")
    body = next(folder.glob("*.html")).read_bytes()
    url = "https://www.europol.europa.eu/work-with-us/careers/open-vacancies/vacancy/1080"
    metadata = PageMetadata(body)
    assert metadata.own_urls() == {"canonical": url, "og_url": url, "json_ld": url}
    assert [data["@type"] for data in metadata.ld] == [
        "Organization",
        "WebSite",
        "WebPage",
        "JobPosting",
    ]
    assert metadata.article == {}, "a vacancy, not an article"
    assert metadata.meta("og:title") == "Head of Unit – Operational Centre | Europol"
