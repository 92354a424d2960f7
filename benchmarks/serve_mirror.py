"""Serve a mirror folder (``manifest.json`` + pages) on 127.0.0.1; prints the origin, then
serves until terminated. A separate process, so that benchmarks measure the crawler alone.

    python benchmarks/serve_mirror.py FOLDER            # serve
    python benchmarks/serve_mirror.py --render N FOLDER # write a Europol mirror of N articles
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsroom_scraper.mirror import MirrorServer, MirrorSite


def render(count: int, folder: Path) -> None:
    from tests.mirrors import europol

    articles = europol.link_chain(europol.generate_articles(count, start_id=100_000))
    europol.build_site(articles, per_page=10).save(folder)


def main() -> None:
    if sys.argv[1] == "--render":
        render(int(sys.argv[2]), Path(sys.argv[3]))
        return
    server = MirrorServer(MirrorSite.load(Path(sys.argv[1]))).start()
    print(server.origin, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
