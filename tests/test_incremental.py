"""Incremental refresh against a live-mutated mirror: new, edited, removed and unchanged articles."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newsroom_scraper.mirror import MirrorServer, Page
from newsroom_scraper.pipelines import validation_errors
from newsroom_scraper.requests import LISTED_VERSION_META, ROLE, Role
from newsroom_scraper.spiders.base import NewsroomSpider
from newsroom_scraper.state.incremental import IncrementalMiddleware
from newsroom_scraper.state.lock import DataDirLock
from tests.helpers import REPO, cli_env, run_cli
from tests.mirrors import europol as mirror

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

LOOKBACK = 20


def crawl(server: MirrorServer, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("crawl", "europol", "--base-url", server.origin, "--data-dir", str(data_dir),
                   "--log-file", str(data_dir.parent / "crawl.log"), *args)  # fmt: skip


def dataset(data_dir: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in (data_dir / "europol.jsonl").read_text("utf-8").splitlines()
    ]


def reports(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "runs" / "europol").glob("*.report.json"))


def edited(article: mirror.Article) -> mirror.Article:
    return replace(article, body=article.body + "<p>Correction: figures updated.</p>")


@pytest.fixture
def newsroom() -> Iterator[tuple[MirrorServer, list[mirror.Article]]]:
    """60 articles on a mirror whose content the test changes between runs."""
    articles = mirror.link_chain(mirror.generate_articles(60, start_id=1000, newest=1_700_000_000))
    server = MirrorServer(mirror.build_site(articles, per_page=10)).start()
    yield server, articles
    server.stop()


def test_second_run_fetches_only_new_edited_and_lookback(newsroom, tmp_path):
    server, articles = newsroom
    data_dir = tmp_path / "data"
    first = crawl(server, data_dir)
    assert first.returncode == 0, first.stderr
    assert len(dataset(data_dir)) == 60
    assert all(item["version"] == 1 and item["removed"] is False for item in dataset(data_dir))

    fresh = mirror.generate_articles(10, start_id=5000, newest=1_760_000_000)
    old = [edited(a) if i in {0, 7, 19} else a for i, a in enumerate(articles)]
    server.site = mirror.build_site(mirror.link_chain(fresh + old), per_page=10)
    server.requests.clear()
    second = crawl(server, data_dir)
    assert second.returncode == 0, second.stderr
    assert server.request_count <= 10 + 3 + 30, server.requests
    items = dataset(data_dir)
    assert len(items) == 70
    assert Counter(i["id"] for i in items).most_common(1)[0][1] == 1
    versions = {i["id"]: i["version"] for i in items}
    edited_ids = {mirror.expected_id(articles[i]) for i in (0, 7, 19)}
    assert {i for i, v in versions.items() if v == 2} == edited_ids
    assert all(validation_errors(i) == [] for i in items)
    assert [i["published"] for i in items] == sorted((i["published"] for i in items), reverse=True)

    report = json.loads(reports(data_dir)[-1].read_text())
    assert report["items"] == {"new": 10, "updated": 3, "unchanged": 17, "removed": 0, "dropped": 0}
    assert report["exit_code"] == 0
    assert report["stopped_early"] is True
    run_items = [
        json.loads(line)
        for line in reports(data_dir)[-1]
        .with_suffix("")
        .with_suffix(".jsonl")
        .read_text()
        .splitlines()
    ]
    assert len(run_items) == 13

    before = (data_dir / "europol.jsonl").read_bytes()
    third = crawl(server, data_dir)
    assert third.returncode == 0, third.stderr
    assert (data_dir / "europol.jsonl").read_bytes() == before


def test_removed_article_stays_marked(newsroom, tmp_path):
    server, articles = newsroom
    data_dir = tmp_path / "data"
    assert crawl(server, data_dir).returncode == 0
    gone = articles[3]
    site = mirror.build_site(articles, per_page=10)
    site.add(gone.alias, Page(status=410, body=b"Gone", content_type="text/plain"))
    server.site = site
    second = crawl(server, data_dir)
    assert second.returncode == 0, second.stderr
    by_id = {i["id"]: i for i in dataset(data_dir)}
    assert len(by_id) == 60
    assert by_id[mirror.expected_id(gone)]["removed"] is True
    assert by_id[mirror.expected_id(gone)]["removed_at"]
    assert sum(i["removed"] for i in by_id.values()) == 1


def test_full_refetches_everything(newsroom, tmp_path):
    server, _ = newsroom
    data_dir = tmp_path / "data"
    assert crawl(server, data_dir).returncode == 0
    server.requests.clear()
    assert crawl(server, data_dir, "--full").returncode == 0
    article_requests = [p for p in server.requests if p.startswith("/media-press/newsroom/news/")]
    assert len(article_requests) == 60


def test_second_run_on_a_locked_data_dir_exits_3_touching_nothing(newsroom, tmp_path):
    server, _ = newsroom
    data_dir = tmp_path / "data"
    assert crawl(server, data_dir).returncode == 0
    before = {p: p.stat().st_mtime_ns for p in data_dir.rglob("*") if p.name != "newsroom.lock"}
    server.requests.clear()
    with DataDirLock(data_dir):
        done = crawl(server, data_dir)
    assert done.returncode == 3
    assert "in use by another run (pid " in done.stderr
    assert server.request_count == 0
    assert {
        p: p.stat().st_mtime_ns for p in data_dir.rglob("*") if p.name != "newsroom.lock"
    } == before


def test_killed_run_is_completed_by_the_next_one(newsroom, tmp_path):
    """SIGKILL once 25 articles were served; the next run finishes the pass."""
    server, articles = newsroom
    data_dir = tmp_path / "data"
    served = threading.Event()
    release = threading.Event()
    count: Counter[str] = Counter()

    def hold_after_25(path, _server):
        if path.startswith("/media-press/newsroom/news/"):
            count["articles"] += 1
            if count["articles"] >= 25:
                served.set()
                release.wait(30)
        return

    server.interceptor = hold_after_25
    command = [sys.executable, "-m", "newsroom_scraper.cli", "crawl", "europol", "--base-url",
               server.origin, "--data-dir", str(data_dir), "--log-file", str(tmp_path / "killed.log")]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=REPO, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        assert served.wait(60), "the crawl never reached 25 articles"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
    finally:
        release.set()
        server.interceptor = None
    assert process.returncode == -signal.SIGKILL
    assert crawl(server, data_dir).returncode == 0
    items = dataset(data_dir)
    assert sorted(i["id"] for i in items) == sorted(mirror.expected_id(a) for a in articles)
    report = json.loads(reports(data_dir)[-1].read_text())
    assert report["resumed_unfinished_pass"] is True


# -- listed versions: the decision alone, on a site-less spider ---------------------------------


class VersionedSpider(NewsroomSpider):
    """A newsroom whose listing shows each article's version (no site in particular)."""

    name = "versioned"
    public_origin = "https://news.example.org"
    public_hosts = ("news.example.org",)

    def article_request(self, url: str) -> Request:
        return Request(url, meta={ROLE: Role.ARTICLE})

    def is_article_url(self, url: str) -> bool:
        return "/a/" in url


def listed(number: int, version: str | None, role: Role = Role.ARTICLE) -> Request:
    meta: dict[str, Any] = {ROLE: role}
    if version is not None:
        meta[LISTED_VERSION_META] = version
    return Request(f"https://news.example.org/a/{number}", meta=meta)


def versioned_middleware(data_dir: Path, lookback: int) -> IncrementalMiddleware:
    crawler = get_crawler(
        VersionedSpider, {"NEWSROOM_DATA_DIR": str(data_dir), "NEWSROOM_LOOKBACK": lookback}
    )
    crawler.spider = VersionedSpider.from_crawler(crawler)
    middleware = IncrementalMiddleware.from_crawler(crawler)
    middleware.spider_opened(crawler.spider)
    return middleware


def produced(middleware: IncrementalMiddleware, request: Request, number: int) -> None:
    """The pipelines kept the item of ``request`` (its article, ``number``)."""
    url = f"https://news.example.org/a/{number}"
    record = {"id": f"versioned:{number}", "url": url, "content_hash": "h", "version": 1,
              "published": f"2024-01-{number:02d}T00:00:00Z", "first_seen": "2024-02-01T00:00:00Z",
              "last_changed": "2024-02-01T00:00:00Z", "removed": False, "removed_at": None}  # fmt: skip
    middleware.store.save_article("versioned", record, "2024-02-01T00:00:00Z")
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    middleware.item_scraped(record, response)


def test_listed_versions_fetch_changed_articles_beyond_the_lookback(tmp_path):
    first = versioned_middleware(tmp_path, lookback=1)
    for number in range(1, 9):
        request = listed(number, "v1" if number != 8 else None)
        assert first.wanted(request)
        produced(first, request, number)
    redirected = listed(9, "v9")  # a listed link whose page is another article's (a redirect)
    produced(first, redirected, 1)
    first.spider_closed(first.spider, "finished")
    state = first.store.article_by_id("versioned", "versioned:1")
    assert state is not None
    assert state.listed_version == "v1"  # not v9: that version was the other link's
    first.store.close()

    second = versioned_middleware(tmp_path, lookback=1)
    decisions = [
        second.wanted(request)
        for request in (
            listed(20, "v1"),  # new
            listed(1, "v2"),  # changed: no look-back slot, no stop
            listed(2, "v1"),  # the look-back's one article
            listed(3, "v1"),  # unchanged, past the look-back: skipped, the listing stops
            listed(4, "v2"),  # changed further down: still fetched
            listed(5, "v1", Role.RELATED_ARTICLE),  # named by a fetched article: fetched
            listed(8, "v1"),  # stored without a version: changed, fetched once
            listed(6, None),  # no version listed: the look-back's rule, skipped
            Request("https://news.example.org/list?page=2", meta={ROLE: Role.LISTING}),
        )
    ]
    assert decisions == [True, True, True, False, True, True, True, False, False]
    stats = second.crawler.stats
    assert stats.get_value("incremental/changed_in_listing") == 3
    assert stats.get_value("incremental/lookback_fetched") == 1
    assert stats.get_value("incremental/skipped_known") == 2
    assert stats.get_value("incremental/related_fetched") == 1
    assert stats.get_value("incremental/skipped_listing_pages") == 1
    produced(second, listed(1, "v2"), 1)
    state = second.store.article_by_id("versioned", "versioned:1")
    assert state is not None
    assert state.listed_version == "v2"
    second.store.close()


def test_without_listed_versions_the_lookback_decides_as_before(tmp_path):
    first = versioned_middleware(tmp_path, lookback=0)
    for number in range(1, 4):
        request = listed(number, None)
        assert first.wanted(request)
        produced(first, request, number)
    first.spider_closed(first.spider, "finished")
    first.store.close()
    second = versioned_middleware(tmp_path, lookback=2)
    assert [second.wanted(listed(n, None)) for n in (1, 2, 3)] == [True, True, False]
    assert second.stop_paging
    assert second.crawler.stats.get_value("incremental/changed_in_listing") is None
    second.store.close()
