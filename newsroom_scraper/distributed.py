"""Distributed crawls: worker processes on any machines share one crawl through Redis.

scrapy-redis (0.9.1) provides the shared request queue and the shared seen-set; this module
adds what a dataset needs on top and adapts scrapy-redis to Scrapy 2.19:

- :class:`RedisScheduler` (``SCHEDULER``) is scrapy-redis's scheduler with its duplicate filter
  (``scrapy_redis.dupefilter.RFPDupeFilter``, used as it is) and :class:`TrackedPriorityQueue`.
- A request a worker takes from the queue is recorded, in the same atomic step, in the worker's
  in-flight hash, and removed only once Scrapy has finished with it (downloaded, its callback
  run, its items stored and its new requests queued; followed through public Scrapy hooks, see
  :class:`InFlight`). A worker killed at any point therefore
  leaves every request it had taken in Redis; they go back to the queue when that worker starts
  again (same ``NEWSROOM_WORKER`` name), or when any worker notices that its heartbeat stopped
  (after ``NEWSROOM_WORKER_TTL`` seconds). Processing is at-least-once; storing an article is
  idempotent (keyed by its id, unchanged content is not rewritten), so the dataset has each
  article once.
- A worker exits once the shared queue has been empty, and no worker has had a request in
  flight, for ``NEWSROOM_IDLE_EXIT`` seconds (checked at each heartbeat, see
  :meth:`Worker.close`). Scrapy alone would close a worker as soon as *its*
  view of the queue is empty, while another worker is still parsing a listing page that will
  queue fifty more articles; scrapy-redis's own idle handling (``RedisSpider``,
  ``MAX_IDLE_TIME_BEFORE_CLOSE``) measures from import time and is not used.
- The first worker of a crawl starts it afresh (empties the seen-set: scrapy-redis keeps it
  forever with ``SCHEDULER_PERSIST``, and a second run would then fetch nothing); later workers
  join it. A crawl whose workers were all killed is resumed by the next worker, not restarted.

Keys, for ``<p>`` = ``<NEWSROOM_REDIS_PREFIX>:<site>`` (``newsroom:europol``); the state and the
items are in :mod:`newsroom_scraper.state.redis_store`::

    <p>:requests       zset    the shared queue (score -priority, member the pickled request)
    <p>:dupefilter     set     fingerprints of every request queued in this crawl
    <p>:inflight:<w>   hash    token -> "<score> <member>": what worker <w> took, not finished
    <p>:inflight-seq   string  counter for the tokens
    <p>:alive:<w>      string  worker <w>'s heartbeat; expires NEWSROOM_WORKER_TTL s after it stops
    <p>:workers        hash    worker -> JSON {host, pid, run_id, state, waiting_seconds, ...}
    <p>:crawl          hash    id, started_at, finished_at of the crawl the workers share
    <p>:stats          hash    this crawl's counters: pages, items, dropped, errors, errors/<kind>,
                               requests/queued, requests/taken, requests/recovered
    <p>:errors         list    the newest 1,000 errors, JSON {worker, kind, url, reason, at}
    <p>:join           string  lock held while a worker joins (decides: new crawl or join)

Requests are pickled (scrapy-redis's serializer): the Redis server must be trusted and private.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import os
import socket
import time
from collections import Counter, deque
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, cast

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request as ScrapyRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import arg_to_iter
from scrapy_redis import connection
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from newsroom_scraper.extraction.dates import utc_now_iso
from newsroom_scraper.signals import error_reported
from newsroom_scraper.state.redis_store import DEFAULT_PREFIX, Keys, RedisStateStore, key_prefix
from newsroom_scraper.state.runs import (
    new_run_id,
    worker_name,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Iterator
    from pathlib import Path
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: ``SCHEDULER`` of a distributed crawl (``crawl --redis`` sets it, with ``REDIS_URL``).
SCHEDULER_PATH = "newsroom_scraper.distributed.RedisScheduler"
#: Meta key of a taken request: the token of its in-flight record.
INFLIGHT_META = "newsroom_inflight"
#: Errors kept in ``<p>:errors`` for people watching the crawl.
KEPT_ERRORS = 1000

# KEYS: queue, inflight, seq. Pop the first request and record it as in flight, atomically.
_TAKE = """
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #first == 0 then return false end
redis.call('ZREM', KEYS[1], first[1])
local token = tostring(redis.call('INCR', KEYS[3]))
redis.call('HSET', KEYS[2], token, first[2] .. ' ' .. first[1])
return {token, first[1]}
"""

_REQUEUE_BODY = """
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local value = entries[i + 1]
  local space = string.find(value, ' ', 1, true)
  redis.call('ZADD', KEYS[2], string.sub(value, 1, space - 1), string.sub(value, space + 1))
end
redis.call('DEL', KEYS[1])
return #entries / 2
"""
# KEYS: inflight, queue. Every request of an in-flight hash back to the queue.
_REQUEUE = _REQUEUE_BODY
# KEYS: inflight, queue, alive, workers; ARGV: worker. The same, only if the worker is dead:
# checked in the same atomic step, so a worker restarting under that name meanwhile keeps its own.
_RECOVER_DEAD = (
    """
if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
redis.call('HDEL', KEYS[4], ARGV[1])
"""
    + _REQUEUE_BODY
)


def worker_settings(url: str, worker: str) -> dict[str, str]:
    """The Scrapy settings of a distributed worker (what ``crawl --redis URL`` sets)."""
    return {"REDIS_URL": url, "SCHEDULER": SCHEDULER_PATH, "NEWSROOM_WORKER": worker}


class TrackedPriorityQueue(PriorityQueue):  # type: ignore[misc]  # scrapy-redis is untyped
    """scrapy-redis's priority queue, plus :meth:`take`: pop *and* record as in flight.

    Why: the stock ``pop`` removes the request from Redis; until the worker has finished with
    it, it would exist only in that worker's memory, and a killed worker would lose it (and
    every article behind it) for good. Same key, same encoding, same order as upstream.
    """

    def __init__(self, server: redis.Redis, spider: Spider, key: str, serializer: Any = None):
        super().__init__(server, spider, key, serializer)
        self._take = server.register_script(_TAKE)

    def take(self, inflight_key: str, seq_key: str) -> tuple[str, Request] | None:
        """The first request, recorded under a new token in ``inflight_key``; None if empty."""
        taken = self._take(keys=[self.key, inflight_key, seq_key])
        if not taken:
            return None
        token, member = taken
        request: Request = self._decode_request(member)
        token_text = token.decode() if isinstance(token, bytes) else str(token)
        request.meta[INFLIGHT_META] = token_text
        return token_text, request


class RedisScheduler(Scheduler):  # type: ignore[misc]  # scrapy-redis is untyped
    """scrapy-redis's scheduler for Scrapy 2.19, with the worker protocol of this module.

    Adapted (and why):

    - ``from_crawler``: upstream's makes the scheduler count stats with ``spider=`` passed to
      ``stats.inc_value`` (deprecated in Scrapy 2.19: a warning, an error under this project's
      ``filterwarnings = error``), and builds ``DUPEFILTER_CLASS`` with ``from_settings``, which
      Scrapy 2.19's own filter no longer has (an AttributeError unless ``DUPEFILTER_CLASS`` is
      set to scrapy-redis's). Here the stats are counted without the argument and the duplicate
      filter is always scrapy-redis's ``RFPDupeFilter``, unchanged.
    - ``open``: upstream's logs through ``Spider.log()`` (deprecated) and cannot join a crawl.
    - ``persist`` is always on: a worker closing must not empty the queue and the seen-set the
      other workers still use. The seen-set is emptied when a *new* crawl starts instead.
    - ``next_request`` takes through :meth:`TrackedPriorityQueue.take` (in-flight record).
    - ``enqueue_request`` keeps the request :meth:`wake` takes for the engine in memory (it was
      already taken from the shared queue).
    """

    crawler: Crawler
    worker: Worker
    queue: TrackedPriorityQueue
    spider: Spider
    local: deque[Request]
    waking: Request | None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        server = connection.get_redis_from_settings(settings)
        server.ping()
        prefix = key_prefix(settings)
        keys = Keys.of(prefix, "%(spider)s")
        scheduler = cls(
            server=server,
            persist=True,
            flush_on_start=False,
            queue_key=keys.queue,
            queue_cls=f"{__name__}.TrackedPriorityQueue",
            dupefilter_key=keys.dupefilter,
            dupefilter_cls="scrapy_redis.dupefilter.RFPDupeFilter",
            idle_before_close=0,
        )
        scheduler.crawler = crawler
        scheduler.local = deque()
        scheduler.waking = None
        scheduler.worker = Worker(crawler, server, prefix, scheduler)
        return scheduler

    def open(self, spider: Spider) -> None:
        self.spider = spider
        key = self.queue_key % {"spider": spider.name}
        self.queue = TrackedPriorityQueue(self.server, spider, key, self.serializer)
        self.df = RFPDupeFilter(
            self.server,
            key=self.dupefilter_key % {"spider": spider.name},
            debug=self.crawler.settings.getbool("DUPEFILTER_DEBUG"),
        )
        self.worker.join(spider)
        self.worker.start_heartbeat()

    def close(self, reason: str) -> None:
        self.worker.leave(reason)

    def enqueue_request(self, request: Request) -> bool:
        try:
            return self._enqueue(request)
        finally:
            self.worker.inflight.came_back(request)

    def _enqueue(self, request: Request) -> bool:
        if request is self.waking:
            self.waking = None
            self.local.append(request)
            return True
        untrack(request)
        queued = bool(super().enqueue_request(request))  # self.stats is None: no inc_value
        if queued:
            self.crawler.stats.inc_value("scheduler/enqueued/redis")
            self.worker.count("requests/queued")
        return queued

    def take(self) -> Request | None:
        """The first request of the shared queue, recorded as this worker's (in flight)."""
        taken = self.queue.take(self.worker.inflight_key, self.worker.keys.seq)
        if taken is None:
            return None
        token, request = taken
        self.worker.tokens.add(token)
        self.crawler.stats.inc_value("scheduler/dequeued/redis")
        self.worker.count("requests/taken")
        return request

    def next_request(self) -> Request | None:
        self.worker.settle()
        request = self.local.popleft() if self.local else self.take()
        if request is not None:
            self.worker.inflight.handed_out(request)
        return request

    def wake(self) -> None:
        """Take a request for the engine now, if it has room (public ``needs_backout``): it
        asks the scheduler by itself only when one of its requests is done, or every 5 s; a
        worker with free slots would leave what other workers queued meanwhile waiting."""
        engine = self.crawler.engine
        if engine is None or engine.needs_backout() or self.local:
            return
        request = self.take()
        if request is not None:
            self.waking = request
            engine.crawl(request)  # back here (kept: see _enqueue), then the engine asks again

    def has_pending_requests(self) -> bool:
        return bool(self.local) or len(self.queue) > 0


_TRACKED = "_newsroom_tracked"


def _untracked(function: Any) -> Any:
    return function.__wrapped__ if getattr(function, _TRACKED, False) else function


def untrack(request: Request) -> None:
    """The request's own callback and errback again (a request leaving for Redis is pickled:
    its callbacks must be the spider's methods)."""
    request.callback = _untracked(request.callback)
    request.errback = _untracked(request.errback)


class InFlight:
    """Which requests taken from the shared queue Scrapy is still working on, from public hooks.

    A taken request is finished once Scrapy is done with it: downloaded, its callback (or
    errback) run, the requests it yielded queued and the items it yielded through the item
    pipelines. Scrapy has no signal for that moment (its engine tracks it in a private slot),
    so the worker counts, per in-flight token:

    - ``waiting``: handed out by the scheduler, callback not called yet. The scheduler wraps the
      request's callback and errback (:meth:`handed_out`); a request coming back to the
      scheduler with its token before any callback ran (a redirect, a retry) ends its waiting
      (:meth:`came_back`; it goes to the shared queue as a request of its own).
    - ``pending``: a callback running, plus each request and item it yielded, until the request
      is queued (:meth:`came_back`, from ``RedisScheduler.enqueue_request``) and the item has
      been through the pipelines (``item_scraped``, ``item_dropped``, ``item_error``).

    Whatever this misses (a request a middleware drops silently, a failure without errback)
    keeps its token busy: never finished early, at worst fetched again after a kill. When the
    engine is idle (its public ``spider_is_idle``) nothing is in progress, and :meth:`reset`
    clears every count.
    """

    def __init__(self) -> None:
        self.waiting: Counter[str] = Counter()
        self.pending: Counter[str] = Counter()
        self._children: dict[int, tuple[str, Request]] = {}
        self._items: dict[int, tuple[str, Any]] = {}

    def busy(self) -> set[str]:
        return {t for t, n in self.waiting.items() if n > 0} | {
            t for t, n in self.pending.items() if n > 0
        }

    def reset(self) -> None:
        self.waiting.clear()
        self.pending.clear()
        self._children.clear()
        self._items.clear()

    def handed_out(self, request: Request) -> None:
        token = request.meta[INFLIGHT_META]
        self.waiting[token] += 1
        untrack(request)
        if request.callback is not None and request.callback is not NO_CALLBACK:
            request.callback = self._tracked(request.callback, token)
        if request.errback is not None:
            request.errback = self._tracked(request.errback, token)

    def came_back(self, request: Request) -> None:
        """The request reached the scheduler (queued, kept, or refused as a duplicate)."""
        child = self._children.pop(id(request), None)
        if child is not None and child[1] is request:
            self._release(child[0])
            return
        token = request.meta.get(INFLIGHT_META)
        if token is not None and self.waiting[token] > 0:
            self._decrement(self.waiting, token)

    def item_done(self, item: Any) -> None:
        """``item_scraped``, ``item_dropped``, ``item_error``: the pipelines are done with it."""
        entry = self._items.pop(id(item), None)
        if entry is not None and entry[1] is item:
            self._release(entry[0])

    # -- callbacks ------------------------------------------------------------------------------

    def _tracked(self, function: Callable[..., Any], token: str) -> Callable[..., Any]:
        @functools.wraps(function)
        def tracked(*args: Any, **kwargs: Any) -> Any:
            if self.waiting[token] <= 0:  # counts reset meanwhile (the engine was idle)
                return function(*args, **kwargs)
            self._decrement(self.waiting, token)
            self.pending[token] += 1
            try:
                output = function(*args, **kwargs)
            except BaseException:
                self._release(token)
                raise
            return self._follow(token, output)

        setattr(tracked, _TRACKED, True)
        return tracked

    def _follow(self, token: str, output: Any) -> Any:
        """The callback's output, the same kind of object, counting what it yields."""
        if output is None or isinstance(output, (Failure, Deferred)):
            self._release(token)  # nothing yielded; Deferreds are deprecated (not counted)
            return output
        if isinstance(output, AsyncIterator):
            return self._follow_async(token, output)
        if inspect.isawaitable(output):
            return self._follow_awaited(token, output)
        return self._follow_sync(token, arg_to_iter(output))

    async def _follow_awaited(self, token: str, output: Awaitable[Any]) -> Any:
        try:
            result = await output
        except BaseException:
            self._release(token)
            raise
        return self._follow(token, result)

    def _follow_sync(self, token: str, output: Iterable[Any]) -> Iterator[Any]:
        try:
            for value in output:
                self._yielded(token, value)
                yield value
        finally:
            self._release(token)

    async def _follow_async(self, token: str, output: AsyncIterator[Any]) -> AsyncIterator[Any]:
        try:
            async for value in output:
                self._yielded(token, value)
                yield value
        finally:
            self._release(token)

    def _yielded(self, token: str, value: Any) -> None:
        if value is None:
            return
        self.pending[token] += 1
        if isinstance(value, ScrapyRequest):
            self._children[id(value)] = (token, value)
        else:
            self._items[id(value)] = (token, value)

    def _release(self, token: str) -> None:
        self._decrement(self.pending, token)

    @staticmethod
    def _decrement(counter: Counter[str], token: str) -> None:
        counter[token] -= 1
        if counter[token] <= 0:
            del counter[token]


class Worker:
    """One worker's side of the protocol: join, heartbeat, in-flight records, idle exit.

    Lives as long as the crawler; its Redis calls run in the reactor thread and are short
    (one round trip each, a few per heartbeat).
    """

    def __init__(
        self,
        crawler: Crawler,
        server: redis.Redis,
        prefix: str = DEFAULT_PREFIX,
        scheduler: RedisScheduler | None = None,
    ):
        settings = crawler.settings
        self.crawler = crawler
        self.scheduler = scheduler
        self.local: deque[Request] = scheduler.local if scheduler is not None else deque()
        self.inflight = InFlight()
        self.server = server
        self.prefix = prefix
        self.name = worker_name(settings)
        self.idle_exit = settings.getfloat("NEWSROOM_IDLE_EXIT", 10.0)
        self.heartbeat = settings.getfloat("NEWSROOM_HEARTBEAT", 1.0)
        self.ttl = max(settings.getfloat("NEWSROOM_WORKER_TTL", 30.0), 3 * self.heartbeat)
        self.run_id = str(settings.get("NEWSROOM_RUN_ID") or new_run_id())
        self.keys = Keys.of(prefix, "?")
        self.inflight_key = ""
        self.tokens: set[str] = set()
        self.crawl_id = ""
        self.started_at = utc_now_iso()
        self.site = ""
        self.state = "starting"
        self._idle_since: float | None = None
        self._quiet_since: float | None = None
        self._counters: Counter[str] = Counter()
        self._errors: list[str] = []
        self._beat: task.LoopingCall | None = None
        self._closing: Deferred[None] | None = None
        self._requeue = server.register_script(_REQUEUE)
        self._recover_dead = server.register_script(_RECOVER_DEAD)
        self._spider: Any = None
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.on_page, signal=signals.response_received)
        crawler.signals.connect(self.on_item, signal=signals.item_scraped)
        crawler.signals.connect(self.on_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.on_error, signal=error_reported)
        for done in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self.inflight.item_done, signal=done)

    # -- joining and leaving ------------------------------------------------------------------

    def join(self, spider: Spider) -> None:
        """Take back what an earlier run of this worker (or a dead one) left, then start a new
        crawl or join the running one; under a lock, so that two workers starting together
        cannot both decide to start afresh."""
        self._spider = spider
        self.site = spider.name
        self.keys = Keys.of(self.prefix, spider.name)
        self.inflight_key = self.keys.inflight(self.name)
        server, keys = self.server, self.keys
        with server.lock(keys.join, timeout=60, blocking_timeout=120):
            recovered = int(self._requeue(keys=[self.inflight_key, keys.queue]))
            if recovered:
                logger.info("Took back %d requests an earlier run of %s left", recovered, self.name)
            recovered += self.recover_dead()
            others = [w for w in self._workers() if w != self.name]
            queued = server.zcard(keys.queue)
            crawl_id = cast("bytes | None", server.hget(keys.crawl, "id"))
            if (not others and not queued) or crawl_id is None:
                self.crawl_id = f"{utc_now_iso().replace(':', '')}-{self.name}"
                pipe = server.pipeline(transaction=True)
                pipe.delete(keys.dupefilter, keys.stats, keys.errors, keys.queue)
                pipe.hset(keys.crawl, mapping={"id": self.crawl_id, "started_at": utc_now_iso()})
                pipe.hdel(keys.crawl, "finished_at")
                pipe.execute()
                logger.info("Worker %s starts crawl %s", self.name, self.crawl_id)
            else:
                self.crawl_id = crawl_id.decode()
                logger.info(
                    "Worker %s joins crawl %s: %d requests queued, %d other workers",
                    self.name,
                    self.crawl_id,
                    queued,
                    len(others),
                )
            self._register()
        if recovered:
            self.crawler.stats.inc_value("distributed/recovered", recovered)
            self.count("requests/recovered", recovered)
        self.crawler.stats.set_value("distributed/worker", self.name)
        self.crawler.stats.set_value("distributed/crawl", self.crawl_id)

    def start_heartbeat(self) -> None:
        self._beat = task.LoopingCall(self.tick)
        self._beat.start(self.heartbeat, now=False)

    def leave(self, reason: str) -> None:
        """Give back what was taken and not finished (a stopped worker), deregister."""
        if self._beat is not None and self._beat.running:
            self._beat.stop()
        if not self.inflight_key:
            return  # never joined (the spider failed to open)
        self.settle()
        returned = int(self._requeue(keys=[self.inflight_key, self.keys.queue]))
        if returned:
            logger.info("Gave %d unfinished requests back to the shared queue", returned)
            self.crawler.stats.set_value("distributed/given_back", returned)
        self.tokens.clear()
        self.flush()
        pipe = self.server.pipeline(transaction=True)
        pipe.delete(self.keys.alive(self.name))
        pipe.hdel(self.keys.workers, self.name)
        pipe.execute()
        if reason == "finished" and not self._workers():
            self.server.hset(self.keys.crawl, "finished_at", utc_now_iso())

    def _workers(self) -> list[str]:
        return [w.decode() for w in cast("list[bytes]", self.server.hkeys(self.keys.workers))]

    def _register(self) -> None:
        """Heartbeat and the line ``HGETALL <p>:workers`` shows for this worker."""
        waiting = 0.0 if self._idle_since is None else time.monotonic() - self._idle_since
        info = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "run_id": self.run_id,
            "started_at": self.started_at,
            "beat_at": utc_now_iso(),
            "state": self.state,
            "waiting_seconds": round(waiting, 1),
            "in_flight": len(self.tokens),
        }
        pipe = self.server.pipeline(transaction=False)
        pipe.set(self.keys.alive(self.name), self.crawl_id, px=int(self.ttl * 1000))
        pipe.hset(self.keys.workers, self.name, json.dumps(info))
        pipe.execute()

    def recover_dead(self) -> int:
        """Requests of workers whose heartbeat stopped go back to the queue."""
        recovered = 0
        for other in self._workers():
            if other == self.name:
                continue
            keys = [self.keys.inflight(other), self.keys.queue, self.keys.alive(other)]
            count = int(self._recover_dead(keys=[*keys, self.keys.workers], args=[other]))
            if count >= 0:
                logger.warning(
                    "Worker %s stopped sending heartbeats: %d of its requests are queued again",
                    other,
                    count,
                )
                recovered += count
        return recovered

    # -- in flight ----------------------------------------------------------------------------

    def settle(self, *, idle: bool = False) -> None:
        """Drop the in-flight records of the requests Scrapy has finished with (all of them but
        those kept in this worker when the engine is ``idle``; see :class:`InFlight`)."""
        if idle:
            unaccounted = len(self.inflight.busy() & self.tokens)
            if unaccounted:  # what InFlight could not follow (see there): finished now
                self.crawler.stats.inc_value("distributed/finished_when_idle", unaccounted)
            self.inflight.reset()
        if not self.tokens:
            return
        live = self.inflight.busy()
        live.update(str(r.meta.get(INFLIGHT_META)) for r in self.local)
        done = self.tokens.difference(live)
        if done:
            self.server.hdel(self.inflight_key, *done)
            self.tokens.difference_update(done)

    def engine_idle(self) -> bool:
        try:
            return bool(self.crawler.engine.spider_is_idle())
        except RuntimeError:  # no spider open (closing)
            return False

    def tick(self) -> None:
        """Every ``NEWSROOM_HEARTBEAT`` s: heartbeat, finished records, dead workers, counters;
        then, idle, this worker exits if the crawl is over (:meth:`may_exit`), else the engine
        gets a request from the shared queue if it has room."""
        if self.state == "done":
            return  # closing
        try:
            idle = self.engine_idle()
            self.settle(idle=idle)
            recovered = self.recover_dead()
            if recovered:
                self.crawler.stats.inc_value("distributed/recovered", recovered)
                self.count("requests/recovered", recovered)
            if not idle:
                self.state, self._idle_since, self._quiet_since = "busy", None, None
            done = idle and self.may_exit()
            self._register()
            self.flush()
            if done:
                self.close()
            elif self.scheduler is not None:
                self.scheduler.wake()
        except redis.RedisError as exc:  # the next beat tries again; a lost one only delays
            logger.warning("Worker heartbeat failed: %s", exc)

    # -- leaving when the crawl is over -------------------------------------------------------

    def crawl_quiet(self) -> bool:
        """Nothing queued and nothing in flight anywhere: no worker can add work any more."""
        if self.server.zcard(self.keys.queue):
            return False
        pipe = self.server.pipeline(transaction=False)
        for worker in self._workers():
            pipe.hlen(self.keys.inflight(worker))
        return not any(pipe.execute())

    def spider_idle(self) -> None:
        """Scrapy found this worker idle: close only once :meth:`may_exit`."""
        self.settle(idle=self.engine_idle())
        if not self.may_exit():
            raise DontCloseSpider

    def may_exit(self) -> bool:
        """Called while this worker's engine is idle: True once the whole crawl has been quiet
        for ``NEWSROOM_IDLE_EXIT`` seconds (as seen at each heartbeat, and whenever the engine
        runs its own idle check)."""
        if self.state == "done":
            return True
        now = time.monotonic()
        self.state = "waiting"
        if self._idle_since is None:
            self._idle_since = now
        if not self.crawl_quiet():
            self._quiet_since = None
            return False
        if self._quiet_since is None:
            self._quiet_since = now
        if now - self._quiet_since < self.idle_exit:
            return False
        logger.info(
            "No request queued or in flight anywhere for %.1f s: worker %s is done",
            now - self._quiet_since,
            self.name,
        )
        self.state = "done"
        return True

    def close(self) -> None:
        """Close this worker's spider, reason ``finished``, through the engine's public
        ``close_spider_async`` (as Scrapy's CloseSpider extension does).

        Why not leave it to the engine: an idle engine sends ``spider_idle`` again (to
        :meth:`spider_idle`, which raised ``DontCloseSpider`` while the crawl was not yet quiet
        long enough) only when one of its requests finishes or at its own heartbeat, every 5 s,
        and has no public way to do so sooner; a worker would exit up to 5 s after
        ``NEWSROOM_IDLE_EXIT`` instead of within one ``NEWSROOM_HEARTBEAT``. Called only while
        the engine is idle (its public ``spider_is_idle``); no other ``spider_idle`` handler
        of this project keeps a spider open.
        """
        closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason="finished"))
        closing.addErrback(lambda failure: logger.error("Closing %s: %s", self.name, failure))
        self._closing = closing  # kept: an asyncio task nobody refers to may be collected

    # -- progress for people watching (redis-cli) --------------------------------------------

    def count(self, key: str, value: int = 1) -> None:
        self._counters[key] += value

    def on_page(self) -> None:
        self._counters["pages"] += 1

    def on_item(self) -> None:
        self._counters["items"] += 1

    def on_dropped(self) -> None:
        self._counters["dropped"] += 1

    def on_error(self, kind: str, url: str, reason: str) -> None:
        self._counters["errors"] += 1
        self._counters[f"errors/{kind}"] += 1
        record = {"worker": self.name, "kind": kind, "url": url, "reason": reason}
        self._errors.append(json.dumps({**record, "at": utc_now_iso()}, ensure_ascii=False))
        spider = self._spider
        if spider is not None and self.site and not spider.is_article_url(url):
            # Discovery did not reach everything: no worker may mark this pass finished
            # (RedisStateStore.finish_pass reads this flag).
            self.server.hset(self.keys.pass_, "broken", self.crawl_id)

    def flush(self) -> None:
        """Counters and errors to Redis (batched: one round trip per heartbeat)."""
        if not self._counters and not self._errors:
            return
        pipe = self.server.pipeline(transaction=False)
        for key, value in self._counters.items():
            pipe.hincrby(self.keys.stats, key, value)
        if self._errors:
            pipe.lpush(self.keys.errors, *self._errors)
            pipe.ltrim(self.keys.errors, 0, KEPT_ERRORS - 1)
        pipe.execute()
        self._counters.clear()
        self._errors.clear()


# -- outside a crawl: status and export -----------------------------------------------------------


def crawl_status(store: RedisStateStore, site: str) -> dict[str, Any]:
    """What ``redis-cli`` would show, in one dict: queue, in flight, workers, counters."""
    client = store.client
    keys = Keys.of(store.prefix, site)
    workers = cast("dict[str, str]", client.hgetall(keys.workers))
    alive = [w for w in workers if client.exists(keys.alive(w))]
    return {
        "crawl": cast("dict[str, str]", client.hgetall(keys.crawl)),
        "queued": client.zcard(keys.queue),
        "in_flight": sum(client.hlen(keys.inflight(w)) for w in workers),
        "workers": sorted(workers),
        "alive_workers": sorted(alive),
        "articles": store.count_articles(site),
        "stats": cast("dict[str, str]", client.hgetall(keys.stats)),
    }


def export_dataset(store: RedisStateStore, site: str, path: Path) -> int:
    """``<site>.jsonl`` from Redis: newest first, replaced atomically; the caller holds the
    data directory's lock. Returns the number of articles."""
    from newsroom_scraper.state.files import atomic_write_lines

    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        leftover.unlink(missing_ok=True)  # a killed export's; we hold the lock
    return atomic_write_lines(path, store.records(site))
