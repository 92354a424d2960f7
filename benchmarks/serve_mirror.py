"""Serve a mirror folder (``manifest.json`` + pages) on a loopback address; prints the origin,
then serves until terminated. A separate process, so that benchmarks measure the crawler alone.

    python benchmarks/serve_mirror.py --render N FOLDER [--per-page 10] [--embedded 0]
    python benchmarks/serve_mirror.py FOLDER [wire options]

The wire options give the mirror the behaviours an independently written mirror of a site may
have (``--help`` lists them): HTTP/1.0, ``Connection: close``, bodies delimited by the end of the
connection, chunked or gzip bodies, a missing or slow robots.txt, a server that answers after
100-300 ms, an origin named ``localhost`` while the server listens on one address family only.
The default is :class:`newsroom_scraper.mirror.MirrorServer`'s behaviour: HTTP/1.1,
keep-alive, ``Content-Length``, ``TCP_NODELAY``, on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import gzip
import random
import signal
import socket
import sys
import threading
import time
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsroom_scraper.mirror import MirrorSite, Page


def render(
    count: int, folder: Path, per_page: int = 10, embedded: int = 5, api_listing: bool = True
) -> None:
    """A Europol mirror of ``count`` articles (``tests/mirrors/europol.py``) as files."""
    from tests.mirrors import europol
    from tests.mirrors.make_demo import save

    articles = europol.link_chain(europol.generate_articles(count, start_id=100_000))
    site = europol.build_site(
        articles, per_page=per_page, embedded=embedded, api_listing=api_listing
    )
    save(site, folder)


def wire_options(parser: argparse.ArgumentParser) -> None:
    wire = parser.add_argument_group("wire behaviour")
    wire.add_argument("--bind", default="127.0.0.1", help="address to listen on (::1 for IPv6)")
    wire.add_argument("--port", type=int, default=0)
    wire.add_argument(
        "--origin-host",
        default=None,
        help="host name printed in the origin (e.g. localhost); default: --bind",
    )
    wire.add_argument("--http10", action="store_true", help="answer HTTP/1.0 (no keep-alive)")
    wire.add_argument(
        "--close", action="store_true", help="HTTP/1.1 with Connection: close on every answer"
    )
    wire.add_argument(
        "--no-length",
        action="store_true",
        help="no Content-Length: the body ends when the connection closes",
    )
    wire.add_argument("--chunked", action="store_true", help="Transfer-Encoding: chunked")
    wire.add_argument(
        "--gzip", action="store_true", help="Content-Encoding: gzip when the client accepts it"
    )
    wire.add_argument(
        "--linger",
        type=float,
        default=0.0,
        help="seconds the server keeps a finished connection open before closing",
    )
    wire.add_argument(
        "--robots",
        default="ok",
        help="ok (allow all), 404, or slow:SECONDS (allow all, answered late)",
    )
    wire.add_argument(
        "--latency", default="", help="MIN-MAX seconds before each answer, e.g. 0.1-0.3"
    )
    wire.add_argument(
        "--backlog",
        type=int,
        default=5,
        help="listen backlog (default 5, Python's socketserver default)",
    )
    wire.add_argument(
        "--nagle",
        action="store_true",
        help="keep Nagle's algorithm on (by default the sockets are TCP_NODELAY, as "
        "in MirrorServer): headers and body then leave 40 ms apart on a "
        "kept-alive connection",
    )
    wire.add_argument("--seed", type=int, default=1)
    wire.add_argument(
        "--trace",
        metavar="FILE",
        help="append each request's arrival (UNIX time, tab, path) to FILE",
    )


def handler_class(site: MirrorSite, options: argparse.Namespace) -> type[BaseHTTPRequestHandler]:
    latency = tuple(float(x) for x in options.latency.split("-")) if options.latency else None
    rng = random.Random(options.seed)
    rng_lock = threading.Lock()
    close_each = options.http10 or options.close or options.no_length
    trace = open(options.trace, "a", encoding="utf-8") if options.trace else None  # noqa: SIM115
    trace_lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0" if options.http10 else "HTTP/1.1"
        disable_nagle_algorithm = not options.nagle

        def handle(self) -> None:
            with suppress(BrokenPipeError, ConnectionResetError):
                super().handle()

        def finish(self) -> None:
            if options.linger:
                # Slow to close: the answer is complete, the socket stays open a while.
                with suppress(OSError):
                    self.wfile.flush()
                time.sleep(options.linger)
            super().finish()

        def do_GET(self) -> None:
            if trace is not None:
                with trace_lock:
                    trace.write(f"{time.time():.6f}\t{self.path}\n")
                    trace.flush()
            if latency:
                with rng_lock:
                    delay = rng.uniform(*latency)
                time.sleep(delay)
            page = site.get(self.path)
            if self.path == "/robots.txt" and page is None:
                if options.robots == "404":
                    page = Page(status=404, body=b"not found", content_type="text/plain")
                else:
                    if options.robots.startswith("slow:"):
                        time.sleep(float(options.robots.split(":", 1)[1]))
                    page = Page(body=b"User-agent: *\nAllow: /\n", content_type="text/plain")
            if page is None:
                page = Page(status=404, body=b"not found", content_type="text/plain")
            self.answer(page)

        def answer(self, page: Page) -> None:
            body = page.body
            self.send_response(page.status)
            if page.content_type:
                self.send_header("Content-Type", page.content_type)
            for name, value in page.headers.items():
                self.send_header(name, value)
            if options.gzip and body and "gzip" in self.headers.get("Accept-Encoding", ""):
                body = gzip.compress(body, compresslevel=5)
                self.send_header("Content-Encoding", "gzip")
            if close_each:
                self.send_header("Connection", "close")
                self.close_connection = True
            if options.chunked and not options.http10:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for start in range(0, len(body), 16384):
                    piece = body[start : start + 16384]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")
                return
            if not options.no_length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Quiet."""

    return Handler


def serve(folder: Path, options: argparse.Namespace) -> tuple[ThreadingHTTPServer, str]:
    site = MirrorSite.load(folder)

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in options.bind else socket.AF_INET
        daemon_threads = True
        request_queue_size = options.backlog

    httpd = Server((options.bind, options.port), handler_class(site, options))
    port = httpd.server_address[1]
    host = options.origin_host or (f"[{options.bind}]" if ":" in options.bind else options.bind)
    return httpd, f"http://{host}:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--render", type=int, metavar="N", help="write a mirror of N articles")
    parser.add_argument("--per-page", type=int, default=10, help="API listing page size")
    parser.add_argument(
        "--embedded", type=int, default=5, help="articles embedded in the newsroom page (--render)"
    )
    parser.add_argument(
        "--no-api", action="store_true", help="no API listing (--render): it answers 404"
    )
    parser.add_argument("folder", type=Path)
    wire_options(parser)
    options = parser.parse_args()
    if options.render is not None:
        render(
            options.render, options.folder, options.per_page, options.embedded, not options.no_api
        )
        return
    httpd, origin = serve(options.folder, options)
    print(origin, flush=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    httpd.shutdown()
    httpd.server_close()


if __name__ == "__main__":
    main()
