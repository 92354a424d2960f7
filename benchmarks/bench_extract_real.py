"""``extract --site europol`` on the real capture: this code against the second pass undone.

    python benchmarks/bench_extract_real.py [--copies 100] [--rounds 15]

The code path of ``newsroom-scraper extract`` (:func:`newsroom_scraper.extract.extract_files`,
into an in-memory sink) over ``--copies`` copies of ``../shared/sites/europol-real/``, in passes
that alternate between the current code and the code as the first pass of issue 12 left it,
patched back in the same process: the json-only encodings of ``items.py`` (where ``extract``
and the item loader call them), the line-by-line text layout, the word count by a split of
the body and (third pass) the control-character scan as a regex. Each pair of passes runs
within a second or two of the other: this machine's speed changes by up to 1.5x within a
minute, so only paired figures compare. CPU time of this process; medians, and the median
of the per-pair speed-ups. The records of both must be equal. (Since issue 12's fifth pass the
patched-in layout and scan are those entry points' old equivalents; ``bench_extract_paired.py``
compares with any earlier commit as a whole, without patching.)
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

import benchlib

from newsroom_scraper import extract as extract_module
from newsroom_scraper.extraction import htmltext, loaders
from newsroom_scraper.spiders.europol import EuropolSpider
from tests.helpers import reference_hash, reference_layout_marked, reference_line


def line_by_line_layout(marked: bytes) -> tuple[str, int]:
    """The first pass's layout (of the stream as ``str``); no count (load_item splits)."""
    return reference_layout_marked(marked.decode()), -1


def regex_scan(html: str) -> bytes | None:
    """The control-character and mark scan as a regex (before the third pass); the source's
    UTF-8 (what the parse reads since the fifth pass) when it finds nothing."""
    return None if htmltext._CONTROL_OR_MARK.search(html) is not None else html.encode()


def one_pass(files: list[Path], before: bool, scan_only: bool = False) -> tuple[float, str]:
    with ExitStack() as stack:
        if before and scan_only:
            stack.enter_context(
                mock.patch.object(htmltext, "_utf8_unless_control_or_mark", regex_scan)
            )
        elif before:
            stack.enter_context(mock.patch.object(extract_module, "dumps_record", reference_line))
            stack.enter_context(mock.patch.object(loaders, "compute_content_hash", reference_hash))
            stack.enter_context(
                mock.patch.object(htmltext, "_layout_utf8_counted", line_by_line_layout)
            )
            stack.enter_context(
                mock.patch.object(htmltext, "_utf8_unless_control_or_mark", regex_scan)
            )
            # no count handed from the layout to the loader: load_item splits the body
            ignored = property(lambda _self: None, lambda _self, _value: None)
            stack.enter_context(
                mock.patch.object(loaders.NewsItemLoader, "_body_words", ignored, create=True)
            )
        return benchlib.timed_extract(extract_module.extract_files, EuropolSpider, files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument(
        "--scan-only", action="store_true", help="undo only the third pass's scan (regex back)"
    )
    args = parser.parse_args()
    real = sorted((benchlib.REPO.parent / "shared" / "sites" / "europol-real").glob("*.html"))
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for index in range(args.copies):
            for page in real:
                path = Path(folder) / f"{index:04d}-{page.name}"
                path.write_bytes(page.read_bytes())
                files.append(path)
        one_pass(files[:10], False)  # warm-up
        one_pass(files[:10], True)
        times: dict[bool, list[float]] = {False: [], True: []}
        outputs: dict[bool, set[str]] = {False: set(), True: set()}
        for round_ in range(args.rounds):
            for before in (False, True) if round_ % 2 == 0 else (True, False):
                seconds, out = one_pass(files, before, args.scan_only)
                times[before].append(seconds)
                # scraped_at differs between passes: compare the lines without it
                outputs[before].add(
                    "\n".join(
                        json.dumps({k: v for k, v in json.loads(line).items() if k != "scraped_at"})
                        for line in out.splitlines()
                    )
                )
    assert outputs[False] == outputs[True], "the two versions wrote different records"
    for before, label in ((True, "first pass (before)"), (False, "this code")):
        rates = sorted(len(files) / seconds for seconds in times[before])
        median = statistics.median(rates)
        print(
            f"{label:24} {median:7.0f} pages/s per core ({1000 / median:.2f} ms/page), "
            f"passes {rates[0]:.0f}-{rates[-1]:.0f}"
        )
    gains = sorted(b / a for a, b in zip(times[False], times[True], strict=True))
    print(
        f"speed-up, median of the pairs: {statistics.median(gains):.3f}x "
        f"(pairs {gains[0]:.2f}-{gains[-1]:.2f}); {len(files)} pages, {args.rounds} rounds, "
        "records equal apart from scraped_at"
    )


if __name__ == "__main__":
    main()
