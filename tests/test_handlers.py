"""BaseUrlDownloadHandler: the mirror on the wire, public URLs and redirects above it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, UsageError
from scrapy.http import Response
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from newsroom_scraper import settings as project_settings
from newsroom_scraper.handlers import BaseUrlDownloadHandler
from newsroom_scraper.spiders.europol import EuropolSpider
from tests.helpers import run_cli

PUBLIC = "https://www.example.org"
MIRROR = "http://127.0.0.1:9"
#: (proxy, Proxy-Authorization) of each request the fake wire was asked.
proxies: list[tuple[Any, Any]] = []


def answer(monkeypatch: pytest.MonkeyPatch, status: int, headers: dict[str, bytes]) -> list[str]:
    """The wire answers ``status`` with ``headers``; the URLs it was asked for."""
    asked: list[str] = []
    proxies.clear()

    async def wire(self: HTTP11DownloadHandler, request: Request) -> Response:
        asked.append(request.url)
        proxies.append((request.meta.get("proxy"), request.headers.get(b"Proxy-Authorization")))
        return Response(request.url, status=status, headers=headers, request=request)

    def no_pool(self: HTTP11DownloadHandler, crawler: Crawler) -> None:
        self.crawler = crawler  # the parent's connection pool needs a running reactor

    monkeypatch.setattr(HTTP11DownloadHandler, "__init__", no_pool)
    monkeypatch.setattr(HTTP11DownloadHandler, "download_request", wire)
    return asked


def download(url: str, mirror: str = MIRROR, **meta: Any) -> Response:
    crawler = get_crawler(Spider)
    spider = Spider("s")
    spider.base_url = mirror  # type: ignore[attr-defined]
    spider.public_origin = PUBLIC  # type: ignore[attr-defined]
    spider.public_hosts = ("www.example.org",)  # type: ignore[attr-defined]
    crawler.spider = spider
    handler = BaseUrlDownloadHandler(crawler)
    request = Request(url, meta=meta, headers={"Proxy-Authorization": "Basic eDp5"})
    return asyncio.run(handler.download_request(request))


def test_the_wire_goes_to_the_mirror_and_the_response_is_public(monkeypatch):
    asked = answer(monkeypatch, 200, {})
    response = download(f"{PUBLIC}/news/a?p=1")
    assert asked == [f"{MIRROR}/news/a?p=1"]
    assert response.url == f"{PUBLIC}/news/a?p=1"


def test_a_non_ascii_location_is_read_as_utf8_like_scrapy_does(monkeypatch):
    answer(monkeypatch, 302, {"Location": f"{MIRROR}/news/café".encode()})
    response = download(f"{PUBLIC}/news/a")
    assert response.headers[b"Location"] == f"{PUBLIC}/news/caf%C3%A9".encode()


def test_a_redirect_off_the_site_is_refused(monkeypatch):
    answer(monkeypatch, 301, {"Location": b"https://elsewhere.example/a"})
    with pytest.raises(IgnoreRequest, match="off the site"):
        download(f"{PUBLIC}/news/a")


def test_a_location_that_is_not_a_redirect_is_left_alone(monkeypatch):
    """A 201's ``Location`` is never followed: its response is not refused."""
    answer(monkeypatch, 201, {"Location": b"https://elsewhere.example/a"})
    response = download(f"{PUBLIC}/news/a")
    assert response.status == 201
    assert response.url == f"{PUBLIC}/news/a"


def crawler_of(spider: type[Spider], **settings: Any) -> Crawler:
    """A crawler with the project's settings, not frozen yet (as when a crawl makes its spider)."""
    project = Settings()
    project.setmodule(project_settings, priority="project")
    project.setdict(settings, priority="cmdline")
    return Crawler(spider, project)


def test_a_mirrors_pages_are_cached_apart_from_the_live_sites():
    """The cache keys on public URLs: a live crawl must never be answered from a mirror's."""
    live = crawler_of(EuropolSpider, HTTPCACHE_DIR="cache")
    EuropolSpider.from_crawler(live)
    mirrored = crawler_of(EuropolSpider, HTTPCACHE_DIR="cache")
    EuropolSpider.from_crawler(mirrored, base_url="http://127.0.0.1:8123")
    assert live.settings["HTTPCACHE_DIR"] == "cache"
    assert mirrored.settings["HTTPCACHE_DIR"] == "cache/mirror-127.0.0.1:8123"


def test_a_mirror_crawl_with_another_handler_is_refused():
    """Another handler for the public scheme (Scrapy's own, HTTP/2...) would send the crawl to
    the live site: refused before any request."""
    scrapys = {"https": "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"}
    with pytest.raises(UsageError, match="not HTTP11DownloadHandler"):
        EuropolSpider.from_crawler(
            crawler_of(EuropolSpider, DOWNLOAD_HANDLERS=scrapys), base_url="http://127.0.0.1:8"
        )
    EuropolSpider.from_crawler(crawler_of(EuropolSpider, DOWNLOAD_HANDLERS=scrapys))  # live
    EuropolSpider.from_crawler(crawler_of(EuropolSpider), base_url="http://127.0.0.1:8")
    own = {"https": OwnMirrorHandler}
    EuropolSpider.from_crawler(
        crawler_of(EuropolSpider, DOWNLOAD_HANDLERS=own), base_url="http://127.0.0.1:8"
    )


class OwnMirrorHandler(BaseUrlDownloadHandler):
    """A project's own handler built on the mirror's."""


def test_the_cli_says_so_in_one_line(tmp_path):
    scrapys = '{"https": "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"}'
    done = run_cli(
        "crawl", "europol", "--base-url", "http://127.0.0.1:9", "--data-dir", str(tmp_path),
        "-s", f"DOWNLOAD_HANDLERS={scrapys}",
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "--base-url needs newsroom_scraper.handlers.BaseUrlDownloadHandler" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_mirror_on_this_machine_is_never_reached_through_a_proxy(monkeypatch):
    """The environment's proxy is chosen for the public URL; it cannot reach this machine's
    loopback (the demo failed behind a proxy)."""
    answer(monkeypatch, 200, {})
    download(f"{PUBLIC}/news/a", proxy="http://proxy.example:3128", _scheme_proxy=True)
    assert proxies == [(None, None)]


def test_a_mirror_elsewhere_keeps_the_proxy_decision(monkeypatch):
    answer(monkeypatch, 200, {})
    download(f"{PUBLIC}/news/a", mirror="http://mirror.example:8080", proxy="http://p.example:1")
    assert proxies == [("http://p.example:1", b"Basic eDp5")]


def test_the_demo_crawls_behind_a_proxy_of_the_environment(tmp_path, monkeypatch):
    """A researcher's machine with ``https_proxy`` set (a dead one here): the offline sample
    still crawls, on 127.0.0.1."""
    for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    done = run_cli("crawl", "europol", "--demo", "--data-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "Exit code 0: success" in done.stderr
