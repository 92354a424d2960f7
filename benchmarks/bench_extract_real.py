"""``extract --site europol`` over the real capture: the JSON encodings of items.py, json vs orjson.

    python benchmarks/bench_extract_real.py [--copies 100] [--rounds 15]

The code path of ``newsroom-scraper extract`` (:func:`newsroom_scraper.extract.extract_files`,
into an in-memory sink) over ``--copies`` copies of ``../shared/sites/europol-real/``, in passes
that alternate between the current ``items.py`` (orjson where its bytes are json's) and the
json-only functions it replaced (patched in where ``extract`` and the item loader call them), so
that each pair of passes runs within a second of the other. CPU time of this process, medians.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import io
import json
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from unittest import mock

import benchlib

from newsroom_scraper import extract as extract_module
from newsroom_scraper.extraction import loaders
from newsroom_scraper.items import NOT_HASHED_FIELDS, ordered_record
from newsroom_scraper.spiders.europol import EuropolSpider


def json_hash(record: dict[str, Any]) -> str:
    content = {key: value for key, value in record.items() if key not in NOT_HASHED_FIELDS}
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def json_line(record: dict[str, Any]) -> str:
    return json.dumps(ordered_record(record), ensure_ascii=False, separators=(",", ":"))


def one_pass(files: list[Path], json_only: bool) -> tuple[float, str]:
    sink, err = io.StringIO(), io.StringIO()
    with ExitStack() as stack:
        if json_only:
            stack.enter_context(mock.patch.object(extract_module, "dumps_record", json_line))
            stack.enter_context(mock.patch.object(loaders, "compute_content_hash", json_hash))
        gc.collect()
        start = time.process_time()
        extract_module.extract_files(EuropolSpider, files, None, sink, err)
        seconds = time.process_time() - start
    assert not err.getvalue(), err.getvalue()[:500]
    return seconds, sink.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=15)
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
            for json_only in (False, True) if round_ % 2 == 0 else (True, False):
                seconds, out = one_pass(files, json_only)
                times[json_only].append(seconds)
                # scraped_at differs between passes: compare the lines without it
                outputs[json_only].add(
                    "\n".join(
                        json.dumps({k: v for k, v in json.loads(line).items() if k != "scraped_at"})
                        for line in out.splitlines()
                    )
                )
    assert outputs[False] == outputs[True], "the two encodings wrote different records"
    for json_only, label in ((True, "json only (before)"), (False, "orjson where identical")):
        rates = sorted(len(files) / seconds for seconds in times[json_only])
        median = statistics.median(rates)
        print(
            f"{label:24} {median:7.0f} pages/s per core ({1000 / median:.2f} ms/page), "
            f"passes {rates[0]:.0f}-{rates[-1]:.0f}"
        )
    print(f"{len(files)} pages, {args.rounds} rounds, records equal apart from scraped_at")


if __name__ == "__main__":
    main()
