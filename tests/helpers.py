"""Running the CLI in tests, against a local mirror.

:func:`run_cli` and :func:`run_crawl` run ``newsroom_scraper.cli.main(ARGS)``, the code path of
``newsroom-scraper ARGS``, in a child forked from the test process: the child starts with
Python, Scrapy and the project already imported (milliseconds instead of the ~1.5 s of a fresh
interpreter), gets a reactor of its own (the Twisted reactor cannot restart within one process,
so each crawl needs a process) and reports its exit code, its stdout and stderr, and the
crawl's final stats. The CLI's option handling, exit codes, summary and run files stay under
test; what a fork cannot show (the console entry point, signals sent to the process, a crash
mid-write) is tested with :func:`cli_subprocess`, a real ``python -m newsroom_scraper.cli``.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

import pytest

from newsroom_scraper.extraction.htmltext import _LINE_MARK, _PARAGRAPH_MARK
from newsroom_scraper.items import NOT_HASHED_FIELDS, ordered_record

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
#: Exit code of a child whose CLI raised (what an uncaught exception gives a real process).
EXIT_CRASHED = 1


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
    """The environment of a CLI subprocess: this worktree first on the path, no data dir."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("NEWSROOM_DATA_DIR", None)
    env.update(extra)
    return env


def cli_subprocess(
    *args: str, timeout: float = 240, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """``newsroom-scraper ARGS`` as a real subprocess (``python -m newsroom_scraper.cli``)."""
    return subprocess.run(
        [sys.executable, "-m", "newsroom_scraper.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or REPO,
        env=cli_env(**env),
        check=False,
    )


# -- the CLI in a forked child --------------------------------------------------------------------


@dataclass
class CliRun:
    """A forked run of the CLI: what a process shows, and the crawl's final stats (if any)."""

    exit_code: int
    stdout: str
    stderr: str
    stats: dict[str, Any]


@cache
def _warm_up() -> None:
    """Import, once in the test process, what every crawl imports (spiders, components): each
    forked child then starts with them loaded."""
    from scrapy.utils.misc import load_object

    import newsroom_scraper.cli
    from newsroom_scraper.spiders import registered_sites

    registered_sites()
    for value in newsroom_scraper.cli.project_settings([]).copy_to_dict().values():
        names = [*value.keys(), *value.values()] if isinstance(value, dict) else [value]
        for name in names:
            if isinstance(name, str) and "." in name and name.replace(".", "").isidentifier():
                try:
                    load_object(name)
                except (ImportError, NameError, ValueError, AttributeError):
                    continue  # a dotted setting value that is not an import path


def _fresh_reactor() -> None:
    """In the child: a reactor and an asyncio loop of its own, never the parent's.

    A module that imported ``twisted.internet.reactor`` at import time holds the parent's
    reactor (installed but never run); it is pointed at the new one.
    """
    from scrapy.utils.reactor import install_reactor

    import newsroom_scraper.cli

    stale = sys.modules.pop("twisted.internet.reactor", None)
    asyncio.set_event_loop(asyncio.new_event_loop())
    settings = newsroom_scraper.cli.project_settings([])
    install_reactor(settings["TWISTED_REACTOR"], settings["ASYNCIO_EVENT_LOOP"])
    if stale is None:
        return
    reactor = sys.modules["twisted.internet.reactor"]
    for module in list(sys.modules.values()):
        if getattr(module, "reactor", None) is stale:
            vars(module)["reactor"] = reactor


def _fresh_caches() -> None:
    """In the child: the package's memoized values (``functools.cache``) start empty, as in a
    new process, whatever the test process computed (and changed: ``fastjsonschema.compile``
    rewrites the cached item schema's ``$ref`` in place)."""
    for name, module in list(sys.modules.items()):
        if name == "newsroom_scraper" or name.startswith("newsroom_scraper."):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def _child(args: list[str], cwd: Path, env: dict[str, str], folder: Path) -> NoReturn:
    """The forked child: ``main(args)`` with its output and stats in ``folder``; never returns."""
    code = EXIT_CRASHED
    stats: dict[str, Any] = {}
    out = (folder / "stdout").open("w", encoding="utf-8")
    err = (folder / "stderr").open("w", encoding="utf-8")
    try:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        sys.stdout, sys.stderr = out, err
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        _fresh_reactor()
        _fresh_caches()
        from scrapy import signals

        import newsroom_scraper.cli

        def spider_closed(spider: Any, reason: str) -> None:
            # Any sender: the crawler the CLI creates; after the crawler's own receivers.
            stats.update(spider.crawler.stats.get_stats(), finish_reason=reason)

        dispatcher: Any = importlib.import_module("pydispatch.dispatcher")  # Scrapy's, untyped
        dispatcher.connect(spider_closed, signals.spider_closed, dispatcher.Any, weak=False)
        try:
            code = newsroom_scraper.cli.main(args)
        except SystemExit as exc:  # argparse: --help, usage errors
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
        except BaseException:  # noqa: BLE001  (what an uncaught exception shows in a process)
            traceback.print_exc()
        result = {"exit_code": code, "stats": stats}
        (folder / "result.json").write_text(json.dumps(result, default=str), "utf-8")
    finally:
        out.flush()
        err.flush()
        os._exit(code)


def _run_forked(args: list[str], timeout: float, cwd: Path | None, env: dict[str, str]) -> CliRun:
    _warm_up()
    with tempfile.TemporaryDirectory(prefix="newsroom-cli-") as name:
        folder = Path(name)
        child = multiprocessing.get_context("fork").Process(
            target=_child, args=(args, cwd or REPO, cli_env(**env), folder), daemon=True
        )
        child.start()
        child.join(timeout)
        if child.exitcode is None:
            child.kill()
            child.join()
            raise subprocess.TimeoutExpired(["newsroom-scraper", *args], timeout)
        result_file = folder / "result.json"
        result = json.loads(result_file.read_text("utf-8")) if result_file.exists() else {}
        return CliRun(
            exit_code=child.exitcode,
            stdout=(folder / "stdout").read_text("utf-8", "replace"),
            stderr=(folder / "stderr").read_text("utf-8", "replace"),
            stats=result.get("stats", {}),
        )


def run_cli_stats(*args: str, timeout: float = 240, cwd: Path | None = None, **env: str) -> CliRun:
    """``newsroom-scraper ARGS`` in a forked child, with the crawl's final stats."""
    return _run_forked(list(args), timeout, cwd, env)


def run_cli(
    *args: str, timeout: float = 240, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """``newsroom-scraper ARGS`` in a forked child (see the module docstring)."""
    done = _run_forked(list(args), timeout, cwd, env)
    return subprocess.CompletedProcess(
        ["newsroom-scraper", *args], done.exit_code, done.stdout, done.stderr
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
    """Crawl ``site`` on the mirror at ``base_url`` into ``--out``; the crawl's final stats too."""
    output = out or tmp_path / f"{site}-out.jsonl"
    cli_args = ["crawl", site, "--base-url", base_url, "--out", str(output),
                "--data-dir", str(tmp_path / "data"), "--log-file", str(tmp_path / "crawl.log"),
                *args]  # fmt: skip
    for name, value in (settings or {}).items():
        cli_args += ["-s", f"{name}={value}"]
    done = _run_forked(cli_args, timeout, None, {})
    return CrawlResult(done.exit_code, done.stdout, done.stderr, output, done.stats)


# -- skips and ports ------------------------------------------------------------------------------

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


# -- the code as it was before issue 12: the oracles of test_identity and bench_extract_real ----


def reference_canonical(value: Any) -> str:
    """The json call ``items.canonical_json`` made before orjson."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def reference_hash(record: dict[str, Any]) -> str:
    """``items.compute_content_hash`` before orjson."""
    content = {key: value for key, value in record.items() if key not in NOT_HASHED_FIELDS}
    return hashlib.sha256(reference_canonical(content).encode("utf-8")).hexdigest()


def reference_line(record: dict[str, Any]) -> str:
    """``items.dumps_record`` (a JSON Lines line) before orjson."""
    return json.dumps(ordered_record(record), ensure_ascii=False, separators=(",", ":"))


def reference_layout_marked(marked: str) -> str:
    """The line-by-line layout ``htmltext._layout_marked_counted`` replaced (issue 12)."""
    marked = marked.replace("\u200b", " ")
    out: list[str] = []
    level = 0
    for number, paragraph in enumerate(marked.split(_PARAGRAPH_MARK)):
        if number:
            level = 2
        for index, line in enumerate(paragraph.split(_LINE_MARK)):
            if index and not level:
                level = 1
            words = line.split()
            if words:
                if out:
                    out.append("\n" * level)
                out.append(" ".join(words))
                level = 0
    return "".join(out)


def reference_attribute_url(body: bytes, source: str, encoding: str = "utf-8") -> str | None:
    """``metadata._attribute_url`` before issue 12's fourth pass: head, tail, then the whole
    page (the head and the tail searched again)."""
    import html as html_module

    from newsroom_scraper.extraction.metadata import _AROUND, _EDGE, _OWN_URL_PATTERNS

    keyword, patterns = _OWN_URL_PATTERNS[source]
    regions = [(0, len(body))]
    if len(body) > 4 * _EDGE:
        regions = [(0, _EDGE), (len(body) - _EDGE, len(body)), *regions]
    for begin, end in regions:
        start = body.find(keyword, begin, end)
        while start >= 0:
            for pattern in patterns:
                match = pattern.search(body, max(0, start - _AROUND), start + _AROUND)
                if match:
                    return html_module.unescape(match.group(1).decode(encoding, "replace"))
            start = body.find(keyword, start + len(keyword), end)
    return None


def reference_in_comment(body: bytes, position: int) -> bool:
    """``metadata._in_comment`` before issue 12's fourth pass."""
    return body.rfind(b"<!--", 0, position) > body.rfind(b"-->", 0, position)


def reference_binary_count(head: bytes) -> int:
    """How ``extract.not_a_page`` counted a head's binary bytes before issue 12's fourth pass."""
    return sum(head.count(b) for b in bytes(range(9)) + bytes(range(14, 32)))
