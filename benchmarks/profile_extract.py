"""Where the extraction time goes: stage timings without a profiler, then a pyinstrument profile.

    python benchmarks/profile_extract.py [--pages N] [--europarl-copies C] [--top K] [--html DIR]

1. Stages: each step of the ``extract`` code path (read, own URL, response, ``spider.extract``,
   item -> dict, schema validation, JSON line) timed on its own over every page with
   ``time.process_time`` (warm-up pass excluded, median of ``--repeat`` passes), with the
   pieces of ``spider.extract`` that can be called separately (Europol: the SERVER_DATA JSON
   decode and the menu index; Europarl: the lxml parse of the page).
2. Profile: pyinstrument (sampling, low overhead) over one ``extract_files`` pass: the functions
   with the most self time, the project's functions by inclusive time, and self time by package.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import benchlib
from bench_extract import CountingSink, europol_pages

if TYPE_CHECKING:
    from collections.abc import Callable


# -- stages ------------------------------------------------------------------------------------


def time_stage(
    function: Callable[[Any], Any], inputs: list[Any], repeat: int
) -> tuple[float, list[Any]]:
    """Median CPU seconds of ``[function(x) for x in inputs]`` and the outputs of the warm-up."""
    outputs = [function(value) for value in inputs]  # warm-up, excluded
    passes = []
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        for value in inputs:
            function(value)
        passes.append(time.process_time() - start)
    return statistics.median(passes), outputs


def stages(label: str, spidercls: Any, files: list[Path], repeat: int) -> None:
    from itemadapter import ItemAdapter

    from newsroom_scraper.extract import extract_files, page_own_url, response_for
    from newsroom_scraper.items import dumps_record
    from newsroom_scraper.pipelines import validation_errors

    spider = spidercls()  # its page() builds pages with the crawl's context, as a crawl does
    rows: list[tuple[str, float, bool]] = []  # (name, seconds, part of the total)

    def stage(
        name: str, function: Callable[[Any], Any], inputs: list[Any], counted: bool = True
    ) -> list[Any]:
        seconds, outputs = time_stage(function, inputs, repeat)
        rows.append((name, seconds, counted))
        return outputs

    bodies = stage("read the file (Path.read_bytes)", Path.read_bytes, files)
    own = stage("page_own_url (regex over the page)", page_own_url, bodies)
    urls = stage("spider.public_url", lambda u: spider.public_url(u or "/"), own)
    pairs = list(zip(bodies, urls, strict=True))
    # A fresh response per call: a response caches its decoded text and its parse tree.
    items = stage(
        "response_for + page.to_item (fresh response)",
        lambda pair: spider.page(response_for(*pair)).to_item(),
        pairs,
    )
    # Pieces of the line above, shown indented and not added again to the total.
    stage(
        "  of which response_for (build the response)",
        lambda pair: response_for(*pair),
        pairs,
        counted=False,
    )
    stage(
        "  of which response.text (decode)",
        lambda pair: response_for(*pair).text,
        pairs,
        counted=False,
    )
    if spidercls.name == "europol":
        from newsroom_scraper.spiders import europol

        texts = [response_for(*pair).text for pair in pairs]
        data = stage(
            "  of which find_server_data (json raw_decode)",
            europol.find_server_data,
            texts,
            counted=False,
        )
        stage("  of which menu_index", europol.menu_index, data, counted=False)
        del texts, data
    else:
        stage(
            "  of which the lxml/parsel parse (response.selector)",
            lambda pair: response_for(*pair).selector,
            pairs,
            counted=False,
        )
    records = stage("dict(ItemAdapter(item))", lambda item: dict(ItemAdapter(item)), items)
    problems = stage("validation_errors(record) (schema check)", validation_errors, records)
    stage("dumps_record (JSON line)", dumps_record, records)
    assert not any(problems), problems[:1]

    passes = []
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        extract_files(spidercls, files, None, CountingSink(), CountingSink())
        passes.append(time.process_time() - start)
    whole = statistics.median(passes)
    total = sum(seconds for _, seconds, counted in rows if counted)
    pages = len(files)
    print(f"\nStages: {label}, {pages} pages (CPU ms per page, median of {repeat} passes)")
    for name, seconds, counted in rows:
        share = f"{seconds / total:6.1%}" if counted else "      "
        print(f"  {name:<55} {seconds * 1000 / pages:8.3f} ms  {share}")
    print(f"  {'sum of the stages':<55} {total * 1000 / pages:8.3f} ms")
    print(
        f"  {'extract_files, measured as a whole':<55} {whole * 1000 / pages:8.3f} ms"
        f"  ({pages / whole:.0f} pages/s)"
    )


# -- pyinstrument ------------------------------------------------------------------------------


def package_of(path: str | None) -> str:
    if not path:
        return "(native)"
    path = path.replace("\\", "/")
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/newsroom_scraper/" in path:
        return "newsroom_scraper"
    if "/lib/python3" in path:
        module = path.rsplit("/lib/python3", 1)[1].split("/", 2)
        return "stdlib " + (module[1].removesuffix(".py") if len(module) > 1 else "?")
    return Path(path).name


def profile(label: str, spidercls: Any, files: list[Path], top: int, html: Path | None) -> None:
    from pyinstrument import Profiler

    from newsroom_scraper.extract import extract_files

    extract_files(spidercls, files[:50], None, CountingSink(), CountingSink())  # warm-up
    profiler = Profiler(interval=0.0002)
    profiler.start()
    extract_files(spidercls, files, None, CountingSink(), CountingSink())
    profiler.stop()
    session = profiler.last_session
    root = session.root_frame()
    total = root.time
    self_time: dict[tuple[str, str, int], float] = defaultdict(float)
    inclusive: dict[tuple[str, str, int], float] = defaultdict(float)
    packages: dict[str, float] = defaultdict(float)

    def walk(frame: Any, stack: frozenset[tuple[str, str, int]]) -> None:
        key = (frame.function, frame.file_path or "", frame.line_no or 0)
        own = sum(child.time for child in frame.children if child.is_synthetic_leaf)
        self_time[key] += own
        packages[package_of(frame.file_path)] += own
        if key not in stack:
            inclusive[key] += frame.time
        for child in frame.children:
            if not child.is_synthetic:
                walk(child, stack | {key})

    walk(root, frozenset())

    def name(key: tuple[str, str, int]) -> str:
        function, path, line = key
        return f"{function} ({package_of(path)}: {Path(path).name}:{line})"

    print(f"\nProfile: {label}, {len(files)} pages, pyinstrument {total:.2f} s sampled")
    print(f"  Top {top} functions by self time")
    for key, seconds in sorted(self_time.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {seconds / total:6.1%}  {name(key)}")
    print("  Project functions by inclusive time (>= 2%)")
    for key, seconds in sorted(inclusive.items(), key=lambda kv: -kv[1]):
        if "/newsroom_scraper/" in key[1] and seconds / total >= 0.02:
            print(f"    {seconds / total:6.1%}  {name(key)}")
    print("  Library calls by inclusive time (>= 3%)")
    for key, seconds in sorted(inclusive.items(), key=lambda kv: -kv[1]):
        if "/newsroom_scraper/" not in key[1] and key[1] and 0.03 <= seconds / total < 0.999:
            print(f"    {seconds / total:6.1%}  {name(key)}")
    print("  Self time by package")
    for package, seconds in sorted(packages.items(), key=lambda kv: -kv[1])[:12]:
        print(f"    {seconds / total:6.1%}  {package}")
    if html is not None:
        html.mkdir(parents=True, exist_ok=True)
        target = html / f"profile-{spidercls.name}.html"
        target.write_text(profiler.output_html())
        print(f"  Call tree: {target}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=500, help="generated Europol pages")
    parser.add_argument("--server-data-kib", type=float, default=60.0)
    parser.add_argument("--europarl-copies", type=int, default=50)
    parser.add_argument("--real-copies", type=int, default=100, help="of the real Europol page")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--html", type=Path, help="write pyinstrument's HTML call trees here")
    args = parser.parse_args(argv)

    benchlib.print_machine()
    from newsroom_scraper.spiders.europol import EuropolSpider

    with tempfile.TemporaryDirectory(prefix="profile-extract-") as tmp:
        files, _ = europol_pages(args.pages, int(args.server_data_kib * 1024), Path(tmp))
        size = benchlib.server_data_size(files[0].read_bytes())
        sets = [(f"Europol generated (SERVER_DATA {benchlib.kib(size)})", EuropolSpider, files)]
        real = sorted((benchlib.REPO.parent / "shared" / "sites" / "europol-real").glob("*.html"))
        if real:  # the real capture, the issue-12 target of 500 pages/s
            sets.append(("Europol real capture", EuropolSpider, real * args.real_copies))
        europarl_cls, europarl_real, why_not = benchlib.europarl_status()
        if europarl_cls is not None:
            sets.append(("Europarl real", europarl_cls, europarl_real * args.europarl_copies))
        else:
            print(f"\nEuroparl: {why_not}")
        for label, spidercls, page_files in sets:
            stages(label, spidercls, page_files, args.repeat)
            profile(label, spidercls, page_files, args.top, args.html)
    return 0


if __name__ == "__main__":
    sys.exit(main())
