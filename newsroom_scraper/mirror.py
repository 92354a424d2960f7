"""A local mirror of a newsroom: its pages under the site's own paths, served on 127.0.0.1.

Used by ``crawl --demo`` (a sample shipped with the package), by the tests and by the
benchmarks. A mirror is a folder with ``manifest.json``::

    {"site": "europol",
     "routes": {"/media-press/newsroom": {"file": "pages/0001.html", "type": "text/html"},
                "/rss.xml": {"status": 301, "location": "/cms/api/rss/news"}}}

Routes are matched on the decoded path and the decoded, sorted query parameters, so that
``%2F`` and ``/`` in a query, or a different parameter order, reach the same page.

A :class:`Page` can also misbehave, for fault injection (``tests/faults.py``): ``reset`` closes
the connection without an answer, ``truncate_to`` announces the whole body but sends only its
first bytes, ``delay`` waits before answering and ``gzip`` sends the body compressed
(``Content-Encoding: gzip``), e.g. a small body that inflates to a huge one.
"""

from __future__ import annotations

import gzip as gzip_module
import json
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
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
    """One answer of the mirror; the last four fields make it misbehave (not saved)."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
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
            self._wire = gzip_module.compress(self.body, compresslevel=9, mtime=0)
        return self._wire


@dataclass
class MirrorSite:
    """Pages by route key; ``load`` reads a mirror folder, ``save`` writes one."""

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

    def save(self, folder: Path) -> None:
        (folder / "pages").mkdir(parents=True, exist_ok=True)
        routes: dict[str, Any] = {}
        for number, (key, page) in enumerate(sorted(self.pages.items())):
            spec: dict[str, Any] = {}
            if page.status != 200:
                spec["status"] = page.status
            if page.content_type:
                spec["type"] = page.content_type
            headers = dict(page.headers)
            if "Location" in headers:
                spec["location"] = headers.pop("Location")
            if headers:
                spec["headers"] = headers
            if page.body:
                name = f"pages/{number:05d}{_extension(page.content_type)}"
                (folder / name).write_bytes(page.body)
                spec["file"] = name
            routes[key] = spec
        manifest = {"site": self.name, "routes": routes}
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def _extension(content_type: str) -> str:
    for marker, extension in (("json", ".json"), ("xml", ".xml"), ("html", ".html")):
        if marker in content_type:
            return extension
    return ".bin"


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
                if page.delay > 0:
                    threading.Event().wait(page.delay)
                if page.reset:
                    self.close_connection = True
                    # SO_LINGER 0: closing sends a TCP reset, not an orderly end of stream.
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    return
                body = page.wire_body()
                length = len(body)
                if page.truncate_to is not None:
                    body = body[: page.truncate_to]
                    length = max(length, len(body) + 1)
                    self.close_connection = True
                self.send_response(page.status)
                if page.content_type:
                    self.send_header("Content-Type", page.content_type)
                if page.gzip:
                    self.send_header("Content-Encoding", "gzip")
                for name, value in page.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(length))
                if page.truncate_to is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Quiet: the counts in ``requests`` say what was served."""

        return Handler

    def start(self) -> MirrorServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.httpd.server_close()


@contextmanager
def serve(site: MirrorSite, port: int = 0) -> Iterator[MirrorServer]:
    """``with serve(site) as server: ... server.origin ...``"""
    server = MirrorServer(site, port).start()
    try:
        yield server
    finally:
        server.stop()
