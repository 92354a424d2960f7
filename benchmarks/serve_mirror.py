"""Serve a mirror folder (``manifest.json`` + pages) on 127.0.0.1; prints the origin, then
serves until terminated. A separate process, so that benchmarks measure the crawler alone."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsroom_scraper.mirror import MirrorServer, MirrorSite


def main() -> None:
    server = MirrorServer(MirrorSite.load(Path(sys.argv[1]))).start()
    print(server.origin, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
