"""Crawl cost and memory: CPU seconds per page of the full pipeline against a bare spider.

    python benchmarks/bench_crawl_cost.py [--articles 5000] [--memory 1000,20000]

A mirror of N Europol articles is rendered to files once and served by a separate process
(``benchmarks/serve_mirror.py``), so the server's CPU is not the crawler's. Then, in the same
run and against the same server:

- the full pipeline: ``newsroom-scraper crawl europol`` into a fresh data directory (spider,
  loaders, validation, deduplication, SQLite state, JSON Lines dataset);
- a bare Scrapy spider (``benchmarks/bare_spider.py``) that downloads the same pages with the
  same concurrency and does nothing with them.

CPU is user + system time of each crawler process (``os.wait4``), peak memory its max RSS.
Target: full pipeline <= 1.25 x the bare spider's CPU per page. Memory: peak RSS of crawls of
1,000 and 20,000 articles; target: at most 30 MB more for the larger one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchlib

REPO = benchlib.REPO


def render(count: int, folder: Path) -> None:
    """The mirror as files, written by a child process: the crawlers are forked from this one,
    and a large parent would count in their peak RSS."""
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "serve_mirror.py"), "--render",
                    str(count), str(folder)], check=True)  # fmt: skip


class Server:
    def __init__(self, folder: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "benchmarks" / "serve_mirror.py"), str(folder)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        self.origin = self.process.stdout.readline().strip()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def measured(command: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Run ``command``; its own CPU seconds, peak RSS (MB) and wall time."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        assert process.stderr is not None
        print(process.stderr.read()[-2000:], file=sys.stderr)
        raise SystemExit(f"{command[:4]} failed")
    return {"cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024, "wall": wall}


def full_crawl(origin: str, data_dir: Path) -> dict[str, float]:
    stats_file = data_dir.parent / "stats.json"
    result = measured([sys.executable, "-m", "newsroom_scraper.cli", "crawl", "europol",
                       "--base-url", origin, "--data-dir", str(data_dir),
                       "-s", f"NEWSROOM_STATS_FILE={stats_file}"])  # fmt: skip
    stats = json.loads(stats_file.read_text())
    result["pages"] = stats["downloader/response_count"]
    result["items"] = stats.get("item_scraped_count", 0)
    return result


def bare_crawl(origin: str, folder: Path) -> dict[str, float]:
    stats_file = folder / "bare-stats.json"
    result = measured([sys.executable, str(REPO / "benchmarks" / "bare_spider.py"), origin,
                       str(folder / "manifest.json"), str(stats_file)])  # fmt: skip
    result["pages"] = json.loads(stats_file.read_text())["downloader/response_count"]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--memory", default="1000,20000", help="article counts for the memory runs")
    options = parser.parse_args()
    benchlib.print_machine()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        site = root / "site"
        render(options.articles, site)
        server = Server(site)
        try:
            bare = bare_crawl(server.origin, site)
            full = full_crawl(server.origin, root / "data")
        finally:
            server.stop()
        per_page_bare = bare["cpu"] / bare["pages"] * 1000
        per_page_full = full["cpu"] / full["pages"] * 1000
        print(
            f"bare spider:   {bare['pages']:.0f} pages, {bare['cpu']:.2f} s CPU, "
            f"{per_page_bare:.2f} ms/page, wall {bare['wall']:.1f} s"
        )
        print(
            f"full pipeline: {full['pages']:.0f} pages, {full['items']:.0f} items, "
            f"{full['cpu']:.2f} s CPU, {per_page_full:.2f} ms/page, wall {full['wall']:.1f} s"
        )
        ratio = per_page_full / per_page_bare
        print(f"ratio: {ratio:.2f} x (target <= 1.25): {'met' if ratio <= 1.25 else 'NOT met'}")
        peaks = {}
        for count in (int(n) for n in options.memory.split(",") if n):
            folder = root / f"site-{count}"
            render(count, folder)
            server = Server(folder)
            try:
                run = full_crawl(server.origin, root / f"data-{count}")
            finally:
                server.stop()
            peaks[count] = run["rss_mb"]
            print(f"memory: {count} articles -> peak RSS {run['rss_mb']:.1f} MB "
                  f"({run['items']:.0f} items, wall {run['wall']:.1f} s)")  # fmt: skip
        if len(peaks) == 2:
            small, large = sorted(peaks)
            growth = peaks[large] - peaks[small]
            print(f"memory growth {small} -> {large}: {growth:+.1f} MB (target <= 30): "
                  f"{'met' if growth <= 30 else 'NOT met'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
