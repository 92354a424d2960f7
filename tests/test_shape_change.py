"""A newsroom that changes shape: coverage in the report, exit code 5, previous versions kept.

The crawl tests run the CLI twice (or more) on a Europol mirror that changes shape between runs
the way an independent mirror of the site's contract did: the crime areas move out of the node
and the lead disappears (``tests.mirrors.europol.changed_node``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from newsroom_scraper.extraction.dates import utc_now_iso
from newsroom_scraper.mirror import MirrorServer
from newsroom_scraper.report import (
    EXIT_CODES_DOC,
    EXIT_ERRORS,
    EXIT_OK,
    EXIT_SHAPE_CHANGED,
    EXIT_SIGINT,
    RunReport,
)
from newsroom_scraper.state.shape import (
    Coverage,
    ShapeMonitor,
    Thresholds,
    carried_fields,
    dataset_coverage,
    lost_fields,
    shape_changes,
)
from newsroom_scraper.state.store import SqliteStateStore
from tests.helpers import run_cli
from tests.mirrors import europol as mirror
from tests.test_distributed import redis_port, redis_url  # noqa: F401  (fixtures)

if TYPE_CHECKING:
    import subprocess
    from collections.abc import Iterator
    from pathlib import Path

# -- what "carries a field" means -----------------------------------------------------------------


def test_a_field_is_carried_when_it_holds_something():
    record: dict[str, Any] = {"title": "T", "lead": "", "body": None, "links": [], "related": {},
              "word_count": 0, "taxonomy": {"crime_areas": [{"label": "Cocaine"}],
                                            "entities": []},
              "version": 3, "first_seen": "x", "removed": False}  # fmt: skip
    assert carried_fields(record) == {"title", "word_count", "taxonomy", "taxonomy.crime_areas"}
    new: dict[str, Any] = {
        **record,
        "taxonomy": {"crime_areas": [], "entities": []},
        "lead": "Lead.",
    }
    assert lost_fields(record, new) == ["taxonomy", "taxonomy.crime_areas"]
    assert lost_fields(new, record) == ["lead"]


# -- the verdict and its thresholds ---------------------------------------------------------------


def coverage(items: int, **carrying: int) -> Coverage:
    """``items`` records, of which ``carrying[field]`` carry ``field``."""
    result = Coverage()
    for number in range(items):
        result.add({name: "x" for name, count in carrying.items() if number < count})
    return result


THRESHOLDS = Thresholds(carried_by=0.9, missing_from=0.5, min_items=5)


@pytest.mark.parametrize(
    ("dataset", "run", "expected"),
    [
        # 90 % carried, missing from exactly half of 6 items: both bounds are inclusive
        (coverage(10, lead=9), coverage(6, lead=3), ["lead"]),
        # just under 90 % in the dataset: not a field the dataset carries
        (coverage(1000, lead=899), coverage(6), []),
        # missing from fewer than half the run's items
        (coverage(10, lead=10), coverage(7, lead=4), []),
        # 4 items in the run: no verdict, whatever they lack
        (coverage(10, lead=10), coverage(4), []),
        # 5 items in the run, none with the field: the smallest run with a verdict
        (coverage(10, lead=10), coverage(5), ["lead"]),
        # a dataset of 4 articles says nothing about the norm
        (coverage(4, lead=4), coverage(20), []),
        # several fields, reported in order; a field the run never saw counts as missing
        (coverage(5, title=5, lead=5, body=5), coverage(5, title=5), ["body", "lead"]),
    ],
)
def test_shape_change_verdict(dataset, run, expected):
    assert [drop.field for drop in shape_changes(dataset, run, THRESHOLDS)] == expected


def test_the_verdict_names_the_figures():
    (drop,) = shape_changes(coverage(20, lead=19), coverage(8, lead=2), THRESHOLDS)
    assert (drop.dataset_share, drop.dataset_articles) == (0.95, 20)
    assert (drop.run_share, drop.run_missing, drop.run_items) == (0.25, 6, 8)
    assert drop.describe() == (
        "lead: in 95% of the 20 articles before, missing from 6 of this run's 8 items"
    )


def test_thresholds_are_settings():
    settings = Settings({"NEWSROOM_SHAPE_CARRIED_BY": "0.5", "NEWSROOM_SHAPE_MISSING_FROM": "1",
                         "NEWSROOM_SHAPE_MIN_ITEMS": "2"})  # fmt: skip
    thresholds = Thresholds.from_settings(settings)
    assert thresholds == Thresholds(carried_by=0.5, missing_from=1.0, min_items=2)
    assert shape_changes(coverage(2, lead=1), coverage(2), thresholds)[0].field == "lead"
    assert shape_changes(coverage(2, lead=1), coverage(2, lead=1), thresholds) == []
    from newsroom_scraper import settings as project

    assert Thresholds.from_settings(Settings(vars(project))) == Thresholds()


def test_dataset_coverage_after_an_accepted_change_counts_only_newer_articles():
    lines = [
        json.dumps({"id": str(n), "lead": "L" if n < 90 else "", "last_changed": changed}).encode()
        for n, changed in [(n, "2024-01-01T00:00:00Z" if n < 90 else "2025-01-01T00:00:00Z")
                           for n in range(100)]
    ]  # fmt: skip
    everything, recent = dataset_coverage(iter(lines), "2025-01-01T00:00:00Z")
    assert (everything.items, everything.share("lead")) == (100, 0.9)
    assert (recent.items, recent.share("lead")) == (10, 0.0)
    everything, same = dataset_coverage(iter(lines), None)
    assert same == everything


# -- the monitor against a real store -------------------------------------------------------------


def article(number: int, **changes: Any) -> dict[str, Any]:
    base = {"id": f"s:{number}", "url": f"https://x.org/{number}", "content_hash": f"h{number}",
            "published": f"2024-01-{number + 1:02d}T00:00:00Z", "title": f"T{number}",
            "lead": "Lead.", "taxonomy": {"crime_areas": [{"label": "Cocaine", "url": None}]},
            "first_seen": "2024-01-01T00:00:00Z", "last_changed": "2024-01-01T00:00:00Z",
            "version": 1, "removed": False, "removed_at": None}  # fmt: skip
    base.update(changes)
    return base


def monitor_run(store: Any, accept: bool, items: list[dict[str, Any]]) -> ShapeMonitor:
    monitor = ShapeMonitor(Settings({"NEWSROOM_ACCEPT_SHAPE_CHANGE": accept}))
    for item in items:
        monitor.observe(store, "s", item)
        known = store.article_by_id("s", item["id"])
        if known is not None and not monitor.keeps_previous(store, "s", known, item):
            now = utc_now_iso()  # as the dataset pipeline does
            store.save_article("s", {**item, "last_changed": now, "version": 2}, now)
    monitor.close(store, "s", {"fallback/lead": 3, "fallback/lead/summary": 3, "other": 1})
    return monitor


def check_monitor(store: Any) -> None:
    for number in range(6):
        store.save_article("s", article(number), "2024-01-01T00:00:00Z")
    poorer = [article(n, lead=None, taxonomy={"crime_areas": []}, content_hash="new")
              for n in range(6)]  # fmt: skip
    first = monitor_run(store, False, poorer)
    assert first.changed
    assert [drop.field for drop in first.changes()] == ["lead", "taxonomy", "taxonomy.crime_areas"]
    assert [kept.id for kept in first.kept] == [f"s:{n}" for n in range(6)]
    assert first.kept[0].lost_fields == ["lead", "taxonomy", "taxonomy.crime_areas"]
    assert store.record_by_id("s", "s:0") == article(0)  # not written over
    assert store.shape_accepted_at("s") is None
    document = first.document()
    assert document["coverage"]["dataset_before_run"]["fields"]["lead"] == 1.0
    assert document["coverage"]["run"]["fields"]["lead"] == 0.0
    assert document["coverage"]["run"]["fallbacks"] == {
        "lead": {"share": 0.5, "sources": {"summary": 0.5}}
    }

    accepting = monitor_run(store, True, poorer)
    assert not accepting.changed  # accepted: no exit code 5
    assert accepting.changes()
    assert not accepting.kept
    assert len(accepting.accepted) == 6
    assert store.record_by_id("s", "s:0")["lead"] is None
    assert store.shape_accepted_at("s") == accepting.started_at

    # The next run compares with what was written since the acceptance: the new shape.
    after = monitor_run(store, False, poorer)
    assert not after.changed
    assert not after.changes()
    assert after.baseline is not None
    assert after.baseline.items == 6


def test_monitor_with_the_sqlite_store(tmp_path):
    store = SqliteStateStore(tmp_path / "state.sqlite3")
    assert store.record_by_id("s", "s:0") is None
    check_monitor(store)
    store.close()


@pytest.mark.redis
def test_monitor_with_the_redis_store(request):
    from newsroom_scraper.state.redis_store import RedisStateStore

    store = RedisStateStore(request.getfixturevalue("redis_url"))
    assert store.record_by_id("s", "s:0") is None
    check_monitor(store)
    store.close()


# -- the exit code ------------------------------------------------------------------------------


def test_exit_code_5_and_its_precedence():
    crawler = get_crawler(settings_dict={"NEWSROOM_PROGRESS": "off"})
    report = RunReport(crawler)
    report.close_reason = "finished"
    assert report.exit_code() == EXIT_OK
    monitor = ShapeMonitor.for_crawler(crawler)
    monitor.baseline = coverage(10, lead=10)
    monitor.run = coverage(5)
    assert report.exit_code() == EXIT_SHAPE_CHANGED
    report.on_error("extraction", "https://x.org/1", "no title")
    assert report.exit_code() == EXIT_SHAPE_CHANGED  # the more specific diagnosis wins over 1
    report.close_reason = "shutdown"
    assert report.exit_code() == EXIT_SIGINT
    report.close_reason = "finished"
    monitor.accept = True
    assert report.exit_code() == EXIT_ERRORS
    assert "changed shape" in EXIT_CODES_DOC[EXIT_SHAPE_CHANGED]


# -- crawls on a mirror that changes shape --------------------------------------------------------


def crawl(server: MirrorServer, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("crawl", "europol", "--base-url", server.origin, "--data-dir", str(data_dir),
                   "--log-file", str(data_dir.parent / "crawl.log"), *args)  # fmt: skip


def last_report(data_dir: Path) -> dict[str, Any]:
    path = sorted((data_dir / "runs" / "europol").glob("*.report.json"))[-1]
    return dict(json.loads(path.read_text("utf-8")))


def lines_by_id(data_dir: Path) -> dict[str, bytes]:
    lines = (data_dir / "europol.jsonl").read_bytes().splitlines(keepends=True)
    return {json.loads(line)["id"]: line for line in lines}


@pytest.fixture
def newsroom() -> Iterator[tuple[MirrorServer, list[mirror.Article]]]:
    """12 articles, each with a lead and a crime area (fewer than the look-back: a second run
    fetches every one again)."""
    articles = mirror.link_chain(mirror.generate_articles(12, start_id=2000, newest=1_700_000_000))
    server = MirrorServer(mirror.build_site(articles, per_page=5)).start()
    yield server, articles
    server.stop()


def test_a_newsroom_that_changes_shape_exits_5_and_keeps_the_dataset(newsroom, tmp_path):
    server, articles = newsroom
    data_dir = tmp_path / "data"
    first = crawl(server, data_dir)
    assert first.returncode == EXIT_OK, first.stderr
    before = (data_dir / "europol.jsonl").read_bytes()
    report = last_report(data_dir)
    assert report["coverage"]["run"]["fields"]["lead"] == 1.0
    assert report["coverage"]["run"]["fields"]["taxonomy.crime_areas"] == 1.0
    assert report["coverage"]["dataset_before_run"] == {"articles": 0, "fields": {}}
    assert report["shape"]["changed"] is False

    server.site = mirror.build_site(articles, per_page=5, changed_shape=True)
    second = crawl(server, data_dir)
    assert second.returncode == EXIT_SHAPE_CHANGED, second.stderr
    assert "The newsroom changed shape, compared with the dataset's 12 articles:" in second.stderr
    assert "  lead: in 100% of the 12 articles before, missing from 12 of this run's 12 items" in (
        second.stderr
    )
    assert "  taxonomy.crime_areas: in 100% of the 12 articles before" in second.stderr
    assert "Kept the previous version of 12 articles whose new version lost lead, " in (
        second.stderr
    )
    assert f"Exit code 5: {EXIT_CODES_DOC[EXIT_SHAPE_CHANGED]}" in second.stderr
    assert (data_dir / "europol.jsonl").read_bytes() == before  # byte for byte
    report = last_report(data_dir)
    assert report["exit_code"] == EXIT_SHAPE_CHANGED
    assert {"lead", "taxonomy.crime_areas"} <= {f["field"] for f in report["shape"]["fields"]}
    kept = {entry["id"]: entry for entry in report["shape"]["kept_previous_versions"]}
    assert set(kept) == {mirror.expected_id(a) for a in articles}
    assert all({"lead", "taxonomy.crime_areas"} <= set(e["lost_fields"]) for e in kept.values())
    assert report["coverage"]["dataset_before_run"]["fields"]["lead"] == 1.0
    assert report["coverage"]["run"]["fields"]["lead"] == 0.0
    assert report["items"]["updated"] == 0

    accepted = crawl(server, data_dir, "--accept-shape-change")
    assert accepted.returncode == EXIT_OK, accepted.stderr
    assert "The newsroom changed shape (accepted: --accept-shape-change)" in accepted.stderr
    assert "Wrote the new version of 12 articles that lost lead, " in accepted.stderr
    items = [json.loads(line) for line in lines_by_id(data_dir).values()]
    assert all(item["version"] == 2 and item.get("lead") is None for item in items)
    assert all(item["taxonomy"]["crime_areas"] == [] for item in items)
    report = last_report(data_dir)
    assert report["shape"]["accepted"] is True
    assert len(report["shape"]["written_with_lost_fields"]) == 12

    # The accepted shape is the norm now: a run on the same site is a plain success.
    again = crawl(server, data_dir)
    assert again.returncode == EXIT_OK, again.stderr
    assert "changed shape" not in again.stderr


def test_one_article_that_lost_its_lead_keeps_its_previous_version(newsroom, tmp_path):
    server, articles = newsroom
    data_dir = tmp_path / "data"
    assert crawl(server, data_dir).returncode == EXIT_OK
    before = lines_by_id(data_dir)
    poorer = replace(articles[3], introduction="", summary="")
    edited = replace(articles[5], body=articles[5].body + "<p>Correction.</p>")
    changed = [poorer if a is articles[3] else edited if a is articles[5] else a for a in articles]
    server.site = mirror.build_site(changed, per_page=5)
    second = crawl(server, data_dir)
    assert second.returncode == EXIT_OK, second.stderr  # one article is not a changed newsroom
    assert "Kept the previous version of 1 article whose new version lost lead " in second.stderr
    after = lines_by_id(data_dir)
    assert after[mirror.expected_id(poorer)] == before[mirror.expected_id(poorer)]
    assert json.loads(after[mirror.expected_id(edited)])["version"] == 2  # a real edit is written
    report = last_report(data_dir)
    assert report["shape"]["kept_previous_versions"] == [
        {"id": mirror.expected_id(poorer), "url": json.loads(before[mirror.expected_id(poorer)])[
            "url"], "stored_version": 1, "lost_fields": ["lead"]}
    ]  # fmt: skip
    assert report["items"]["updated"] == 1
