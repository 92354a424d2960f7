"""The SQLite state: articles with their records, passes, failed URLs; survives reopening."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from newsroom_scraper.state.lock import DataDirLock, DataDirLockedError
from newsroom_scraper.state.store import SqliteStateStore


def record(number: int, published: str, **changes):
    base = {"id": f"s:{number}", "url": f"https://x.org/{number}", "content_hash": f"h{number}",
            "published": published, "first_seen": "2024-01-01T00:00:00Z",
            "last_changed": "2024-01-01T00:00:00Z", "version": 1, "removed": False,
            "removed_at": None}  # fmt: skip
    base.update(changes)
    return base


def test_articles_are_kept_with_their_records_newest_first(tmp_path):
    store = SqliteStateStore(tmp_path / "state.sqlite3")
    store.save_article("s", record(1, "2024-01-01T00:00:00Z"), "2024-02-01T00:00:00Z")
    store.save_article("s", record(2, "2024-03-01T00:00:00Z"), "2024-02-01T00:00:00Z")
    store.save_article("other", record(3, "2025-01-01T00:00:00Z"), "2024-02-01T00:00:00Z")
    store.close()
    store = SqliteStateStore(tmp_path / "state.sqlite3")
    assert [json.loads(line)["id"] for line in store.records("s")] == ["s:2", "s:1"]
    first = store.article_by_url("s", "https://x.org/1")
    assert first is not None
    assert first.content_hash == "h1"
    assert store.article_by_id("s", "s:3") is None
    assert store.count_articles("s") == 2


def test_removed_articles_keep_their_record_and_are_flagged_once(tmp_path):
    store = SqliteStateStore(tmp_path / "state.sqlite3")
    store.save_article("s", record(1, "2024-01-01T00:00:00Z"), "2024-02-01T00:00:00Z")
    first = store.mark_removed("s", "s:1", "2024-05-01T00:00:00Z")
    second = store.mark_removed("s", "s:1", "2024-06-01T00:00:00Z")
    assert first["removed"] is True
    assert second["removed_at"] == "2024-05-01T00:00:00Z"
    state = store.article_by_id("s", "s:1")
    assert state is not None
    assert state.removed


def test_pass_is_unfinished_until_finished(tmp_path):
    store = SqliteStateStore(tmp_path / "state.sqlite3")
    assert store.pass_state("s").finished is False
    store.start_pass("s", "2024-01-01T00:00:00Z")
    assert store.pass_state("s").finished is False
    store.finish_pass("s", "2024-01-01T01:00:00Z")
    assert store.pass_state("s").finished is True
    store.start_pass("s", "2024-01-02T00:00:00Z")
    assert store.pass_state("s").finished is False


def test_failed_urls_are_remembered_until_cleared(tmp_path):
    store = SqliteStateStore(tmp_path / "state.sqlite3")
    store.add_failed("s", "https://x.org/a", "fetch_failed: timeout", "2024-01-01T00:00:00Z")
    store.add_failed("s", "https://x.org/a", "http_error: HTTP 500", "2024-01-02T00:00:00Z")
    assert store.failed_urls("s") == ["https://x.org/a"]
    store.clear_failed("s", "https://x.org/a")
    assert store.failed_urls("s") == []


def test_listed_versions_outlive_saves_and_reopening(tmp_path):
    store = SqliteStateStore(tmp_path / "state.sqlite3")
    store.save_article("s", record(1, "2024-01-01T00:00:00Z"), "2024-02-01T00:00:00Z")
    state = store.article_by_id("s", "s:1")
    assert state is not None
    assert state.listed_version is None
    store.set_listed_version("s", "s:1", "2024-01-02T00:00:00Z")
    store.set_listed_version("other", "s:1", "elsewhere")
    # a later save of the article (an item without a listed version) keeps the last one
    store.save_article("s", record(1, "2024-01-01T00:00:00Z", version=2), "2024-03-01T00:00:00Z")
    store.close()
    store = SqliteStateStore(tmp_path / "state.sqlite3")
    state = store.article_by_url("s", "https://x.org/1")
    assert state is not None
    assert (state.version, state.listed_version) == (2, "2024-01-02T00:00:00Z")
    store.set_listed_version("s", "s:1", "2024-05-01T00:00:00Z")
    state = store.article_by_id("s", "s:1")
    assert state is not None
    assert state.listed_version == "2024-05-01T00:00:00Z"
    store.close()


def test_a_state_file_from_before_listed_versions_opens_and_gains_them(tmp_path):
    path = tmp_path / "state.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        """
        CREATE TABLE articles (site TEXT NOT NULL, id TEXT NOT NULL, url TEXT NOT NULL,
            content_hash TEXT NOT NULL, published TEXT NOT NULL, first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL, last_changed TEXT NOT NULL, version INTEGER NOT NULL,
            removed INTEGER NOT NULL DEFAULT 0, record TEXT NOT NULL, PRIMARY KEY (site, id));
        CREATE TABLE passes (site TEXT PRIMARY KEY, finished INTEGER NOT NULL,
            started_at TEXT, finished_at TEXT, oldest_published TEXT);
        CREATE TABLE failed (site TEXT NOT NULL, url TEXT NOT NULL, reason TEXT NOT NULL,
            at TEXT NOT NULL, PRIMARY KEY (site, url));
        """
    )
    old.execute(
        "INSERT INTO articles VALUES ('s', 's:1', 'https://x.org/1', 'h1', '2024-01-01T00:00:00Z',"
        " '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', 3, 0, '{}')"
    )
    old.execute("INSERT INTO passes VALUES ('s', 1, 'a', 'b', '2023-01-01T00:00:00Z')")
    old.commit()
    old.close()
    store = SqliteStateStore(path)
    state = store.article_by_url("s", "https://x.org/1")
    assert state is not None
    assert (state.version, state.listed_version) == (3, None)
    assert store.pass_state("s").finished is True
    store.set_listed_version("s", "s:1", "v")
    state = store.article_by_id("s", "s:1")
    assert state is not None
    assert state.listed_version == "v"
    store.close()


def test_lock_is_exclusive_and_released(tmp_path):
    with (
        DataDirLock(tmp_path),
        pytest.raises(DataDirLockedError, match=r"in use by another run \(pid"),
    ):
        DataDirLock(tmp_path).acquire()
    with DataDirLock(tmp_path):
        pass


class Killed(BaseException):
    """A SIGKILL at a chosen point: nothing after it runs, nothing catches it."""


def killed(*args: object, **kwargs: object) -> None:
    raise Killed


def dataset_pipeline(tmp_path):
    """A Europol crawl's DatasetPipeline, its spider opened, and one article's record."""
    from scrapy.utils.test import get_crawler

    from newsroom_scraper.items import compute_content_hash
    from newsroom_scraper.spiders.europol import EuropolSpider
    from newsroom_scraper.state.pipeline import DatasetPipeline

    crawler = get_crawler(EuropolSpider, {"NEWSROOM_DATA_DIR": str(tmp_path / "data")})
    pipeline = DatasetPipeline.from_crawler(crawler)
    pipeline.spider_opened(EuropolSpider.from_crawler(crawler))
    record = {
        "id": "europol:1", "site": "europol", "url": "https://www.europol.europa.eu/x",
        "title": "T", "published": "2024-01-01T10:00:00Z", "body": "b",
    }  # fmt: skip
    record["content_hash"] = compute_content_hash(record)
    return pipeline, record


def run_lines(pipeline: Any) -> list[dict[str, Any]]:
    assert pipeline.run_path is not None
    return [json.loads(line) for line in pipeline.run_path.read_text().splitlines()]


def test_a_run_killed_while_storing_an_article_has_written_its_line(tmp_path, monkeypatch):
    """The run's line is written before the state: a kill between the two costs a duplicate line
    in a later run's file, never a line no run file holds (the state would call it unchanged)."""
    from newsroom_scraper.items import NewsItem

    pipeline, record = dataset_pipeline(tmp_path)
    monkeypatch.setattr(pipeline.store, "save_article", killed)
    try:
        with pytest.raises(Killed):
            pipeline.store_item(NewsItem(**record))
        assert [line["id"] for line in run_lines(pipeline)] == ["europol:1"]
        assert pipeline.store.article_by_id("europol", "europol:1") is None
    finally:
        pipeline.close_run_file()
        pipeline.store.close()


def test_a_run_killed_while_marking_an_article_removed_has_written_its_line(tmp_path, monkeypatch):
    """The same order for an article taken down (404/410): its removal's line comes first."""
    from newsroom_scraper.items import NewsItem

    pipeline, record = dataset_pipeline(tmp_path)
    try:
        pipeline.store_item(NewsItem(**record))
        monkeypatch.setattr(pipeline.store, "mark_removed", killed)
        with pytest.raises(Killed):
            pipeline.mark_gone(record["url"])
        stored, removal = run_lines(pipeline)
        assert (stored["removed"], removal["removed"]) == (False, True)
        assert removal["removed_at"]
        assert removal["id"] == "europol:1"
        known = pipeline.store.article_by_id("europol", "europol:1")
        assert known is not None
        assert not known.removed
        monkeypatch.undo()  # the next run marks it: the same record as the line above
        assert pipeline.mark_gone(record["url"])
        stored_now = pipeline.store.record_by_id("europol", "europol:1")
        assert stored_now is not None
        assert stored_now["removed"] is True
    finally:
        pipeline.close_run_file()
        pipeline.store.close()
