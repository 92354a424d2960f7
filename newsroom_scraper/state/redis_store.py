"""The state of an incremental dataset in Redis, shared by every worker of a distributed crawl.

:class:`RedisStateStore` implements the same :class:`~newsroom_scraper.state.StateStore`
protocol as the SQLite store, so the incremental middleware and the dataset pipeline work
unchanged whether one process or many share the state. In Redis the items themselves live in
the state (each article's newest record), and ``newsroom-scraper export`` writes the dataset
from them, newest first, exactly as a single-process run rebuilds it from SQLite.

Keys, for ``<p>`` = ``<NEWSROOM_REDIS_PREFIX>:<site>`` (``newsroom:europol``)::

    <p>:articles   hash  id -> the article's newest record (its dataset line, JSON)
    <p>:index      hash  id -> [url, content_hash, published, first_seen, last_changed,
                                  version, removed] (what the crawl decides on, without the body)
    <p>:last_seen  hash  id -> when the article was last fetched
    <p>:urls       hash  url -> id
    <p>:order      zset  "<published>\\t<id>", all scores 0: Redis orders equal scores by bytes,
                         so the reverse order is SQLite's ``published DESC, id DESC``
    <p>:pass       hash  finished, started_at, finished_at; in a distributed
                         crawl also crawl (the crawl that started the pass), before (finished
                         as it was then) and broken (a crawl whose discovery failed somewhere)
    <p>:failed     hash  url -> {"reason": ..., "at": ...}
    <p>:shape      hash  accepted_at: when a shape change was last accepted
    <p>:listed     hash  id -> the listing's version of the article when its last item was
                         produced (apart from the index, which each save rewrites whole)

The workers of one distributed crawl (``<p>:crawl``, see :mod:`newsroom_scraper.distributed`)
share one pass: the first to start it records whether the previous pass had finished, and every
later worker reads that, so all of them decide alike whether this run finishes a cut-short pass;
a discovery failure in any worker keeps the pass unfinished.

Writes that touch several keys run as one Lua script (atomic on the server): a worker killed
between two commands cannot leave an article without its index or its place in the order.
A single Redis server is assumed (not Redis Cluster, whose keys could live on several nodes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import redis

from newsroom_scraper.items import dumps_record
from newsroom_scraper.state.store import ArticleState, PassState, removed_version

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scrapy.settings import BaseSettings

DEFAULT_PREFIX = "newsroom"
#: Articles read per round trip when the dataset is written out.
PAGE = 500

# KEYS: articles, index, last_seen, urls, order
# ARGV: id, record, index entry, seen_at, url, order member
_SAVE = """
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old then
  local entry = cjson.decode(old)
  redis.call('ZREM', KEYS[5], entry[3] .. '\\t' .. ARGV[1])
  if entry[1] ~= ARGV[5] and redis.call('HGET', KEYS[4], entry[1]) == ARGV[1] then
    redis.call('HDEL', KEYS[4], entry[1])
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
redis.call('HSET', KEYS[4], ARGV[5], ARGV[1])
redis.call('ZADD', KEYS[5], 0, ARGV[6])
return 1
"""

# KEYS: pass, crawl; ARGV: started_at. Once per crawl: later workers of the crawl keep it as is.
_LUA_START = """
local crawl = redis.call('HGET', KEYS[2], 'id') or ''
if crawl ~= '' and redis.call('HGET', KEYS[1], 'crawl') == crawl then return 0 end
local before = redis.call('HGET', KEYS[1], 'finished') or '0'
redis.call('HSET', KEYS[1], 'finished', '0', 'started_at', ARGV[1], 'before', before,
           'crawl', crawl)
redis.call('HDEL', KEYS[1], 'broken')
return 1
"""

# KEYS: pass; ARGV: finished_at. Not when a worker of this crawl saw discovery fail.
_LUA_FINISH = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local crawl = redis.call('HGET', KEYS[1], 'crawl') or ''
if crawl ~= '' and redis.call('HGET', KEYS[1], 'broken') == crawl then return 0 end
redis.call('HSET', KEYS[1], 'finished', '1', 'finished_at', ARGV[1])
return 1
"""


def redis_url(settings: BaseSettings) -> str | None:
    """``REDIS_URL`` (scrapy-redis's own setting name): set, the crawl is distributed."""
    url = settings.get("REDIS_URL")
    return str(url) if url else None


def key_prefix(settings: BaseSettings) -> str:
    return str(settings.get("NEWSROOM_REDIS_PREFIX") or DEFAULT_PREFIX)


@dataclass(frozen=True, slots=True)
class Keys:
    """Every Redis key of one site, ``<prefix>:<site>:<name>``: the state's (see the module
    docstring) and the distributed crawl's (see :mod:`newsroom_scraper.distributed`). The one
    place that spells them; ``site`` may be a template such as ``%(spider)s``."""

    base: str  # "<prefix>:<site>"

    @classmethod
    def of(cls, prefix: str, site: str) -> Keys:
        return cls(f"{prefix}:{site}")

    def _name(self, name: str) -> str:
        return f"{self.base}:{name}"

    # -- the state and the items (this module)

    @property
    def articles(self) -> str:
        return self._name("articles")

    @property
    def index(self) -> str:
        return self._name("index")

    @property
    def last_seen(self) -> str:
        return self._name("last_seen")

    @property
    def urls(self) -> str:
        return self._name("urls")

    @property
    def order(self) -> str:
        return self._name("order")

    @property
    def pass_(self) -> str:
        return self._name("pass")

    @property
    def failed(self) -> str:
        return self._name("failed")

    @property
    def shape(self) -> str:
        return self._name("shape")

    @property
    def listed(self) -> str:
        return self._name("listed")

    # -- the distributed crawl (newsroom_scraper.distributed)

    @property
    def queue(self) -> str:
        return self._name("requests")

    @property
    def dupefilter(self) -> str:
        return self._name("dupefilter")

    @property
    def seq(self) -> str:
        return self._name("inflight-seq")

    @property
    def workers(self) -> str:
        return self._name("workers")

    @property
    def crawl(self) -> str:
        return self._name("crawl")

    @property
    def stats(self) -> str:
        return self._name("stats")

    @property
    def errors(self) -> str:
        return self._name("errors")

    @property
    def join(self) -> str:
        return self._name("join")

    def inflight(self, worker: str) -> str:
        return self._name(f"inflight:{worker}")

    def alive(self, worker: str) -> str:
        return self._name(f"alive:{worker}")


def _member(published: str, article_id: str) -> str:
    return f"{published}\t{article_id}"


class RedisStateStore:
    """:class:`~newsroom_scraper.state.StateStore` in Redis (see the module docstring)."""

    def __init__(self, url: str, prefix: str = DEFAULT_PREFIX) -> None:
        self.url = url
        self.prefix = prefix
        self.client: redis.Redis = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=30, socket_connect_timeout=30
        )
        self._save = self.client.register_script(_SAVE)
        self._start_pass = self.client.register_script(_LUA_START)
        self._finish_pass = self.client.register_script(_LUA_FINISH)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RedisStateStore:
        url = redis_url(settings)
        if url is None:
            raise ValueError("REDIS_URL is not set")
        return cls(url, key_prefix(settings))

    def keys(self, site: str) -> Keys:
        return Keys.of(self.prefix, site)

    # -- articles -------------------------------------------------------------------------------

    def _state(
        self, site: str, article_id: str, entry: str | None, listed: str | None = None
    ) -> ArticleState | None:
        if entry is None:
            return None
        url, content_hash, published, first_seen, _last_changed, version, removed = json.loads(
            entry
        )
        return ArticleState(
            id=article_id,
            url=url,
            content_hash=content_hash,
            published=published,
            first_seen=first_seen,
            version=int(version),
            removed=bool(removed),
            listed_version=listed,
        )

    def article_by_url(self, site: str, url: str) -> ArticleState | None:
        article_id = cast("str | None", self.client.hget(self.keys(site).urls, url))
        return None if article_id is None else self.article_by_id(site, article_id)

    def article_by_id(self, site: str, article_id: str) -> ArticleState | None:
        keys = self.keys(site)
        pipe = self.client.pipeline(transaction=False)  # one round trip
        pipe.hget(keys.index, article_id)
        pipe.hget(keys.listed, article_id)
        entry, listed = cast("list[str | None]", pipe.execute())
        return self._state(site, article_id, entry, listed)

    @staticmethod
    def _index_entry(record: dict[str, Any]) -> str:
        return json.dumps(
            [
                record["url"],
                record["content_hash"],
                record["published"],
                record["first_seen"],
                record["last_changed"],
                record["version"],
                int(bool(record.get("removed"))),
            ]
        )

    def save_article(
        self, site: str, record: dict[str, Any], seen_at: str, line: str | None = None
    ) -> None:
        """Insert or replace an article with its full record (bookkeeping fields included);
        ``line``: ``dumps_record(record)`` when the caller has it already (the run's line)."""
        site_keys = self.keys(site)
        keys = [site_keys.articles, site_keys.index, site_keys.last_seen, site_keys.urls]
        keys.append(site_keys.order)
        article_id = record["id"]
        self._save(
            keys=keys,
            args=[
                article_id,
                dumps_record(record) if line is None else line,
                self._index_entry(record),
                seen_at,
                record["url"],
                _member(record["published"], article_id),
            ],
        )

    def set_listed_version(self, site: str, article_id: str, version: str) -> None:
        """The listing's version of the article whose item was just produced."""
        self.client.hset(self.keys(site).listed, article_id, version)

    def touch_article(self, site: str, article_id: str, seen_at: str) -> None:
        self.client.hset(self.keys(site).last_seen, article_id, seen_at)

    def mark_removed(self, site: str, article_id: str, removed_at: str) -> dict[str, Any]:
        """Keep the article, flagged ``removed`` since ``removed_at``; return its record."""
        record = self.record_by_id(site, article_id)
        assert record is not None, f"{article_id} is not stored"  # the caller just found it
        removed = removed_version(record, removed_at)
        if removed is not record:
            pipe = self.client.pipeline(transaction=True)
            pipe.hset(self.keys(site).articles, article_id, dumps_record(removed))
            pipe.hset(self.keys(site).index, article_id, self._index_entry(removed))
            pipe.execute()
        return removed

    def _newest_ids(self, site: str) -> Iterator[str]:
        """Article ids newest first, read a page at a time from the lexicographic order.

        Each page starts strictly after the last member read, so articles saved meanwhile
        can never make one come out twice.
        """
        order = self.keys(site).order
        upper = "+"
        while True:
            members = cast(
                "list[str]", self.client.zrevrangebylex(order, upper, "-", start=0, num=PAGE)
            )
            for member in members:
                yield member.partition("\t")[2]
            if len(members) < PAGE:
                return
            upper = "(" + members[-1]

    def count_articles(self, site: str) -> int:
        return self.client.hlen(self.keys(site).articles)

    def records(self, site: str) -> Iterator[bytes]:
        """Every article's newest record as a JSON Lines line, newest first."""
        ids: list[str] = []
        for article_id in self._newest_ids(site):
            ids.append(article_id)
            if len(ids) == PAGE:
                yield from self._lines(site, ids)
                ids = []
        if ids:
            yield from self._lines(site, ids)

    def _lines(self, site: str, ids: list[str]) -> Iterator[bytes]:
        texts = cast("list[str | None]", self.client.hmget(self.keys(site).articles, ids))
        for text in texts:
            if text is not None:
                yield (text + "\n").encode("utf-8")

    def record_by_id(self, site: str, article_id: str) -> dict[str, Any] | None:
        """The article's stored (newest) record, bookkeeping fields included."""
        text = cast("str | None", self.client.hget(self.keys(site).articles, article_id))
        return None if text is None else dict(json.loads(text))

    def shape_accepted_at(self, site: str) -> str | None:
        """When a shape change was last accepted (``crawl --accept-shape-change``), if ever."""
        return cast("str | None", self.client.hget(self.keys(site).shape, "accepted_at"))

    def accept_shape(self, site: str, accepted_at: str) -> None:
        self.client.hset(self.keys(site).shape, "accepted_at", accepted_at)

    # -- passes ---------------------------------------------------------------------------------

    def pass_state(self, site: str) -> PassState:
        """The last pass; for a worker joining a running crawl, as it was when the crawl began."""
        values = cast("dict[str, str]", self.client.hgetall(self.keys(site).pass_))
        if not values:
            return PassState(finished=False, started_at=None, finished_at=None)
        crawl = cast("str | None", self.client.hget(self.keys(site).crawl, "id"))
        this_crawl = bool(crawl) and values.get("crawl") == crawl
        return PassState(
            finished=values.get("before" if this_crawl else "finished") == "1",
            started_at=values.get("started_at") or None,
            finished_at=values.get("finished_at") or None,
        )

    def start_pass(self, site: str, started_at: str) -> None:
        """A pass is unfinished until :meth:`finish_pass`: a killed run leaves it so."""
        self._start_pass(keys=[self.keys(site).pass_, self.keys(site).crawl], args=[started_at])

    def finish_pass(self, site: str, finished_at: str) -> None:
        self._finish_pass(keys=[self.keys(site).pass_], args=[finished_at])

    # -- failed URLs ----------------------------------------------------------------------------

    def failed_urls(self, site: str) -> list[str]:
        entries = cast("dict[str, str]", self.client.hgetall(self.keys(site).failed))
        at = {url: json.loads(entry)["at"] for url, entry in entries.items()}
        return sorted(at, key=lambda url: (at[url], url))

    def add_failed(self, site: str, url: str, reason: str, at: str) -> None:
        entry = json.dumps({"reason": reason, "at": at}, ensure_ascii=False)
        self.client.hset(self.keys(site).failed, url, entry)

    def clear_failed(self, site: str, url: str) -> None:
        self.client.hdel(self.keys(site).failed, url)

    def close(self) -> None:
        self.client.close()
