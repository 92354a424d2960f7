"""Shared helpers of the benchmark scripts: the machine, the repository, the page sets.

The scripts are run from the repository root (``python benchmarks/bench_extract.py``); the mirror
generators live in ``tests/mirrors/``, so the repository root is put on ``sys.path`` here.
"""

from __future__ import annotations

import gc
import io
import os
import platform
import re
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

#: Real European Parliament pages, outside the repository (never copied into it).
EUROPARL_PAGES = REPO.parent / "shared" / "sites" / "europarl-pages"

_SERVER_DATA = re.compile(r"window\.SERVER_DATA\s*=\s*")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def version_of(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_lines() -> list[str]:
    """CPU model, cores, OS, Python and the versions of the libraries that do the work."""
    import lxml.etree

    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count() or 0
    physical = "?"
    frequency = ""
    try:
        import psutil

        physical = str(psutil.cpu_count(logical=False))
        freq = psutil.cpu_freq()
        if freq and freq.max:
            frequency = f", {freq.max:.0f} MHz max"
        elif freq and freq.current:
            frequency = f", {freq.current:.0f} MHz"
    except (ImportError, NotImplementedError, OSError):
        pass
    libxml2 = ".".join(map(str, lxml.etree.LIBXML_VERSION))
    return [
        f"CPU: {cpu_model()} ({os.cpu_count()} logical CPUs, {physical} physical cores, "
        f"{affinity} usable{frequency})",
        f"OS: {platform.platform()}",
        f"Python: {platform.python_implementation()} {platform.python_version()}",
        f"Scrapy {version_of('scrapy')}, lxml {version_of('lxml')} (libxml2 {libxml2}), "
        f"parsel {version_of('parsel')}, jsonschema {version_of('jsonschema')}, "
        f"itemloaders {version_of('itemloaders')}, trafilatura {version_of('trafilatura')}",
    ]


def print_machine() -> None:
    print("Machine")
    for line in machine_lines():
        print(f"  {line}")


def europarl_status() -> tuple[Any, list[Path], str]:
    """(spider class, real pages, "") when the Europarl extraction can be benchmarked, else
    (None, [], why not)."""
    try:
        from newsroom_scraper.extraction.page import NewsPage
        from newsroom_scraper.spiders import registered_sites

        spidercls = registered_sites().get("europarl")
    except Exception as exc:  # noqa: BLE001 - a spider being written may not import yet
        return None, [], f"not available yet (spiders do not load: {type(exc).__name__}: {exc})"
    if spidercls is None:
        return None, [], "not available yet (no europarl spider registered)"
    if spidercls.page_class is NewsPage:
        return None, [], "not available yet (the europarl spider has no page class)"
    pages = sorted(EUROPARL_PAGES.glob("*.html"))
    if not pages:
        return None, [], f"not available (no real pages in {EUROPARL_PAGES})"
    return spidercls, pages, ""


def server_data_size(body: bytes) -> int:
    """Bytes of the JSON value assigned to ``window.SERVER_DATA`` (0 if there is none)."""
    import json

    text = body.decode("utf-8")
    match = _SERVER_DATA.search(text)
    if not match:
        return 0
    _, end = json.JSONDecoder().raw_decode(text, match.end())
    return len(text[match.end() : end].encode("utf-8"))


def spread(values: list[float]) -> tuple[float, float, float]:
    """(median, min, max)."""
    return statistics.median(values), min(values), max(values)


def load_average() -> str:
    """1, 5 and 15 minute load averages: on a shared machine, CPU times drift with them."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def kib(size: float) -> str:
    return f"{size / 1024:.1f} KiB"


def timed_extract(extract_files: Any, spidercls: Any, files: list[Path]) -> tuple[float, str]:
    """CPU seconds of one ``extract_files`` pass over ``files`` (after a collection, so that
    the previous pass's garbage is not charged to it) and the lines it wrote; no error allowed."""
    sink, err = io.StringIO(), io.StringIO()
    gc.collect()
    start = time.process_time()
    extract_files(spidercls, files, None, sink, err)
    seconds = time.process_time() - start
    assert not err.getvalue(), err.getvalue()[:500]
    return seconds, sink.getvalue()
