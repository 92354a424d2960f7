"""Incremental refresh on a mirror of 3,000 Europol articles: request counts of three runs.

    python benchmarks/bench_incremental.py [--articles 3000]

Run 1 builds the dataset; the mirror then gains 10 articles and 3 of the 20 newest existing
ones are edited; run 2 must send at most 10 + 3 + 30 requests (robots.txt and redirects
included) and leave 3,010 lines with the 3 edits at version 2; run 3 (no change) must leave the
dataset byte for byte unchanged. Figures go to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import benchlib

REPO = benchlib.REPO

from newsroom_scraper.mirror import MirrorServer  # noqa: E402
from tests.mirrors import europol as mirror  # noqa: E402


def crawl(origin: str, data_dir: Path) -> tuple[int, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "newsroom_scraper.cli", "crawl", "europol", "--base-url", origin,
         "--data-dir", str(data_dir), "--log-file", str(data_dir / "crawl.log")],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
    return done.returncode, time.perf_counter() - started


def lines(data_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (data_dir / "europol.jsonl").read_text().splitlines()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=3000)
    options = parser.parse_args()
    benchlib.print_machine()
    articles = mirror.link_chain(mirror.generate_articles(options.articles, start_id=100_000))
    server = MirrorServer(mirror.build_site(articles, per_page=10)).start()
    failures = []
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        code, seconds = crawl(server.origin, data_dir)
        first = len(lines(data_dir))
        print(f"run 1: exit {code}, {server.request_count} requests, {first} lines, {seconds:.1f}s")
        if first != options.articles:
            failures.append(f"run 1 wrote {first} lines")

        fresh = mirror.generate_articles(10, start_id=900_000, newest=1_790_000_000)
        edited = {0, 9, 19}
        old = [replace(a, body=a.body + "<p>Edited.</p>") if i in edited else a
               for i, a in enumerate(articles)]  # fmt: skip
        server.site = mirror.build_site(mirror.link_chain(fresh + old), per_page=10)
        server.requests.clear()
        code, seconds = crawl(server.origin, data_dir)
        items = lines(data_dir)
        at_v2 = sorted(i["id"] for i in items if i["version"] == 2)
        second_requests = server.request_count
        print(f"run 2: exit {code}, {second_requests} requests (limit 43), {len(items)} lines, "
              f"{len(at_v2)} at version 2, {seconds:.1f}s")  # fmt: skip
        print("       requests by kind:", classify(server.requests))
        if second_requests > 43 or len(items) != options.articles + 10 or len(at_v2) != 3:
            failures.append("run 2 out of bounds")

        before = (data_dir / "europol.jsonl").read_bytes()
        server.requests.clear()
        code, seconds = crawl(server.origin, data_dir)
        same = (data_dir / "europol.jsonl").read_bytes() == before
        print(f"run 3: exit {code}, {server.request_count} requests, dataset unchanged: {same}, "
              f"{seconds:.1f}s")  # fmt: skip
        if not same:
            failures.append("run 3 changed the dataset")
    server.stop()
    print("RESULT:", "ok" if not failures else "; ".join(failures))
    return 1 if failures else 0


def classify(requests: dict[str, int]) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for path, count in requests.items():
        if path.startswith("/media-press/newsroom/news/"):
            kind = "article"
        elif "search=page" in path:
            kind = "listing api page"
        else:
            kind = path
        kinds[kind] = kinds.get(kind, 0) + count
    return kinds


if __name__ == "__main__":
    sys.exit(main())
