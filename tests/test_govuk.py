"""GOV.UK news: the ten real content items give exactly the expected values; crawls of the
project's mirror of the Search and Content APIs (faults, arguments, incremental refresh); the
``extract`` command on saved Content API responses."""

from __future__ import annotations

import gzip
import json
import shutil
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from scrapy.exceptions import UsageError
from scrapy.http import TextResponse
from scrapy.settings import Settings

from newsroom_scraper import settings as project_settings
from newsroom_scraper.errors import ExtractionError
from newsroom_scraper.extraction.page import PageContext
from newsroom_scraper.mirror import MirrorServer
from newsroom_scraper.pipelines import validation_errors
from newsroom_scraper.spiders.govuk import (
    DOCUMENT_TYPES,
    GovukPage,
    GovukSpider,
    search_path,
)
from tests.conftest import shared_folder
from tests.helpers import SHARED, run_cli, run_cli_stats, run_crawl
from tests.mirrors import govuk as mirror

PUBLIC = "https://www.gov.uk"
EXPECTED_FILE = SHARED / "sites" / "govuk-expected.json"
EXPECTED: dict[str, dict[str, Any]] = (
    json.loads(EXPECTED_FILE.read_text("utf-8")) if EXPECTED_FILE.exists() else {}
)


def extract(body: bytes | str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(body, dict):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    response = TextResponse(url=PUBLIC + "/", body=body, encoding="utf-8")
    return dict(GovukPage(response, GovukSpider.offline_context()).to_item())


def observed(item: dict[str, Any], key: str) -> Any:
    """The value of one govuk-expected.json key (dotted keys as that file's README says)."""
    if key == "body.start":
        return item["body"][:80]
    if key == "body.paragraphs":
        return len(item["body"].split("\n\n")) if item["body"] else 0
    if key == "links.count":
        return len(item["links"])
    if key.startswith("taxonomy."):
        return [term["label"] for term in item["taxonomy"][key.split(".", 1)[1]]]
    if key == "related.translation":
        return [entry["id"] for entry in item["related"] if entry["kind"] == "translation"]
    return item[key]


def example(name: str) -> dict[str, Any]:
    folder = shared_folder("sites", "govuk-examples")
    return json.loads((folder / name).read_text("utf-8"))  # type: ignore[no-any-return]


# -- the ten real examples ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED) or ["(no ../shared)"])
def test_real_example_gives_exactly_the_expected_values(name):
    folder = shared_folder("sites", "govuk-examples")
    item = extract((folder / name).read_bytes())
    expected = EXPECTED[name]
    assert {key: observed(item, key) for key in expected} == expected
    assert validation_errors(item) == []
    assert sorted(item["taxonomy"]) == sorted(
        ["organisations", "worldwide_organisations", "people", "topical_events",
         "world_locations", "topics"]
    )  # fmt: skip
    assert item["site"] == "govuk"


def test_every_example_is_covered_by_the_expected_values():
    folder = shared_folder("sites", "govuk-examples")
    names = {p.name for p in folder.glob("*.json") if "SAMPLE" not in p.name}
    assert names == set(EXPECTED)


def test_withdrawn_notice_is_never_body():
    item = extract(example("news_article_withdrawn.json"))
    assert "withdrawn" not in item["body"].lower()
    assert item["related"] == [
        {
            "kind": "translation",
            "id": "govuk:ur:d0ee80cd-ed7a-4b04-b60f-3be2f03693af",
            "url": PUBLIC + "/government/news/christmas-2016-prime-ministers-message.ur",
        }
    ]


def test_speaker_portrait_is_not_an_attachment_and_terms_carry_public_urls():
    item = extract(example("speech-with-updates.json"))
    assert item["attachments"] == []
    assert item["taxonomy"]["people"] == [
        {"label": "The Rt Hon Lord McNally", "url": PUBLIC + "/government/people/lord-mcnally"}
    ]
    located = extract(example("news_article_with_image_caption.json"))
    assert located["taxonomy"]["world_locations"] == [{"label": "Pakistan", "url": None}]


def minimal_item(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "base_path": "/government/news/a-test-item",
        "content_id": "11111111-2222-4333-8444-555555555555",
        "locale": "en",
        "title": "  A   test\nitem ",
        "description": "",
        "document_type": "press_release",
        "schema_name": "news_article",
        "first_published_at": "2024-10-24T00:05:00+01:00",
        "public_updated_at": "2024-10-24T00:05:00+01:00",
        "details": {"body": '<div class="govspeak"><p>Text.</p></div>'},
        "links": {},
    }
    item.update(changes)
    return item


def test_dates_are_utc_with_the_london_date_and_the_deprecated_fallback():
    item = extract(minimal_item())
    assert (item["published"], item["published_date"]) == ("2024-10-23T23:05:00Z", "2024-10-24")
    assert item["published_precision"] == "second"
    assert (item["title"], item["lead"], item["key_points"]) == ("A test item", "", [])
    fallback = minimal_item(first_published_at=None)
    fallback["details"]["first_public_at"] = "2015-03-25T13:23:00.000+00:00"
    assert extract(fallback)["published"] == "2015-03-25T13:23:00Z"


def test_paragraph_rule_blocks_own_text_in_start_tag_order():
    body = (
        '<div class="govspeak">Lead-in <p>One<br>two\u00a0 <strong>three</strong></p>'
        "<ul><li>Item <p>nested</p> tail</li><li></li></ul>"
        '<div class="contact"><p>Press office</p>020 7035 3535</div>'
        "<table><tr><td>a</td><td>b</td></tr></table></div>"
    )
    item = extract(minimal_item(details={"body": body}))
    assert item["body"].split("\n\n") == [
        "Lead-in", "One two three", "Item tail", "nested", "020 7035 3535", "Press office",
        "a", "b",
    ]  # fmt: skip


def test_links_versus_attachments():
    body = (
        '<div class="govspeak"><p><a href="#top">top</a> <a href="mailto:a@b.uk">mail</a> '
        '<a href="tel:123">call</a> <a href="http://www.gov.uk/guidance/x">Guidance</a> '
        '<a href="/guidance/x">again</a> <a href="http://example.org/a b">Other</a> '
        '<a href="https://assets.publishing.service.gov.uk/media/1/r.pdf">Report</a> '
        '<a href="/government/uploads/system/uploads/attachment_data/file/2/x.csv">Data</a> '
        '<a href="https://www.youtube.com/watch?v=abc">Film</a> '
        '<a href="https://youtu.be/xyz">Short</a> '
        '<a href="https://example.org/file.pdf">Elsewhere</a></p>'
        '<figure class="image embedded"><img src="/img/a.jpg" alt="A picture"></figure></div>'
    )
    details = {
        "body": body,
        "images": [{"type": "lead", "sources": {"s300": "https://a/s300.jpg",
                                                 "s712": "https://a/s712.jpg"},
                    "alt_text": "Alt", "caption": ""}],
        "attachments": [
            {"attachment_type": "file", "id": "1", "title": "Report", "content_type": "application/pdf",
             "url": "https://assets.publishing.service.gov.uk/media/1/r.pdf"},
            {"attachment_type": "file", "id": "2", "title": "Clip", "content_type": "video/mp4",
             "url": "https://assets.publishing.service.gov.uk/media/3/c.mp4"},
        ],
    }  # fmt: skip
    item = extract(minimal_item(details=details))
    assert item["links"] == [
        {"text": "Guidance", "url": PUBLIC + "/guidance/x"},
        {"text": "Other", "url": "http://example.org/a%20b"},
        {"text": "Elsewhere", "url": "https://example.org/file.pdf"},
    ]
    assert item["attachments"] == [
        {"kind": "image", "title": "Alt", "url": "https://a/s712.jpg"},
        {"kind": "document", "title": "Report",
         "url": "https://assets.publishing.service.gov.uk/media/1/r.pdf"},
        {"kind": "document", "title": "Data",
         "url": PUBLIC + "/government/uploads/system/uploads/attachment_data/file/2/x.csv"},
        {"kind": "video", "title": "Film", "url": "https://www.youtube.com/watch?v=abc"},
        {"kind": "video", "title": "Short", "url": "https://youtu.be/xyz"},
        {"kind": "image", "title": "A picture", "url": PUBLIC + "/img/a.jpg"},
        {"kind": "video", "title": "Clip",
         "url": "https://assets.publishing.service.gov.uk/media/3/c.mp4"},
    ]  # fmt: skip
    assert validation_errors(item) == []


def test_placeholder_and_default_lead_images_are_skipped():
    for image in (
        {"type": "lead", "sources": {"s960": "https://a/s960.jpg"}, "alt_text": "placeholder"},
        {"type": "lead", "alt_text": "Office",
         "sources": {"s960": "https://a/default_news_organisation_image_data/file/1/s960.jpg"}},
    ):  # fmt: skip
        details = {"body": "<p>Text.</p>", "images": [image]}
        assert extract(minimal_item(details=details))["attachments"] == []
    # the control: the same lead image, neither a placeholder nor the default one, is kept
    real = {"type": "lead", "sources": {"s960": "https://a/s960.jpg"}, "alt_text": "Office"}
    details = {"body": "<p>Text.</p>", "images": [real]}
    assert extract(minimal_item(details=details))["attachments"] == [
        {"kind": "image", "title": "Office", "url": "https://a/s960.jpg"}
    ]


@pytest.mark.parametrize(
    ("schema", "document_type", "content_type", "fallbacks"),
    [
        ("news_article", None, "News article", 1),
        ("speech", "", "Speech", 1),
        ("news_article", {"not": "a string"}, "News article", 1),
        ("news_article", "press_release", "Press release", 0),
        ("news_article", "html_publication", "Html publication", 0),
    ],
)
def test_content_type_falls_back_to_the_schema_name(schema, document_type, content_type, fallbacks):
    """No document_type: the item is still valid, typed by its schema, and the fallback counted."""
    stats: Counter[str] = Counter()
    context = PageContext(GovukSpider.site_info(), stats=lambda key, n: stats.update({key: n}))
    body = json.dumps(minimal_item(schema_name=schema, document_type=document_type)).encode()
    page = GovukPage(TextResponse(url=PUBLIC + "/", body=body, encoding="utf-8"), context)
    item = dict(page.to_item())
    assert item["content_type"] == content_type
    assert validation_errors(item) == []
    assert stats["fallback/content_type"] == stats["fallback/content_type/schema_name"] == fallbacks


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"schema_name": "html_publication"}, "refused: schema_name 'html_publication'"),
        ({"content_id": ""}, "refused: no content_id"),
        ({"base_path": None}, "refused: no base_path"),
        ({"title": " "}, "refused: no title"),
        ({"details": {"body": ""}}, "refused: no details.body"),
        ({"first_published_at": None}, "refused: no publication date"),
    ],
)
def test_refused_items(changes, reason):
    with pytest.raises(ExtractionError) as raised:
        extract(minimal_item(**changes))
    assert raised.value.reason.startswith(reason)


@pytest.mark.parametrize("body", [b"<html>GOV.UK</html>", b"[1, 2]", b"{not json", b""])
def test_what_is_not_a_content_item_is_an_extraction_error(body):
    with pytest.raises(ExtractionError):
        extract(body)


# -- spider arguments and politeness ------------------------------------------------------------


def test_arguments_and_the_search_query():
    spider = GovukSpider()
    assert (spider.organisations, spider.document_types) == (("home-office",), DOCUMENT_TYPES)
    spider = GovukSpider(organisation="home-office, ministry-of-justice",
                         document_type="press_release,news_story")  # fmt: skip
    assert spider.organisations == ("home-office", "ministry-of-justice")
    assert spider.document_types == ("press_release", "news_story")
    assert search_path(spider.organisations, spider.document_types, 200) == (
        "/api/search.json?filter_organisations=home-office"
        "&filter_organisations=ministry-of-justice"
        "&filter_content_store_document_type=press_release"
        "&filter_content_store_document_type=news_story&order=-public_timestamp&count=100"
        "&start=200&fields=content_id%2Ccontent_store_document_type%2Cdescription%2Clink"
        "%2Cpublic_timestamp%2Ctitle"
    )
    for bad in ({"document_type": "publication"}, {"organisation": "Home Office"}):
        with pytest.raises(UsageError):
            GovukSpider(**bad)


def test_bad_document_type_is_refused_at_start(tmp_path):
    done = run_cli("crawl", "govuk", "--data-dir", str(tmp_path), "-a", "document_type=guide")
    assert done.returncode == 2
    assert "'guide' not one of press_release" in done.stderr


def test_at_most_two_requests_a_second_to_the_live_host():
    """The crawl's effective settings (the project's, then the spider's): one request at a time,
    at least 0.5 s apart, no jitter (only a mirror on this machine lifts them, see base.py)."""
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    assert settings.getfloat("DOWNLOAD_DELAY_JITTER") != 0  # Scrapy's default jitters
    GovukSpider.update_settings(settings)
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert settings.getfloat("DOWNLOAD_DELAY") >= 0.5
    assert settings.getfloat("AUTOTHROTTLE_START_DELAY") >= 0.5
    assert settings.getfloat("DOWNLOAD_DELAY_JITTER") == 0
    assert GovukSpider.public_hosts == ("www.gov.uk",)


def test_content_api_urls_and_article_urls():
    spider = GovukSpider()
    url = PUBLIC + "/government/news/x.cy"
    request = spider.article_request(url)
    assert request.url == PUBLIC + "/api/content/government/news/x.cy"
    assert spider.requested_url(request) == url
    assert spider.is_article_url(url)
    assert not spider.is_article_url(PUBLIC + "/api/search.json?start=0")


# -- crawls of the mirror -----------------------------------------------------------------------


def content_requests(server: MirrorServer) -> Counter[str]:
    return Counter({p: n for p, n in server.requests.items() if p.startswith("/api/content/")})


def search_requests(server: MirrorServer) -> int:
    return sum(n for p, n in server.requests.items() if p.startswith("/api/search.json"))


@pytest.fixture(scope="module")
def default_crawl(tmp_path_factory):
    articles = mirror.default_articles()
    server = MirrorServer(mirror.build_site(articles)).start()
    result = run_crawl("govuk", server.origin, tmp_path_factory.mktemp("govuk"))
    yield articles, server, result
    server.stop()


def test_crawl_fetches_every_listed_item_and_its_translations(default_crawl):
    articles, server, result = default_crawl
    assert result.exit_code == 0, result.stderr
    ids = [item["id"] for item in result.items]
    assert Counter(ids).most_common(1)[0][1] == 1
    assert set(ids) == {mirror.expected_id(a) for a in articles}
    assert all(validation_errors(item) == [] for item in result.items)
    assert all(item["url"].startswith(PUBLIC + "/government/") for item in result.items)
    translations = [a for a in articles if not a.listed]
    stats = result.stats
    assert stats["discovery/search/pages"] == search_requests(server) == 1
    assert stats["discovery/search/articles"] == len(articles) - len(translations)
    withdrawn = [a for a in articles if a.item.get("withdrawn_notice")]
    assert translations  # generated Welsh versions, with or without the real examples
    assert stats["govuk/translations/items"] == len(translations)
    assert stats.get("govuk/withdrawn", 0) == len(withdrawn)
    if mirror.real_examples():  # ../shared's examples: their two translations, three withdrawn
        assert (len(translations), len(withdrawn)) == (5, 3)
    assert "errors/total" not in stats
    assert set(content_requests(server).values()) == {1}
    assert len(content_requests(server)) == len(articles)


def test_crawled_real_examples_equal_their_expected_values(default_crawl):
    shared_folder("sites", "govuk-examples")
    by_id = {item["id"]: item for item in default_crawl[2].items}
    for name, expected in EXPECTED.items():
        item = by_id[expected["id"]]
        assert {key: observed(item, key) for key in expected} == expected, name


def test_faults_are_handled_counted_and_reported_with_their_urls(tmp_path):
    articles = mirror.generate_articles(30)
    paths = [a.base_path for a in articles if a.listed]
    welsh = next(a.base_path for a in articles if a.locale == "cy")
    owner = paths[3]
    site = mirror.build_site(
        articles,
        gone={paths[1]: 404, paths[2]: 410},
        sub_paths={owner + "/part-two": owner},
        withdrawn={paths[4]},
        refused={paths[5]: "html_publication"},
        failing={welsh: 500},
    )
    server = MirrorServer(site).start()
    try:
        result = run_crawl("govuk", server.origin, tmp_path, settings={"RETRY_TIMES": 0})
    finally:
        server.stop()
    assert result.exit_code == 1
    stats = result.stats
    assert (stats["govuk/gone/404"], stats["govuk/gone/410"]) == (1, 1)
    # The sub-path's 303 leads to its owner, listed and requested already: fetched once, said.
    assert stats["redirect/already_requested"] == 1
    assert stats["govuk/withdrawn"] == 1
    assert stats["govuk/refused"] == 1
    assert stats["govuk/translations/failed"] == 1
    assert stats["errors/http_error"] == 3  # 404, 410, the translation's 500
    assert stats["errors/unexpected_shape"] == 1
    assert stats["errors/total"] == 4
    stderr = result.stderr
    assert f"http_error: {PUBLIC}{paths[1]} (HTTP 404)" in stderr
    assert f"http_error: {PUBLIC}{paths[2]} (HTTP 410)" in stderr
    assert f"http_error: {PUBLIC}{welsh} (HTTP 500)" in stderr
    assert f"unexpected_shape: {PUBLIC}{paths[5]} (refused: schema_name 'html_publication'" in (
        stderr
    )
    ids = Counter(item["id"] for item in result.items)
    assert ids.most_common(1)[0][1] == 1  # the 303 led to an item already listed: once
    lost = {paths[1], paths[2], paths[5], welsh}
    assert set(ids) == {mirror.expected_id(a) for a in articles if a.base_path not in lost}
    withdrawn = next(i for i in result.items if i["url"] == PUBLIC + paths[4])
    assert "withdrawn" not in withdrawn["body"]
    log = (tmp_path / "crawl.log").read_text("utf-8")
    assert (
        f"{PUBLIC}{mirror.CONTENT_API}{owner}/part-two redirects to "
        f"{PUBLIC}{mirror.CONTENT_API}{owner}, "
        "requested already in this crawl: fetched once"
    ) in log
    assert f"{PUBLIC}{paths[4]} is withdrawn" in log


def test_many_pages_and_an_empty_page_part_way(tmp_path):
    articles = mirror.generate_articles(230, translated_every=0)
    complete = MirrorServer(mirror.build_site(articles)).start()
    broken = MirrorServer(mirror.build_site(articles, empty_page=1)).start()
    try:
        full = run_crawl("govuk", complete.origin, tmp_path / "full")
        cut = run_crawl("govuk", broken.origin, tmp_path / "cut")
    finally:
        complete.stop()
        broken.stop()
    assert full.exit_code == 0, full.stderr
    assert len(full.items) == 230
    assert full.stats["discovery/search/pages"] == 3
    assert search_requests(complete) == 3  # the last page is short: no request past the end
    assert cut.exit_code == 1
    assert cut.stats["discovery/search/empty_pages"] == 1
    assert cut.stats["errors/discovery"] == 1
    assert "empty search page at start=100 of total=230" in cut.stderr
    assert "/api/search.json?" in cut.stderr
    assert len(cut.items) == 100  # what the first page listed is still fetched


def test_an_organisation_without_news_is_reported(tmp_path):
    server = MirrorServer(mirror.build_site([])).start()
    try:
        result = run_crawl("govuk", server.origin, tmp_path)
    finally:
        server.stop()
    assert result.exit_code == 1
    assert "the search lists nothing" in result.stderr


def test_organisations_and_document_types_arguments(tmp_path):
    articles = mirror.generate_articles(20, translated_every=0)
    query = (("home-office", "ministry-of-justice"), ("speech", "oral_statement"))
    server = MirrorServer(mirror.build_site(articles, queries=[query])).start()
    try:
        result = run_crawl("govuk", server.origin, tmp_path,
                           "-a", "organisation=home-office,ministry-of-justice",
                           "-a", "document_type=speech,oral_statement")  # fmt: skip
    finally:
        server.stop()
    assert result.exit_code == 0, result.stderr
    wanted = [a for a in articles if a.item["document_type"] in query[1]]
    assert {i["id"] for i in result.items} == {mirror.expected_id(a) for a in wanted}
    assert {i["content_type"] for i in result.items} == {"Speech", "Oral statement to Parliament"}


def test_since_until_and_limit(tmp_path):
    articles = mirror.default_articles()
    server = MirrorServer(mirror.build_site(articles)).start()
    try:
        window = run_crawl("govuk", server.origin, tmp_path / "w",
                           "--since", "2025-06-28", "--until", "2025-06-29")  # fmt: skip
        window_requests = content_requests(server)
        server.requests.clear()
        newest = run_crawl("govuk", server.origin, tmp_path / "l", "--limit", "4")
        limit_requests = content_requests(server)
    finally:
        server.stop()
    assert window.exit_code == 0, window.stderr

    def published_day(article: mirror.Article) -> str:
        moment = datetime.fromisoformat(article.item["first_published_at"])
        return moment.astimezone(UTC).date().isoformat()

    in_window = {mirror.expected_id(a) for a in articles
                 if "2025-06-28" <= published_day(a) <= "2025-06-29"}  # fmt: skip
    assert len(in_window) == 9  # eight English items and one Welsh version
    assert {i["id"] for i in window.items} == in_window
    # Listed by last update: the listing stops once past since; nothing older is fetched.
    assert sum(window_requests.values()) == 10 + 1
    assert newest.exit_code == 0, newest.stderr
    listed = [a for a in articles if a.listed]
    listed.sort(key=lambda a: a.public_timestamp, reverse=True)
    assert {i["id"] for i in newest.items} == {mirror.expected_id(a) for a in listed[:4]}
    assert sum(limit_requests.values()) == 4


# -- incremental refresh ------------------------------------------------------------------------


def crawl_dataset(server: MirrorServer, data_dir, *args: str):
    return run_cli("crawl", "govuk", "--base-url", server.origin, "--data-dir", str(data_dir),
                   "--log-file", str(data_dir.parent / "crawl.log"), *args)  # fmt: skip


def dataset(data_dir) -> list[dict[str, Any]]:
    lines = (data_dir / "govuk.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def content_path(article: mirror.Article) -> str:
    return "/api/content" + article.base_path


def welsh_versions(articles: list[mirror.Article]) -> dict[str, str]:
    """Content API path of an English item -> that of its Welsh version."""
    paths = [content_path(a) for a in articles if a.locale == "cy"]
    return {path.removesuffix(".cy"): path for path in paths}


def last_report(data_dir) -> dict[str, Any]:
    reports = sorted((data_dir / "runs" / "govuk").glob("*.report.json"))
    return json.loads(reports[-1].read_text())  # type: ignore[no-any-return]


def test_refresh_fetches_new_and_more_updated_items_than_the_lookback(tmp_path):
    """The contract's rule: new ids and items listed with another public_timestamp are fetched
    (with their translations) wherever they are, the look-back refetches the newest known ones,
    and the listing stops there; --lookback 0 still finds every updated item."""
    articles = mirror.generate_articles(40)  # every 7th English item has a Welsh version
    english = [a for a in articles if a.listed]
    server = MirrorServer(mirror.build_site(articles)).start()
    first_dir = tmp_path / "first" / "data"
    try:
        first = crawl_dataset(server, first_dir)
        assert first.returncode == 0, first.stderr
        assert len(dataset(first_dir)) == len(articles) == 46
        fresh = mirror.generate_articles(3, start=500, newest=datetime(2025, 7, 3, tzinfo=UTC),
                                         translated_every=0)  # fmt: skip
        changed = [1, 4, 7, 12, 20, 28, 33, 39]  # more than the look-back, down to the oldest
        later = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
        now = {a.base_path: a for a in articles}
        for n in changed:
            now[english[n].base_path] = mirror.updated(english[n], later + timedelta(minutes=n))
        server.site = mirror.build_site(fresh + list(now.values()))
        runs = {}
        for lookback in ("3", "0"):
            data_dir = tmp_path / f"lookback-{lookback}" / "data"
            shutil.copytree(first_dir, data_dir)
            server.requests.clear()
            done = crawl_dataset(server, data_dir, "--lookback", lookback)
            assert done.returncode == 0, done.stderr
            fetched = (content_requests(server), search_requests(server))
            runs[lookback] = (data_dir, fetched, last_report(data_dir))
        server.requests.clear()
        again = crawl_dataset(server, runs["0"][0], "--lookback", "0")
        assert again.returncode == 0, again.stderr
        nothing_new = (content_requests(server), search_requests(server))
    finally:
        server.stop()

    welsh = welsh_versions(articles)

    def with_welsh(paths: list[str]) -> list[str]:
        return paths + [welsh[p] for p in paths if p in welsh]

    updated = with_welsh([content_path(english[n]) for n in changed])
    unchanged = [content_path(a) for n, a in enumerate(english) if n not in changed]
    new_and_updated = [content_path(a) for a in fresh] + updated
    # Each once, nothing else; one search page: the listing stopped past the look-back.
    assert runs["3"][1] == (Counter(new_and_updated + with_welsh(unchanged[:3])), 1)
    assert runs["0"][1] == (Counter(new_and_updated), 1)
    for data_dir, _, report in runs.values():
        items = dataset(data_dir)
        assert len(items) == 49
        versions = {item["id"]: item["version"] for item in items}
        assert {i for i, v in versions.items() if v == 2} == {
            mirror.expected_id(english[n]) for n in changed
        }
        assert (report["items"]["new"], report["items"]["updated"]) == (3, 8)
        assert report["exit_code"] == 0
    # Nothing changed since: only the first search page is read.
    assert nothing_new == (Counter(), 1)


def test_updated_items_over_two_search_pages_do_not_stop_the_listing(tmp_path):
    articles = mirror.generate_articles(250, translated_every=0)
    server = MirrorServer(mirror.build_site(articles)).start()
    data_dir = tmp_path / "data"
    try:
        assert crawl_dataset(server, data_dir).returncode == 0
        changed = [n for n in range(250) if n % 5 in {0, 1, 2}]  # 150, down to the oldest
        later = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
        now = [
            mirror.updated(a, later + timedelta(minutes=n)) if n in changed else a
            for n, a in enumerate(articles)
        ]
        server.site = mirror.build_site(now)
        server.requests.clear()
        done = run_cli_stats("crawl", "govuk", "--base-url", server.origin,
                             "--data-dir", str(data_dir), "--lookback", "0",
                             "--log-file", str(tmp_path / "crawl.log"))  # fmt: skip
        fetched = content_requests(server)
        searched = search_requests(server)
    finally:
        server.stop()
    assert done.exit_code == 0, done.stderr
    assert fetched == Counter(content_path(articles[n]) for n in changed)
    # Page 2 lists the last 50 updated items, then known ones: page 3 is never asked for.
    assert searched == 2
    assert done.stats["incremental/changed_in_listing"] == 150
    assert done.stats["incremental/stopped_early"] is True
    versions = {item["id"]: item["version"] for item in dataset(data_dir)}
    assert sum(v == 2 for v in versions.values()) == 150


def test_kept_pages_re_extract_to_the_crawled_items(tmp_path):
    """--keep-pages then extract: every kept Content API response gives its item again, equal
    field by field (minus scraped_at; the dataset adds its bookkeeping)."""
    articles = mirror.default_articles()
    server = MirrorServer(mirror.build_site(articles)).start()
    data_dir = tmp_path / "data"
    try:
        done = crawl_dataset(server, data_dir, "--keep-pages")
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    crawled = {item["id"]: item for item in dataset(data_dir)}
    assert len(crawled) == len(articles)
    kept = sorted((data_dir / "pages" / "govuk").glob("*.gz"))
    assert len(kept) == len(articles)  # one per Content API response, translations included
    assert json.loads(gzip.decompress(kept[0].read_bytes()))["content_id"]
    extracted = run_cli("extract", "--site", "govuk", *map(str, kept))
    assert extracted.returncode == 0, extracted.stderr
    items = [json.loads(line) for line in extracted.stdout.splitlines()]
    assert sorted(item["id"] for item in items) == sorted(crawled)
    for item in items:
        record = crawled[item["id"]]
        for field, value in item.items():
            if field != "scraped_at":
                assert record[field] == value, (item["id"], field)
        assert "scraped_at" in item


# -- extract --------------------------------------------------------------------------------------


def test_extract_reads_saved_content_api_responses(tmp_path):
    folder = shared_folder("sites", "govuk-examples")
    names = list(EXPECTED)
    refused = tmp_path / "refused.json"
    refused.write_text(json.dumps(minimal_item(schema_name="guide")))
    page = tmp_path / "page.html"
    page.write_text("<html><body>GOV.UK</body></html>")
    done = run_cli("extract", "--site", "govuk", *(str(folder / n) for n in names),
                   str(refused), str(page))  # fmt: skip
    assert done.returncode == 1
    items = [json.loads(line) for line in done.stdout.splitlines()]
    assert [i["id"] for i in items] == [EXPECTED[n]["id"] for n in names]
    for name, item in zip(names, items, strict=True):
        assert {key: observed(item, key) for key in EXPECTED[name]} == EXPECTED[name], name
    assert f"{refused}: unexpected_shape: refused: schema_name 'guide'" in done.stderr
    assert f"{page}: unexpected_shape: not a Content API response (not JSON)" in done.stderr
