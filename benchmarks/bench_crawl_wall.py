"""Wall time of a full crawl against a bare Scrapy spider fetching the same URLs, same run.

    python benchmarks/bench_crawl_wall.py [--articles 2000] [--repeat 5]
        [--paths api,embedded,chain,rss] [--variants keepalive,http10]
        [--polite-articles 40] [--json FILE]

Part 1, network speed. A loopback mirror of N Europol articles (``serve_mirror.py``, a separate
process) for each discovery path:

- ``api``: the API listing (``--discovery listing``; 5 articles embedded in the newsroom page,
  then API listing pages of 10);
- ``embedded``: every article embedded in the newsroom page, no API listing (404), ``auto``;
- ``chain``: ``--discovery chain``: RSS names the newest article, then ``navigation.previous``
  down to the oldest, one article at a time;
- ``rss``: nothing embedded, no API listing, ``auto``: RSS seeds the chain (``listing+chain``).

Each is served in each wire variant: ``keepalive`` (HTTP/1.1, keep-alive, the project's own
mirror) and ``http10`` (HTTP/1.0, one connection per request, listen backlog 5: what a mirror
written with Python's ``http.server`` defaults does, and what made the crawler idle a second
per listing page). The full pipeline (``newsroom-scraper crawl europol --data-dir``) runs first;
the mirror notes every path it is asked for, and the bare spider (``bare_spider.py``) then
fetches exactly those paths with the same concurrency: 16, or 1 for the chain paths, which are
sequential by nature (a bare spider cannot fetch link N+1 before link N either). Runs alternate
which crawler goes first; the ratio is the median of the pairs' ratios. Wall = process wall
time, start-up included; "span" = first to last
request seen by the mirror; CPU = user + system of the crawler process.
Targets: listing paths (api, embedded) <= 1.3 x the bare spider's wall time, chain paths
(chain, rss) <= 1.5 x.

Part 2, politeness. A mirror answering each request after 100-300 ms, the API listing path, the
project's default politeness settings (robots.txt, AutoThrottle, DOWNLOAD_DELAY 1 s, 2 requests
at a time per site: what a live site gets; the loopback relaxation is overridden with ``-s``).
Expected throughput: one request per DOWNLOAD_DELAY (the delay, not the concurrency, binds
when answers come faster than the delay); the crawler must not add waiting of its own. The bare
spider runs with the same settings.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import benchlib

REPO = benchlib.REPO
SERVE = REPO / "benchmarks" / "serve_mirror.py"
BARE = REPO / "benchmarks" / "bare_spider.py"

#: Path -> (mirror render options, crawl options, bare spider concurrency, target ratio).
PATHS: dict[str, tuple[list[str], list[str], int, float]] = {
    "api": (["--embedded", "5"], ["--discovery", "listing"], 16, 1.3),
    "embedded": (["--embedded", "{n}", "--no-api"], ["--discovery", "auto"], 16, 1.3),
    "chain": (["--embedded", "5"], ["--discovery", "chain"], 1, 1.5),
    "rss": (["--embedded", "0", "--no-api"], ["--discovery", "auto"], 1, 1.5),
}
VARIANTS: dict[str, list[str]] = {
    "keepalive": [],
    "http10": ["--http10", "--backlog", "5"],
    "http10-backlog128": ["--http10", "--backlog", "128"],
    "close": ["--close"],
    "keepalive-nagle": ["--nagle"],
}


@dataclass
class Run:
    crawler: str
    wall: float
    cpu: float
    span: float
    requests: int
    items: int
    exit_code: int


def env() -> dict[str, str]:
    environ = dict(os.environ)
    environ["PYTHONPATH"] = str(REPO) + os.pathsep + environ.get("PYTHONPATH", "")
    environ.pop("NEWSROOM_DATA_DIR", None)
    return environ


def render(count: int, folder: Path, options: list[str]) -> None:
    options = [o.replace("{n}", str(count)) for o in options]
    command = [sys.executable, str(SERVE), "--render", str(count), *options, str(folder)]
    subprocess.run(command, check=True, env=env())


class Server:
    """``serve_mirror.py`` in its own process; ``trace`` holds what it was asked for."""

    def __init__(self, folder: Path, trace: Path, options: list[str]) -> None:
        self.trace = trace
        command = [sys.executable, str(SERVE), str(folder), "--trace", str(trace), *options]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env())
        assert self.process.stdout is not None
        self.origin = self.process.stdout.readline().strip()

    def take_trace(self) -> list[tuple[float, str]]:
        """The requests seen since the last call (and forget them)."""
        if not self.trace.exists():
            return []
        lines = self.trace.read_text().splitlines()
        self.trace.write_text("")
        pairs = [line.split("\t", 1) for line in lines if "\t" in line]
        return [(float(stamp), path) for stamp, path in pairs]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def measured(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and exit code of ``command``."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=REPO, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        assert process.stderr is not None
        print(process.stderr.read()[-3000:], file=sys.stderr)
        raise SystemExit(f"{command[:5]} failed with exit code {code}")
    return wall, usage.ru_utime + usage.ru_stime, code


def span_of(trace: list[tuple[float, str]]) -> float:
    stamps = [stamp for stamp, _ in trace]
    return max(stamps) - min(stamps) if stamps else 0.0


def full_crawl(server: Server, work: Path, crawl_options: list[str], settings: list[str]) -> Run:
    data_dir = work / f"data-{time.monotonic_ns()}"
    stats_file = work / "stats.json"
    command = [
        sys.executable,
        "-m",
        "newsroom_scraper.cli",
        "crawl",
        "europol",
        "--base-url",
        server.origin,
        "--data-dir",
        str(data_dir),
        *crawl_options,
        "-s",
        f"NEWSROOM_STATS_FILE={stats_file}",
    ]
    for setting in settings:
        command += ["-s", setting]
    server.take_trace()
    wall, cpu, code = measured(command)
    trace = server.take_trace()
    stats = json.loads(stats_file.read_text())
    paths = [path for _, path in trace if path != "/robots.txt"]
    (work / "paths.txt").write_text("\n".join(paths) + "\n")
    return Run(
        "full", wall, cpu, span_of(trace), len(trace), stats.get("item_scraped_count", 0), code
    )


def bare_crawl(server: Server, work: Path, concurrency: int, settings: list[str]) -> Run:
    stats_file = work / "bare-stats.json"
    command = [
        sys.executable,
        str(BARE),
        server.origin,
        str(work / "unused-manifest"),
        str(stats_file),
        "--paths",
        str(work / "paths.txt"),
        "--concurrency",
        str(concurrency),
    ]
    for setting in settings:
        command += ["-s", setting]
    server.take_trace()
    wall, cpu, code = measured(command)
    trace = server.take_trace()
    return Run("bare", wall, cpu, span_of(trace), len(trace), 0, code)


def median_of(runs: list[Run], name: str) -> float:
    return statistics.median(getattr(run, name) for run in runs)


def compare(
    server: Server,
    work: Path,
    crawl_options: list[str],
    concurrency: int,
    repeat: int,
    settings: list[str] | None = None,
    bare_settings: list[str] | None = None,
) -> tuple[list[Run], list[Run]]:
    """``repeat`` pairs of runs: full then bare in even pairs, bare then full in odd ones (the
    bare spider fetches the paths of the latest full crawl)."""
    fulls: list[Run] = []
    bares: list[Run] = []
    for index in range(repeat):
        for which in ("full", "bare") if index % 2 == 0 else ("bare", "full"):
            if which == "full":
                fulls.append(full_crawl(server, work, crawl_options, settings or []))
            else:
                bares.append(bare_crawl(server, work, concurrency, bare_settings or []))
    return fulls, bares


def line(path: str, variant: str, fulls: list[Run], bares: list[Run], target: float) -> dict:
    full_wall, bare_wall = median_of(fulls, "wall"), median_of(bares, "wall")
    # Each pair ran within seconds of each other: the median of the pairs' ratios cancels the
    # machine's slow swings (up to 1.5x within a minute on a shared 2-core machine), which the
    # ratio of the two medians does not. The target is judged on it; both are printed.
    pair_ratios = [full.wall / bare.wall for full, bare in zip(fulls, bares, strict=True)]
    ratio = statistics.median(pair_ratios)
    span_ratio = median_of(fulls, "span") / max(median_of(bares, "span"), 1e-6)
    row = {
        "path": path,
        "variant": variant,
        "load": benchlib.load_average(),
        "full_wall": full_wall,
        "bare_wall": bare_wall,
        "ratio": ratio,
        "ratio_of_medians": full_wall / bare_wall,
        "pair_ratios": [round(r, 3) for r in pair_ratios],
        "full_walls": [round(r.wall, 2) for r in fulls],
        "bare_walls": [round(r.wall, 2) for r in bares],
        "full_span": median_of(fulls, "span"),
        "bare_span": median_of(bares, "span"),
        "span_ratio": span_ratio,
        "full_cpu": median_of(fulls, "cpu"),
        "bare_cpu": median_of(bares, "cpu"),
        "requests": fulls[0].requests,
        "bare_requests": bares[0].requests,
        "items": fulls[0].items,
        "exit_codes": sorted({r.exit_code for r in fulls}),
        "target": target,
        "met": ratio <= target,
    }
    print(
        f"  {path:9} {variant:18} full {full_wall:6.2f} s (span {row['full_span']:6.2f}, "
        f"CPU {row['full_cpu']:5.2f})  bare {bare_wall:6.2f} s (span {row['bare_span']:6.2f}, "
        f"CPU {row['bare_cpu']:5.2f})  wall ratio {ratio:4.2f} (pairs "
        f"{min(pair_ratios):.2f}-{max(pair_ratios):.2f}; of medians {full_wall / bare_wall:4.2f}; "
        f"span {span_ratio:4.2f}) "
        f"target <= {target}: {'met' if row['met'] else 'NOT met'}  "
        f"[{row['requests']} req, {row['items']} items, runs {row['full_walls']} / "
        f"{row['bare_walls']}, load {row['load']}]",
        flush=True,
    )
    return row


def politeness_settings() -> list[str]:
    """The project's politeness settings, stated on the command line so that the loopback
    relaxation (``LOOPBACK_SETTINGS``) does not apply."""
    from newsroom_scraper import settings

    return [
        "AUTOTHROTTLE_ENABLED=True",
        f"AUTOTHROTTLE_START_DELAY={settings.AUTOTHROTTLE_START_DELAY}",
        f"AUTOTHROTTLE_TARGET_CONCURRENCY={settings.AUTOTHROTTLE_TARGET_CONCURRENCY}",
        f"DOWNLOAD_DELAY={settings.DOWNLOAD_DELAY}",
        "DOWNLOAD_DELAY_JITTER=0.5",
        f"CONCURRENT_REQUESTS={settings.CONCURRENT_REQUESTS}",
        f"CONCURRENT_REQUESTS_PER_DOMAIN={settings.CONCURRENT_REQUESTS_PER_DOMAIN}",
        f"NEWSROOM_BACKOFF_BASE={settings.NEWSROOM_BACKOFF_BASE}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--paths", default="api,embedded,chain,rss")
    parser.add_argument("--variants", default="keepalive,http10")
    parser.add_argument(
        "--polite-articles",
        type=int,
        default=40,
        help="articles of the politeness run (0: skip it)",
    )
    parser.add_argument("--polite-repeat", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the figures here")
    options = parser.parse_args()
    # An installed package has its bytecode; this checkout may not (PYTHONDONTWRITEBYTECODE):
    # without it every crawl would compile the project's modules again at start-up.
    compileall.compile_dir(REPO / "newsroom_scraper", quiet=1)
    benchlib.print_machine()
    print(f"load average at the start: {benchlib.load_average()}")
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print(f"\nPart 1: {options.articles} articles, median of {options.repeat} runs each")
        for path in options.paths.split(","):
            render_options, crawl_options, concurrency, target = PATHS[path]
            site = root / f"site-{path}"
            render(options.articles, site, render_options)
            for variant in options.variants.split(","):
                work = root / f"work-{path}-{variant}"
                work.mkdir()
                server = Server(site, work / "trace.tsv", VARIANTS[variant])
                try:
                    fulls, bares = compare(server, work, crawl_options, concurrency, options.repeat)
                finally:
                    server.stop()
                rows.append(line(path, variant, fulls, bares, target))
        if options.polite_articles:
            count = options.polite_articles
            print(f"\nPart 2: {count} articles, answers after 100-300 ms, default politeness")
            site = root / "site-polite"
            render(count, site, ["--embedded", "5"])
            work = root / "work-polite"
            work.mkdir()
            settings = politeness_settings()
            server = Server(site, work / "trace.tsv", ["--latency", "0.1-0.3"])
            try:
                fulls, bares = compare(
                    server,
                    work,
                    ["--discovery", "listing"],
                    16,
                    options.polite_repeat,
                    settings,
                    settings,
                )
            finally:
                server.stop()
            row = line("polite", "latency 0.1-0.3", fulls, bares, 1.3)
            delay = float(
                next(s for s in settings if s.startswith("DOWNLOAD_DELAY=")).split("=")[1]
            )
            for name, runs in (("full", fulls), ("bare", bares)):
                rate = [(r.requests - 1) / r.span for r in runs if r.span]
                row[f"{name}_rate"] = statistics.median(rate)
            print(
                f"  requests/s over the span: full {row['full_rate']:.3f}, bare "
                f"{row['bare_rate']:.3f}; allowed by DOWNLOAD_DELAY {delay:g} s: "
                f"{1 / delay:.3f}"
            )
            rows.append(row)
    print(f"\nload average at the end: {benchlib.load_average()}")
    if options.json:
        options.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
