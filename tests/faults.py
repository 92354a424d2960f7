"""Fault injection for mirrors: a hostile, flaky server, deterministic and counted.

:class:`FaultInjector` is a :data:`~newsroom_scraper.mirror.Interceptor`: installed on a
:class:`~newsroom_scraper.mirror.MirrorServer`, it answers some requests with a fault instead of
the page. Whether a request gets a fault, and which, is decided from a seed, the request's path
and its attempt number (how many times this path was asked before), never by chance at run
time: the same crawl meets the same faults, and a retried request draws again, so that it can
succeed. Faults apply to article pages by default, to listing pages with ``listings=True``.

Transient kinds (drawn per attempt):

- ``500``: ``500 Internal Server Error``
- ``503`` / ``429``: with ``Retry-After: <retry_after>`` seconds
- ``reset``: the connection is closed (TCP reset) without an answer
- ``slow``: the page, ``slow_delay`` seconds late
- ``truncate``: ``Content-Length`` of the whole page, half of it sent, connection closed
- ``no_data``: ``200`` with the page's embedded data removed (a Europol shell without
  ``window.SERVER_DATA``); any other page becomes an HTML maintenance page

Permanent kinds (drawn once per path: a page that has it, has it at every attempt):

- ``redirect_loop``: ``302`` to the same path with ``?newsroom-loop=1``, which redirects back
- ``offsite``: ``302`` to the same path on ``offsite_origin`` (another host of this machine)
- ``oversized``: a ``200`` page of ``oversize_bytes`` (more than ``DOWNLOAD_MAXSIZE``)
- ``bomb``: a ``200`` page of a few kB of gzip that inflates to ``oversize_bytes``

``force`` overrides the draw for chosen paths: a kind for every attempt, or a list of kinds by
attempt (``None``: the real page; past its end, the real page). Paths are compared as the
mirror routes them (decoded, sorted query).
"""

from __future__ import annotations

import gzip
import random
import re
import socket
import struct
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from newsroom_scraper.mirror import MirrorServer, Page, route_key

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from http.server import BaseHTTPRequestHandler


@dataclass
class FaultyPage(Page):
    """A :class:`~newsroom_scraper.mirror.Page` that misbehaves on the wire."""

    #: Close the connection (TCP reset) without sending any answer.
    reset: bool = False
    #: Announce the whole body in ``Content-Length``, send only this many bytes, then close.
    truncate_to: int | None = None
    #: Seconds the server waits before answering.
    delay: float = 0.0
    #: Send the body gzip-compressed, with ``Content-Encoding: gzip``.
    gzip: bool = False
    _wire: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def wire_body(self) -> bytes:
        """The bytes of the body as sent (compressed once, when ``gzip``)."""
        if not self.gzip:
            return self.body
        if self._wire is None:
            self._wire = gzip.compress(self.body, compresslevel=9, mtime=0)
        return self._wire

    def send(self, handler: BaseHTTPRequestHandler) -> None:
        if self.delay > 0:
            threading.Event().wait(self.delay)
        if self.reset:
            handler.close_connection = True
            # SO_LINGER 0: closing sends a TCP reset, not an orderly end of stream.
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            return
        body = self.wire_body()
        length = len(body)
        if self.truncate_to is not None:
            body = body[: self.truncate_to]
            length = max(length, len(body) + 1)
            handler.close_connection = True
        handler.send_response(self.status)
        if self.content_type:
            handler.send_header("Content-Type", self.content_type)
        if self.gzip:
            handler.send_header("Content-Encoding", "gzip")
        for name, value in self.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(length))
        if self.truncate_to is not None:
            handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body)


TRANSIENT = ("500", "503", "429", "reset", "slow", "truncate", "no_data")
PERMANENT = ("redirect_loop", "offsite", "oversized", "bomb")
KINDS = TRANSIENT + PERMANENT

EUROPOL_ARTICLES = ("/media-press/newsroom/news/",)
EUROPOL_LISTINGS = ("/media-press/newsroom", "/cms/api/node?url=%2Fmedia-press%2Fnewsroom&")
LOOP_MARK = "newsroom-loop=1"
_SERVER_DATA = re.compile(rb"<script>\s*window\.SERVER_DATA\s*=.*?;\s*</script>", re.S)
MAINTENANCE = (
    b"<!doctype html><html><head><title>Maintenance</title></head>"
    b"<body><h1>We'll be back soon</h1></body></html>"
)


@dataclass(frozen=True, slots=True)
class Event:
    """One request the injector saw: its path, attempt (1 = first) and the fault, if any."""

    path: str
    attempt: int
    fault: str | None


@dataclass
class FaultInjector:
    """See the module docstring. ``rates``: kind -> probability per request (sum <= 1)."""

    rates: Mapping[str, float] = field(default_factory=dict)
    seed: int = 0
    listings: bool = False
    force: Mapping[str, str | Sequence[str | None]] = field(default_factory=dict)
    retry_after: int = 1
    slow_delay: float = 0.5
    oversize_bytes: int = 2_000_000
    offsite_origin: str | None = None
    article_prefixes: tuple[str, ...] = EUROPOL_ARTICLES
    listing_prefixes: tuple[str, ...] = EUROPOL_LISTINGS
    injected: Counter[str] = field(default_factory=Counter)
    attempts: Counter[str] = field(default_factory=Counter)
    events: list[Event] = field(default_factory=list)

    def __post_init__(self) -> None:
        forced = {k for v in self.force.values() for k in ([v] if isinstance(v, str) else v)}
        unknown = {*self.rates, *(k for k in forced if k is not None)} - set(KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(map(str, unknown))}")
        if sum(self.rates.values()) > 1:
            raise ValueError("fault rates add up to more than 1")
        if "offsite" in self.rates and not self.offsite_origin:
            raise ValueError("offsite faults need offsite_origin")
        self._forced = {route_key(path): kinds for path, kinds in self.force.items()}
        self._lock = threading.Lock()
        self._bomb: Page | None = None

    # -- the decision (pure: seed, path, attempt) -------------------------------------------------

    def applies_to(self, path: str) -> bool:
        if path.startswith(self.article_prefixes):
            return True
        return self.listings and any(
            path == prefix or path.startswith(prefix) for prefix in self.listing_prefixes
        )

    def fault_for(self, path: str, attempt: int) -> str | None:
        """The fault of the ``attempt``-th request (from 1) of ``path``, or None."""
        forced = self._forced.get(route_key(path))
        if forced is not None:
            if isinstance(forced, str):
                return forced
            return forced[attempt - 1] if attempt <= len(forced) else None
        if not self.applies_to(path):
            return None
        permanent = self._draw(random.Random(f"{self.seed}|{path}|permanent").random(), PERMANENT)
        if permanent:
            return permanent
        return self._draw(random.Random(f"{self.seed}|{path}|{attempt}").random(), TRANSIENT)

    def _draw(self, value: float, kinds: tuple[str, ...]) -> str | None:
        # Both bands start at 0, so that a path's permanent draw and its transient draws are
        # independent; a permanent kind wins (the page is broken at every attempt).
        upper = 0.0
        for kind in kinds:
            upper += self.rates.get(kind, 0.0)
            if value < upper:
                return kind
        return None

    # -- the interceptor --------------------------------------------------------------------------

    def __call__(self, path: str, server: MirrorServer) -> Page | None:
        parts = urlsplit(path)
        if parts.query == LOOP_MARK:  # the second leg of a redirect loop
            with self._lock:
                self.injected["redirect_loop_hop"] += 1
            return Page(status=302, headers={"Location": parts.path}, content_type="")
        if route_key(path) not in self._forced and not self.applies_to(path):
            return None
        with self._lock:
            self.attempts[path] += 1
            attempt = self.attempts[path]
            kind = self.fault_for(path, attempt)
            self.events.append(Event(path, attempt, kind))
            if kind is not None:
                self.injected[kind] += 1
        return None if kind is None else self.fault_page(kind, path, server)

    def fault_page(self, kind: str, path: str, server: MirrorServer) -> Page:
        real = server.site.get(path) or Page(status=404, body=b"not found")
        text = "text/plain"
        if kind == "500":
            return Page(status=500, body=b"Internal Server Error", content_type=text)
        if kind in {"503", "429"}:
            headers = {"Retry-After": str(self.retry_after)}
            return Page(
                status=int(kind), body=b"Try again later", content_type=text, headers=headers
            )
        if kind == "reset":
            return FaultyPage(reset=True)
        if kind == "slow":
            return FaultyPage(
                real.status, real.body, real.content_type, dict(real.headers), delay=self.slow_delay
            )
        if kind == "truncate":
            return FaultyPage(
                real.status,
                real.body,
                real.content_type,
                dict(real.headers),
                truncate_to=len(real.body) // 2,
            )
        if kind == "no_data":
            body, found = _SERVER_DATA.subn(b"", real.body)
            return Page(body=body if found else MAINTENANCE)
        if kind == "redirect_loop":
            return Page(
                status=302, headers={"Location": f"{parts_path(path)}?{LOOP_MARK}"}, content_type=""
            )
        if kind == "offsite":
            return Page(
                status=302, headers={"Location": f"{self.offsite_origin}{path}"}, content_type=""
            )
        if kind == "oversized":
            padding = b"<p>" + b"x" * self.oversize_bytes + b"</p>"
            return Page(body=b"<!doctype html><html><body>" + padding + b"</body></html>")
        if kind == "bomb":
            with self._lock:
                if self._bomb is None:
                    self._bomb = FaultyPage(body=b"\0" * self.oversize_bytes, gzip=True)
                return self._bomb
        raise AssertionError(kind)

    # -- what happened --------------------------------------------------------------------------

    def paths(self) -> set[str]:
        """Every path the injector was asked for (faulted or not)."""
        with self._lock:
            return {event.path for event in self.events}

    def served_ok(self) -> set[str]:
        """Paths that got the real page at least once (``slow`` counts: it is the page)."""
        with self._lock:
            return {e.path for e in self.events if e.fault in {None, "slow"}}

    def never_served(self) -> set[str]:
        """Paths asked for, always answered with a fault."""
        return self.paths() - self.served_ok()

    def faults_of(self, path: str) -> list[str | None]:
        with self._lock:
            return [e.fault for e in self.events if e.path == path]


def parts_path(path: str) -> str:
    return urlsplit(path).path


def plan_faults(injector: FaultInjector, paths: Sequence[str], attempts: int) -> Counter[str]:
    """The faults the first ``attempts`` requests of each path would meet (no server needed):
    to choose a seed under which every kind wanted actually occurs in a small mirror."""
    planned: Counter[str] = Counter()
    for path in paths:
        for attempt in range(1, attempts + 1):
            kind = injector.fault_for(path, attempt)
            if kind is None:
                break
            planned[kind] += 1
    return planned
