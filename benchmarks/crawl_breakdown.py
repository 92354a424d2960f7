"""Where a crawl's CPU goes, by component, without a profiler's distortion.

    python benchmarks/crawl_breakdown.py crawl europol --base-url URL --data-dir DIR [...]

Runs the command line in this process with the project's components wrapped in
``time.process_time`` accumulators (about 1 us a call: a profiler costs the crawl 2x and
misplaces the time of Scrapy's many small calls): the spider's article callback (with and
without building the item), each item pipeline, the state store's writes, the incremental
middleware's decision and Scrapy's stats calls. Prints the process's CPU and each component's
seconds and calls; the rest is Scrapy, Twisted, asyncio and start-up, which a bare spider
(``bare_spider.py``) pays too. A generator is timed per step, so a callback's time excludes
what Scrapy does with its outputs.

Used with ``serve_mirror.py --render 2000 --embedded 5`` and ``--discovery chain`` for the
"one scheduler pass per request" figures of BENCHMARKS.md.
"""

from __future__ import annotations

import functools
import inspect
import resource
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SECONDS: defaultdict[str, float] = defaultdict(float)
CALLS: Counter[str] = Counter()


def timed(owner: type, name: str, label: str | None = None) -> None:
    """Wrap ``owner.name`` so that its CPU time adds up under ``label``."""
    function = getattr(owner, name)
    label = label or f"{owner.__name__}.{name}"
    clock = time.process_time
    if inspect.isgeneratorfunction(function):

        @functools.wraps(function)
        def steps(*args: Any, **kwargs: Any) -> Iterator[Any]:
            iterator = function(*args, **kwargs)
            CALLS[label] += 1
            while True:
                started = clock()
                try:
                    value = next(iterator)
                except StopIteration:
                    SECONDS[label] += clock() - started
                    return
                SECONDS[label] += clock() - started
                yield value

        setattr(owner, name, steps)
        return

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        started = clock()
        try:
            return function(*args, **kwargs)
        finally:
            SECONDS[label] += clock() - started
            CALLS[label] += 1

    setattr(owner, name, call)


def instrument() -> None:
    from scrapy.statscollectors import StatsCollector

    from newsroom_scraper import pipelines
    from newsroom_scraper.spiders import europol
    from newsroom_scraper.state import incremental, store
    from newsroom_scraper.state import pipeline as dataset

    timed(europol.EuropolSpider, "parse_article", "spider: article callback (item included)")
    timed(europol.EuropolPage, "to_item", "  of which: page -> item (EuropolPage.to_item)")
    for stage in (
        pipelines.ValidationPipeline,
        pipelines.DeduplicationPipeline,
        dataset.DatasetPipeline,
    ):
        timed(stage, "process_item", f"pipeline: {stage.__name__}")
    timed(store.SqliteStateStore, "save_article", "  of which: SQLite save_article")
    timed(incremental.IncrementalMiddleware, "wanted", "incremental: wanted")
    timed(StatsCollector, "inc_value", "Scrapy stats: inc_value")


def main() -> int:
    instrument()
    from newsroom_scraper import cli

    code: Callable[[], int] = cli.main
    sys.argv = ["newsroom-scraper", *sys.argv[1:]]
    try:
        return code()
    finally:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        total = usage.ru_utime + usage.ru_stime
        print(f"process CPU {total:.2f} s", file=sys.stderr)
        for label, seconds in sorted(SECONDS.items(), key=lambda pair: -pair[1]):
            print(f"  {seconds:7.3f} s {CALLS[label]:7d} calls  {label}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
