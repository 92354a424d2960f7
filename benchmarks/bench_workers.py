"""Distributed crawl on Redis: 1 vs 3 workers on a slow mirror, and a worker killed mid-crawl.

    python benchmarks/bench_workers.py [--articles 3000] [--delay 0.2] [--concurrency 4]

A mirror of 3,000 Europol articles answers every request after a fixed delay (an interceptor
that waits, then lets the mirror answer: a remote site's latency, without CPU cost), and every
worker runs with a fixed concurrency (``-s CONCURRENT_REQUESTS=4``), so the figures measure
what several workers buy against a site that answers slowly, not this machine's CPU. Each
worker has its own mirror server (the same pages): the kill targets the one whose server
counted the requests. Runs:

1. one process, no Redis (SQLite state), the baseline;
2. one Redis worker;
3. three Redis workers;
4. three Redis workers, one killed (SIGKILL) after ``--kill-at`` of its article requests and
   restarted under its name at once.

Wall times run from the first worker's start to the last one's exit (Python and Scrapy
start-up, and ``NEWSROOM_IDLE_EXIT`` = 1 s at the end, included). CPU is the user + system time
of the crawl processes: with the delay chosen, a run should be bound by the site's latency, not
by this machine (the load average before and after each run tells whether others competed).
After each Redis run, ``newsroom-scraper export`` must give exactly the mirror's articles, each
once, schema-valid.
A redis-server is started on a free port of 127.0.0.1 (no persistence). Figures go to
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import benchlib  # noqa: E402

from newsroom_scraper.mirror import MirrorServer, MirrorSite  # noqa: E402
from newsroom_scraper.pipelines import validation_errors  # noqa: E402
from tests.mirrors import europol as mirror  # noqa: E402

NEWS = mirror.NEWS_PREFIX


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SlowMirror:
    """One mirror server per worker, each answering after ``delay`` seconds."""

    def __init__(self, site: MirrorSite, delay: float) -> None:
        self.delay = delay
        self.hold_after: int | None = None
        self.reached = threading.Event()
        self.release = threading.Event()
        self._articles = itertools.count(1)
        self._lock = threading.Lock()
        self.server = MirrorServer(site, interceptor=self.intercept).start()

    def intercept(self, path: str, _server: MirrorServer) -> None:
        if self.hold_after is not None and path.startswith(NEWS):
            with self._lock:
                number = next(self._articles)
            if number >= self.hold_after:
                self.reached.set()
                self.release.wait(120)
        threading.Event().wait(self.delay)  # the site's latency; the mirror then answers

    def stop(self) -> None:
        self.release.set()
        self.server.stop()


class Redis:
    def __init__(self, folder: Path) -> None:
        import redis

        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server is not installed (apt-get install redis-server)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.client = redis.Redis(port=self.port, decode_responses=True)
        deadline = time.monotonic() + 15
        while True:
            try:
                self.client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def flush(self) -> None:
        self.client.flushall()

    def memory(self) -> str:
        return str(self.client.info("memory")["used_memory_human"])

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        self.process.wait(10)


def crawl_command(origin: str, data_dir: Path, log: Path, concurrency: int) -> list[str]:
    return [sys.executable, "-m", "newsroom_scraper.cli", "crawl", "europol", "--base-url", origin,
            "--data-dir", str(data_dir), "--log-file", str(log),
            "-s", f"CONCURRENT_REQUESTS={concurrency}"]  # fmt: skip


def worker(
    redis_url: str, name: str, origin: str, folder: Path, concurrency: int, tag: str
) -> subprocess.Popen[str]:
    command = crawl_command(origin, folder / "data", folder / f"{tag}.log", concurrency)
    command += ["--redis", redis_url, "--worker", name, "-s", "NEWSROOM_IDLE_EXIT=1",
                "-s", "NEWSROOM_HEARTBEAT=0.2",
                "-s", f"NEWSROOM_STATS_FILE={folder / f'{tag}.stats.json'}"]  # fmt: skip
    return subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def wait_ok(process: subprocess.Popen[str], what: str) -> None:
    _, stderr = process.communicate(timeout=1800)
    if process.returncode != 0:
        raise SystemExit(f"{what} exited {process.returncode}:\n{stderr}")


def check_export(redis_url: str, folder: Path, expected: set[str]) -> tuple[int, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "newsroom_scraper.cli", "export", "--redis", redis_url,
         "--site", "europol", "--data-dir", str(folder / "export")],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"export failed:\n{done.stderr}")
    items = [json.loads(line) for line in (folder / "export" / "europol.jsonl").open()]
    ids = [item["id"] for item in items]
    problems = []
    if len(ids) != len(set(ids)):
        problems.append(f"{len(ids) - len(set(ids))} duplicate lines")
    if set(ids) != expected:
        problems.append(f"{len(expected - set(ids))} missing, {len(set(ids) - expected)} unknown")
    if any(validation_errors(item) for item in items):
        problems.append("schema-invalid lines")
    if [i["published"] for i in items] != sorted((i["published"] for i in items), reverse=True):
        problems.append("not newest first")
    if problems:
        raise SystemExit("export is wrong: " + "; ".join(problems))
    return len(ids), seconds


def children_cpu() -> float:
    """User + system seconds of the child processes waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def article_requests(mirrors: list[SlowMirror]) -> int:
    return sum(
        count
        for slow in mirrors
        for path, count in slow.server.requests.items()
        if path.startswith(NEWS)
    )


def run_workers(
    count: int,
    options: argparse.Namespace,
    site: MirrorSite,
    redis: Redis,
    expected: set[str],
    kill: bool = False,
) -> dict[str, Any]:
    redis.flush()
    mirrors = [SlowMirror(site, options.delay) for _ in range(count)]
    victim = mirrors[-1]
    if kill:
        victim.hold_after = options.kill_at
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        load_before, cpu_before = load(), children_cpu()
        started = time.perf_counter()
        processes = [
            worker(redis.url, f"w{n}", slow.server.origin, folder, options.concurrency, f"w{n}.1")
            for n, slow in enumerate(mirrors, start=1)
        ]
        killed_at = None
        if kill:
            if not victim.reached.wait(900):
                raise SystemExit("the worker to kill never reached its article quota")
            os.kill(processes[-1].pid, signal.SIGKILL)
            processes[-1].communicate(timeout=60)
            killed_at = time.perf_counter() - started
            victim.hold_after = None
            victim.release.set()
            processes[-1] = worker(
                redis.url, f"w{count}", victim.server.origin, folder, options.concurrency,
                f"w{count}.2",
            )  # fmt: skip
        for number, process in enumerate(processes, start=1):
            wait_ok(process, f"worker w{number}")
        wall = time.perf_counter() - started
        cpu = children_cpu() - cpu_before
        load_after = load()
        exported, export_seconds = check_export(redis.url, folder, expected)
        recovered = 0
        if kill:
            stats = json.loads((folder / f"w{count}.2.stats.json").read_text())
            recovered = int(stats.get("distributed/recovered", 0))
        result = {
            "wall": wall,
            "cpu": cpu,
            "load": f"{load_before} -> {load_after}",
            "killed_at": killed_at,
            "recovered": recovered,
            "article_requests": article_requests(mirrors),
            "exported": exported,
            "export_seconds": export_seconds,
            "redis_memory": redis.memory(),
        }
    for slow in mirrors:
        slow.stop()
    return result


def run_single(options: argparse.Namespace, site: MirrorSite) -> dict[str, Any]:
    slow = SlowMirror(site, options.delay)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        load_before, cpu_before = load(), children_cpu()
        started = time.perf_counter()
        done = subprocess.run(
            crawl_command(slow.server.origin, folder / "data", folder / "single.log",
                          options.concurrency),
            cwd=REPO, capture_output=True, text=True, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - started
        cpu = children_cpu() - cpu_before
        load_after = load()
        if done.returncode != 0:
            raise SystemExit(f"single-process crawl failed:\n{done.stderr}")
        lines = (folder / "data" / "europol.jsonl").read_text().splitlines()
    result = {
        "wall": wall,
        "cpu": cpu,
        "load": f"{load_before} -> {load_after}",
        "lines": len(lines),
        "article_requests": article_requests([slow]),
    }
    slow.stop()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--per-page", type=int, default=50, help="articles per listing page")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds before each answer")
    parser.add_argument("--concurrency", type=int, default=4, help="CONCURRENT_REQUESTS")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--kill-at", type=int, default=300, help="article requests before kill")
    options = parser.parse_args()

    benchlib.print_machine()
    articles = mirror.link_chain(mirror.generate_articles(options.articles, start_id=100_000))
    site = mirror.build_site(articles, per_page=options.per_page)
    expected = {mirror.expected_id(a) for a in articles}
    print(
        f"\nMirror: {options.articles} articles, {options.per_page} a listing page, every answer "
        f"after {options.delay * 1000:.0f} ms; CONCURRENT_REQUESTS={options.concurrency} per "
        "process; NEWSROOM_IDLE_EXIT=1 s"
    )
    single = run_single(options, site)
    print(
        f"one process, SQLite:        {single['wall']:6.1f} s   CPU {single['cpu']:5.1f} s   "
        f"{single['lines']} lines, {single['article_requests']} article requests, "
        f"load {single['load']}"
    )
    with tempfile.TemporaryDirectory() as redis_folder:
        redis = Redis(Path(redis_folder))
        try:
            rows = [
                ("1 Redis worker", run_workers(1, options, site, redis, expected)),
                (
                    f"{options.workers} Redis workers",
                    run_workers(options.workers, options, site, redis, expected),
                ),
                (
                    f"{options.workers} workers, 1 killed",
                    run_workers(options.workers, options, site, redis, expected, kill=True),
                ),
            ]
        finally:
            redis.stop()
    for label, row in rows:
        extra = ""
        if row["killed_at"] is not None:
            extra = (
                f", killed at {row['killed_at']:.1f} s and restarted: "
                f"{row['recovered']} requests taken back"
            )
        print(
            f"{label + ':':27s} {row['wall']:6.1f} s   CPU {row['cpu']:5.1f} s   export "
            f"{row['exported']} unique articles ({row['export_seconds']:.1f} s), "
            f"{row['article_requests']} article requests, Redis {row['redis_memory']}, "
            f"load {row['load']}{extra}"
        )
    speedup = rows[0][1]["wall"] / rows[1][1]["wall"]
    print(f"\n{options.workers} workers vs 1: {speedup:.2f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
