"""What was seen: the state of an incremental dataset, behind a small interface.

:class:`StateStore` is all the crawl needs; :class:`SqliteStateStore` keeps it in an embedded
SQLite file of the data directory (no server to install), and the distributed mode keeps the
same state in Redis. Every article row holds the article's newest record, so the JSON Lines
dataset is rebuilt from the state at the end of each run (and after a killed one).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.exceptions import NotConfigured

from newsroom_scraper.items import dumps_record

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

STATE_FILE = "state.sqlite3"


@dataclass(frozen=True, slots=True)
class ArticleState:
    """One article as the state knows it."""

    id: str
    url: str
    content_hash: str
    published: str
    first_seen: str
    version: int
    removed: bool
    #: The listing's version of the article when its last item was produced (``None``: its
    #: listing gave none, or the item came from a state file older than listed versions).
    listed_version: str | None = None


@dataclass(frozen=True, slots=True)
class PassState:
    """The last full pass over a newsroom: did it finish, and when."""

    finished: bool
    started_at: str | None
    finished_at: str | None


class StateStore(Protocol):
    """The state an incremental crawl reads and writes (SQLite here, Redis when distributed)."""

    def article_by_url(self, site: str, url: str) -> ArticleState | None: ...
    def article_by_id(self, site: str, article_id: str) -> ArticleState | None: ...
    def save_article(
        self, site: str, record: dict[str, Any], seen_at: str, line: str | None = None
    ) -> None: ...
    def set_listed_version(self, site: str, article_id: str, version: str) -> None: ...
    def touch_article(self, site: str, article_id: str, seen_at: str) -> None: ...
    def mark_removed(self, site: str, article_id: str, removed_at: str) -> dict[str, Any]: ...
    def count_articles(self, site: str) -> int: ...
    def records(self, site: str) -> Iterator[bytes]: ...
    def record_by_id(self, site: str, article_id: str) -> dict[str, Any] | None: ...
    def shape_accepted_at(self, site: str) -> str | None: ...
    def accept_shape(self, site: str, accepted_at: str) -> None: ...
    def pass_state(self, site: str) -> PassState: ...
    def start_pass(self, site: str, started_at: str) -> None: ...
    def finish_pass(self, site: str, finished_at: str) -> None: ...
    def failed_urls(self, site: str) -> list[str]: ...
    def add_failed(self, site: str, url: str, reason: str, at: str) -> None: ...
    def clear_failed(self, site: str, url: str) -> None: ...
    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    site TEXT NOT NULL,
    id TEXT NOT NULL,
    url TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    published TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    last_changed TEXT NOT NULL,
    version INTEGER NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0,
    record TEXT NOT NULL,
    PRIMARY KEY (site, id)
);
CREATE INDEX IF NOT EXISTS articles_url ON articles (site, url);
CREATE INDEX IF NOT EXISTS articles_order ON articles (site, published DESC, id DESC);
CREATE TABLE IF NOT EXISTS passes (
    site TEXT PRIMARY KEY,
    finished INTEGER NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE TABLE IF NOT EXISTS shapes (
    site TEXT PRIMARY KEY,
    accepted_at TEXT NOT NULL
);
-- Apart from `articles` (whose rows are replaced whole on each save), so that state files of
-- earlier versions gain it on opening and a save without a listed version keeps the last one.
CREATE TABLE IF NOT EXISTS listed_versions (
    site TEXT NOT NULL,
    id TEXT NOT NULL,
    version TEXT NOT NULL,
    PRIMARY KEY (site, id)
);
CREATE TABLE IF NOT EXISTS failed (
    site TEXT NOT NULL,
    url TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (site, url)
);
"""


class SqliteStateStore:
    """:class:`StateStore` in ``<data dir>/state.sqlite3``.

    WAL journal and a commit per change: a killed process loses at most the change in flight,
    and an article is marked as seen only together with its record.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=10000")
        self.db.executescript(_SCHEMA)

    def _article(self, row: tuple[Any, ...] | None) -> ArticleState | None:
        if row is None:
            return None
        article_id, url, content_hash, published, first_seen, version, removed, listed = row
        return ArticleState(
            id=article_id,
            url=url,
            content_hash=content_hash,
            published=published,
            first_seen=first_seen,
            version=version,
            removed=bool(removed),
            listed_version=listed,
        )

    _SELECT = (
        "SELECT a.id, a.url, a.content_hash, a.published, a.first_seen, a.version, a.removed,"
        " v.version FROM articles AS a LEFT JOIN listed_versions AS v"
        " ON v.site = a.site AND v.id = a.id"
    )

    def _article_where(self, site: str, column: str, value: str) -> ArticleState | None:
        row = self.db.execute(
            f"{self._SELECT} WHERE a.site = ? AND a.{column} = ?", (site, value)
        ).fetchone()
        return self._article(row)

    def article_by_url(self, site: str, url: str) -> ArticleState | None:
        return self._article_where(site, "url", url)

    def article_by_id(self, site: str, article_id: str) -> ArticleState | None:
        return self._article_where(site, "id", article_id)

    def set_listed_version(self, site: str, article_id: str, version: str) -> None:
        """The listing's version of the article whose item was just produced."""
        self.db.execute(
            "INSERT OR REPLACE INTO listed_versions VALUES (?, ?, ?)", (site, article_id, version)
        )

    def save_article(
        self, site: str, record: dict[str, Any], seen_at: str, line: str | None = None
    ) -> None:
        """Insert or replace an article with its full record (bookkeeping fields included);
        ``line``: ``dumps_record(record)`` when the caller has it already (the run's line)."""
        self.db.execute(
            "INSERT OR REPLACE INTO articles (site, id, url, content_hash, published, first_seen,"
            " last_seen, last_changed, version, removed, record)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                site,
                record["id"],
                record["url"],
                record["content_hash"],
                record["published"],
                record["first_seen"],
                seen_at,
                record["last_changed"],
                record["version"],
                int(bool(record.get("removed"))),
                dumps_record(record) if line is None else line,
            ),
        )

    def touch_article(self, site: str, article_id: str, seen_at: str) -> None:
        self.db.execute(
            "UPDATE articles SET last_seen = ? WHERE site = ? AND id = ?",
            (seen_at, site, article_id),
        )

    def mark_removed(self, site: str, article_id: str, removed_at: str) -> dict[str, Any]:
        """Keep the article, flagged ``removed`` since ``removed_at``; return its record."""
        record = self.record_by_id(site, article_id)
        assert record is not None, f"{article_id} is not stored"  # the caller just found it
        removed = removed_version(record, removed_at)
        if removed is not record:
            self.db.execute(
                "UPDATE articles SET removed = 1, record = ? WHERE site = ? AND id = ?",
                (dumps_record(removed), site, article_id),
            )
        return removed

    def count_articles(self, site: str) -> int:
        (count,) = self.db.execute(
            "SELECT count(*) FROM articles WHERE site = ?", (site,)
        ).fetchone()
        return int(count)

    def records(self, site: str) -> Iterator[bytes]:
        """Every article's newest record as a JSON Lines line, newest first."""
        rows = self.db.execute(
            "SELECT record FROM articles WHERE site = ? ORDER BY published DESC, id DESC", (site,)
        )
        for (text,) in rows:
            yield (text + "\n").encode("utf-8")

    def record_by_id(self, site: str, article_id: str) -> dict[str, Any] | None:
        """The article's stored (newest) record, bookkeeping fields included."""
        row = self.db.execute(
            "SELECT record FROM articles WHERE site = ? AND id = ?", (site, article_id)
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def shape_accepted_at(self, site: str) -> str | None:
        """When a shape change was last accepted (``crawl --accept-shape-change``), if ever."""
        row = self.db.execute("SELECT accepted_at FROM shapes WHERE site = ?", (site,)).fetchone()
        return None if row is None else str(row[0])

    def accept_shape(self, site: str, accepted_at: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO shapes VALUES (?, ?)", (site, accepted_at))

    def pass_state(self, site: str) -> PassState:
        row = self.db.execute(
            "SELECT finished, started_at, finished_at FROM passes WHERE site = ?", (site,)
        ).fetchone()
        if row is None:
            return PassState(finished=False, started_at=None, finished_at=None)
        return PassState(bool(row[0]), row[1], row[2])

    def start_pass(self, site: str, started_at: str) -> None:
        """A pass is unfinished until :meth:`finish_pass`: a killed run leaves it so."""
        previous = self.pass_state(site)
        self.db.execute(
            # named columns: state files of earlier versions also have `oldest_published`
            "INSERT OR REPLACE INTO passes (site, finished, started_at, finished_at)"
            " VALUES (?, 0, ?, ?)",
            (site, started_at, previous.finished_at),
        )

    def finish_pass(self, site: str, finished_at: str) -> None:
        self.db.execute(
            "UPDATE passes SET finished = 1, finished_at = ? WHERE site = ?", (finished_at, site)
        )

    def failed_urls(self, site: str) -> list[str]:
        rows = self.db.execute("SELECT url FROM failed WHERE site = ? ORDER BY at, url", (site,))
        return [url for (url,) in rows]

    def add_failed(self, site: str, url: str, reason: str, at: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO failed VALUES (?, ?, ?, ?)", (site, url, reason, at)
        )

    def clear_failed(self, site: str, url: str) -> None:
        self.db.execute("DELETE FROM failed WHERE site = ? AND url = ?", (site, url))

    def close(self) -> None:
        self.db.close()


_stores: WeakKeyDictionary[Any, StateStore] = WeakKeyDictionary()


def removed_version(record: dict[str, Any], removed_at: str) -> dict[str, Any]:
    """The record of an article taken down: kept, flagged ``removed`` since ``removed_at``; a
    record flagged already is returned as it is (it keeps its first ``removed_at``)."""
    if record.get("removed"):
        return record
    return {**record, "removed": True, "removed_at": removed_at}


def distributed(settings: BaseSettings) -> bool:
    """The state and the items live in Redis (``REDIS_URL``; ``crawl --redis`` also sets the
    shared scheduler, see :mod:`newsroom_scraper.distributed`): ``export`` writes the dataset."""
    return bool(settings.get("REDIS_URL"))


def store_for(crawler: Crawler) -> StateStore:
    """The crawl's one state store (opened on first use, closed when the spider closes)."""
    if crawler not in _stores:
        store: StateStore
        if distributed(crawler.settings):
            from newsroom_scraper.state.redis_store import RedisStateStore

            store = RedisStateStore.from_settings(crawler.settings)
        else:
            data_dir = Path(crawler.settings["NEWSROOM_DATA_DIR"])
            store = SqliteStateStore(data_dir / STATE_FILE)
        _stores[crawler] = store
        crawler.signals.connect(store.close, signal=signals.engine_stopped, weak=False)
    return _stores[crawler]


def require_dataset(crawler: Crawler) -> None:
    """Raise :class:`NotConfigured` unless this crawl keeps a dataset (the CLI's data directory or
    Redis): a one-shot ``--out`` export and a plain ``scrapy crawl`` keep no state."""
    settings = crawler.settings
    if settings.get("NEWSROOM_OUTPUT") or not (
        settings.get("NEWSROOM_DATA_DIR") or distributed(settings)
    ):
        raise NotConfigured  # one-shot export or plain `scrapy crawl`: no dataset
