"""European Parliament: the two real pages, the extraction rules, and crawls of the mirror.

Template for a new newsroom's tests (see CONTRIBUTING.md): real pages against their expected
values through the real CLI, the site's own rules as unit tests, then whole crawls of the
mirror (``tests/mirrors/<site>.py``) through each discovery mode and each failure the site file
foresees.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.exceptions import UsageError
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from newsroom_scraper.errors import EXTRACTION, UNEXPECTED_SHAPE, ExtractionError
from newsroom_scraper.extraction.htmltext import squash
from newsroom_scraper.mirror import MirrorServer, Page
from newsroom_scraper.pipelines import validation_errors
from newsroom_scraper.spiders.europarl import (
    MAIN,
    SELECTORS,
    VISIBLE_TEXT,
    ArticleNodes,
    EuroparlPage,
    EuroparlSpider,
    _parse_source,
    citation_form,
    keyword_content_types,
    main_element,
    may_be_related,
    page_root,
    procedure_reference,
    related_references,
    release_moment,
    release_of,
    strip_site_suffix,
    visible_text,
)
from tests.conftest import shared_folder
from tests.helpers import SHARED, run_cli, run_crawl
from tests.mirrors import europarl as mirror

PUBLIC = "https://www.europarl.europa.eu"
REAL_PAGES = ("press-release_20190712IPR56948.html", "press-release_20201217IPR94207.html")


# -- the two real pages, through the real CLI ------------------------------------------------------


@pytest.fixture(scope="module")
def real_pages():
    """``{file name: (expected values, extracted item)}`` from one ``extract`` run."""
    folder = shared_folder("sites", "europarl-pages")
    expected = json.loads((folder.parent / "europarl-expected.json").read_text("utf-8"))
    assert sorted(expected) == sorted(REAL_PAGES)
    done = run_cli("extract", "--site", "europarl", *(str(folder / name) for name in REAL_PAGES))
    assert done.returncode == 0, done.stderr
    items = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(items) == len(REAL_PAGES), done.stderr
    return {name: (expected[name], item) for name, item in zip(REAL_PAGES, items, strict=True)}


def dotted(item, key):
    """A value of ``europarl-expected.json``'s dotted keys, read from an item."""
    field, _, part = key.partition(".")
    if field == "related":
        return [entry["id"] for entry in item["related"] if entry["kind"] == part]
    if field == "taxonomy":
        return [term["label"] for term in item["taxonomy"][part]]
    return item[key]


@pytest.mark.parametrize("name", REAL_PAGES)
def test_real_page_gives_every_expected_value(real_pages, name):
    expected, item = real_pages[name]
    mismatches = {
        key: (dotted(item, key), value)
        for key, value in expected.items()
        if dotted(item, key) != value
    }
    assert mismatches == {}, "field: (extracted, expected)"
    assert validation_errors(item) == []


def test_real_pages_keep_text_out_of_key_points_and_links_https(real_pages):
    _, venezuela = real_pages[REAL_PAGES[0]]
    _, brexit = real_pages[REAL_PAGES[1]]
    assert venezuela["lead"].startswith("For the third time this year")
    assert "Full support" not in venezuela["body"], "key facts are not body text"
    assert "Contacts" not in venezuela["body"]
    assert "Share this page" not in venezuela["body"]
    assert brexit["body"].startswith("Basic air connectivity: the temporary rules")
    assert "Aviation safety" in brexit["body"], "a list in the text is body, not key points"
    for item in (venezuela, brexit):
        urls = [link["url"] for link in item["links"]] + [a["url"] for a in item["attachments"]]
        assert not [u for u in urls if u.startswith("http://")], "site links must be https"
        assert not [u for u in urls if "doceo/document" in u or "oeil." in u], "those are related"


# -- the site's rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "citation"),
    [
        ("A-9-2022-0234_EN.html", "A9-0234/2022"),
        ("B-9-2022-0456_FR.html", "B9-0456/2022"),
        ("RC-9-2022-0123_EN.html", "RC-B9-0123/2022"),
        ("TA-8-2019-0327_EN.html", "P8_TA(2019)0327"),
        ("TA-9-2024-0012_EN.pdf", "P9_TA(2024)0012"),
        ("CRE-9-2022-10-19_EN.html", "CRE-9-2022-10-19"),  # no citation form known: as named
    ],
)
def test_document_file_names_become_citation_forms(file_name, citation):
    assert citation_form(file_name) == citation


@pytest.mark.parametrize(
    ("url", "reference"),
    [
        ("https://oeil.secure.europarl.europa.eu/oeil/popups/ficheprocedure.do"
         "?reference=2020/0362(COD)&l=en", "2020/0362(COD)"),
        ("https://oeil.secure.europarl.europa.eu/oeil/popups/ficheprocedure.do"
         "?lang=en&reference=2020/0363 ", "2020/0363"),
        ("https://oeil.secure.europarl.europa.eu/oeil/en/procedure-file"
         "?reference=2021%2F0223(COD)", "2021/0223(COD)"),
        ("https://www.europarl.europa.eu/oeil/home/home.do", None),
        ("https://example.org/ficheprocedure.do?reference=2020/0362(COD)", None),
    ],
)  # fmt: skip
def test_procedure_is_the_reference_parameter_trimmed_as_given(url, reference):
    assert procedure_reference(url) == reference


def test_related_items_keep_page_order_without_repeats_and_https():
    related = related_references(
        [
            "http://www.europarl.europa.eu/doceo/document/TA-8-2019-0327_EN.html",
            "https://multimedia.europarl.europa.eu/en/eu-venezuela_7402_pk",
            "https://oeil.secure.europarl.europa.eu/oeil/popups/ficheprocedure.do?reference=2019/2001",
            "https://www.europarl.europa.eu/doceo/document/TA-8-2019-0327_EN.html#title1",
            "https://www.europarl.europa.eu/RegData/etudes/ATAG/2019/637928/EPRS.pdf",
        ]
    )
    assert [(r["kind"], r["id"]) for r in related] == [
        ("document", "P8_TA(2019)0327"),
        ("procedure", "2019/2001"),
    ]
    assert related[0]["url"] == PUBLIC + "/doceo/document/TA-8-2019-0327_EN.html"


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        ("2019-07-18T11:37:00", "2019-07-18T09:37:00Z"),  # summer time: UTC+2
        ("2020-12-18T17:10:00", "2020-12-18T16:10:00Z"),  # winter time: UTC+1
        ("2023-03-26T01:30:00", "2023-03-26T00:30:00Z"),  # just before the spring change
        ("2023-03-26T03:30:00", "2023-03-26T01:30:00Z"),  # just after it
        ("2023-10-29T01:30:00", "2023-10-28T23:30:00Z"),  # before the autumn change
        ("2023-10-29T03:30:00", "2023-10-29T02:30:00Z"),  # after it
        ("18-07-2019 - 11:37", "2019-07-18T09:37:00Z"),  # as the page shows it
    ],
)
def test_brussels_time_becomes_utc_on_both_sides_of_each_change(local, utc):
    moment = release_moment(local)
    assert (moment.iso(), moment.precision) == (utc, "minute")


def test_real_seconds_keep_second_precision():
    assert release_moment("2019-07-18T11:37:42").precision == "second"


def test_release_urls_in_any_form_name_the_release():
    full = release_of(
        "http://www.europarl.europa.eu/news/fr/press-room/20221014IPR43206/a-slug?x=1"
    )
    assert full is not None
    assert (full.lang, full.release_id) == ("fr", "20221014IPR43206")
    short = release_of("/news/fr/press-room/20221014IPR43206")
    assert short is not None
    assert full.key == short.key
    assert release_of("https://example.org/news/en/press-room/20221014IPR43206") is None
    assert release_of("/news/en/headlines/society/20231201STO15000/a-story") is None


def test_site_suffix_and_keyword_fallbacks():
    title = "Venezuela: calls for sanctions  | News | European Parliament"
    assert strip_site_suffix(title) == "Venezuela: calls for sanctions"
    assert strip_site_suffix("Title | Europäisches Parlament") == "Title"
    assert keyword_content_types(
        "productType:PRESS_RELEASE,com:TRAN,plenaryDate:14-12-2020",
        "productSubType:PLENARY_SESSION",
    ) == ["Plenary session", "TRAN"]
    assert keyword_content_types("productType:PRESS_RELEASE", None) == ["Press release"]


@pytest.mark.parametrize("lang", ["xx", "EN-GB", "no"])
def test_lang_outside_the_eu_languages_is_a_usage_error(lang):
    with pytest.raises(UsageError, match="24 language codes"):
        EuroparlSpider(lang=lang)
    assert EuroparlSpider(lang=" FR ").lang == "fr"
    assert EuroparlSpider().lang == "en"


# -- reading the page: the site's selectors in XPath, and the one pass that replaces them ----------


#: Everything that the one pass must get right: nesting, ancestors outside the article, class
#: names split by XML white space only, hidden text, teasers, an <a name> that libxml2 takes
#: for an ID, and an earlier article[role=main].
TRICKY_ARTICLE = """<article id="website-body" role="main">
  <h1 class="x ep_title\tep-a_text">A <span class="ep_hidden">hidden</span><!-- c -->title
    <span class="ep_icon"> </span><script>no</script> end<b>!</b></h1>
  <h1 class="ep_title">Second</h1>
  <time itemprop="datePublished">no datetime</time>
  <time itemprop="datePublished" datetime="2023-01-01T10:00:00">x</time>
  <div class="ep-layout_contenttype"><a>none</a><a href="/news/en?contentType=plenary">P</a></div>
  <article class="ep-m_product"><div class="ep-layout_contenttype">teaser</div></article>
  <div class="ep-m_product"><div class="ep-layout_contenttype">no teaser</div></div>
  <div class="ep-a_facts"><ul><li>one<ul><li>sub</li></ul></li><li>two</li></ul>
    <div class="ep-a_facts"><ul><li>nested block</li></ul></div>
    <div class="ep-layout_chapo">chapo in the facts</div><div class="ep-a_text">no</div></div>
  <div class="ep-a_text ep-layout_chapo">Lead <div class="ep-a_text">inner</div></div>
  <div class="ep-a_text\nfoo">Body <div class="ep-wysiwig_paragraph">inside</div></div>
  <div class="foo&#160;ep-a_text">no-break space: not a class separator</div>
  <p class="ep-wysiwig_paragraph">Paragraph</p>
  <div class="ep-a_links"><div class="ep-a_links"><a href="/doceo/document/A-9-2022-0234_EN.html"
    >doc</a></div></div>
</article>"""
TRICKY_PAGES = {
    "plain": f"<html><body><div>{TRICKY_ARTICLE}</div></body></html>",
    "inside facts": f'<html><body><ul><li class="ep-a_text"><div class="ep-a_facts">'
    f"{TRICKY_ARTICLE}</div></li></ul></body></html>",
    "a name first": f'<html><body><a name="website-body"></a>{TRICKY_ARTICLE}</body></html>',
    "main article first": '<html><body><article role="main"><h1 class="ep_title">T</h1>'
    f"</article>{TRICKY_ARTICLE}</body></html>",
    "inside main article": f'<html><body><article role="main">{TRICKY_ARTICLE}</article>'
    "</body></html>",
}


def reading_pages():
    """(name, body) of the real pages, the mirror's article pages and the tricky pages."""
    folder = SHARED / "sites" / "europarl-pages"  # collection time: no skip here
    pages = [(name, (folder / name).read_bytes()) for name in REAL_PAGES if folder.exists()]
    pages += [(r.release_id, mirror.article_page(r)) for r in mirror.default_articles()]
    pages += [(name, page.encode()) for name, page in TRICKY_PAGES.items()]
    return pages


@pytest.mark.parametrize(("name", "body"), reading_pages())
def test_one_pass_finds_what_the_xpath_selectors_select(name, body):
    root, kind = page_root(HtmlResponse(url=PUBLIC + "/news/en/press-room/x", body=body))
    expected_main = root.xpath(MAIN)
    main = main_element(root, html=kind == "html")
    assert main is not None
    assert [main] == expected_main[:1]
    nodes = ArticleNodes.of(main)
    found = {
        "title": [nodes.title] if nodes.title is not None else [],
        "published": [nodes.published] if nodes.published is not None else [],
        "content_types": nodes.content_types,
        "key_facts": nodes.key_facts,
        "lead": nodes.lead,
        "body": nodes.body,
        "reference_links": nodes.reference_links,
        "anchors": nodes.anchors,
    }
    assert found == {field: main.xpath(selector.xpath) for field, selector in SELECTORS.items()}
    for element in main.iter():
        if isinstance(element.tag, str):
            expected_text = squash("".join(element.xpath(VISIBLE_TEXT.xpath)))
            assert visible_text(element) == expected_text, element.tag


def test_tricky_page_parts():
    root, _ = page_root(HtmlResponse(url=PUBLIC, body=TRICKY_PAGES["plain"].encode()))
    nodes = ArticleNodes.of(main_element(root, html=True))
    assert visible_text(nodes.title) == "A title end!"
    assert nodes.published == "2023-01-01T10:00:00"
    assert [visible_text(e) for e in nodes.content_types] == ["noneP", "no teaser"]
    assert [visible_text(e) for e in nodes.key_facts] == ["onesub", "two", "nested block"]
    assert [visible_text(e) for e in nodes.lead] == ["Lead inner"]
    assert [visible_text(e) for e in nodes.body] == ["A title end!", "Body inside", "Paragraph"]
    assert [visible_text(e) for e in nodes.reference_links] == ["doc", "doc"]  # one in the other


@pytest.mark.parametrize(
    "href",
    [
        "/doceo/document/TA-8-2019-0327_EN.html",
        "../../doceo/document/A-9-2022-0234_EN.html",
        "http://WWW.europarl.europa.eu/doceo/./document/B-9-2022-0456_FR.html",
        "HTTPS://OEIL.secure.europarl.europa.eu/oeil/popups/ficheprocedure.do?reference=2020/1",
        "https://oe\til.secure.europarl.europa.eu/x?reference=2020/2",  # urlsplit drops the tab
        "/oeil/popups/ficheprocedure.do?reference=2020/3",
        "https://[::1",  # does not parse: resolved, so that it fails the page as it always did
        "https://www.europarl.europa.eu\u3000/x",  # non-ASCII host: may not parse either
    ],
)
def test_links_that_may_be_related_or_may_not_parse_are_resolved(href):
    assert may_be_related(href)


@pytest.mark.parametrize(
    "href", ["/news/en/press-room/20190712IPR56949", "https://x.example/a?b=c#d", "#top", ""]
)
def test_other_links_are_not_resolved_for_related_items(href):
    assert not may_be_related(href)
    assert not may_be_related(PUBLIC + "/news/en/press-room/20190712IPR56948/x")


# -- extraction of mirror pages, in process --------------------------------------------------------


def release(release_id):
    return next(r for r in mirror.default_articles() if r.release_id == release_id)


def extract(body: bytes, url: str, **hints):
    """The item of a page, as ``newsroom-scraper extract`` and the crawl make it: no spider."""
    context = EuroparlSpider.offline_context().with_hints(**hints)
    return EuroparlPage(HtmlResponse(url=url, body=body), context).to_item()


def test_release_without_key_facts_has_no_key_points_and_keeps_its_list_as_body():
    brexit_like = release("20231117IPR12345")
    item = extract(mirror.article_page(brexit_like), brexit_like.url)
    assert item["key_points"] == []
    assert item["body"].startswith("Air: adopted.\n\nRoad: adopted.")
    assert [t["label"] for t in item["taxonomy"]["content_types"]] == ["Plenary session", "TRAN"]
    assert item["taxonomy"]["content_types"][1]["url"] == (
        PUBLIC + "/news/en?contentType=committee&keywordValue=TRAN"
    )


def test_changed_heading_is_recovered_from_the_page_metadata():
    changed = release("20231204IPR15600")
    assert changed.heading_changed
    item = extract(mirror.article_page(changed), changed.url)
    assert item["title"] == "Committee backs new asylum rules"


def test_content_type_label_without_a_link_has_no_url():
    president = release("20230701IPR02001")
    item = extract(mirror.article_page(president), president.url)
    assert item["taxonomy"] == {"content_types": [{"label": "President", "url": None}]}
    assert item["lead"] == "The President spoke after midnight."


def counting_spider():
    """A spider with real crawler stats, so that fallbacks are counted as in a crawl."""
    return EuroparlSpider.from_crawler(get_crawler(EuroparlSpider))


def without(page: bytes, *fragments: bytes) -> bytes:
    for fragment in fragments:
        assert fragment in page, fragment
        page = page.replace(fragment, b"")
    return page


def test_metadata_fallbacks_fill_what_the_markup_lost_and_are_counted():
    changed = release("20231117IPR12345")
    page = mirror.article_page(changed)
    page = page.replace(b'itemprop="datePublished"', b'class="moved"')
    page = page.replace(b"ep-layout_contenttype", b"ep-layout_kind")
    ld = b'{"@type": "NewsArticle", "datePublished": "2023-11-17T16:10:00+01:00"}'
    page = page.replace(
        b"</head>", b'<script type="application/ld+json">' + ld + b"</script></head>"
    )
    spider = counting_spider()
    item = spider.page(HtmlResponse(url=changed.url, body=page)).to_item()
    assert (item["published"], item["published_precision"]) == ("2023-11-17T15:10:00Z", "minute")
    assert item["content_type"] == "Plenary session"
    labels = [(t["label"], t["url"]) for t in item["taxonomy"]["content_types"]]
    assert labels == [("Plenary session", None), ("TRAN", None)]
    stats = spider.crawler.stats.get_stats()
    assert stats["fallback/published/json_ld"] == 1
    assert stats["fallback/content_type/meta_keywords"] == 1
    assert "fallback/title" not in stats


def test_microdata_and_time_fallbacks_in_order():
    plain = release("20231027IPR08800")
    page = mirror.article_page(plain)
    moved = page.replace(b'datetime="2023-10-29T02:30:00"', b'datetime="soon"')
    spider = counting_spider()
    item = spider.page(HtmlResponse(url=plain.url, body=moved)).to_item()
    assert item["published"] == "2023-10-29T00:30:00Z", "from the shown time, 29-10-2023 - 02:30"
    assert spider.crawler.stats.get_value("fallback/published/microdata") == 1
    restyled = without(page, b'property="og:title"').replace(b'h1 class="ep_title"', b"h1")
    item = spider.page(HtmlResponse(url=plain.url, body=restyled)).to_item()
    assert item["title"] == plain.title
    assert spider.crawler.stats.get_value("fallback/title/h1") == 1
    assert spider.crawler.stats.get_value("fallback/title/og_title") is None


@pytest.mark.parametrize(
    ("body", "kind", "reason"),
    [
        (b"<html><body><h1>Maintenance</h1></body></html>", UNEXPECTED_SHAPE, "not an article"),
        (b'<html><body><article id="website-body" role="main"><h1 class="ep_title">T</h1>'
         b"</article></body></html>", EXTRACTION, "no publication date"),
        (b'<html><body><article role="main"><time itemprop="datePublished" '
         b'datetime="2023-01-01T10:00:00"></time></article></body></html>',
         UNEXPECTED_SHAPE, "no title"),
    ],
)  # fmt: skip
def test_malformed_pages_raise_extraction_error_only(body, kind, reason):
    with pytest.raises(ExtractionError, match=reason) as raised:
        extract(body, PUBLIC + "/news/en/press-room/20230101IPR00001/x")
    assert raised.value.kind == kind


def test_non_html_answer_is_an_extraction_error():
    response = Response(url=PUBLIC + "/news/en/press-room/20230101IPR00001", body=b"%PDF-1.4")
    with pytest.raises(ExtractionError, match="not an HTML page"):
        EuroparlPage(response, EuroparlSpider.offline_context()).to_item()


# -- a crawl of the default mirror -----------------------------------------------------------------


@pytest.fixture(scope="module")
def europarl_server():
    server = MirrorServer(mirror.build_site(mirror.default_articles())).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def default_crawl(europarl_server, tmp_path_factory):
    return run_crawl("europarl", europarl_server.origin, tmp_path_factory.mktemp("europarl"))


@pytest.fixture
def serve():
    servers = []

    def start(articles=None, **options):
        server = MirrorServer(mirror.build_site(articles, **options)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def assert_complete(result, articles):
    """Every release exactly once, valid, with public https URLs only."""
    ids = [item["id"] for item in result.items]
    assert ids, result.stderr
    assert Counter(ids).most_common(1)[0][1] == 1, "a release was written twice"
    assert set(ids) == {mirror.expected_id(a) for a in articles}
    for item in result.items:
        assert validation_errors(item) == [], item["url"]
        assert item["url"].startswith(PUBLIC + "/news/"), item["url"]
        text = json.dumps(item)
        assert "127.0.0.1" not in text, item["url"]


def test_crawl_yields_every_release_once_valid_with_public_urls(default_crawl):
    assert default_crawl.exit_code == 0, default_crawl.stderr
    assert_complete(default_crawl, mirror.default_articles())
    stats = default_crawl.stats
    assert stats["discovery/path"] == "listing+rss"
    assert stats["discovery/listing/pages"] == 4  # three pages of five, then an empty one
    assert stats["discovery/rss/pages"] == 1
    # Each release is claimed by whichever source gives it first: together, all of them.
    found = stats.get("discovery/listing/articles", 0) + stats.get("discovery/rss/articles", 0)
    assert found == len(mirror.default_articles())
    assert "errors/total" not in stats


def test_crawl_items_carry_the_page_values(default_crawl):
    by_id = {item["id"]: item for item in default_crawl.items}
    for article in mirror.default_articles():
        item = by_id[mirror.expected_id(article)]
        assert item["title"] == article.title
        assert item["url"] == article.url
        assert item["published"] == article.published_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert item["content_type"] == article.content_types[0][0]
        assert item["key_points"] == [k.replace("<em>", "").replace("</em>", "")
                                      for k in article.key_facts]  # fmt: skip
        assert [(r["kind"], r["id"]) for r in item["related"]] == article.related, item["id"]


def test_local_date_is_the_date_in_brussels(default_crawl):
    by_id = {item["id"]: item for item in default_crawl.items}
    winter = by_id["europarl:en:20240110IPR16801"]
    assert (winter["published"], winter["published_date"]) == ("2024-01-10T23:30:00Z", "2024-01-11")
    summer = by_id["europarl:en:20230701IPR02001"]
    assert (summer["published"], summer["published_date"]) == ("2023-06-30T22:30:00Z", "2023-07-01")


def test_fallback_title_is_counted_in_the_stats(default_crawl):
    assert default_crawl.stats["fallback/title"] == 1
    assert default_crawl.stats["fallback/title/og_title"] == 1
    assert "fallback/published" not in default_crawl.stats


def test_output_is_newest_first(default_crawl):
    published = [item["published"] for item in default_crawl.items]
    assert published == sorted(published, reverse=True)


# -- discovery modes and listing ends --------------------------------------------------------------


def test_listing_mode_alone_finds_every_release(serve, tmp_path):
    server = serve()
    result = run_crawl("europarl", server.origin, tmp_path, "--discovery", "listing")
    assert result.exit_code == 0, result.stderr
    assert_complete(result, mirror.default_articles())
    assert result.stats["discovery/path"] == "listing"
    assert not any(path.startswith("/rss/") for path in server.requests)


def test_rss_mode_gives_the_feed_releases_once_each(serve, tmp_path):
    server = serve()
    result = run_crawl("europarl", server.origin, tmp_path, "--discovery", "rss")
    assert result.exit_code == 0, result.stderr
    in_feed = [a for a in mirror.default_articles() if a.plenary][:10]
    assert_complete(result, in_feed)
    assert result.stats["discovery/path"] == "rss"
    assert result.stats["discovery/rss/articles"] == len(in_feed)
    assert not any("/page/" in path for path in server.requests)


@pytest.mark.parametrize("past_end", ["repeat", "404"])
def test_listing_ends_at_a_repeated_or_missing_page(serve, tmp_path, past_end):
    result = run_crawl(
        "europarl", serve(past_end=past_end).origin, tmp_path, "--discovery", "listing"
    )
    assert result.exit_code == 0, result.stderr
    assert_complete(result, mirror.default_articles())
    assert result.stats["discovery/listing/pages"] == (4 if past_end == "repeat" else 3)


def test_listing_failure_is_reported_and_the_feed_still_gives_the_newest(serve, tmp_path):
    server = serve(listing_fails_from=0)
    result = run_crawl("europarl", server.origin, tmp_path, settings={"RETRY_TIMES": 0})
    assert result.exit_code == 1
    assert f"discovery: {PUBLIC}/news/en/page/0 (listing page 0 failed: HTTP 500)" in result.stderr
    in_feed = [a for a in mirror.default_articles() if a.plenary][:10]
    assert_complete(result, in_feed)


def test_large_listing_of_many_pages(serve, tmp_path):
    articles = mirror.generate_articles(120)
    result = run_crawl("europarl", serve(articles, per_page=25).origin, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert_complete(result, articles)
    assert result.stats["discovery/listing/pages"] == 6


def test_limit_gives_the_newest_releases_from_the_listing(serve, tmp_path):
    server = serve()
    result = run_crawl("europarl", server.origin, tmp_path, "--limit", "3")
    assert result.exit_code == 0, result.stderr
    assert [i["id"] for i in result.items] == [
        mirror.expected_id(a) for a in mirror.default_articles()[:3]
    ]
    assert "discovery/rss/pages" not in result.stats


@pytest.mark.parametrize("dated_listing", [True, False])
def test_since_and_until_select_by_publication_date(serve, tmp_path, dated_listing):
    server = serve(dated_listing=dated_listing, per_page=3)
    result = run_crawl("europarl", server.origin, tmp_path,
                       "--since", "2023-07-01", "--until", "2023-12-31")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    window = [a for a in mirror.default_articles()
              if date(2023, 7, 1) <= a.published_utc.date() <= date(2023, 12, 31)]  # fmt: skip
    assert_complete(result, window)
    pages = sum(count for path, count in server.requests.items() if "/page/" in path)
    assert pages < 6, "the listing must stop once a page is older than since"


def test_other_language(serve, tmp_path):
    articles = mirror.default_articles()[:4]
    for article in articles:
        article.lang = "fr"
    result = run_crawl("europarl", serve(articles).origin, tmp_path, "-a", "lang=fr")
    assert result.exit_code == 0, result.stderr
    assert_complete(result, articles)
    assert {i["language"] for i in result.items} == {"fr"}
    assert all(i["id"].startswith("europarl:fr:") for i in result.items)


def test_bad_lang_is_a_usage_error(tmp_path):
    done = run_cli("crawl", "europarl", "--data-dir", str(tmp_path), "-a", "lang=xx")
    assert done.returncode == 2
    assert done.stderr.startswith("newsroom-scraper: error: lang='xx'"), done.stderr


# -- failures --------------------------------------------------------------------------------------


def test_malformed_pages_are_reported_with_url_and_reason_exit_1(tmp_path):
    articles = mirror.default_articles()
    site = mirror.build_site(articles)
    maintenance, undated = articles[2], articles[4]
    site.add(maintenance.path, Page(body=b"<html><body><h1>Maintenance</h1></body></html>"))
    page = mirror.article_page(undated).replace(b'itemprop="datePublished"', b'class="x"')
    site.add(undated.path, Page(body=page.replace(b"<time", b"<span").replace(b"</time>", b"")))
    server = MirrorServer(site).start()
    try:
        result = run_crawl("europarl", server.origin, tmp_path)
    finally:
        server.stop()
    assert result.exit_code == 1
    assert f"unexpected_shape: {maintenance.url} (no #website-body" in result.stderr
    assert f"extraction: {undated.url} (no publication date)" in result.stderr
    assert result.stats["errors/total"] == 2
    assert len(result.items) == len(articles) - 2
    assert "Traceback" not in result.stderr


def test_extract_prints_items_and_reports_bad_files(tmp_path):
    good = release("20231005IPR06001")
    page = tmp_path / "page.html"
    page.write_bytes(mirror.article_page(good))
    broken = tmp_path / "broken.html"
    broken.write_text("<html><body>Service unavailable</body></html>")
    done = run_cli("extract", "--site", "europarl", str(page), str(broken))
    assert done.returncode == 1
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == [
        mirror.expected_id(good)
    ]
    assert f"{broken}: unexpected_shape: no #website-body" in done.stderr


#: Pieces of bodies for the parse source: BOMs, ASCII and other white space (U+0085, U+00A0,
#: U+2028 in UTF-8), NUL, bytes that are not UTF-8 (a lone 0xFF, an encoded surrogate, a cut
#: sequence), charset declarations, and text in and out of ASCII.
_SOURCE_PIECES = [
    b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c", b"\x1c",
    b"\x1f", b"\xc2\x85", b"\xc2\xa0", b"\xe2\x80\xa8", b"\x00", b"\xff", b"\xed\xa0\x80", b"\xe2\x80",
    b'<meta charset="utf-8">', b'<meta charset="iso-8859-1">', b"<html>", b"<p>a</p>", b"</html>",
    b"\xe2\x80\x99", b"\xc3\xa9", b"x",
]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_SOURCE_PIECES), max_size=10), st.sampled_from([None, "utf-8"]))
def test_the_parse_source_is_the_stripped_text_in_utf8(pieces: list[bytes], header: str | None):
    """The body's own bytes, where they are used, are the bytes of ``response.text`` stripped,
    NULs removed, in UTF-8: what ``page_root`` parsed before."""
    headers = {"Content-Type": f"text/html; charset={header}"} if header else {}
    body = b"".join(pieces)
    response = HtmlResponse(url="https://www.europarl.europa.eu/x", body=body, headers=headers)
    expected = response.text.strip().replace("\x00", "").encode("utf-8")
    fresh = HtmlResponse(url="https://www.europarl.europa.eu/x", body=body, headers=headers)
    assert _parse_source(fresh) == expected


def test_the_parse_source_of_the_real_pages_is_their_own_bytes():
    pages = sorted(shared_folder("sites", "europarl-pages").glob("*.html"))
    for page in pages:
        body = page.read_bytes()
        response = HtmlResponse(url="https://www.europarl.europa.eu/x", body=body)
        source = _parse_source(response)
        assert source == response.text.strip().replace("\x00", "").encode("utf-8")
        assert source == body.strip(), "the fast path is the one taken"
