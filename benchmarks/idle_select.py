"""How long a crawl waits for the network: ``newsroom-scraper`` with the event loop's ``select``
timed.

    python benchmarks/idle_select.py crawl europol --base-url http://127.0.0.1:PORT \\
        --data-dir DIR --discovery chain

Runs the CLI in this process with ``selectors.EpollSelector.select`` (the asyncio reactor's
wait for I/O) wrapped in a timer and prints, on exit, the seconds spent in it, the loop turns,
and the process's wall and CPU time. Wall = CPU + time in ``select`` (+ scheduling): a crawl
whose ``select`` time is small is CPU-bound, and overlapping requests cannot shorten it.
"""

from __future__ import annotations

import atexit
import os
import selectors
import sys
import time
from typing import Any

_select = selectors.EpollSelector.select
_waited = [0.0, 0]
_started = time.perf_counter()


def _timed_select(self: selectors.EpollSelector, timeout: float | None = None) -> Any:
    start = time.perf_counter()
    try:
        return _select(self, timeout)
    finally:
        _waited[0] += time.perf_counter() - start
        _waited[1] += 1


def _report() -> None:
    times = os.times()
    sys.stderr.write(
        f"IDLE {_waited[0]:.2f} s in select over {_waited[1]} loop turns; "
        f"wall {time.perf_counter() - _started:.2f} s, CPU {times.user + times.system:.2f} s\n"
    )


def main() -> int:
    selectors.EpollSelector.select = _timed_select  # type: ignore[method-assign]
    atexit.register(_report)
    from newsroom_scraper.cli import main as cli_main

    sys.argv = ["newsroom-scraper", *sys.argv[1:]]
    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
