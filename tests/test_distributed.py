"""Distributed crawls on Redis: workers share one queue, one seen-set, one state, one dataset.

A real ``redis-server`` is started on a free port of 127.0.0.1 (no persistence). Without the
binary the tests are skipped locally, but fail in CI (``CI=true``), where ``.ci/run`` installs
it. Workers are the real CLI in subprocesses; each has its own mirror server (the same site),
so that an interceptor on one server holds exactly one worker's requests: that is how a worker
is killed at a known point (no sleeps). In-process tests drive the scheduler and the worker
protocol with a stand-in engine, under this project's ``filterwarnings = error``: a deprecation
warning from scrapy-redis reaching our code paths fails them.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from newsroom_scraper.mirror import MirrorServer
from newsroom_scraper.pipelines import validation_errors
from newsroom_scraper.state.lock import DataDirLock
from newsroom_scraper.state.store import SqliteStateStore
from tests.helpers import REPO, cli_env, free_port, need, run_cli
from tests.mirrors import europol as mirror

pytestmark = pytest.mark.redis

NEWS = mirror.NEWS_PREFIX
IGNORED = {"scraped_at", "first_seen", "last_changed"}
#: Idle exit and heartbeat short enough for a test, long enough to mean something: a worker
#: exits within about IDLE_EXIT + HEARTBEAT of the crawl going quiet (unit-tested above), and
#: the idle-worker test sees one wait several times its idle exit without leaving.
IDLE_EXIT = 0.5
WORKER_SETTINGS = {
    "NEWSROOM_IDLE_EXIT": str(IDLE_EXIT),
    "NEWSROOM_HEARTBEAT": "0.1",
    "CONCURRENT_REQUESTS": "8",
}


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory):
    binary = shutil.which("redis-server")
    need(binary, "redis-server is not installed (apt-get install redis-server)")
    assert binary is not None
    need(
        importlib.util.find_spec("scrapy_redis") and importlib.util.find_spec("redis"),
        "the distributed extra is not installed (pip install -e '.[distributed]')",
    )
    import redis

    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + 15
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"redis-server did not start on port {port}")
            threading.Event().wait(0.05)  # polling a server's readiness, bounded by the deadline
    yield port
    client.close()
    process.terminate()
    process.wait(10)


@pytest.fixture
def redis_url(redis_port):
    import redis

    with redis.Redis(port=redis_port) as client:
        client.flushall()
    return f"redis://127.0.0.1:{redis_port}/0"


# -- the state store: the same answers as SQLite ---------------------------------------------------


def record(number: int, published: str, **changes):
    base = {"id": f"s:{number}", "url": f"https://x.org/{number}", "content_hash": f"h{number}",
            "published": published, "first_seen": "2024-01-01T00:00:00Z",
            "last_changed": "2024-01-01T00:00:00Z", "version": 1, "removed": False,
            "removed_at": None}  # fmt: skip
    base.update(changes)
    return base


def exercise(store):
    """The same calls on any StateStore; returns everything they answered."""
    answers = []
    store.save_article("s", record(1, "2024-01-01T00:00:00Z"), "2024-02-01T00:00:00Z")
    store.save_article("s", record(2, "2024-03-01T00:00:00Z"), "2024-02-01T00:00:00Z")
    store.save_article("s", record(3, "2024-03-01T00:00:00Z"), "2024-02-01T00:00:00Z")
    store.save_article("other", record(9, "2025-01-01T00:00:00Z"), "2024-02-01T00:00:00Z")
    # an edit: new URL, new publication time, new version
    store.save_article(
        "s",
        record(1, "2024-04-01T00:00:00Z", url="https://x.org/one", version=2, content_hash="h1b"),
        "2024-04-02T00:00:00Z",
    )
    store.touch_article("s", "s:2", "2024-05-01T00:00:00Z")
    answers.append(store.mark_removed("s", "s:3", "2024-05-01T00:00:00Z"))
    answers.append(store.mark_removed("s", "s:3", "2024-06-01T00:00:00Z"))
    answers.append([json.loads(line) for line in store.records("s")])
    answers.append(store.article_by_url("s", "https://x.org/1"))
    answers.append(store.article_by_url("s", "https://x.org/one"))
    answers.append(store.article_by_id("s", "s:2"))
    answers.append(store.article_by_id("s", "s:9"))
    answers.append((store.count_articles("s"), store.count_articles("other")))
    answers.append(store.pass_state("s"))
    store.start_pass("s", "2024-06-01T00:00:00Z")
    answers.append(store.pass_state("s"))
    store.finish_pass("s", "2024-06-02T00:00:00Z")
    store.start_pass("s", "2024-07-01T00:00:00Z")
    answers.append(store.pass_state("s"))
    store.add_failed("s", "https://x.org/b", "fetch_failed: x", "2024-06-01T00:00:02Z")
    store.add_failed("s", "https://x.org/a", "fetch_failed: y", "2024-06-01T00:00:02Z")
    store.add_failed("s", "https://x.org/c", "http_error: 500", "2024-06-01T00:00:01Z")
    store.clear_failed("s", "https://x.org/b")
    answers.append(store.failed_urls("s"))
    return answers


def test_redis_store_answers_like_the_sqlite_store(redis_url, tmp_path):
    from newsroom_scraper.state.redis_store import RedisStateStore

    sqlite = SqliteStateStore(tmp_path / "state.sqlite3")
    expected = exercise(sqlite)
    sqlite.close()
    store = RedisStateStore(redis_url)
    assert exercise(store) == expected
    assert [json.loads(line)["id"] for line in store.records("s")] == ["s:1", "s:3", "s:2"]
    store.close()


def test_workers_of_one_crawl_share_its_pass(redis_url):
    """A worker joining a running crawl sees the pass as the crawl's first worker saw it, and a
    discovery failure in any worker keeps the pass unfinished."""
    from newsroom_scraper.state.redis_store import RedisStateStore

    store = RedisStateStore(redis_url)
    store.client.hset("newsroom:s:crawl", "id", "crawl-1")
    store.start_pass("s", "2024-01-01T00:00:00Z")
    store.finish_pass("s", "2024-01-01T01:00:00Z")
    store.client.hset("newsroom:s:crawl", "id", "crawl-2")
    assert store.pass_state("s").finished is True  # first worker of crawl-2
    store.start_pass("s", "2024-02-01T00:00:00Z")
    store.start_pass("s", "2024-02-01T00:00:05Z")  # a second worker joins
    assert store.pass_state("s").finished is True
    assert store.pass_state("s").started_at == "2024-02-01T00:00:00Z"
    store.client.hset("newsroom:s:pass", "broken", "crawl-2")
    store.finish_pass("s", "2024-02-01T01:00:00Z")
    store.client.hset("newsroom:s:crawl", "id", "crawl-3")
    assert store.pass_state("s").finished is False
    store.close()


# -- the scheduler and the worker protocol, in process ---------------------------------------------


class Engine:
    """The public engine methods the worker calls: idleness, room for requests, crawl, close."""

    def __init__(self):
        self.idle = False
        self.scheduler: Any = None
        self.closed: str | None = None

    def spider_is_idle(self):
        return self.idle

    def needs_backout(self):
        return False

    def crawl(self, request):
        self.scheduler.enqueue_request(request)

    def close_spider_async(self, *, reason):
        from twisted.internet.defer import succeed

        self.closed = reason
        return succeed(None)


def finish(request):
    """What Scrapy does with a request whose download failed: its errback, output consumed."""
    from scrapy.exceptions import IgnoreRequest
    from twisted.python.failure import Failure

    failure = Failure(IgnoreRequest("done"))
    failure.request = request  # type: ignore[attr-defined]  # as Scrapy does
    list(request.errback(failure) or ())


def open_scheduler(redis_url, name, monkeypatch, **settings):
    from scrapy.utils.test import get_crawler

    from newsroom_scraper.distributed import RedisScheduler, Worker
    from newsroom_scraper.spiders.europol import EuropolSpider

    monkeypatch.setattr(Worker, "start_heartbeat", lambda self: None)  # no reactor here
    crawler = get_crawler(
        EuropolSpider,
        {"REDIS_URL": redis_url, "NEWSROOM_WORKER": name, "NEWSROOM_IDLE_EXIT": 0, **settings},
    )
    spider = EuropolSpider.from_crawler(crawler)
    crawler.spider = spider
    engine = Engine()
    crawler.engine = engine  # type: ignore[assignment]  # the stand-in
    scheduler = RedisScheduler.from_crawler(crawler)
    scheduler.open(spider)
    engine.scheduler = scheduler
    return scheduler, spider


def article(spider, number):
    return spider.article_request(f"{mirror.PUBLIC}{NEWS}article-{number}")


def test_taken_requests_stay_in_redis_until_finished(redis_url, monkeypatch):
    import redis

    from newsroom_scraper.distributed import INFLIGHT_META

    scheduler, spider = open_scheduler(redis_url, "w1", monkeypatch)
    client = redis.Redis.from_url(redis_url)
    assert scheduler.enqueue_request(article(spider, 1))
    assert scheduler.enqueue_request(article(spider, 2))
    assert not scheduler.enqueue_request(article(spider, 1))  # the shared seen-set
    request = scheduler.next_request()
    assert request.meta[INFLIGHT_META]
    assert client.zcard("newsroom:europol:requests") == 1
    assert client.hlen("newsroom:europol:inflight:w1") == 1
    scheduler.worker.settle()
    assert client.hlen("newsroom:europol:inflight:w1") == 1  # still being worked on
    finish(request)
    scheduler.next_request()  # settles first: request 1 is finished
    assert client.hlen("newsroom:europol:inflight:w1") == 1  # only request 2 now
    assert scheduler.next_request() is None

    # w1 is killed now (nothing more runs): restarted under its name, it takes request 2 back
    again, _ = open_scheduler(redis_url, "w1", monkeypatch)
    assert client.hlen("newsroom:europol:inflight:w1") == 0
    retaken = again.next_request()
    assert retaken.url.endswith("article-2")
    assert again.crawler.stats.get_value("distributed/recovered") == 1
    client.close()


def test_requests_of_a_dead_worker_are_queued_again_and_a_crawl_is_joined(redis_url, monkeypatch):
    import redis

    first, spider = open_scheduler(redis_url, "w1", monkeypatch, NEWSROOM_WORKER_TTL=60)
    client = redis.Redis.from_url(redis_url)
    for number in range(3):
        first.enqueue_request(article(spider, number))
    first.next_request()  # held: w1 works on it
    crawl = client.hget("newsroom:europol:crawl", "id")

    second, _ = open_scheduler(redis_url, "w2", monkeypatch)
    assert client.hget("newsroom:europol:crawl", "id") == crawl  # joined, not restarted
    assert client.scard("newsroom:europol:dupefilter") == 3  # seen-set kept
    assert second.worker.recover_dead() == 0  # w1 is alive

    client.delete("newsroom:europol:alive:w1")  # w1's heartbeat expired
    assert second.worker.recover_dead() == 1
    assert client.zcard("newsroom:europol:requests") == 3
    assert not client.hexists("newsroom:europol:workers", "w1")
    client.close()


def test_a_worker_exits_only_once_the_whole_crawl_is_quiet(redis_url, monkeypatch):
    import redis
    from scrapy.exceptions import DontCloseSpider

    first, spider = open_scheduler(redis_url, "w1", monkeypatch)
    second, _ = open_scheduler(redis_url, "w2", monkeypatch)
    client = redis.Redis.from_url(redis_url)
    first.enqueue_request(article(spider, 1))
    with pytest.raises(DontCloseSpider):
        second.worker.spider_idle()  # something is queued
    busy = first.next_request()
    with pytest.raises(DontCloseSpider):
        second.worker.spider_idle()  # w1 still works on a request
    finish(busy)
    first.worker.settle()
    assert second.worker.spider_idle() is None  # NEWSROOM_IDLE_EXIT=0: quiet is enough

    first.close("finished")
    second.close("finished")
    assert client.hlen("newsroom:europol:workers") == 0
    assert client.hexists("newsroom:europol:crawl", "finished_at")
    client.close()


def closed(scheduler) -> str | None:
    """The reason the worker closed its (stand-in) engine with, if it did."""
    reason: str | None = scheduler.crawler.engine.closed
    return reason


def test_an_idle_worker_closes_at_its_heartbeat_once_the_whole_crawl_is_quiet(
    redis_url, monkeypatch
):
    """An idle engine asks its spider_idle handlers again only every 5 s: the worker's own
    heartbeat closes it, never while a request is queued or in flight in any worker."""
    first, spider = open_scheduler(redis_url, "w1", monkeypatch)
    second, _ = open_scheduler(redis_url, "w2", monkeypatch)
    patient, _ = open_scheduler(redis_url, "w3", monkeypatch, NEWSROOM_IDLE_EXIT=3600)
    for worker in (second, patient):
        worker.crawler.engine.idle = True
    first.enqueue_request(article(spider, 1))
    second.wake = lambda: None  # leave the request queued
    second.worker.tick()
    assert closed(second) is None  # something is queued
    busy = first.next_request()
    second.worker.tick()
    assert closed(second) is None  # w1 still works on a request
    assert second.worker.state == "waiting"
    finish(busy)
    first.worker.settle()
    first.crawler.engine.idle = False  # busy workers never close themselves
    for worker in (first, second, patient):
        worker.worker.tick()
    assert closed(second) == "finished"  # NEWSROOM_IDLE_EXIT=0: quiet is enough
    assert closed(patient) is None  # quiet, but not for an hour yet
    assert closed(first) is None
    assert (first.worker.state, patient.worker.state) == ("busy", "waiting")
    for worker in (first, second, patient):
        worker.close("finished")


def test_a_stopped_worker_gives_back_what_it_had_not_finished(redis_url, monkeypatch):
    import redis

    scheduler, spider = open_scheduler(redis_url, "w1", monkeypatch)
    client = redis.Redis.from_url(redis_url)
    scheduler.enqueue_request(article(spider, 1))
    assert scheduler.next_request() is not None
    assert client.zcard("newsroom:europol:requests") == 0
    assert client.hlen("newsroom:europol:inflight:w1") == 1
    scheduler.close("shutdown")  # e.g. SIGTERM before the request was answered
    assert client.hlen("newsroom:europol:inflight:w1") == 0
    requeued = client.zrange("newsroom:europol:requests", 0, -1)
    assert len(requeued) == 1
    assert b"https://www.europol.europa.eu" in requeued[0]  # its public form
    client.close()


def test_an_idle_engine_finishes_every_record_and_a_free_one_is_given_work(redis_url, monkeypatch):
    import redis

    scheduler, spider = open_scheduler(redis_url, "w1", monkeypatch)
    client = redis.Redis.from_url(redis_url)
    for number in (1, 2):
        scheduler.enqueue_request(article(spider, number))
    scheduler.next_request()  # e.g. dropped by a middleware: never reaches a callback
    scheduler.worker.settle()
    assert client.hlen("newsroom:europol:inflight:w1") == 1
    scheduler.crawler.engine.idle = True
    scheduler.worker.settle(idle=True)  # nothing is in progress in an idle engine
    assert client.hlen("newsroom:europol:inflight:w1") == 0

    scheduler.wake()  # the engine has room: it gets request 2 now, not at its next heartbeat
    assert client.zcard("newsroom:europol:requests") == 0
    assert client.hlen("newsroom:europol:inflight:w1") == 1
    assert scheduler.local[0].url.endswith("article-2")
    assert scheduler.next_request().url.endswith("article-2")
    client.close()


def test_a_request_is_finished_once_what_its_callback_yielded_is_queued_and_stored():
    """In flight from the scheduler until the callback is done, its requests are queued and its
    items are through the pipelines; a request coming back before its callback (a redirect)
    hands its token over; the callbacks are the spider's own again when it goes to Redis."""
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from newsroom_scraper.distributed import INFLIGHT_META, InFlight, untrack

    child, item = Request("https://x.org/child"), {"id": "x:1"}

    def parse(response):
        yield child
        yield item

    async def parse_async(response):
        yield item

    inflight = InFlight()
    request = Request("https://x.org/", callback=parse, meta={INFLIGHT_META: "7"})
    inflight.handed_out(request)
    assert inflight.busy() == {"7"}
    inflight.came_back(request.replace(url="https://x.org/moved"))  # redirected
    assert inflight.busy() == set()

    inflight.handed_out(request)
    assert request.callback is not None
    output = request.callback(HtmlResponse(request.url, request=request, body=b""))
    assert inflight.busy() == {"7"}
    assert list(output) == [child, item]
    assert inflight.busy() == {"7"}  # the child is not queued, the item not stored yet
    inflight.came_back(child)
    assert inflight.busy() == {"7"}
    inflight.item_done(item)
    assert inflight.busy() == set()
    untrack(request)
    assert request.callback is parse

    other = Request("https://x.org/a", callback=parse_async, meta={INFLIGHT_META: "8"})
    inflight.handed_out(other)

    async def consume():
        assert other.callback is not None
        response = HtmlResponse(other.url, request=other, body=b"")
        return [value async for value in other.callback(response)]

    import asyncio

    assert asyncio.run(consume()) == [item]
    assert inflight.busy() == {"8"}
    inflight.item_done(item)
    assert inflight.busy() == set()


# -- whole crawls: workers in subprocesses -----------------------------------------------------------


@pytest.fixture
def site():
    articles = mirror.link_chain(mirror.generate_articles(60, start_id=1000, newest=1_700_000_000))
    return articles, mirror.build_site(articles, per_page=10)


@pytest.fixture
def servers(site):
    started = []

    def start(count):
        for _ in range(count):
            started.append(MirrorServer(site[1]).start())
        return started[-count:]

    yield start
    for server in started:
        server.interceptor = None
        server.stop()


class Workers:
    """Worker subprocesses of one crawl; logs and stats under ``folder``."""

    def __init__(self, redis_url, data_dir, folder, site="europol"):
        self.redis_url = redis_url
        self.site = site
        self.data_dir = data_dir
        self.folder = folder
        self.incarnations: Counter[str] = Counter()

    def start(self, name, server, *extra):
        self.incarnations[name] += 1
        tag = f"{name}.{self.incarnations[name]}"
        command = [sys.executable, "-m", "newsroom_scraper.cli", "crawl", self.site,
                   "--base-url", server.origin, "--data-dir", str(self.data_dir),
                   "--redis", self.redis_url, "--worker", name,
                   "--log-file", str(self.folder / f"{tag}.log"),
                   "-s", f"NEWSROOM_STATS_FILE={self.folder / f'{tag}.stats.json'}", *extra]  # fmt: skip
        for setting, value in WORKER_SETTINGS.items():
            command += ["-s", f"{setting}={value}"]
        return subprocess.Popen(
            command, cwd=REPO, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip

    def stats(self, tag):
        return json.loads((self.folder / f"{tag}.stats.json").read_text())

    def logs(self):
        return "\n".join(path.read_text() for path in sorted(self.folder.glob("*.log")))


def finished(process, timeout=120):
    _, stderr = process.communicate(timeout=timeout)
    assert process.returncode == 0, stderr
    return stderr


def export(redis_url, data_dir):
    done = run_cli("export", "--redis", redis_url, "--site", "europol", "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    return (data_dir / "europol.jsonl").read_text("utf-8").splitlines()


def single_process_dataset(server, tmp_path):
    data_dir = tmp_path / "single"
    done = run_cli("crawl", "europol", "--base-url", server.origin, "--data-dir", str(data_dir),
                   "--log-file", str(tmp_path / "single.log"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    return (data_dir / "europol.jsonl").read_text("utf-8").splitlines()


def comparable(lines):
    return [{k: v for k, v in json.loads(line).items() if k not in IGNORED} for line in lines]


def run_file_ids(data_dir):
    ids: Counter[str] = Counter()
    for path in (data_dir / "runs" / "europol").glob("*.jsonl"):
        ids.update(json.loads(line)["id"] for line in path.read_text("utf-8").splitlines())
    return ids


def assert_exact_dataset(lines, articles, reference):
    items = [json.loads(line) for line in lines]
    ids = [item["id"] for item in items]
    assert sorted(ids) == sorted(mirror.expected_id(a) for a in articles)
    assert len(set(ids)) == len(ids)
    assert all(validation_errors(item) == [] for item in items)
    assert comparable(lines) == comparable(reference)  # newest first, field for field


def after_articles(count, event, then_wait_for=None):
    """An interceptor: ``event`` is set at the ``count``-th article request; that one and every
    later one then wait for ``then_wait_for`` (if given)."""
    numbers = itertools.count(1)
    lock = threading.Lock()

    def intercept(path, _server):
        if not path.startswith(NEWS):
            return
        with lock:
            number = next(numbers)
        if number >= count:
            event.set()
            if then_wait_for is not None:
                then_wait_for.wait(60)
        return

    return intercept


def held_until(event):
    def intercept(path, _server):
        if path.startswith(NEWS):
            event.wait(60)
        return

    return intercept


def test_two_workers_write_each_article_once(redis_url, servers, site, tmp_path):
    """w1 holds an article before w2 starts, and its articles wait until w2 has fetched two:
    both take part, each article is fetched and written by exactly one of them."""
    articles, _ = site
    server_1, server_2, reference_server = servers(3)
    first_article, opened = threading.Event(), threading.Event()

    def hold_1(path, _server):
        if path.startswith(NEWS):
            first_article.set()
            opened.wait(60)
        return

    server_1.interceptor = hold_1
    server_2.interceptor = after_articles(2, opened)
    workers = Workers(redis_url, tmp_path / "data", tmp_path)
    w1 = workers.start("w1", server_1)
    assert first_article.wait(60), "w1 never asked for an article"
    w2 = workers.start("w2", server_2)
    finished(w1)
    finished(w2)
    opened.set()

    ids = run_file_ids(tmp_path / "data")
    assert set(ids) == {mirror.expected_id(a) for a in articles}
    assert set(ids.values()) == {1}  # each article written by exactly one worker
    assert workers.stats("w1.1")["dataset/new"] >= 1
    assert workers.stats("w2.1")["dataset/new"] >= 2
    reports = sorted((tmp_path / "data" / "runs" / "europol").glob("*-w*.report.json"))
    assert len(reports) == 2
    assert not (tmp_path / "data" / "europol.jsonl").exists()  # workers write no dataset
    assert "py.warnings" not in workers.logs()

    lines = export(redis_url, tmp_path / "export")
    assert_exact_dataset(lines, articles, single_process_dataset(reference_server, tmp_path))


@pytest.mark.parametrize("count", [2, 3])
def test_a_killed_worker_restarted_mid_crawl_loses_nothing(
    count, redis_url, servers, site, tmp_path
):
    """w2 is killed (SIGKILL) while it holds requests; the others' articles wait until then, so
    w2 certainly reached that point. Restarted under its name, w2 takes its requests back."""
    articles, _ = site
    *others, server_2, reference_server = servers(count + 1)
    reached, release = threading.Event(), threading.Event()
    server_2.interceptor = after_articles(4, reached, then_wait_for=release)
    for server in others:
        server.interceptor = held_until(release)
    workers = Workers(redis_url, tmp_path / "data", tmp_path)
    running = [workers.start(f"w{n}", server) for n, server in enumerate(others, start=3)]
    w2 = workers.start("w2", server_2)
    try:
        assert reached.wait(90), "w2 never reached its fourth article"
        os.kill(w2.pid, signal.SIGKILL)
        w2.communicate(timeout=30)
    finally:
        server_2.interceptor = None
        release.set()
    assert w2.returncode == -signal.SIGKILL
    restarted = workers.start("w2", server_2)
    for process in [*running, restarted]:
        finished(process)

    assert workers.stats("w2.2")["distributed/recovered"] >= 1
    assert set(run_file_ids(tmp_path / "data")) == {mirror.expected_id(a) for a in articles}
    assert "py.warnings" not in workers.logs()
    lines = export(redis_url, tmp_path / "export")
    assert_exact_dataset(lines, articles, single_process_dataset(reference_server, tmp_path))


def test_an_idle_worker_waits_while_another_one_is_still_working(redis_url, servers, tmp_path):
    """w2 starts with nothing queued while w1's newsroom page is held: it must wait (longer
    than its idle time) instead of closing, then take part when the listing comes."""
    import redis

    server_1, server_2 = servers(2)
    asked, release = threading.Event(), threading.Event()

    def hold_newsroom(path, _server):
        if path == "/media-press/newsroom":
            asked.set()
            release.wait(60)
        return

    server_1.interceptor = hold_newsroom
    workers = Workers(redis_url, tmp_path / "data", tmp_path)
    w1 = workers.start("w1", server_1)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        assert asked.wait(60)
        w2 = workers.start("w2", server_2)
        deadline = time.monotonic() + 60
        while True:  # poll w2's status line in Redis, bounded by the deadline
            info = json.loads(client.hget("newsroom:europol:workers", "w2") or "{}")
            waited = info.get("waiting_seconds", 0)
            if info.get("state") == "waiting" and waited >= 4 * IDLE_EXIT:
                break
            assert w2.poll() is None, "w2 exited while w1 was still working"
            assert time.monotonic() < deadline, info
            threading.Event().wait(0.1)
        assert w2.poll() is None
        assert client.zcard("newsroom:europol:requests") == 0
    finally:
        release.set()
    finished(w1)
    finished(w2)
    client.close()
    assert len(export(redis_url, tmp_path / "export")) == 60


def test_the_next_crawl_starts_afresh_and_is_incremental(redis_url, servers, site, tmp_path):
    """scrapy-redis keeps the seen-set (SCHEDULER_PERSIST): the next crawl must empty it, or it
    would fetch nothing; it fetches what is new or edited, as a single-process run does."""
    articles, _ = site
    server_1, server_2 = servers(2)
    workers = Workers(redis_url, tmp_path / "data", tmp_path)
    finished(workers.start("w1", server_1))
    assert len(export(redis_url, tmp_path / "export")) == 60

    fresh = mirror.generate_articles(10, start_id=5000, newest=1_760_000_000)
    old = [
        replace(a, body=a.body + "<p>Correction.</p>") if i in {0, 7} else a
        for i, a in enumerate(articles)
    ]
    site_2 = mirror.build_site(mirror.link_chain(fresh + old), per_page=10)
    for server in (server_1, server_2):
        server.site = site_2
        server.requests.clear()
    second = [workers.start("w1", server_1), workers.start("w2", server_2)]
    for process in second:
        finished(process)
    article_requests = sum(
        count
        for server in (server_1, server_2)
        for path, count in server.requests.items()
        if path.startswith(NEWS)
    )
    assert article_requests < 60  # known articles past the look-back were not fetched again
    items = [json.loads(line) for line in export(redis_url, tmp_path / "export")]
    assert len(items) == 70
    edited = {mirror.expected_id(old[i]) for i in (0, 7)}
    assert {i["id"] for i in items if i["version"] == 2} == edited


def test_export_holds_the_data_dir_lock_and_needs_articles(redis_url, tmp_path):
    from newsroom_scraper.state.redis_store import RedisStateStore

    data_dir = tmp_path / "data"
    empty = run_cli(
        "export", "--redis", redis_url, "--site", "europol", "--data-dir", str(data_dir)
    )
    assert empty.returncode == 1
    assert "no europol articles" in empty.stderr
    store = RedisStateStore(redis_url)
    store.save_article(
        "europol", record(1, "2024-01-01T00:00:00Z", id="europol:1"), "2024-01-01T00:00:00Z"
    )
    store.close()
    with DataDirLock(data_dir):
        locked = run_cli("export", "--redis", redis_url, "--site", "europol",
                         "--data-dir", str(data_dir))  # fmt: skip
    assert locked.returncode == 3
    assert "in use by another run" in locked.stderr
    assert not (data_dir / "europol.jsonl").exists()
    assert [json.loads(line)["id"] for line in export(redis_url, data_dir)] == ["europol:1"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--redis", "REDIS", "--out", "x.jsonl"], "--out and --redis"),
        (["--redis", "REDIS", "--limit", "5"], "--limit and --redis"),
        (["--redis", "REDIS", "--worker", "a/b"], "--worker"),
        (["--worker", "w1"], "it needs --redis"),
        (["--redis", "http://127.0.0.1:1/0"], "expected redis://"),
    ],
)
def test_usage_errors(args, message, redis_url):
    done = run_cli("crawl", "europol", *[redis_url if a == "REDIS" else a for a in args])
    assert done.returncode == 2
    assert message in done.stderr


def test_unreachable_redis_is_one_line_and_exit_1(tmp_path):
    need(importlib.util.find_spec("redis"), "the distributed extra is not installed")
    port = free_port()
    done = run_cli("crawl", "europol", "--redis", f"redis://127.0.0.1:{port}/0",
                   "--data-dir", str(tmp_path))  # fmt: skip
    assert done.returncode == 1
    assert f"cannot reach Redis at redis://127.0.0.1:{port}/0" in done.stderr


# -- GOV.UK: two workers, then an incremental crawl by listed versions ------------------------------


def listed_versions(store):
    """Listed versions on any StateStore: kept apart from the saves, per site."""
    store.save_article("s", record(1, "2024-01-01T00:00:00Z"), "2024-02-01T00:00:00Z")
    answers = [store.article_by_id("s", "s:1")]
    store.set_listed_version("s", "s:1", "2024-01-02T00:00:00Z")
    store.set_listed_version("other", "s:1", "elsewhere")
    store.save_article("s", record(1, "2024-01-01T00:00:00Z", version=2), "2024-03-01T00:00:00Z")
    answers += [store.article_by_id("s", "s:1"), store.article_by_url("s", "https://x.org/1")]
    store.set_listed_version("s", "s:1", "2024-05-01T00:00:00Z")
    answers.append(store.article_by_id("s", "s:1"))
    return answers


def test_redis_store_keeps_listed_versions_like_the_sqlite_store(redis_url, tmp_path):
    from newsroom_scraper.state.redis_store import RedisStateStore

    sqlite = SqliteStateStore(tmp_path / "state.sqlite3")
    expected = listed_versions(sqlite)
    sqlite.close()
    assert [a.listed_version for a in expected] == [
        None, "2024-01-02T00:00:00Z", "2024-01-02T00:00:00Z", "2024-05-01T00:00:00Z"
    ]  # fmt: skip
    store = RedisStateStore(redis_url)
    assert listed_versions(store) == expected
    store.close()


def test_two_govuk_workers_give_every_item_once(redis_url, tmp_path):
    """As for Europol: w1 holds its first Content API item until w2 has fetched two, each item
    is written by one worker, and export gives the single-process dataset. The next crawl of
    two workers, with --lookback 0, fetches exactly the new and the updated items (listed
    versions kept in Redis) and marks the updated ones version 2."""
    from datetime import UTC, datetime, timedelta

    from tests.mirrors import govuk

    content = "/api/content/"
    articles = govuk.default_articles()
    translations = {a.base_path.rsplit(".", 1)[0]: a.base_path for a in articles if not a.listed}
    site_1 = govuk.build_site(articles)
    server_1, server_2, reference = (MirrorServer(site_1).start() for _ in range(3))
    first_item, opened = threading.Event(), threading.Event()
    numbers = itertools.count(1)
    lock = threading.Lock()

    def hold_1(path, _server):
        if path.startswith(content):
            first_item.set()
            opened.wait(60)

    def count_2(path, _server):
        if path.startswith(content):
            with lock:
                if next(numbers) >= 2:
                    opened.set()

    server_1.interceptor, server_2.interceptor = hold_1, count_2
    workers = Workers(redis_url, tmp_path / "data", tmp_path, site="govuk")
    try:
        w1 = workers.start("w1", server_1)
        assert first_item.wait(60), "w1 never asked for an item"
        w2 = workers.start("w2", server_2)
        finished(w1)
        finished(w2)
        opened.set()
        server_1.interceptor = server_2.interceptor = None
        single = tmp_path / "single"
        done = run_cli("crawl", "govuk", "--base-url", reference.origin, "--data-dir", str(single),
                       "--log-file", str(tmp_path / "single.log"))  # fmt: skip
        assert done.returncode == 0, done.stderr

        ids: Counter[str] = Counter()
        for path in (tmp_path / "data" / "runs" / "govuk").glob("*.jsonl"):
            ids.update(json.loads(line)["id"] for line in path.read_text("utf-8").splitlines())
        assert set(ids) == {govuk.expected_id(a) for a in articles}
        assert set(ids.values()) == {1}  # each item written by exactly one worker
        for name, least in (("w1", 1), ("w2", 2)):
            assert workers.stats(f"{name}.1")["dataset/new"] >= least
        exported = run_cli("export", "--redis", redis_url, "--site", "govuk",
                           "--data-dir", str(tmp_path / "export"))  # fmt: skip
        assert exported.returncode == 0, exported.stderr
        lines = (tmp_path / "export" / "govuk.jsonl").read_text("utf-8").splitlines()
        reference_lines = (single / "govuk.jsonl").read_text("utf-8").splitlines()
        assert len(lines) == len(articles)
        assert comparable(lines) == comparable(reference_lines)  # newest first, field by field

        english = [a for a in articles if a.listed]
        translated = next(a for a in english if a.base_path in translations)
        changed = [english[2], translated, english[-1]]
        later = datetime(2025, 7, 2, tzinfo=UTC)
        now = {a.base_path: a for a in articles}
        for n, article in enumerate(changed):
            now[article.base_path] = govuk.updated(article, later + timedelta(minutes=n))
        fresh = govuk.generate_articles(2, start=900, newest=datetime(2025, 7, 3, tzinfo=UTC),
                                        translated_every=0)  # fmt: skip
        for server in (server_1, server_2):
            server.site = govuk.build_site(fresh + list(now.values()))
            server.requests.clear()
        second = [
            workers.start(name, server, "--lookback", "0")
            for name, server in (("w1", server_1), ("w2", server_2))
        ]
        for process in second:
            finished(process)
        fetched: Counter[str] = Counter()
        for server in (server_1, server_2):
            fetched.update({p: n for p, n in server.requests.items() if p.startswith(content)})
    finally:
        for server in (server_1, server_2, reference):
            server.interceptor = None
            server.stop()
    wanted = [a.base_path for a in fresh + changed]
    wanted += [translations[a.base_path] for a in changed if a.base_path in translations]
    assert len(wanted) == 6  # two new, three updated, the translation of one of them
    assert fetched == Counter(content.rstrip("/") + path for path in wanted)
    exported = run_cli("export", "--redis", redis_url, "--site", "govuk",
                       "--data-dir", str(tmp_path / "export"))  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    items = [
        json.loads(line)
        for line in (tmp_path / "export" / "govuk.jsonl").read_text("utf-8").splitlines()
    ]
    assert len(items) == len(articles) + 2
    assert {i["id"] for i in items if i["version"] == 2} == {govuk.expected_id(a) for a in changed}
