"""Europol: extraction rules, the reference article, and crawls through each discovery path."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from newsroom_scraper.errors import ExtractionError
from newsroom_scraper.mirror import MirrorServer, Page
from newsroom_scraper.pipelines import validation_errors
from newsroom_scraper.spiders.europol import (
    canonical_alias,
    find_server_data,
    listing_api_path,
    node_api_path,
    vocabulary_name,
)
from tests.conftest import shared_folder
from tests.helpers import run_cli, run_crawl
from tests.mirrors import europol as mirror
from tests.reference import read_reference, squash

PUBLIC = "https://www.europol.europa.eu"


# -- extraction rules (site file, "Rendering" and "URLs") ---------------------------------------


def test_server_data_is_decoded_past_brace_semicolon_inside_strings():
    page = '<script>window.SERVER_DATA={"a": "x};y", "b": {"c": "</p>};"}};</script>'
    assert find_server_data(page) == {"a": "x};y", "b": {"c": "</p>};"}}


@pytest.mark.parametrize(
    "page",
    [
        '<script>window.SERVER_DATA={"a": 1, "n": {"b": [2]}};window.other = 3;</script>',
        '<script>window.SERVER_DATA = {"a": 1, "n": {"b": [2]}}\n</script>',
        '<script>window.SERVER_DATA={"a": 1, "n": {"b": [2]}, "x": NaN};</script>',
    ],
)
def test_server_data_read_the_same_way_whatever_follows_the_value(page):
    data = find_server_data(page)
    assert (data["a"], data["n"]) == (1, {"b": [2]})


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ("<html>Loading application. Please wait</html>", "0 window.SERVER_DATA"),
        ("<script>window.SERVER_DATA={};window.SERVER_DATA={};</script>", "2 window.SERVER_DATA"),
        ("<script>window.SERVER_DATA={'a': 1};</script>", "not valid JSON"),
        ("<script>window.SERVER_DATA=[1];</script>", "not a JSON object"),
    ],
)
def test_server_data_refuses_pages_without_exactly_one_assignment(page, reason):
    with pytest.raises(ExtractionError, match=reason):
        find_server_data(page)


@pytest.mark.parametrize(
    ("key", "vocabulary"),
    [
        ("crimeAreas", "crime_areas"),
        ("crime_areas", "crime_areas"),
        ("targetGroups", "target_groups"),
        ("target_groups", "target_groups"),
        ("entities", "entities"),
        ("relatedEntities", "entities"),
        ("supportAndServices", "support_and_services"),
        ("supportServices", "support_and_services"),
        ("services", "support_and_services"),
        ("relatedCountries", "related_countries"),
        ("partnerAgencies", "partner_agencies"),
    ],
)
def test_node_keys_map_to_vocabularies_by_their_words(key, vocabulary):
    assert vocabulary_name(key) == vocabulary


def test_node_api_encodes_the_alias_completely_percent_included():
    alias = "/media-press/newsroom/news/europe%E2%80%99s-action"
    assert node_api_path(alias) == (
        "/cms/api/node?url=%2Fmedia-press%2Fnewsroom%2Fnews%2Feurope%25E2%2580%2599s-action"
    )
    assert listing_api_path(3) == "/cms/api/node?url=%2Fmedia-press%2Fnewsroom&search=page%3D3"


def test_legacy_aliases_become_canonical_without_touching_the_slug():
    assert (
        canonical_alias("/newsroom/news/a%E2%82%AC-0") == "/media-press/newsroom/news/a%E2%82%AC-0"
    )
    assert canonical_alias(PUBLIC + "/newsroom/news/x/y") == "/media-press/newsroom/news/x/y"
    assert canonical_alias("/media-press/newsroom/news/x") == "/media-press/newsroom/news/x"


# -- a crawl of the default mirror ----------------------------------------------------------------


@pytest.fixture(scope="module")
def default_crawl(europol_server, tmp_path_factory):
    return run_crawl("europol", europol_server.origin, tmp_path_factory.mktemp("europol"))


@pytest.fixture(scope="module")
def items_by_id(default_crawl):
    return {item["id"]: item for item in default_crawl.items}


def expected_ids(articles=None):
    return {mirror.expected_id(a) for a in (articles or mirror.default_articles())}


def assert_complete(result, articles=None):
    ids = [item["id"] for item in result.items]
    assert Counter(ids).most_common(1)[0][1] == 1, "an article was written twice"
    assert set(ids) == expected_ids(articles)
    for item in result.items:
        assert validation_errors(item) == [], item["url"]
        assert item["url"].startswith(PUBLIC + "/media-press/newsroom/news/")


def test_crawl_yields_every_article_once_valid_with_public_urls(default_crawl):
    assert default_crawl.exit_code == 0, default_crawl.stderr
    assert_complete(default_crawl)
    stats = default_crawl.stats
    assert stats["discovery/path"] == "listing"
    assert stats["discovery/listing_embedded/pages"] == 1
    assert stats["discovery/listing_api/pages"] >= 1
    assert stats["discovery/rss/pages"] == 1
    assert "errors/total" not in stats


def test_output_is_newest_first_with_stable_key_order(default_crawl):
    published = [item["published"] for item in default_crawl.items]
    assert published == sorted(published, reverse=True)
    lines = default_crawl.output.read_text("utf-8").splitlines()
    first_keys = list(json.loads(lines[0]))
    assert first_keys[:4] == ["id", "site", "schema_version", "url"]
    assert all(list(json.loads(line)) == first_keys for line in lines)
    assert "\\u20ac" not in default_crawl.output.read_text("utf-8"), "ensure_ascii must be off"


def test_reference_article_carries_all_of_its_content(items_by_id):
    reference = read_reference(
        shared_folder("reference") / "europol-no-safe-shores-for-migrant-smugglers.txt"
    )
    item = items_by_id[mirror.expected_id(mirror.reference_article())]
    assert item["title"].upper() == reference.title
    assert item["published_date"] == date(2019, 11, 27).isoformat()
    assert reference.date == "27 Nov 2019"
    assert item["content_type"] == reference.content_type
    assert item["lead"] == reference.lead
    body = squash(item["body"])
    position = 0
    for paragraph in reference.paragraphs:
        found = body.find(paragraph, position)
        assert found >= 0, f"body paragraph missing or out of order: {paragraph[:60]}"
        position = found + len(paragraph)
    link_texts = [squash(link["text"]) for link in item["links"]]
    for text in reference.link_texts:
        assert any(text in link for link in link_texts), f"link {text!r} missing"
    assert [a["title"] for a in item["attachments"]] == reference.attachments
    kinds = {a["title"]: a["kind"] for a in item["attachments"]}
    assert kinds == {reference.attachments[0]: "document", reference.attachments[1]: "video"}
    for vocabulary, labels in reference.taxonomy.items():
        assert [term["label"] for term in item["taxonomy"][vocabulary]] == labels
    assert canonical_alias(reference.source_url) == item["url"].removeprefix(PUBLIC)


def test_odd_slugs_keep_their_encoding(items_by_id):
    urls = {item["url"] for item in items_by_id.values()}
    assert PUBLIC + "/media-press/newsroom/news/europe%E2%80%99s-biggest-cocaine-seizure" in urls
    assert (
        PUBLIC + "/media-press/newsroom/news/five-affiliates-to-sodinokibi/revil-unplugged" in urls
    )
    assert PUBLIC + "/media-press/newsroom/news/%E2%82%AC10-million-fraud-ring-dismantled-0" in urls


def test_missing_introduction_falls_back_to_the_summary(items_by_id, default_crawl):
    assert items_by_id["europol:9003"]["lead"] == "No introduction: the summary is the lead."
    assert default_crawl.stats["fallback/lead"] >= 1


def test_scripts_and_styles_are_not_content_even_with_brace_semicolon(items_by_id):
    item = items_by_id["europol:9003"]
    assert "color:red" not in item["body"]
    assert "<script" not in item["body_html"]
    assert "<style" not in item["body_html"]
    assert item["body"].split("\n\n") == [
        "A fraud ring.", "Text with }; inside and a", "second paragraph};"
    ]  # fmt: skip


def test_unknown_taxonomy_keys_are_kept_under_their_own_name(items_by_id):
    taxonomy = items_by_id["europol:9004"]["taxonomy"]
    assert [t["label"] for t in taxonomy["related_countries"]] == ["Spain", "Italy"]
    assert [t["label"] for t in taxonomy["partner_agencies"]] == ["Frontex"]
    assert taxonomy["support_and_services"] == [
        {"label": "Forensics", "url": PUBLIC + "/how-we-work/services-support/forensics"}
    ]
    assert taxonomy["target_groups"] == [{"label": "Law Enforcement", "url": None}]


def test_term_without_url_is_found_in_the_site_menu(items_by_id):
    taxonomy = items_by_id["europol:9002"]["taxonomy"]
    assert taxonomy["crime_areas"] == [
        {"label": "Cybercrime", "url": PUBLIC + "/crime-areas/cybercrime"}
    ]


def test_documents_videos_and_images_in_and_beside_the_body(items_by_id):
    item = items_by_id["europol:9004"]
    assert [(a["kind"], a["url"]) for a in item["attachments"]] == [
        ("document", PUBLIC + "/cms/sites/default/files/documents/pangea_report.pdf"),
        ("video", "https://www.youtube.com/embed/abc123"),
        ("image", PUBLIC + "/cms/sites/default/files/images/pangea.jpg"),
        ("document", PUBLIC + "/cms/sites/default/files/documents/factsheet.pdf"),
    ]
    assert "one\ntwo" in item["body"], "list items one per line"


def test_page_without_embedded_data_is_read_from_the_node_api(items_by_id, default_crawl):
    assert items_by_id["europol:9005"]["lead"] == "Read from the node API."
    assert default_crawl.stats["europol/node_api_fallback"] == 1


def test_local_date_is_the_date_in_the_hague(items_by_id):
    winter = items_by_id["europol:9006"]
    assert (winter["published"], winter["published_date"]) == ("2023-12-31T23:00:00Z", "2024-01-01")
    summer = items_by_id["europol:9007"]
    assert (summer["published"], summer["published_date"]) == ("2023-06-30T22:10:00Z", "2023-07-01")


# -- discovery paths --------------------------------------------------------------------------------


@pytest.fixture
def serve():
    servers = []

    def start(**options):
        server = MirrorServer(mirror.build_site(**options)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def test_forced_listing_path(serve, tmp_path):
    result = run_crawl("europol", serve().origin, tmp_path, "--discovery", "listing")
    assert result.exit_code == 0, result.stderr
    assert_complete(result)
    assert "discovery/rss/pages" not in result.stats
    assert result.stats["discovery/listing_api/articles"] > 0


def test_forced_chain_path_walks_previous_from_the_newest(serve, tmp_path):
    server = serve()
    result = run_crawl("europol", server.origin, tmp_path, "--discovery", "chain")
    assert result.exit_code == 0, result.stderr
    assert_complete(result)
    assert result.stats["discovery/path"] == "chain"
    assert result.stats["discovery/chain/articles"] == len(mirror.default_articles())
    assert not any("search=page" in path for path in server.requests)


def test_listing_failing_part_way_continues_along_the_chain(serve, tmp_path):
    result = run_crawl("europol", serve(api_fails_from_page=1).origin, tmp_path,
                       settings={"RETRY_TIMES": 0})  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert_complete(result)
    assert result.stats["discovery/path"] == "listing+chain"
    assert result.stats["discovery/chain/articles"] > 0


def test_no_listing_at_all_starts_the_chain_from_rss(serve, tmp_path):
    result = run_crawl("europol", serve(embedded=0, api_listing=False).origin, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert_complete(result)
    assert result.stats["discovery/path"] == "listing+chain"


def test_large_listing_of_many_pages(serve, tmp_path):
    articles = mirror.link_chain(mirror.generate_articles(120))
    result = run_crawl("europol", serve(articles=articles, per_page=25).origin, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert_complete(result, articles)
    assert result.stats["discovery/listing_api/pages"] == 5


def test_since_until_and_limit(serve, tmp_path):
    articles = mirror.default_articles()
    origin = serve().origin
    window = run_crawl(
        "europol", origin, tmp_path / "w", "--since", "2023-06-01", "--until", "2023-12-31"
    )
    assert window.exit_code == 0, window.stderr
    in_window = {
        mirror.expected_id(a)
        for a in articles
        if "2023-06-01"
        <= datetime.fromtimestamp(a.published, UTC).date().isoformat()
        <= "2023-12-31"
    }
    assert len(in_window) >= 3
    assert {i["id"] for i in window.items} == in_window
    newest = run_crawl("europol", origin, tmp_path / "l", "--limit", "3")
    assert [i["id"] for i in newest.items] == [mirror.expected_id(a) for a in articles[:3]]


# -- failures ---------------------------------------------------------------------------------------


def test_page_with_wrong_shape_is_reported_and_exits_1(europol_site, tmp_path):
    site = mirror.build_site()
    broken = mirror.default_articles()[1]
    bad_node = json.dumps({"NodeLoader": {"node": {"id": 1, "body": "<p>no title</p>"}}})
    site.add(broken.alias, Page(body=f"<script>window.SERVER_DATA={bad_node};</script>".encode()))
    server = MirrorServer(site).start()
    try:
        result = run_crawl("europol", server.origin, tmp_path)
    finally:
        server.stop()
    assert result.exit_code == 1
    assert result.stats["errors/unexpected_shape"] == 1
    assert f"unexpected_shape: {PUBLIC}{broken.alias}" in result.stderr
    assert "article node without title, published" in result.stderr
    assert len(result.items) == len(mirror.default_articles()) - 1


def test_unreachable_site_fails_fast_with_one_clear_line(tmp_path):
    closed = MirrorServer(mirror.build_site())
    origin = closed.origin
    closed.stop()  # nothing listens there any more
    result = run_crawl("europol", origin, tmp_path)
    assert result.exit_code == 4
    assert not result.output.exists(), "no empty file that looks like success"
    assert "ConnectionRefused" in result.stderr
    assert "cannot reach 127.0.0.1" in result.stderr
    assert "try --demo" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_arguments_are_usage_errors(tmp_path):
    for args in (["--since", "yesterday"], ["--limit", "0"], ["--base-url", "http://x/y"],
                 ["--discovery", "sitemap"]):  # fmt: skip
        done = run_cli("crawl", "europol", "--data-dir", str(tmp_path), *args)
        assert done.returncode == 2, args
        assert done.stderr.startswith("newsroom-scraper: error:"), done.stderr
    assert run_cli("crawl", "../etc", "--data-dir", str(tmp_path)).returncode == 2


def test_extract_prints_items_and_reports_bad_files(tmp_path, europol_site):
    page = tmp_path / "page.html"
    page.write_bytes(europol_site.get(mirror.reference_article().alias).body)
    broken = tmp_path / "broken.html"
    broken.write_text("<html>Loading application. Please wait</html>")
    done = run_cli("extract", "--site", "europol", str(page), str(broken))
    assert done.returncode == 1
    items = [json.loads(line) for line in done.stdout.splitlines()]
    assert [i["id"] for i in items] == ["europol:3817"]
    assert f"{broken}: unexpected_shape: 0 window.SERVER_DATA" in done.stderr


def test_extract_reads_the_real_capture_and_samples():
    real = sorted(shared_folder("sites", "europol-real").glob("*.html"))
    samples = shared_folder("sites", "europol-samples")
    done = run_cli("extract", "--site", "europol", *map(str, real),
                   str(samples / "article-page.html"), str(samples / "article-node.json"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    items = [json.loads(line) for line in done.stdout.splitlines()]
    assert [i["id"] for i in items] == ["europol:1080", "europol:20036", "europol:20036"]
    vacancy = items[0]
    assert vacancy["title"] == "Head of Unit – Operational Centre"
    assert "Europol" not in vacancy["title"]
    assert "Footer" not in vacancy["body"]
    page_item, api_item = items[1], items[2]
    for field in ("url", "title", "published", "lead", "body", "body_html", "links"):
        assert page_item[field] == api_item[field], field
    # Only the page carries the site menu, where a term without a URL is looked up.
    countries = {t["label"]: t["url"] for t in page_item["taxonomy"]["related_countries"]}
    assert countries == {
        "Spain": PUBLIC + "/partners-collaboration/member-states/spain",
        "Morocco": None,
    }
