"""Extraction throughput: pages per second per core, ours next to ``trafilatura.extract``.

    python benchmarks/bench_extract.py [--pages N] [--repeat R] [--europarl-copies C]

Our figure is the code path of ``newsroom-scraper extract --site SITE FILE...``:
:func:`newsroom_scraper.extract.extract_files` itself (read the file, find the page's own URL,
build the response, ``spider.extract``, schema validation, one JSON line) with one spider
instance for every file, writing to an in-memory sink instead of stdout.

Page sets:

* Europol: ``--pages`` articles of the generated mirror (``tests/mirrors/europol.py``), each an
  article shell whose ``window.SERVER_DATA`` carries menus, footer and node, padded to at least
  ``--server-data-kib`` (the sizes are printed).
* Europarl: the real pages of ``../shared/sites/europarl-pages/``, each repeated
  ``--europarl-copies`` times (skipped with "not available yet" until the spider exists).
* The real Europol shell of ``../shared/sites/europol-real/`` (informational, no target).

``trafilatura.extract`` runs on the same files, read the same way. Every figure is CPU time of
this single process (``time.process_time``), so pages/s is per core; one warm-up pass over the
first pages of each set is excluded, then ``--repeat`` passes over the whole set are timed and
their median is reported, with the slowest and fastest pass.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import benchlib

if TYPE_CHECKING:
    from collections.abc import Callable

EUROPOL_TARGET_PAGES_PER_S = 1000.0
EUROPARL_TARGET_RATIO = 5.0
EUROPOL_REAL = benchlib.REPO.parent / "shared" / "sites" / "europol-real"


class CountingSink:
    """A text stream that only counts lines (the JSON lines ``extract`` prints)."""

    def __init__(self, keep: int = 0) -> None:
        self.lines = 0
        self.kept: list[str] = []
        self.keep = keep

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        if len(self.kept) < self.keep:
            self.kept.append(text)
        return len(text)

    def flush(self) -> None:
        pass


@dataclass
class Result:
    page_set: str
    extractor: str
    pages: int
    passes_cpu_s: list[float] = field(default_factory=list)
    passes_wall_s: list[float] = field(default_factory=list)
    ok_pages: int = 0
    note: str = ""

    @property
    def cpu_s(self) -> float:
        return statistics.median(self.passes_cpu_s)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.cpu_s

    @property
    def ms_per_page(self) -> float:
        return self.cpu_s * 1000 / self.pages

    @property
    def wall_pages_per_s(self) -> float:
        return self.pages / statistics.median(self.passes_wall_s)

    @property
    def range_pages_per_s(self) -> tuple[float, float]:
        return self.pages / max(self.passes_cpu_s), self.pages / min(self.passes_cpu_s)

    def as_dict(self) -> dict[str, Any]:
        record = asdict(self)
        record.update(
            pages_per_s=round(self.pages_per_s, 1),
            ms_per_page=round(self.ms_per_page, 3),
            wall_pages_per_s=round(self.wall_pages_per_s, 1),
        )
        return record


def interleaved(
    runs: list[tuple[Result, Callable[[list[Path]], int]]],
    files: list[Path],
    repeat: int,
    warmup: int,
) -> None:
    """Each extractor's warm-up pass (excluded), then ``repeat`` rounds of one timed pass of
    each extractor in turn: the passes compared with each other ran within seconds of each
    other, so a change of load on a shared machine hits both sides of a ratio alike."""
    for _, run_pass in runs:
        run_pass(files[:warmup])
    for _ in range(repeat):
        for result, run_pass in runs:
            gc.collect()
            wall0, cpu0 = time.perf_counter(), time.process_time()
            ok = run_pass(files)
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            result.passes_cpu_s.append(cpu)
            result.passes_wall_s.append(wall)
            result.ok_pages = ok


# -- the two extractors ------------------------------------------------------------------------


def ours(spidercls: Any, errors: list[str]) -> Callable[[list[Path]], int]:
    from newsroom_scraper.extract import extract_files

    def run_pass(files: list[Path]) -> int:
        out, err = CountingSink(), CountingSink(keep=5)
        extract_files(spidercls, files, None, out, err)
        if err.kept and not errors:
            errors.extend(line.strip() for line in err.kept)
        return out.lines

    return run_pass


def trafilatura_pass(fast: bool, stats: dict[str, int]) -> Callable[[list[Path]], int]:
    import trafilatura

    def run_pass(files: list[Path]) -> int:
        ok = chars = 0
        for path in files:
            text = trafilatura.extract(path.read_bytes(), fast=fast)
            if text:
                ok += 1
                chars += len(text)
        stats["chars"] = chars
        return ok

    return run_pass


def process_comparison(files: list[Path], runs: int) -> list[tuple[float, float, float, float]]:
    """``newsroom-scraper extract --site europarl FILES`` as a process (start-up, JSON lines to
    a pipe) against a process running ``trafilatura.extract`` over the same files, one after the
    other, ``runs`` times: (our CPU, trafilatura's CPU, our wall, trafilatura's wall) per run,
    in seconds. CPU is user + system time of the process (``os.wait4``)."""
    import os
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(benchlib.REPO)}
    ours_cmd = [sys.executable, "-m", "newsroom_scraper.cli", "extract", "--site", "europarl"]
    traf_code = (
        "import sys, trafilatura\n"
        "for name in sys.argv[1:]:\n"
        "    with open(name, 'rb') as page:\n"
        "        print(trafilatura.extract(page.read()) is not None)\n"
    )
    traf_cmd = [sys.executable, "-c", traf_code]

    def measured(command: list[str]) -> tuple[float, float]:
        started = time.perf_counter()
        process = subprocess.Popen(
            command + [str(f) for f in files],
            env=env,
            cwd=benchlib.REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{command[:6]} failed")
        return usage.ru_utime + usage.ru_stime, time.perf_counter() - started

    figures = []
    for _ in range(runs):
        our_cpu, our_wall = measured(ours_cmd)
        traf_cpu, traf_wall = measured(traf_cmd)
        figures.append((our_cpu, traf_cpu, our_wall, traf_wall))
    return figures


# -- page sets ---------------------------------------------------------------------------------


def europol_pages(count: int, min_server_data: int, folder: Path) -> tuple[list[Path], int]:
    """``count`` generated article shells written to ``folder``; (files, app padding used)."""
    from tests.mirrors import europol as mirror

    articles = mirror.link_chain(mirror.generate_articles(count))
    sample = articles[: min(count, 20)]

    def smallest(padding: int) -> int:
        app = mirror.app_block(padding)
        return min(
            benchlib.server_data_size(
                mirror.shell(a.title, {"App": app, "NodeLoader": {"node": a.node()}}, a.alias)
            )
            for a in sample
        )

    padding = 20
    while smallest(padding) < min_server_data:
        padding += 1
    site = mirror.build_site(articles, app_padding_kb=padding)
    files = []
    for number, article in enumerate(articles):
        page = site.get(article.alias)
        assert page is not None, article.alias
        assert page.status == 200, article.alias
        path = folder / f"europol-{number:05d}.html"
        path.write_bytes(page.body)
        files.append(path)
    return files, padding


def describe_pages(label: str, files: list[Path], server_data: bool) -> None:
    sizes = [path.stat().st_size for path in files]
    median, low, high = benchlib.spread(sizes)
    line = f"  {label}: {len(files)} pages, page size median {benchlib.kib(median)}"
    line += f" (min {benchlib.kib(low)}, max {benchlib.kib(high)})"
    print(line)
    if server_data:
        data = [benchlib.server_data_size(path.read_bytes()) for path in files]
        median, low, high = benchlib.spread(data)
        print(
            f"    window.SERVER_DATA JSON: median {benchlib.kib(median)} "
            f"(min {benchlib.kib(low)} = {low} bytes, max {benchlib.kib(high)})"
        )


# -- report ------------------------------------------------------------------------------------


def print_results(results: list[Result]) -> None:
    print()
    print("Results (CPU time of this process, per core; median of the timed passes)")
    header = (
        f"  {'page set':<28} {'extractor':<30} {'pages':>6} {'pages/s':>9} {'ms/page':>8} "
        f"{'pages/s range':>15} {'wall p/s':>9} {'non-empty':>10}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for r in results:
        low, high = r.range_pages_per_s
        print(
            f"  {r.page_set:<28} {r.extractor:<30} {r.pages:>6} {r.pages_per_s:>9.1f} "
            f"{r.ms_per_page:>8.3f} {f'{low:.0f}-{high:.0f}':>15} {r.wall_pages_per_s:>9.1f} "
            f"{f'{r.ok_pages}/{r.pages}':>10}"
        )
        if r.note:
            print(f"  {'':<28} {'':<30} note: {r.note}")


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="generated Europol pages")
    parser.add_argument(
        "--server-data-kib",
        type=float,
        default=60.0,
        help="smallest window.SERVER_DATA of a generated page, KiB (default 60)",
    )
    parser.add_argument(
        "--europarl-copies",
        type=int,
        default=100,
        help="times each real Europarl page is repeated (default 100)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per figure")
    parser.add_argument("--warmup", type=int, default=100, help="pages of the warm-up pass")
    parser.add_argument("--no-trafilatura", action="store_true", help="our figures only")
    parser.add_argument(
        "--process-copies",
        type=int,
        default=700,
        help="Europarl: also compare whole processes over the real pages x N (0: skip)",
    )
    parser.add_argument("--process-runs", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    benchlib.print_machine()
    print(f"  Load average at start: {benchlib.load_average()}")
    print(
        f"  Timing: time.process_time (CPU of this one process), {args.repeat} timed passes, "
        f"warm-up pass of {args.warmup} pages excluded"
    )
    print()
    results: list[Result] = []
    summary: dict[str, Any] = {"machine": benchlib.machine_lines(), "load": benchlib.load_average()}

    if not args.no_trafilatura:
        try:
            import trafilatura  # noqa: F401
        except ImportError as exc:
            print(
                f"trafilatura cannot be imported ({exc}); pip install -e '.[bench]' "
                "(trafilatura's justext also needs lxml_html_clean); or --no-trafilatura"
            )
            return 2

    from newsroom_scraper.spiders.europol import EuropolSpider

    with tempfile.TemporaryDirectory(prefix="bench-extract-") as tmp:
        print("Pages")
        files, padding = europol_pages(args.pages, int(args.server_data_kib * 1024), Path(tmp))
        describe_pages(f"Europol generated (app_padding_kb={padding})", files, server_data=True)
        europarl_cls, europarl_real, why_not = benchlib.europarl_status()
        europarl_files = europarl_real * args.europarl_copies
        if europarl_cls is not None:
            describe_pages(
                f"Europarl real ({len(europarl_real)} pages x {args.europarl_copies})",
                europarl_files,
                server_data=False,
            )
        else:
            print(f"  Europarl: {why_not}")
        europol_real = sorted(EUROPOL_REAL.glob("*.html")) * args.europarl_copies
        if europol_real:
            describe_pages("Europol real shell (x copies)", europol_real, server_data=True)

        sets: list[tuple[str, Any, list[Path]]] = [("Europol generated", EuropolSpider, files)]
        if europarl_cls is not None:
            sets.append(("Europarl real", europarl_cls, europarl_files))
        if europol_real:
            sets.append(("Europol real shell (info)", EuropolSpider, europol_real))

        for label, spidercls, page_files in sets:
            print(f"\nTiming {label} ({len(page_files)} pages) ...", flush=True)
            errors: list[str] = []
            result = Result(label, "newsroom_scraper extract", len(page_files))
            runs: list[tuple[Result, Callable[[list[Path]], int]]] = [
                (result, ours(spidercls, errors))
            ]
            traf_stats: list[tuple[Result, dict[str, int]]] = []
            if not args.no_trafilatura:
                for fast in (False, True):
                    stats: dict[str, int] = {}
                    name = "trafilatura.extract" + (" fast=True" if fast else "")
                    traf = Result(label, name, len(page_files))
                    runs.append((traf, trafilatura_pass(fast, stats)))
                    traf_stats.append((traf, stats))
            interleaved(runs, page_files, args.repeat, args.warmup)
            if errors:
                result.note = "failures: " + " | ".join(errors[:3])
            for traf, stats in traf_stats:
                ok = max(traf.ok_pages, 1)
                traf.note = f"{stats.get('chars', 0) // ok} characters of text per non-empty page"
            results.extend(run for run, _ in runs)

    print_results(results)
    europarl_cls_ok = benchlib.europarl_status()[0] is not None
    if args.process_copies and europarl_cls_ok and not args.no_trafilatura:
        pages = sorted(benchlib.EUROPARL_PAGES.glob("*.html")) * args.process_copies
        print(f"\nEuroparl as whole processes ({len(pages)} pages, start-up included):")
        for our_cpu, traf_cpu, our_wall, traf_wall in process_comparison(pages, args.process_runs):
            print(
                f"  extract CLI {len(pages) / our_cpu:6.1f} pages/s CPU ({our_wall:5.2f} s wall), "
                f"trafilatura {len(pages) / traf_cpu:5.1f} pages/s CPU ({traf_wall:5.2f} s wall): "
                f"{traf_cpu / our_cpu:.2f}x by CPU, {traf_wall / our_wall:.2f}x by wall "
                f"(load {benchlib.load_average()})"
            )
    print(f"  Load average at end: {benchlib.load_average()}")
    dateparser = "yes" if "dateparser" in sys.modules else "no"
    print(f"\ndateparser imported by the extraction: {dateparser}")
    print("\nTargets")
    by_key = {(r.page_set, r.extractor): r for r in results}
    europol = by_key[("Europol generated", "newsroom_scraper extract")]
    europol_ok = europol.ok_pages == europol.pages
    met = europol.pages_per_s >= EUROPOL_TARGET_PAGES_PER_S and europol_ok
    print(
        f"  Europol >= {EUROPOL_TARGET_PAGES_PER_S:.0f} pages/s per core: "
        f"{europol.pages_per_s:.0f} pages/s ({europol.ms_per_page:.2f} ms/page) -> {verdict(met)}"
        + ("" if europol_ok else f" (only {europol.ok_pages}/{europol.pages} pages extracted)")
    )
    summary["targets"] = {"europol_pages_per_s": europol.pages_per_s, "europol_met": met}
    europarl = by_key.get(("Europarl real", "newsroom_scraper extract"))
    if europarl is None:
        print(f"  Europarl >= {EUROPARL_TARGET_RATIO:.0f}x trafilatura: {why_not}")
    elif args.no_trafilatura:
        print(f"  Europarl: {europarl.pages_per_s:.0f} pages/s (trafilatura not run)")
    else:
        traf = by_key[("Europarl real", "trafilatura.extract")]
        fast = by_key[("Europarl real", "trafilatura.extract fast=True")]
        ratio = europarl.pages_per_s / traf.pages_per_s
        pairs = [t / o for o, t in zip(europarl.passes_cpu_s, traf.passes_cpu_s, strict=True)]
        print(
            f"  Europarl, ratio of each round's passes (ours and trafilatura's back to back): "
            f"{', '.join(f'{r:.2f}' for r in pairs)} (lowest {min(pairs):.2f}x)"
        )
        europarl_ok = europarl.ok_pages == europarl.pages
        met = ratio >= EUROPARL_TARGET_RATIO and europarl_ok
        print(
            f"  Europarl >= {EUROPARL_TARGET_RATIO:.0f}x trafilatura.extract: "
            f"{europarl.pages_per_s:.0f} vs {traf.pages_per_s:.1f} pages/s = {ratio:.2f}x "
            f"-> {verdict(met)}"
            + ("" if europarl_ok else f" (only {europarl.ok_pages}/{europarl.pages} extracted)")
        )
        print(
            f"    (against trafilatura fast=True, {fast.pages_per_s:.1f} pages/s: "
            f"{europarl.pages_per_s / fast.pages_per_s:.2f}x)"
        )
        summary["targets"].update(europarl_ratio=ratio, europarl_met=met)
    if not args.no_trafilatura:
        traf = by_key[("Europol generated", "trafilatura.extract")]
        print(
            f"  (Europol: trafilatura gets {traf.note.split(' ')[0]} characters per page, the "
            "shell's loading text: the article is only in SERVER_DATA)"
        )
    if args.json:
        summary["results"] = [r.as_dict() for r in results]
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
        print(f"\nFigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
