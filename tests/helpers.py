"""Running crawls in tests: the real CLI in a subprocess, against a local mirror.

A subprocess, as Scrapy's own tests do for whole crawls: the Twisted reactor cannot be
restarted within one process, and the CLI's exit code and summary are part of what is tested.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@dataclass
class CrawlResult:
    exit_code: int
    stdout: str
    stderr: str
    output: Path
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def items(self) -> list[dict[str, Any]]:
        if not self.output.exists():
            return []
        return [json.loads(line) for line in self.output.read_text("utf-8").splitlines()]


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("NEWSROOM_DATA_DIR", None)
    env.update(extra)
    return env


def run_cli(*args: str, timeout: float = 240, cwd: Path | None = None, **env: str):
    """``newsroom-scraper ARGS`` as a subprocess (``python -m newsroom_scraper.cli``)."""
    return subprocess.run(
        [sys.executable, "-m", "newsroom_scraper.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or REPO,
        env=cli_env(**env),
        check=False,
    )


def run_crawl(
    site: str,
    base_url: str,
    tmp_path: Path,
    *args: str,
    settings: dict[str, Any] | None = None,
    out: Path | None = None,
    timeout: float = 240,
) -> CrawlResult:
    """Crawl ``site`` on the mirror at ``base_url``; stats are dumped to a file for asserts."""
    output = out or tmp_path / f"{site}-out.jsonl"
    stats_file = tmp_path / f"{site}-stats.json"
    cli_args = ["crawl", site, "--base-url", base_url, "--out", str(output),
                "--data-dir", str(tmp_path / "data"), "--log-file", str(tmp_path / "crawl.log"),
                "-s", f"NEWSROOM_STATS_FILE={stats_file}", *args]  # fmt: skip
    for name, value in (settings or {}).items():
        cli_args += ["-s", f"{name}={value}"]
    done = run_cli(*cli_args, timeout=timeout)
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    return CrawlResult(done.returncode, done.stdout, done.stderr, output, stats)


IN_CI = os.environ.get("CI") == "true"


def need(condition: object, reason: str) -> None:
    """Skip without ``condition`` (saying why), except in CI, where it is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (required when CI=true)")
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port nothing listens on now, for a server a test starts itself."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
