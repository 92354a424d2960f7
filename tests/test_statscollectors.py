"""The crawl's stats collector: Scrapy's counters, without Scrapy 2.19's per-access shim."""

from __future__ import annotations

import sys
import warnings
from typing import TYPE_CHECKING, Any

import pytest
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from newsroom_scraper.statscollectors import NewsroomStatsCollector

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType


def python_calls(action: Callable[[], object]) -> list[str]:
    """The Python functions that run during ``action()`` (the profiler's ``call`` events)."""
    names: list[str] = []

    def note(frame: FrameType, event: str, _: Any) -> None:
        if event == "call":
            names.append(frame.f_code.co_name)

    sys.setprofile(note)
    try:
        action()
    finally:
        sys.setprofile(None)
    return names


def exercise(stats: MemoryStatsCollector) -> dict[str, Any]:
    stats.open_spider()
    stats.inc_value("pages")
    stats.inc_value("pages", 2)
    stats.inc_value("from_ten", start=10)
    stats.max_value("deepest", 3)
    stats.max_value("deepest", 1)
    stats.min_value("shallowest", 3)
    stats.min_value("shallowest", 1)
    stats.set_value("state", "done")
    stats.inc_value("with_spider", spider=None)
    assert stats.get_value("missing", "default") == "default"
    return dict(stats.get_stats())


def test_the_counters_are_scrapys():
    crawler = get_crawler()
    ours, scrapys = NewsroomStatsCollector(crawler), MemoryStatsCollector(crawler)
    # Scrapy's shim warns about the spider argument; ours does not.
    with pytest.warns(Warning, match="spider"):
        expected = exercise(scrapys)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        counted = exercise(ours)
    assert (
        counted
        == expected
        == {
            "pages": 3,
            "from_ten": 11,
            "deepest": 3,
            "shallowest": 1,
            "state": "done",
            "with_spider": 1,
        }
    )
    ours.clear_stats()
    assert ours.get_stats() == {}


def test_a_counter_runs_only_its_own_method():
    crawler = get_crawler()
    ours, scrapys = NewsroomStatsCollector(crawler), MemoryStatsCollector(crawler)
    ours.inc_value("warm")
    scrapys.inc_value("warm")
    assert python_calls(lambda: ours.inc_value("pages")) == ["<lambda>", "inc_value"]
    # The probe sees the shim where it is: Scrapy's collector runs its __getattribute__ and
    # the spider-argument wrapper around the same call.
    assert "__getattribute__" in python_calls(lambda: scrapys.inc_value("pages"))


def test_the_project_settings_choose_it():
    settings = get_project_settings()
    crawler = get_crawler(settings_dict={"STATS_CLASS": settings["STATS_CLASS"]})
    assert type(crawler.stats) is NewsroomStatsCollector
