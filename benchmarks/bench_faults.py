"""A hostile server on 3,000 Europol articles: 5% 5xx, 2% resets, 1% 429, 1% truncated pages.

    python benchmarks/bench_faults.py [--articles 3000] [--seed 5] [--retry-after 1]

Faults come from ``tests/faults.py`` (deterministic by seed, path and attempt; a retried request
draws again). The 5xx are 4% ``500`` and 1% ``503``; ``503`` and ``429`` carry
``Retry-After: <--retry-after>``. The crawl runs in data-directory mode; printed: articles
recovered, permanent failures (from the run report, checked against the pages the mirror never
served), retries, Retry-After waits, exit code (0 when all recovered, else 1). Figures go to
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchlib

REPO = benchlib.REPO

from newsroom_scraper.mirror import MirrorServer  # noqa: E402
from tests.faults import FaultInjector  # noqa: E402
from tests.mirrors import europol as mirror  # noqa: E402

MIX = {"500": 0.04, "503": 0.01, "reset": 0.02, "429": 0.01, "truncate": 0.01}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--retry-after", type=int, default=1)
    options = parser.parse_args()
    benchlib.print_machine()
    articles = mirror.link_chain(mirror.generate_articles(options.articles, start_id=100_000))
    expected = {mirror.expected_id(a) for a in articles}
    injector = FaultInjector(MIX, seed=options.seed, retry_after=options.retry_after)
    server = MirrorServer(mirror.build_site(articles, per_page=10), interceptor=injector).start()
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        stats_file = Path(folder) / "stats.json"
        started = time.perf_counter()
        log_file = Path(folder) / "crawl.log"
        done = subprocess.run(
            [sys.executable, "-m", "newsroom_scraper.cli", "crawl", "europol", "--base-url",
             server.origin, "--data-dir", str(data_dir), "--log-file", str(log_file),
             "-s", f"NEWSROOM_STATS_FILE={stats_file}"],
            cwd=REPO, capture_output=True, text=True, check=False,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        server.stop()
        stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
        reports = sorted((data_dir / "runs" / "europol").glob("*.report.json"))
        report = json.loads(reports[-1].read_text()) if reports else {}
        lines = (data_dir / "europol.jsonl").read_text("utf-8").splitlines()
        ids = [json.loads(line)["id"] for line in lines]
    errors = report.get("errors", {}).get("list", [])
    never_served = {mirror.PUBLIC + path for path in injector.never_served()}
    reported = {error["url"] for error in errors}
    recovered = len(set(ids) & expected)
    print(f"articles: {options.articles}, fault seed {options.seed}, "
          f"Retry-After {options.retry_after}s")  # fmt: skip
    print(f"injected: {dict(sorted(injector.injected.items()))} "
          f"over {sum(injector.attempts.values())} article requests")  # fmt: skip
    print(f"recovered: {recovered} / {len(expected)} (duplicates {len(ids) - len(set(ids))})")
    print(f"permanent failures: {len(errors)} in the report "
          f"(never served by the mirror: {len(never_served)})")  # fmt: skip
    for error in errors:
        print(f"  {error['kind']}: {error['url']} ({error['reason'][:120]})")
    print(f"retries: {stats.get('retry/count', 0)} "
          f"(given up: {stats.get('retry/max_reached', 0)}), "
          f"Retry-After honoured: {stats.get('retry/retry_after_honoured', 0)}, "
          f"slow-downs: {stats.get('retry/slowdowns', 0)}, "
          f"waited: {stats.get('retry/waited_ms', 0) / 1000:.1f}s")  # fmt: skip
    print(f"exit code: {done.returncode} (report: {report.get('exit_code')}), {seconds:.1f}s")
    if reported != never_served:
        failures.append(f"reported {sorted(reported ^ never_served)} vs never served")
    if recovered != len(expected) - len(never_served):
        failures.append("a recoverable article is missing")
    if done.returncode != (1 if never_served else 0):
        failures.append(f"exit code {done.returncode}")
    print("RESULT:", "ok" if not failures else "; ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
