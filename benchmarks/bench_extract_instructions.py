"""Instructions a page of ``extract``, now and at an earlier commit (valgrind's cachegrind).

    python benchmarks/bench_extract_instructions.py [--set generated|real|europarl]
                                                    [--before COMMIT] [--pages N]

A count of instructions does not move with the load of a shared machine, as CPU time does (by
up to 1.5x within a minute here): it compares two versions of the code deterministically.
Each version runs :func:`extract_files` in a process under ``valgrind --tool=cachegrind``
twice, over 20 pages and over 20 + ``--pages`` pages (after a warm-up of 5 pages, so that the
menu cache and lazily built objects are in place); the difference of the two totals divided by
``--pages`` is the cost of a page, start-up left out. The version at ``--before`` is loaded
as ``bench_extract_paired.py`` loads it (the package renamed). About 50x slower than a normal
run: a few hundred pages are enough (the count does not vary between runs).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import benchlib
from bench_extract_paired import DEFAULT_BEFORE, load_before, page_set

WARM_UP = 5
BASE_PAGES = 20
DRIVER = """
import importlib, sys
from pathlib import Path
package, site, listing, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
extract = importlib.import_module(package + ".extract")
spidercls = importlib.import_module(package + ".spiders").registered_sites()[site]
files = [Path(line) for line in Path(listing).read_text().splitlines()][:count]

class Sink:
    def write(self, text):
        return len(text)

    def flush(self):
        pass

extract.extract_files(spidercls, files[:{warm_up}], None, Sink(), Sink())
extract.extract_files(spidercls, files, None, Sink(), Sink())
""".replace("{warm_up}", str(WARM_UP))
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def instructions(package: str, path: list[str], site: str, listing: Path, count: int) -> int:
    """Instructions of one process that extracts the first ``count`` pages of ``listing``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        os.path.realpath(sys.executable),  # the interpreter itself, not a shim
        "-c",
        DRIVER,
        package,
        site,
        str(listing),
        str(count),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    found = _REFS.search(done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind: {done.stderr[-500:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=DEFAULT_BEFORE, help="the commit to compare with")
    parser.add_argument("--set", choices=("generated", "real", "europarl"), default="generated")
    parser.add_argument("--pages", type=int, default=200, help="pages counted (after 20)")
    args = parser.parse_args()
    total = BASE_PAGES + args.pages
    with tempfile.TemporaryDirectory() as folder:
        load_before(args.before, Path(folder) / "before")
        pages = Path(folder) / "pages"
        pages.mkdir()
        copies = -(-total // (1 if args.set == "real" else 2))
        site, files = page_set(args.set, total, copies, pages)
        listing = Path(folder) / "files.txt"
        listing.write_text("\n".join(str(path) for path in files[:total]))
        versions = {
            f"at {args.before}": ("newsroom_scraper_before", [str(Path(folder) / "before")]),
            "this code": ("newsroom_scraper", [str(benchlib.REPO)]),
        }
        per_page = {}
        for label, (package, path) in versions.items():
            low = instructions(package, path, site, listing, BASE_PAGES)
            high = instructions(package, path, site, listing, total)
            per_page[label] = (high - low) / args.pages
            print(f"  {label:16} {per_page[label] / 1e6:7.2f} M instructions a page", flush=True)
    before, now = per_page.values()
    print(f"{args.set}: {args.pages} pages; {before / now:.3f}x fewer instructions, load-free")


if __name__ == "__main__":
    main()
