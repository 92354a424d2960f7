"""``extract`` now against ``extract`` at an earlier commit, paired in one process.

    python benchmarks/bench_extract_paired.py [--before COMMIT] [--set generated|real|europarl]
                                              [--pages N] [--copies C] [--rounds R]

The package as it was at ``--before`` (``git archive``) is loaded beside the current one under
another name (``newsroom_scraper_before``: every ``newsroom_scraper`` word of its files renamed),
so that both versions run whole, with no patching, in one process. Passes of
:func:`extract_files` over the same files alternate between the two (which one goes first
alternates too); each pair runs within a second or two, and this machine's speed changes by
up to 1.5x within a minute: only paired figures compare. CPU time of this process; medians,
and the median of the per-pair speed-ups. The records of both must be equal (``scraped_at``
aside). Page sets: ``generated`` (``--pages`` generated Europol shells with at least 60 KiB of
SERVER_DATA, as ``bench_extract.py``), ``real`` (the real Europol capture x ``--copies``),
``europarl`` (the real Europarl pages x ``--copies``).
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import benchlib
from bench_extract import EUROPOL_REAL, europol_pages

#: The commit before the fourth pass of issue 12 (session 3).
DEFAULT_BEFORE = "7833581"
_NAME = re.compile(rb"\bnewsroom_scraper\b")


def load_before(commit: str, folder: Path) -> Any:
    """The package at ``commit`` as ``newsroom_scraper_before`` (its ``extract`` module)."""
    archive = subprocess.run(
        ["git", "archive", commit, "newsroom_scraper"],
        cwd=benchlib.REPO,
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    package = folder / "newsroom_scraper_before"
    (folder / "newsroom_scraper").rename(package)
    for path in package.rglob("*.py"):
        path.write_bytes(_NAME.sub(b"newsroom_scraper_before", path.read_bytes()))
    sys.path.insert(0, str(folder))
    return importlib.import_module("newsroom_scraper_before.extract")


def page_set(name: str, pages: int, copies: int, folder: Path) -> tuple[str, list[Path]]:
    """(site, files) of a page set, written to ``folder`` (one file per copy)."""
    if name == "generated":
        return "europol", europol_pages(pages, 60 * 1024, folder)[0]
    source = sorted(EUROPOL_REAL.glob("*.html")) if name == "real" else []
    if name == "europarl":
        source = sorted(benchlib.EUROPARL_PAGES.glob("*.html"))
    if not source:
        raise SystemExit(f"no pages for --set {name}")
    files = []
    for index in range(copies):
        for page in source:
            path = folder / f"{index:04d}-{page.name}"
            path.write_bytes(page.read_bytes())
            files.append(path)
    return ("europol" if name == "real" else "europarl"), files


def one_pass(extract: Any, site: str, files: list[Path]) -> tuple[float, str]:
    return benchlib.timed_extract(extract.extract_files, extract_sites(extract)[site], files)


def extract_sites(extract: Any) -> dict[str, Any]:
    package = extract.__name__.rsplit(".", 1)[0]
    sites: dict[str, Any] = importlib.import_module(f"{package}.spiders").registered_sites()
    return sites


def without_scraped_at(out: str) -> str:
    return "\n".join(
        json.dumps({k: v for k, v in json.loads(line).items() if k != "scraped_at"})
        for line in out.splitlines()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=DEFAULT_BEFORE, help="the commit to compare with")
    parser.add_argument("--set", choices=("generated", "real", "europarl"), default="generated")
    parser.add_argument("--pages", type=int, default=1000, help="generated pages")
    parser.add_argument("--copies", type=int, default=100, help="copies of the real pages")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    from newsroom_scraper import extract as current

    with tempfile.TemporaryDirectory() as folder:
        before = load_before(args.before, Path(folder) / "before")
        pages = Path(folder) / "pages"
        pages.mkdir()
        site, files = page_set(args.set, args.pages, args.copies, pages)
        versions = {"before": before, "now": current}
        for extract in versions.values():  # warm-up
            one_pass(extract, site, files[:20])
        times: dict[str, list[float]] = {"before": [], "now": []}
        outputs: dict[str, set[str]] = {"before": set(), "now": set()}
        for round_ in range(args.rounds):
            for label in ("now", "before") if round_ % 2 == 0 else ("before", "now"):
                seconds, out = one_pass(versions[label], site, files)
                times[label].append(seconds)
                outputs[label].add(without_scraped_at(out))
    assert outputs["before"] == outputs["now"], "the two versions wrote different records"
    print(f"{args.set}: {len(files)} pages, {args.rounds} rounds, load {benchlib.load_average()}")
    for label, name in (("before", f"at {args.before}"), ("now", "this code")):
        rates = sorted(len(files) / seconds for seconds in times[label])
        median = statistics.median(rates)
        print(
            f"  {name:16} {median:7.0f} pages/s per core ({1000 / median:.3f} ms/page), "
            f"passes {rates[0]:.0f}-{rates[-1]:.0f}"
        )
    gains = sorted(b / a for a, b in zip(times["now"], times["before"], strict=True))
    print(
        f"  speed-up, median of the pairs: {statistics.median(gains):.3f}x "
        f"(pairs {gains[0]:.2f}-{gains[-1]:.2f}); records equal apart from scraped_at"
    )


if __name__ == "__main__":
    main()
