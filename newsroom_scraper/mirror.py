"""A local mirror of a newsroom: its pages under the site's own paths, served on 127.0.0.1.

Used by ``crawl --demo`` (a sample shipped with the package), by the tests and by the
benchmarks. A mirror is a folder with ``manifest.json``::

    {"site": "europol",
     "routes": {"/media-press/newsroom": {"file": "pages/0001.html", "type": "text/html"},
                "/rss.xml": {"status": 301, "location": "/cms/api/rss/news"}}}

Routes are matched on the decoded path and the decoded, sorted query parameters, so that
``%2F`` and ``/`` in a query, or a different parameter order, reach the same page.

A :class:`Page` writes its own answer (:meth:`Page.send`): the tests' fault injection
(``tests/faults.py``) answers with pages that misbehave on the wire, through an interceptor.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

if TYPE_CHECKING:
    from pathlib import Path

MANIFEST = "manifest.json"


def route_key(path_and_query: str) -> str:
    """The form routes are matched in (see the module docstring)."""
    parts = urlsplit(path_and_query)
    query = sorted(parse_qsl(parts.query, keep_blank_values=True))
    return unquote(parts.path) + (f"?{urlencode(query)}" if query else "")


@dataclass
class Page:
    """One answer of the mirror."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    def send(self, handler: BaseHTTPRequestHandler) -> None:
        """Write the answer (status, headers, body) to the client."""
        handler.send_response(self.status)
        if self.content_type:
            handler.send_header("Content-Type", self.content_type)
        for name, value in self.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(self.body)))
        handler.end_headers()
        handler.wfile.write(self.body)


@dataclass
class MirrorSite:
    """Pages by route key; ``load`` reads a mirror folder (``tests/mirrors/make_demo.py``
    writes them)."""

    pages: dict[str, Page] = field(default_factory=dict)
    name: str = ""

    def add(self, path_and_query: str, page: Page) -> None:
        self.pages[route_key(path_and_query)] = page

    def redirect(self, path: str, location: str, status: int = 301) -> None:
        self.add(path, Page(status=status, headers={"Location": location}, content_type=""))

    def get(self, path_and_query: str) -> Page | None:
        return self.pages.get(route_key(path_and_query))

    @classmethod
    def load(cls, folder: Path) -> MirrorSite:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        site = cls(name=manifest.get("site", ""))
        for key, spec in manifest["routes"].items():
            headers = dict(spec.get("headers", {}))
            if "location" in spec:
                headers["Location"] = spec["location"]
            body = (folder / spec["file"]).read_bytes() if "file" in spec else b""
            site.pages[route_key(key)] = Page(
                status=spec.get("status", 200),
                body=body,
                content_type=spec.get("type", "text/html; charset=utf-8"),
                headers=headers,
            )
        return site


#: A hook that may answer instead of the site (fault injection): returns a Page or None.
Interceptor = Callable[[str, "MirrorServer"], Page | None]


class MirrorServer:
    """Serves a :class:`MirrorSite` on 127.0.0.1 from a background thread.

    ``requests`` counts what was asked, by path and query, robots.txt and redirects included.
    ``host`` may be any loopback address (``127.0.0.2``: a second host on this machine).
    """

    def __init__(
        self,
        site: MirrorSite,
        port: int = 0,
        interceptor: Interceptor | None = None,
        host: str = "127.0.0.1",
    ):
        self.site = site
        self.interceptor = interceptor
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def request_count(self) -> int:
        with self._lock:
            return sum(self.requests.values())

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes: with Nagle's algorithm the body waited for
            # the client's delayed ACK of the headers, 40 ms per request on a kept-alive
            # connection (a chain crawl is one such request after another).
            disable_nagle_algorithm = True

            def handle(self) -> None:
                # The client may go away (a cancelled download, a killed crawl): not an error.
                with suppress(BrokenPipeError, ConnectionResetError):
                    super().handle()

            def do_GET(self) -> None:
                with server._lock:
                    server.requests[self.path] += 1
                page = server.interceptor(self.path, server) if server.interceptor else None
                if page is None:
                    page = server.site.get(self.path)
                if page is None and self.path == "/robots.txt":
                    page = Page(body=b"User-agent: *\nAllow: /\n", content_type="text/plain")
                if page is None:
                    page = Page(status=404, body=b"not found", content_type="text/plain")
                self.answer(page)

            def answer(self, page: Page) -> None:
                page.send(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Quiet: the counts in ``requests`` say what was served."""

        return Handler

    def start(self) -> MirrorServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.httpd.server_close()
