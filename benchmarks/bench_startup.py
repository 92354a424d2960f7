"""Start-up: from the command to the crawl's first request, and the import time of the CLI.

    python benchmarks/bench_startup.py [--runs N] [--sites europol,europarl]

1. Time to first request: ``python -m newsroom_scraper.cli crawl SITE --base-url <mirror> --out
   <tmp> --limit 1`` against the site's mirror (``tests/mirrors/<site>.py``) served on 127.0.0.1
   by :class:`newsroom_scraper.mirror.MirrorServer` in this process; an interceptor notes the
   instant the first request arrives (``/robots.txt``: the crawl obeys robots.txt) and the first
   request for the site itself. One warm-up run is excluded; median, min and max of ``--runs``.
2. Import time of the CLI: ``python -X importtime -c "import newsroom_scraper.cli"`` (median of
   ``--runs``), the wall time of ``--help``, and the heaviest imports of a whole crawl.
3. dateparser: the same crawl under ``-X importtime`` lists every module the process imported;
   the check passes when none of them is ``dateparser`` (Europol dates are UNIX seconds; the
   output's ``published_precision`` is printed as evidence that no display date was parsed).
   A control run that imports dateparser shows what the check would have caught, and its cost.
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import benchlib

REPO = benchlib.REPO


@dataclass
class FirstRequest:
    """Filled in by the mirror's interceptor (a request-handler thread)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    first: float | None = None
    first_path: str = ""
    first_site: float | None = None

    def reset(self) -> None:
        with self.lock:
            self.first, self.first_path, self.first_site = None, "", None

    def __call__(self, path: str, server: Any) -> None:
        now = time.perf_counter()
        with self.lock:
            if self.first is None:
                self.first, self.first_path = now, path
            if self.first_site is None and path != "/robots.txt":
                self.first_site = now


def crawl_command(site: str, origin: str, out: Path, importtime: bool = False) -> list[str]:
    command = [sys.executable]
    if importtime:
        command += ["-X", "importtime"]
    command += ["-m", "newsroom_scraper.cli", "crawl", site, "--base-url", origin]
    return [*command, "--out", str(out), "--limit", "1"]


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def parse_importtime(stderr: str) -> list[tuple[int, int, int, str]]:
    """``-X importtime`` lines -> (self us, cumulative us, depth, module)."""
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative, name = line.removeprefix("import time:").split("|", 2)
        depth = (len(name) - len(name.lstrip(" "))) // 2
        rows.append((int(self_us), int(cumulative), depth, name.strip()))
    return rows


def median_range(values: list[float], unit: float = 1.0, fmt: str = ".3f") -> str:
    med, low, high = benchlib.spread([v * unit for v in values])
    return f"{med:{fmt}} (min {low:{fmt}}, max {high:{fmt}})"


def time_to_first_request(site: str, runs: int) -> dict[str, Any] | None:
    """The timed crawls of one site; None when its mirror or spider does not exist yet."""
    from newsroom_scraper.mirror import MirrorServer

    try:
        mirror = importlib.import_module(f"tests.mirrors.{site}")
        pages = mirror.build_site()
    except Exception as exc:  # noqa: BLE001 - a mirror being written may not import yet
        print(f"  {site}: not available yet ({type(exc).__name__}: {exc})")
        return None
    probe = FirstRequest()
    server = MirrorServer(pages, interceptor=probe).start()
    first, first_site, total, cpu, codes = [], [], [], [], []
    try:
        for number in range(runs + 1):  # run 0: warm-up, excluded
            probe.reset()
            with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
                command = crawl_command(site, server.origin, Path(tmp) / "out.jsonl")
                cpu_before = child_cpu()
                started = time.perf_counter()
                done = subprocess.run(
                    command, cwd=REPO, capture_output=True, text=True, check=False
                )
                ended = time.perf_counter()
                if done.returncode != 0 or probe.first is None:
                    print(f"  {site}: crawl failed (exit {done.returncode})")
                    print("    " + done.stderr.strip().replace("\n", "\n    ")[-2000:])
                    return None
                if number == 0:
                    continue
                first.append(probe.first - started)
                first_site.append((probe.first_site or ended) - started)
                total.append(ended - started)
                cpu.append(child_cpu() - cpu_before)
                codes.append(done.returncode)
    finally:
        server.stop()
    print(f"  {site} ({runs} runs after one warm-up; first request: {probe.first_path})")
    print(f"    command -> first request (ms):       {median_range(first, 1000, '.0f')}")
    print(f"    command -> first site request (ms):  {median_range(first_site, 1000, '.0f')}")
    print(f"    whole crawl, --limit 1 (ms):          {median_range(total, 1000, '.0f')}")
    print(f"    CPU of the crawl process (ms):        {median_range(cpu, 1000, '.0f')}")
    return {
        "first_request_s": statistics.median(first),
        "first_site_request_s": statistics.median(first_site),
        "whole_crawl_s": statistics.median(total),
    }


def import_times(runs: int) -> None:
    totals, top_level = [], []
    for _ in range(runs + 1):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import newsroom_scraper.cli"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        rows = parse_importtime(done.stderr)
        totals.append(next(c for _, c, d, name in rows if name == "newsroom_scraper.cli"))
        top_level = rows
    totals = totals[1:]
    print(
        "  import newsroom_scraper.cli, -X importtime cumulative (ms): "
        + median_range(totals, 1 / 1000, ".0f")
    )
    # -X importtime prints a module after its own imports: the CLI's subtree is the run of deeper
    # rows just before its line.
    index = next(i for i, row in enumerate(top_level) if row[3] == "newsroom_scraper.cli")
    depth = top_level[index][2]
    start = index
    while start > 0 and top_level[start - 1][2] > depth:
        start -= 1
    subtree = [row for row in top_level[start:index] if row[2] == depth + 1]
    print(
        "    its direct imports, cumulative ms: "
        + ", ".join(
            f"{name} {cumulative / 1000:.0f}"
            for _, cumulative, _, name in sorted(subtree, key=lambda row: -row[1])[:6]
        )
    )
    walls: dict[str, list[float]] = {"python -c pass": [], "import cli": [], "cli --help": []}
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import cli": [sys.executable, "-c", "import newsroom_scraper.cli"],
        "cli --help": [sys.executable, "-m", "newsroom_scraper.cli", "--help"],
    }
    for number in range(runs + 1):
        for label, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, cwd=REPO, capture_output=True, check=True)
            if number:
                walls[label].append(time.perf_counter() - started)
    for label, values in walls.items():
        print(f"  wall, {label + ' (ms):':<24} {median_range(values, 1000, '.0f')}")


def crawl_imports(site: str, top: int) -> bool | None:
    """One crawl under ``-X importtime``: heaviest imports, and whether dateparser is one."""
    from newsroom_scraper.mirror import MirrorServer

    try:
        pages = importlib.import_module(f"tests.mirrors.{site}").build_site()
    except Exception as exc:  # noqa: BLE001
        print(f"  {site}: not available yet ({type(exc).__name__}: {exc})")
        return None
    server = MirrorServer(pages).start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
            out = Path(tmp) / "out.jsonl"
            done = subprocess.run(
                crawl_command(site, server.origin, out, importtime=True),
                cwd=REPO,
                capture_output=True,
                text=True,
                check=False,
            )
            records = [json.loads(line) for line in out.read_text().splitlines() if line]
    finally:
        server.stop()
    rows = parse_importtime(done.stderr)
    late = [row for row in rows if row[2] == 0]  # imported by the running program, not by a module
    print(
        f"  {site}: crawl exit {done.returncode}, {len(records)} item(s), "
        f"{len(rows)} modules imported, {sum(r[0] for r in rows) / 1000:.0f} ms of import time"
    )
    print("    heaviest top-level imports (cumulative ms, -X importtime inflates them a little):")
    for _, cumulative, _, name in sorted(late, key=lambda row: -row[1])[:top]:
        print(f"      {cumulative / 1000:7.1f}  {name}")
    found = [name for _, _, _, name in rows if name.split(".")[0] == "dateparser"]
    precisions = sorted({str(record.get("published_precision")) for record in records})
    print(
        f"    published_precision of the items: {', '.join(precisions) or '(no items)'} "
        f"(UNIX seconds give 'second'; display dates give 'day' or 'minute')"
    )
    if found:
        print(f"    dateparser IMPORTED: {len(found)} modules, first {found[:3]}")
    else:
        print(
            f"    dateparser not imported: 0 of the {len(rows)} modules in the crawl's "
            "-X importtime list is dateparser or one of its submodules"
        )
    return not found


def dateparser_control() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import dateparser"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    rows = parse_importtime(done.stderr)
    modules = [name for _, _, _, name in rows if name.split(".")[0] == "dateparser"]
    cost = next((c for _, c, _, name in rows if name == "dateparser"), 0)
    print(
        f"  control: a process that imports dateparser lists {len(modules)} dateparser modules; "
        f"importing it costs {cost / 1000:.0f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs (after one warm-up)")
    parser.add_argument("--sites", default="europol,europarl", help="comma-separated sites")
    parser.add_argument("--top", type=int, default=12, help="heaviest imports shown")
    args = parser.parse_args(argv)
    sites = [site.strip() for site in args.sites.split(",") if site.strip()]

    benchlib.print_machine()
    print(f"  Load average at start: {benchlib.load_average()}")
    print("\nTime from the command to the crawl's first request (wall, perf_counter)")
    results = {site: time_to_first_request(site, args.runs) for site in sites}
    print("\nImport time of the CLI")
    import_times(args.runs)
    print("\nImports of a crawl, and dateparser")
    verdicts = {site: crawl_imports(site, args.top) for site in sites}
    dateparser_control()
    print(f"\n  Load average at end: {benchlib.load_average()}")
    ok = all(v is not False for v in verdicts.values()) and results.get(sites[0]) is not None
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
