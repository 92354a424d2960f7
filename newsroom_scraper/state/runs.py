"""Run names and run files: ``runs/<site>/<run id>.jsonl`` and ``.report.json``.

The CLI, the dataset pipeline and the distributed workers all name runs here, so that two runs
never share a file and a worker's run file says which worker wrote it.
"""

from __future__ import annotations

import os
import re
import socket
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy.settings import BaseSettings

_WORKER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def new_run_id() -> str:
    """A run's name: its UTC start time to the microsecond, so that two runs in the same second
    never share (and append to) a run file."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H%M%S.%fZ")


def run_files(data_dir: Path, site: str, run_id: str) -> tuple[Path, Path]:
    """``runs/<site>/<run id>.jsonl`` and ``.report.json``."""
    folder = data_dir / "runs" / site
    return folder / f"{run_id}.jsonl", folder / f"{run_id}.report.json"


def default_worker_name() -> str:
    """``<host>-<pid>``: unique among running workers; a restart gets a new name."""
    host = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname()) or "host"
    return f"{host}-{os.getpid()}"


def worker_name(settings: BaseSettings) -> str:
    """``NEWSROOM_WORKER``, else :func:`default_worker_name` (the same all through a process)."""
    return check_worker_name(str(settings.get("NEWSROOM_WORKER") or default_worker_name()))


def check_worker_name(name: str) -> str:
    """Worker names end up in file names (run files) and Redis keys: keep them plain."""
    if not _WORKER_NAME.match(name):
        raise ValueError(
            f"worker name {name!r}: use letters, digits, '.', '_' and '-' (at most 100)"
        )
    return name
