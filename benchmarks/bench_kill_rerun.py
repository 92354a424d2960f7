"""Crash safety on 3,000 Europol articles: SIGKILL at a random moment, then the same command.

    python benchmarks/bench_kill_rerun.py [--articles 3000] [--trials 10] [--seed 5]

A clean run is timed first. Each trial then starts from an empty data directory, SIGKILLs the
crawl at a random moment between 10% and 90% of that time (checking that the killed run was
incomplete: fewer articles in the state than the mirror has, or the pass unfinished), and runs
the same command again. Required in every trial: every article recovered, no duplicate, no
malformed line. Figures go to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import benchlib

REPO = benchlib.REPO

from newsroom_scraper.mirror import MirrorServer  # noqa: E402
from tests.mirrors import europol as mirror  # noqa: E402


def command(origin: str, data_dir: Path) -> list[str]:
    log_file = data_dir.parent / "crawl.log"
    return [sys.executable, "-m", "newsroom_scraper.cli", "crawl", "europol", "--base-url", origin,
            "--data-dir", str(data_dir), "--log-file", str(log_file)]  # fmt: skip


def run(origin: str, data_dir: Path) -> tuple[int, float]:
    started = time.perf_counter()
    done = subprocess.run(
        command(origin, data_dir), cwd=REPO, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        print(f"  exit {done.returncode}: {done.stderr[-2000:]}")
    return done.returncode, time.perf_counter() - started


def killed_run(origin: str, data_dir: Path, after: float) -> bool:
    """Start the crawl, SIGKILL it ``after`` seconds later; False if it ended before."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with (data_dir.parent / "killed.stderr").open("w") as stderr:
        process = subprocess.Popen(
            command(origin, data_dir), cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr
        )
        try:
            process.wait(timeout=after)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            return True
    tail = (data_dir.parent / "killed.stderr").read_text()[-2000:]
    print(f"  the run ended by itself before {after:.1f}s (exit {process.returncode}) {tail}")
    return False


def dataset(data_dir: Path) -> tuple[Counter[str], int]:
    """Ids in the dataset (with their counts) and the number of malformed lines."""
    path = data_dir / "europol.jsonl"
    ids: Counter[str] = Counter()
    malformed = 0
    if not path.exists():
        return ids, 0
    data = path.read_bytes()
    malformed += bool(data) and not data.endswith(b"\n")
    for line in data.splitlines():
        try:
            record = json.loads(line)
            ids[record["id"]] += 1
        except (ValueError, KeyError, TypeError):
            malformed += 1
    return ids, malformed


def state(data_dir: Path) -> tuple[int, bool]:
    """Articles in the state, and whether the last pass finished."""
    path = data_dir / "state.sqlite3"
    if not path.exists():
        return 0, False
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        count = db.execute("SELECT count(*) FROM articles WHERE site = 'europol'").fetchone()[0]
        row = db.execute("SELECT finished FROM passes WHERE site = 'europol'").fetchone()
    return count, bool(row and row[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--seed", type=int, default=5)
    options = parser.parse_args()
    benchlib.print_machine()
    articles = mirror.link_chain(mirror.generate_articles(options.articles, start_id=100_000))
    expected = {mirror.expected_id(a) for a in articles}
    server = MirrorServer(mirror.build_site(articles, per_page=10)).start()
    rng = random.Random(options.seed)
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        clean_dir = Path(folder) / "clean" / "data"
        code, clean_seconds = run(server.origin, clean_dir)
        ids, malformed = dataset(clean_dir)
        print(f"clean run: exit {code}, {len(ids)} articles, {clean_seconds:.1f}s")
        if code != 0 or set(ids) != expected:
            failures.append("the clean run is not complete")
        print(f"{'trial':>5} {'kill at':>14} {'state after kill':>22} {'recovered':>13} "
              f"{'duplicates':>10} {'malformed':>9} {'rerun':>7}")  # fmt: skip
        for trial in range(1, options.trials + 1):
            # A run may end before its kill moment (a machine less busy than during the clean
            # run): that is no trial; draw another moment, on a fresh data directory.
            for attempt in range(5):
                data_dir = Path(folder) / f"trial-{trial}.{attempt}" / "data"
                fraction = rng.uniform(0.1, 0.9)
                killed = killed_run(server.origin, data_dir, fraction * clean_seconds)
                if killed:
                    break
            stored, finished = state(data_dir)
            incomplete = killed and (stored < options.articles or not finished)
            code, rerun_seconds = run(server.origin, data_dir)
            ids, malformed = dataset(data_dir)
            recovered = len(set(ids) & expected)
            duplicates = sum(ids.values()) - len(ids)
            extra = len(set(ids) - expected)
            after_kill = f"{stored} stored, {'finished' if finished else 'unfinished'}"
            kill_at = f"{fraction * clean_seconds:.1f}s ({fraction:.0%})"
            print(f"{trial:>5} {kill_at:>14} {after_kill:>22} {recovered:>5} / {len(expected):<5} "
                  f"{duplicates:>10} {malformed:>9} {rerun_seconds:>6.1f}s")  # fmt: skip
            if not incomplete:
                failures.append(f"trial {trial}: the killed run was not cut short")
            if recovered != len(expected) or duplicates or malformed or extra or code != 0:
                failures.append(
                    f"trial {trial}: {recovered} recovered, {duplicates} duplicates, "
                    f"{malformed} malformed, {extra} unexpected, rerun exit {code}"
                )
    server.stop()
    print("RESULT:", "ok" if not failures else "; ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
