"""Europol: extraction rules, the reference article, and crawls through each discovery path."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import Counter, deque
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import pytest
from scrapy import Request, signals
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from newsroom_scraper.errors import ExtractionError
from newsroom_scraper.extract import response_for
from newsroom_scraper.extraction.page import PageContext
from newsroom_scraper.mirror import MirrorServer, MirrorSite, Page
from newsroom_scraper.pipelines import validation_errors
from newsroom_scraper.requests import DISCOVERY_PRIORITY, ROLE, Role
from newsroom_scraper.signals import error_reported
from newsroom_scraper.spiders.europol import (
    MENU_INDEX_CACHE,
    MENU_URLS,
    TRANSITIONS,
    DiscoveryStateError,
    EuropolPage,
    EuropolSpider,
    NoEmbeddedNodeError,
    Stage,
    canonical_alias,
    find_server_data,
    listing_api_path,
    menu_urls_for,
    node_api_path,
    vocabulary_name,
)
from tests.helpers import SHARED, CrawlResult, need, run_cli, run_crawl
from tests.mirrors import europol as mirror
from tests.reference import read_reference, squash

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

PUBLIC = "https://www.europol.europa.eu"


@pytest.fixture(scope="session")
def europol_site(default_site: Callable[[str], MirrorSite]) -> MirrorSite:
    return default_site("europol")


@pytest.fixture(scope="session")
def europol_server(default_server: Callable[[str], MirrorServer]) -> MirrorServer:
    return default_server("europol")


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


# -- the page object: a response and a context in, the item out, no spider ----------------------


def mirror_response(site: MirrorSite, path: str, url: str | None = None) -> Response:
    """The mirror's answer for ``path`` as a response of the public site (no server)."""
    return response_for(page_body(site, path), url or PUBLIC + path)


def page_body(site: MirrorSite, path: str) -> bytes:
    page = site.get(path)
    assert page is not None, path
    return page.body


def test_page_object_reads_shells_and_node_api_answers_alike(europol_site):
    reference = mirror.reference_article()
    context = EuropolSpider.offline_context()
    from_shell = EuropolPage(mirror_response(europol_site, reference.alias), context).to_item()
    from_api = EuropolPage(
        mirror_response(
            europol_site, mirror.node_api_key(reference.alias), PUBLIC + reference.alias
        ),
        context,
    ).to_item()
    assert from_shell["id"] == from_api["id"] == "europol:3817"
    for field in ("url", "title", "published", "lead", "body", "body_html", "links", "attachments"):
        assert from_shell[field] == from_api[field], field


def test_page_object_counts_fallbacks_through_the_context(europol_site):
    counted: Counter[str] = Counter()

    def count(key: str, number: int = 1) -> None:
        counted[key] += number

    context = PageContext(EuropolSpider.site_info(), stats=count)
    article = next(a for a in mirror.default_articles() if a.node_id == 9003)
    item = EuropolPage(mirror_response(europol_site, article.alias), context).to_item()
    assert item["lead"] == "No introduction: the summary is the lead."
    assert counted["fallback/lead/summary"] == 1


def test_shell_without_data_raises_the_error_the_spider_falls_back_on(europol_site):
    article = next(a for a in mirror.default_articles() if not a.embedded)
    page = EuropolPage(
        mirror_response(europol_site, article.alias), EuropolSpider.offline_context()
    )
    with pytest.raises(NoEmbeddedNodeError, match=r"0 window\.SERVER_DATA"):
        page.to_item()
    with pytest.raises(NoEmbeddedNodeError):
        page.node  # noqa: B018
    assert issubclass(NoEmbeddedNodeError, ExtractionError), "extract reports it as any other"


def test_site_menu_is_indexed_once_and_lent_to_node_api_answers_as_a_hint(europol_site):
    article = next(a for a in mirror.default_articles() if a.node_id == 9002)  # Cybercrime, no URL
    context = EuropolSpider.offline_context()
    api = mirror_response(europol_site, mirror.node_api_key(article.alias), PUBLIC + article.alias)
    assert EuropolPage(api, context).to_item()["taxonomy"]["crime_areas"][0]["url"] is None
    EuropolPage(mirror_response(europol_site, article.alias), context).to_item()
    assert context.cache[MENU_INDEX_CACHE]["cybercrime"] == "/crime-areas/cybercrime"
    alone = EuropolPage(api, context).to_item()  # the crawl's cache is never borrowed
    assert alone["taxonomy"]["crime_areas"][0]["url"] is None
    lent = menu_urls_for(EuropolPage(api, context).node, context.cache[MENU_INDEX_CACHE])
    assert lent == {  # only the terms without a URL that the menu names
        "cybercrime": "/crime-areas/cybercrime",
        "european cybercrime centre - ec3": "/about-europol/european-cybercrime-centre-ec3",
    }
    crawl = EuropolPage(api, context.with_hints(**{MENU_URLS: lent})).to_item()
    assert crawl["taxonomy"]["crime_areas"] == [
        {"label": "Cybercrime", "url": PUBLIC + "/crime-areas/cybercrime"}
    ]


@pytest.mark.parametrize("plain", [False, True])
def test_previous_link_is_read_as_a_string_or_an_object(plain):
    newer, older = mirror.link_chain(mirror.generate_articles(2))
    site = mirror.build_site([newer, older], plain_previous=plain)
    node = json.loads(page_body(site, mirror.node_api_key(newer.alias)))
    assert isinstance(node["navigation"]["previous"], str if plain else dict)
    context = EuropolSpider.offline_context()
    assert EuropolPage(mirror_response(site, newer.alias), context).previous_url() == (
        PUBLIC + older.alias
    )
    assert EuropolPage(mirror_response(site, older.alias), context).previous_url() is None


# -- discovery as a state machine, driven by hand-made responses (no crawl) -------------------


class Discovery:
    """An EuropolSpider on a crawler that never runs: requests are answered from a mirror site
    in this process, callbacks and errbacks called by hand, reports collected."""

    def __init__(self, site, **arguments: str) -> None:
        self.site = site
        crawler = get_crawler(EuropolSpider)
        self.spider = EuropolSpider.from_crawler(crawler, **arguments)
        self.stats = crawler.stats
        self.reports: list[tuple[str, str]] = []
        crawler.signals.connect(self.on_error, signal=error_reported, weak=False)
        self.requests: list[Request] = []
        self.items: list[Any] = []

    def on_error(self, kind: str, url: str, reason: str) -> None:
        self.reports.append((kind, reason))

    def start(self) -> list[Request]:
        async def collect() -> list[Request]:
            return [request async for request in self.spider.start()]

        return asyncio.run(collect())

    def answer(self, request: Request) -> Response | Failure:
        url = request.url
        for _ in range(5):  # redirects
            parts = urlsplit(url)
            page = self.site.get(parts.path + (f"?{parts.query}" if parts.query else ""))
            if page is None or page.status not in {301, 302}:
                break
            url = urljoin(url, page.headers["Location"])
        if page is None:
            page = Page(status=404, body=b"not found", content_type="text/plain")
        kind = (
            XmlResponse if "xml" in page.content_type
            else TextResponse if "json" in page.content_type or "text/plain" in page.content_type
            else HtmlResponse
        )  # fmt: skip
        headers = {"Content-Type": page.content_type}
        response = kind(url, status=page.status, body=page.body, headers=headers, request=request)
        if page.status != 200:
            failure = Failure(HttpError(response, "Ignoring non-200 response"))
            failure.request = request  # type: ignore[attr-defined]  # as Scrapy does
            return failure
        return response

    def feed(self, request: Request) -> list[Request]:
        """Answer one request; the requests its callback (or errback) gives."""
        self.requests.append(request)
        answer = self.answer(request)
        if isinstance(answer, Failure):
            assert request.errback is not None
            out = request.errback(answer)
        else:
            assert request.callback is not None
            out = request.callback(answer)
        following: list[Request] = []
        for value in outputs(out):
            (following if isinstance(value, Request) else self.items).append(value)
        return following

    def run(self, requests: list[Request] | None = None, limit: int = 1000) -> None:
        """Answer every request, breadth first, until discovery asks for nothing more."""
        queue = deque(self.start() if requests is None else requests)
        while queue:
            assert len(self.requests) < limit, "discovery does not end"
            queue.extend(self.feed(queue.popleft()))
        ids = [item["id"] for item in self.items]
        assert len(ids) == len(set(ids)), "an article was given twice"

    def transitions(self) -> dict[str, int]:
        prefix = "discovery/transitions/"
        return {
            key.removeprefix(prefix): value
            for key, value in self.stats.get_stats().items()
            if key.startswith(prefix)
        }

    def stage(self) -> Stage:
        return self.spider.stage

    def roles(self) -> Counter[str]:
        return Counter(str(request.meta.get(ROLE)) for request in self.requests)


def outputs(out: Any) -> list[Any]:
    """What a callback gave: a list, or everything of a (sync or async) generator."""
    if hasattr(out, "__aiter__"):

        async def collect() -> list[Any]:
            return [value async for value in out]

        return asyncio.run(collect())
    return list(out or [])


def item_ids(items: list[Any]) -> set[str]:
    return {item["id"] for item in items}


def test_state_machine_auto_lists_everything_and_never_chains():
    discovery = Discovery(mirror.build_site())
    newsroom, rss = discovery.start()
    assert (newsroom.meta[ROLE], rss.meta[ROLE]) == (Role.LISTING, Role.FEED)
    assert discovery.stage() is Stage.LISTING
    discovery.run([newsroom, rss])
    assert discovery.stage() is Stage.DONE
    assert discovery.transitions() == {"begin_listing": 1, "finish_listing": 1}
    assert discovery.stats.get_value("discovery/state") == "done"
    assert item_ids(discovery.items) == expected_ids()
    assert Role.CHAINED_ARTICLE not in discovery.roles()
    assert discovery.reports == []


def test_state_machine_chain_mode_waits_for_rss_then_walks_previous():
    discovery = Discovery(mirror.build_site(), discovery="chain")
    (rss,) = discovery.start()
    assert rss.meta[ROLE] == Role.FEED
    assert discovery.stage() is Stage.WAITING_FOR_CHAIN_START
    (first,) = discovery.feed(rss)
    assert discovery.stage() is Stage.CHAINING
    assert (first.meta[ROLE], first.url) == (
        Role.CHAINED_ARTICLE, PUBLIC + mirror.default_articles()[0].alias
    )  # fmt: skip
    discovery.run([first])
    assert discovery.stage() is Stage.DONE
    assert discovery.transitions() == {"await_chain_start": 1, "start_chain": 1, "finish_chain": 1}
    assert item_ids(discovery.items) == expected_ids()
    articles = [r for r in discovery.requests if r.callback == discovery.spider.parse_article]
    assert {r.meta[ROLE] for r in articles} == {Role.CHAINED_ARTICLE}
    assert discovery.roles()[Role.LISTING] == 0


def test_state_machine_chain_mode_walks_plain_string_previous_links():
    discovery = Discovery(mirror.build_site(plain_previous=True), discovery="chain")
    discovery.run()
    assert item_ids(discovery.items) == expected_ids()
    assert discovery.stats.get_value("discovery/chain/articles") == len(mirror.default_articles())


def test_state_machine_listing_broken_part_way_continues_from_the_oldest_listed():
    discovery = Discovery(mirror.build_site(api_fails_from_page=1))
    newsroom, rss = discovery.start()
    listing = discovery.feed(newsroom)
    assert [r.meta[ROLE] for r in listing] == [Role.LISTING] + [Role.ARTICLE] * 5
    # The listing leaves the scheduler first: it is the crawl's critical path (Role.priority).
    assert [r.priority for r in listing] == [DISCOVERY_PRIORITY] + [0] * 5
    page_0 = discovery.feed(listing[0])
    assert [r.meta[ROLE] for r in page_0] == [Role.LISTING]  # page 0 repeats the embedded five
    chain = discovery.feed(page_0[0])  # page 1 answers 500
    assert discovery.stage() is Stage.CHAINING
    (link,) = chain
    assert link.url == PUBLIC + mirror.default_articles()[4].alias
    assert (link.meta[ROLE], link.meta["chain_only"], link.dont_filter) == (
        Role.CHAINED_ARTICLE, True, True
    )  # fmt: skip
    assert discovery.stats.get_value("discovery/path") == "listing+chain"
    discovery.run([rss, *listing[1:], link])
    assert item_ids(discovery.items) == expected_ids()
    assert discovery.stage() is Stage.DONE
    assert discovery.transitions() == {"begin_listing": 1, "start_chain": 1, "finish_chain": 1}


def test_state_machine_a_page_fetched_again_for_its_link_reports_its_failure_once(monkeypatch):
    """The chain fetches a listed article again only for its previous link (``chain_only``): the
    page builds no item, so an article whose extraction failed is reported once, by the listing's
    fetch, and the chain still walks on from it."""
    broken = PUBLIC + mirror.default_articles()[4].alias
    build = EuropolPage.to_item

    def to_item(page: EuropolPage) -> Any:
        if page.url == broken:
            raise ExtractionError(f"broken {page.url}")
        return build(page)

    monkeypatch.setattr(EuropolPage, "to_item", to_item)
    discovery = Discovery(mirror.build_site(api_fails_from_page=1))
    discovery.run()
    assert broken in [r.url for r in discovery.requests if r.meta.get("chain_only")]
    assert [reason for _, reason in discovery.reports if broken in reason] == [f"broken {broken}"]
    assert item_ids(discovery.items) == expected_ids() - {
        mirror.expected_id(mirror.default_articles()[4])
    }


def test_state_machine_no_listing_waits_for_rss_to_start_the_chain():
    discovery = Discovery(mirror.build_site(embedded=0, api_listing=False))
    newsroom, rss = discovery.start()
    (page_0,) = discovery.feed(newsroom)
    assert discovery.feed(page_0) == []  # 404: nothing listed, RSS not answered yet
    assert discovery.stage() is Stage.WAITING_FOR_CHAIN_START
    (first,) = discovery.feed(rss)  # the newest article starts the chain, no RSS articles
    assert (first.meta[ROLE], discovery.stage()) == (Role.CHAINED_ARTICLE, Stage.CHAINING)
    discovery.run([first])
    assert item_ids(discovery.items) == expected_ids()
    assert discovery.transitions() == {
        "begin_listing": 1, "await_chain_start": 1, "start_chain": 1, "finish_chain": 1
    }  # fmt: skip


def test_state_machine_gives_up_loudly_without_listing_or_rss():
    discovery = Discovery(mirror.build_site(embedded=0, api_listing=False, rss=False))
    discovery.run()
    assert discovery.items == []
    assert discovery.stage() is Stage.DONE
    assert discovery.transitions() == {"begin_listing": 1, "give_up": 1}
    assert ("discovery", "neither the listing nor RSS gave an article") in discovery.reports


def test_state_machine_chain_mode_without_rss_starts_from_the_newsroom():
    discovery = Discovery(mirror.build_site(rss=False), discovery="chain")
    (rss,) = discovery.start()
    (newsroom,) = discovery.feed(rss)
    assert newsroom.meta[ROLE] == Role.LISTING
    assert discovery.stage() is Stage.WAITING_FOR_CHAIN_START
    (first,) = discovery.feed(newsroom)
    assert (first.meta[ROLE], discovery.stage()) == (Role.CHAINED_ARTICLE, Stage.CHAINING)
    discovery.run([first])
    assert item_ids(discovery.items) == expected_ids()


def test_state_machine_chain_cycle_ends_the_walk():
    articles = mirror.link_chain(mirror.generate_articles(3))
    articles[-1].previous = articles[0].alias  # the oldest links back to the newest
    discovery = Discovery(mirror.build_site(articles), discovery="chain")
    discovery.run()
    assert item_ids(discovery.items) == expected_ids(articles)
    assert discovery.stats.get_value("discovery/chain/cycles") == 1
    assert discovery.transitions()["finish_chain"] == 1


def test_state_machine_refuses_a_transition_from_the_wrong_stage():
    discovery = Discovery(mirror.build_site())
    with pytest.raises(DiscoveryStateError, match="finish_chain from starting"):
        discovery.spider.finish_chain("no chain yet")
    assert set(TRANSITIONS) == {
        "begin_listing", "await_chain_start", "start_chain", "finish_listing", "give_up",
        "finish_chain",
    }  # fmt: skip
    reachable = {target for _, target in TRANSITIONS.values()} | {Stage.STARTING}
    assert reachable == set(Stage)


# -- a crawl of the default mirror ----------------------------------------------------------------


@pytest.fixture(scope="module")
def default_crawl(europol_server, tmp_path_factory):
    return run_crawl("europol", europol_server.origin, tmp_path_factory.mktemp("europol"))


@pytest.fixture(scope="module")
def items_by_id(default_crawl):
    return {item["id"]: item for item in default_crawl.items}


def expected_ids(articles: list[mirror.Article] | None = None) -> set[str]:
    return {mirror.expected_id(a) for a in (articles or mirror.default_articles())}


def assert_complete(result: CrawlResult, articles: list[mirror.Article] | None = None) -> None:
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
    assert stats["discovery/state"] == "done"
    assert "discovery/transitions/start_chain" not in stats
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


REFERENCE_FILE = "europol-no-safe-shores-for-migrant-smugglers.txt"


def shared_path(*parts: str) -> Path:
    """A file or folder of ../shared: a skip saying why when absent, a failure with CI=true."""
    path = SHARED.joinpath(*parts)
    need(path.exists(), f"{path} is absent: these tests read the real pages kept in ../shared")
    return path


@pytest.fixture(scope="module")
def reference():
    return read_reference(shared_path("reference", REFERENCE_FILE))


def test_reference_file_reads_as_eight_paragraphs_and_two_attachments(reference):
    assert len(reference.paragraphs) == 8
    assert reference.paragraphs[4].endswith(
        "The United Nations Office on Drugs and Crime – Regional Office for West Africa "
        "highlighted the challenges and opportunities in cooperation with countries in the region."
    ), "the line break inside the fifth paragraph is read back into it"
    assert len(reference.attachments) == 2
    assert reference.published_date == date(2019, 11, 27)


def test_reference_article_carries_all_of_its_content(items_by_id, reference):
    item = items_by_id[mirror.expected_id(mirror.reference_article())]
    assert item["title"].upper() == reference.title
    assert item["published_date"] == reference.published_date.isoformat()
    assert item["content_type"] == reference.content_type
    assert item["lead"] == reference.lead
    # The body, paragraph by paragraph, exactly: the eight paragraphs, then the two attachment
    # links the reader saw under them. Missing, extra, repeated or reordered text fails.
    body = [squash(paragraph) for paragraph in item["body"].split("\n\n")]
    assert len(reference.paragraphs) == 8
    assert body[:8] == reference.paragraphs
    assert body == reference.paragraphs + reference.attachments
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
    assert result.stats["discovery/state"] == "done"
    assert result.stats["discovery/transitions/start_chain"] == 1


class LinkOrderProbe:
    """In a crawl: the order in which requests reach the downloader and items are scraped,
    written to ``LINK_ORDER_LOG`` when the spider closes."""

    def __init__(self, crawler: Any) -> None:
        self.log = crawler.settings["LINK_ORDER_LOG"]
        self.events: list[tuple[str, str]] = []
        crawler.signals.connect(self.reached, signal=signals.request_reached_downloader)
        crawler.signals.connect(self.scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> LinkOrderProbe:
        return cls(crawler)

    def reached(self, request: Request) -> None:
        self.events.append(("request", request.url))

    def scraped(self, item: Any) -> None:
        self.events.append(("item", item["url"]))

    def closed(self) -> None:
        with open(self.log, "w") as log:
            json.dump(self.events, log)


def test_the_chain_asks_for_the_previous_article_before_building_the_item(serve, tmp_path):
    """Each link's request goes out before the item of the page that named it is built (its
    answer comes while the item is built and stored): the previous article's request reaches
    the downloader before the item is scraped, for every link of the chain."""
    log = tmp_path / "order.json"
    extensions = {"newsroom_scraper.report.RunReport": 0, f"{__name__}.LinkOrderProbe": 1}
    result = run_crawl("europol", serve().origin, tmp_path, "--discovery", "chain",
                       settings={"EXTENSIONS": json.dumps(extensions), "LINK_ORDER_LOG": log})  # fmt: skip
    assert result.exit_code == 0, result.stderr
    events = [tuple(event) for event in json.loads(log.read_text())]
    items = [url for kind, url in events if kind == "item"]
    assert len(items) == len(mirror.default_articles())
    # The chain walks from the newest article to the oldest: each item's successor in this
    # list is the article its page named as previous.
    for newer, previous in itertools.pairwise(items):
        assert events.index(("request", previous)) < events.index(("item", newer)), (
            newer,
            previous,
        )


def test_chain_walks_previous_links_given_as_plain_strings(serve, tmp_path):
    """``navigation.previous`` as the alias itself (allowed by the site file), in every node."""
    server = serve(plain_previous=True)
    node = json.loads(
        page_body(server.site, mirror.node_api_key(mirror.default_articles()[0].alias))
    )
    assert isinstance(node["navigation"]["previous"], str)
    result = run_crawl("europol", server.origin, tmp_path, "--discovery", "chain")
    assert result.exit_code == 0, result.stderr
    assert_complete(result)
    assert result.stats["discovery/chain/articles"] == len(mirror.default_articles())
    assert result.stats["discovery/transitions/finish_chain"] == 1


def test_listing_failing_part_way_continues_along_the_chain(serve, tmp_path):
    result = run_crawl("europol", serve(api_fails_from_page=1).origin, tmp_path,
                       settings={"RETRY_TIMES": 0})  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert_complete(result)
    assert result.stats["discovery/path"] == "listing+chain"
    assert result.stats["discovery/chain/articles"] > 0
    assert result.stats["discovery/transitions/start_chain"] == 1


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


def test_the_chain_stops_at_the_first_article_older_than_since(serve, tmp_path):
    """The chain reads the node's own date to decide before the item is built: it walks down to
    the first article older than ``since`` (fetched, not kept) and no further."""
    articles = mirror.default_articles()
    days = [datetime.fromtimestamp(a.published, UTC).date().isoformat() for a in articles]
    assert days == sorted(days, reverse=True), "the chain walks from the newest"
    since = "2023-06-01"
    first_older = next(index for index, day in enumerate(days) if day < since)
    result = run_crawl("europol", serve().origin, tmp_path, "--discovery", "chain",
                       "--since", since)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert {i["id"] for i in result.items} == {
        mirror.expected_id(a) for a, day in zip(articles, days, strict=True) if day >= since
    }
    assert result.stats["discovery/chain/articles"] == first_older + 1
    assert result.stats["discovery/transitions/finish_chain"] == 1


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
    real = sorted(shared_path("sites", "europol-real").glob("*.html"))
    samples = shared_path("sites", "europol-samples")
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
