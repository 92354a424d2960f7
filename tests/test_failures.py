"""Nothing fails quietly (issue 10): unusable paths, write failures, interrupted runs, summary.

Every crawl is the CLI (``cli.main`` in a forked child; Ctrl-C in a real subprocess), without
``--log-file``, as a person first runs it: what stderr shows is what is asserted. The hostile
environments (a read-only or nearly full file system, immutable files) need root; where the
machine does not allow them the test is skipped, saying why (a failure when ``CI=true``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from newsroom_scraper import __version__
from newsroom_scraper.mirror import MirrorServer, Page
from newsroom_scraper.report import EXIT_CODES_DOC, EXIT_USAGE, EXIT_WRITE_FAILED
from tests.helpers import REPO, cli_env, free_port, need, run_cli
from tests.mirrors import europol as mirror

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from newsroom_scraper.mirror import MirrorSite

ARTICLES = 14  # the europol test mirror (and the demo sample)


@pytest.fixture
def server(default_site: Callable[[str], MirrorSite]) -> Iterator[MirrorServer]:
    """A mirror of its own per test: its request count says whether a run asked for anything."""
    started = MirrorServer(default_site("europol")).start()
    yield started
    started.stop()


def crawl(
    server: MirrorServer, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return run_cli("crawl", "europol", "--base-url", server.origin, *args, cwd=cwd)


def no_traceback(stderr: str) -> None:
    for marker in ("Traceback", "Unhandled error", "Error caught on signal handler"):
        assert marker not in stderr, stderr
    assert not re.search(r"\bNone\b", stderr), stderr  # never "Crawl None" to a person


def newest_report(data_dir: Path) -> dict[str, Any]:
    reports = sorted((data_dir / "runs" / "europol").glob("*.report.json"))
    return json.loads(reports[-1].read_text("utf-8")) if reports else {}


# -- hostile file systems -------------------------------------------------------------------------


def run_root(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


@contextlib.contextmanager
def small_fs(where: Path, size: str = "1m") -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where`` (the machine must let a test mount one)."""
    need(shutil.which("mount") and os.geteuid() == 0, "mounting a tmpfs needs root and mount(8)")
    where.mkdir(parents=True, exist_ok=True)
    done = run_root("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where))
    need(done.returncode == 0, f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        run_root("umount", "-l", str(where))


def remount_read_only(where: Path) -> None:
    done = run_root("mount", "-o", "remount,ro", str(where))
    need(done.returncode == 0, f"cannot remount {where} read-only: {done.stderr.strip()}")


def fill(where: Path) -> None:
    """Fill the file system of ``where`` to the last byte."""
    with (where / "filler").open("wb", buffering=0) as filler:
        for chunk in (65536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    filler.write(b"\0" * chunk)
    assert shutil.disk_usage(where).free < 4096


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[Path]:
    """``chattr +i path`` (root refuses to write to it or replace it), undone afterwards."""
    need(shutil.which("chattr"), "chattr(1) is not installed")
    done = run_root("chattr", "+i", str(path))
    need(done.returncode == 0, f"chattr +i is not supported here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        run_root("chattr", "-i", str(path))


@dataclass
class Hostile:
    """One hostile environment: the options of the run, what its error line must name."""

    args: list[str]
    path: Path | str  # the line names this path
    errors: tuple[str, ...]  # ... and one of these OS errors
    code: int
    upfront: bool  # refused before any request
    keep: dict[Path, bytes] = field(default_factory=dict)  # files that must stay byte for byte
    report_dir: Path | None = None  # data dir whose run report must not say "success"


def previous_dataset(server: MirrorServer, data_dir: Path) -> dict[Path, bytes]:
    done = crawl(server, "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    dataset = data_dir / "europol.jsonl"
    return {dataset: dataset.read_bytes()}


def out_is_directory(tmp_path: Path, server: MirrorServer, stack: contextlib.ExitStack) -> Hostile:
    folder = tmp_path / "outdir"
    folder.mkdir()
    (folder / "kept.jsonl").write_bytes(b'{"id": "kept"}\n')
    keep = {folder / "kept.jsonl": b'{"id": "kept"}\n'}
    return Hostile(["--out", str(folder)], folder, ("Is a directory",), EXIT_USAGE, True, keep)


def out_on_read_only_fs(
    tmp_path: Path, server: MirrorServer, stack: contextlib.ExitStack
) -> Hostile:
    fs = stack.enter_context(small_fs(tmp_path / "fs"))
    out = fs / "items.jsonl"
    out.write_bytes(b'{"id": "previous"}\n')
    remount_read_only(fs)
    return Hostile(["--out", str(out)], out, ("Read-only file system",), EXIT_USAGE, True,
                   {out: b'{"id": "previous"}\n'})  # fmt: skip


def out_under_proc(tmp_path: Path, server: MirrorServer, stack: contextlib.ExitStack) -> Hostile:
    out = "/proc/newsroom-items.jsonl"
    return Hostile(["--out", out], out, ("No such file or directory",), EXIT_USAGE, True)


def out_parent_is_a_file(
    tmp_path: Path, server: MirrorServer, stack: contextlib.ExitStack
) -> Hostile:
    parent = tmp_path / "plain-file"
    parent.write_bytes(b"not a directory\n")
    out = parent / "items.jsonl"
    return Hostile(["--out", str(out)], out, ("Not a directory",), EXIT_USAGE, True,
                   {parent: b"not a directory\n"})  # fmt: skip


def out_on_full_fs(tmp_path: Path, server: MirrorServer, stack: contextlib.ExitStack) -> Hostile:
    fs = stack.enter_context(small_fs(tmp_path / "fs", "512k"))
    out = fs / "items.jsonl"
    out.write_bytes(b'{"id": "previous"}\n')
    fill(fs)
    return Hostile(["--out", str(out)], out, ("No space left on device",), EXIT_WRITE_FAILED,
                   False, {out: b'{"id": "previous"}\n'})  # fmt: skip


def data_dir_on_read_only_fs(
    tmp_path: Path, server: MirrorServer, stack: contextlib.ExitStack
) -> Hostile:
    fs = stack.enter_context(small_fs(tmp_path / "fs"))
    data_dir = fs / "data"
    keep = previous_dataset(server, data_dir)
    remount_read_only(fs)
    return Hostile(["--data-dir", str(data_dir)], data_dir, ("Read-only file system",),
                   EXIT_USAGE, True, keep)  # fmt: skip


def data_dir_under_proc(
    tmp_path: Path, server: MirrorServer, stack: contextlib.ExitStack
) -> Hostile:
    data_dir = "/proc/newsroom-data"
    return Hostile(["--data-dir", data_dir], data_dir, ("No such file or directory",),
                   EXIT_USAGE, True)  # fmt: skip


def data_dir_parent_is_a_file(
    tmp_path: Path, server: MirrorServer, stack: contextlib.ExitStack
) -> Hostile:
    parent = tmp_path / "plain-file"
    parent.write_bytes(b"not a directory\n")
    data_dir = parent / "data"
    return Hostile(["--data-dir", str(data_dir)], data_dir, ("Not a directory",), EXIT_USAGE,
                   True, {parent: b"not a directory\n"})  # fmt: skip


def data_dir_immutable(
    tmp_path: Path, server: MirrorServer, stack: contextlib.ExitStack
) -> Hostile:
    data_dir = tmp_path / "data"
    keep = previous_dataset(server, data_dir)
    stack.enter_context(immutable(data_dir))
    return Hostile(["--data-dir", str(data_dir)], data_dir, ("Operation not permitted",),
                   EXIT_USAGE, True, keep)  # fmt: skip


def dataset_immutable(tmp_path: Path, server: MirrorServer, stack: contextlib.ExitStack) -> Hostile:
    data_dir = tmp_path / "data"
    keep = previous_dataset(server, data_dir)
    stack.enter_context(immutable(data_dir / "europol.jsonl"))
    return Hostile(["--data-dir", str(data_dir)], data_dir / "europol.jsonl",
                   ("Operation not permitted",), EXIT_WRITE_FAILED, False, keep, data_dir)  # fmt: skip


def data_dir_on_full_fs(
    tmp_path: Path, server: MirrorServer, stack: contextlib.ExitStack
) -> Hostile:
    fs = stack.enter_context(small_fs(tmp_path / "fs"))
    data_dir = fs / "data"
    keep = previous_dataset(server, data_dir)
    fill(fs)
    # Whichever write meets the full disk first (the state, the run file, the dataset), the
    # line names a file of the data directory. SQLite says "disk I/O error" when it cannot
    # grow its shared-memory file: the line adds what the file system says.
    return Hostile(["--data-dir", str(data_dir), "--full"], data_dir,
                   ("No space left on device", "database or disk is full"), EXIT_WRITE_FAILED,
                   False, keep)  # fmt: skip


def data_dir_on_nearly_full_fs(
    tmp_path: Path, server: MirrorServer, stack: contextlib.ExitStack
) -> Hostile:
    """The disk fills in the middle of a refresh that brings new articles."""
    fs = stack.enter_context(small_fs(tmp_path / "fs", "2m"))
    data_dir = fs / "data"
    keep = previous_dataset(server, data_dir)
    grown = mirror.generate_articles(60, start_id=5000, newest=1_800_000_000)
    server.site = mirror.build_site(mirror.link_chain(grown), per_page=10)
    (fs / "filler").write_bytes(b"\0" * (shutil.disk_usage(fs).free - 64 * 1024))
    return Hostile(["--data-dir", str(data_dir)], data_dir,
                   ("No space left on device", "database or disk is full"), EXIT_WRITE_FAILED,
                   False, keep)  # fmt: skip


HOSTILE: dict[str, Callable[[Path, MirrorServer, contextlib.ExitStack], Hostile]] = {
    "out is a directory": out_is_directory,
    "out on a read-only file system": out_on_read_only_fs,
    "out under /proc": out_under_proc,
    "out's parent is a regular file": out_parent_is_a_file,
    "out on a full file system": out_on_full_fs,
    "data dir on a read-only file system": data_dir_on_read_only_fs,
    "data dir under /proc": data_dir_under_proc,
    "data dir's parent is a regular file": data_dir_parent_is_a_file,
    "data dir immutable": data_dir_immutable,
    "dataset immutable": dataset_immutable,
    "data dir on a full file system": data_dir_on_full_fs,
    "data dir on a nearly full file system": data_dir_on_nearly_full_fs,
}


@pytest.mark.parametrize("environment", list(HOSTILE))
def test_hostile_environment_is_one_line_the_documented_code_and_nothing_lost(
    environment: str, server: MirrorServer, tmp_path: Path
) -> None:
    with contextlib.ExitStack() as stack:
        case = HOSTILE[environment](tmp_path, server, stack)
        server.requests.clear()
        done = crawl(server, *case.args, cwd=tmp_path)
        kept = {path: path.read_bytes() for path in case.keep}
    assert done.returncode == case.code, done.stderr
    assert case.code in EXIT_CODES_DOC
    naming = [
        line
        for line in done.stderr.splitlines()
        if str(case.path) in line and any(error.lower() in line.lower() for error in case.errors)
    ]
    assert len(naming) == 1, done.stderr
    no_traceback(done.stderr)
    assert "success" not in done.stderr
    assert kept == case.keep
    if case.upfront:
        assert server.request_count == 0, server.requests
        assert done.stderr.count("\n") == 1, done.stderr  # the one line, nothing else
    else:
        assert "Output:" not in done.stderr, done.stderr
        assert "Not written: " in done.stderr or done.stderr.count("\n") == 1, done.stderr
    if case.report_dir is not None:
        report = newest_report(case.report_dir)
        assert report["exit_code"] == EXIT_WRITE_FAILED
        assert report["exit_status"] != "success"
        assert report["write_failures"][0]["path"] == str(case.path)


# -- finding 1 and 2 with --demo ------------------------------------------------------------------


def test_demo_with_out_a_directory_is_refused_before_the_demo_starts(tmp_path: Path) -> None:
    folder = tmp_path / "items"
    folder.mkdir()
    done = run_cli("crawl", "europol", "--demo", "--out", str(folder), cwd=tmp_path)
    assert done.returncode == EXIT_USAGE, done.stderr
    assert done.stderr.startswith("newsroom-scraper: error: ")
    assert "Is a directory" in done.stderr
    assert str(folder) in done.stderr
    assert "Demo:" not in done.stderr  # its server never started
    assert list(folder.iterdir()) == []


def test_demo_with_an_unusable_data_dir_is_refused_before_the_demo_starts(tmp_path: Path) -> None:
    done = run_cli("crawl", "europol", "--demo", "--data-dir", "/proc/newsroom", cwd=tmp_path)
    assert done.returncode == EXIT_USAGE, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "/proc/newsroom" in done.stderr
    assert "No such file or directory" in done.stderr
    assert "Demo:" not in done.stderr


# -- finding 6: the summary -----------------------------------------------------------------------


def test_summary_says_what_changed_and_where_the_report_is(
    server: MirrorServer, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    first = crawl(server, "--data-dir", str(data_dir))
    assert first.returncode == 0, first.stderr
    assert f"Dataset: {ARTICLES} new, 0 updated, 0 unchanged, 0 removed" in first.stderr
    assert f"Output: {data_dir / 'europol.jsonl'} ({ARTICLES} articles)" in first.stderr
    reports = sorted((data_dir / "runs" / "europol").glob("*.report.json"))
    assert f"Report: {reports[-1]}" in first.stderr

    again = crawl(server, "--data-dir", str(data_dir))
    assert again.returncode == 0, again.stderr
    assert f"Dataset: 0 new, 0 updated, {ARTICLES} unchanged, 0 removed" in again.stderr
    reports = sorted((data_dir / "runs" / "europol").glob("*.report.json"))
    assert f"Report: {reports[-1]}" in again.stderr
    no_traceback(first.stderr + again.stderr)


def test_no_output_line_when_nothing_was_written(tmp_path: Path) -> None:
    out = tmp_path / "items.jsonl"
    done = run_cli("crawl", "europol", "--base-url", f"http://127.0.0.1:{free_port()}",
                   "--out", str(out), "--log-file", str(tmp_path / "crawl.log"),
                   cwd=tmp_path)  # fmt: skip
    assert done.returncode == 4, done.stderr
    assert not out.exists()
    assert "Output:" not in done.stderr
    assert "Crawl finished" in done.stderr  # a sentence, never "Crawl None"
    no_traceback(done.stderr)


# -- finding 7: file modes follow the umask -------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_files_follow_the_umask(umask: int, server: MirrorServer, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    out = tmp_path / "items.jsonl"
    previous = os.umask(umask)
    try:
        dataset_run = crawl(server, "--data-dir", str(data_dir))
        out_run = crawl(server, "--out", str(out))
    finally:
        os.umask(previous)
    assert dataset_run.returncode == 0, dataset_run.stderr
    assert out_run.returncode == 0, out_run.stderr
    expected = 0o666 & ~umask
    files = [data_dir / "europol.jsonl", out,
             *(data_dir / "runs" / "europol").glob("*.json*")]  # fmt: skip
    assert len(files) == 4
    assert {path.name: oct(path.stat().st_mode & 0o777) for path in files} == {
        path.name: oct(expected) for path in files
    }


# -- finding 10: --out - and --version ------------------------------------------------------------


def test_out_dash_writes_json_lines_to_stdout_and_the_summary_to_stderr(
    server: MirrorServer, tmp_path: Path
) -> None:
    done = crawl(server, "--out", "-", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == ARTICLES
    published = [record["published"] for record in records]
    assert published == sorted(published, reverse=True)
    assert "Output: standard output" in done.stderr
    assert list(tmp_path.iterdir()) == []  # no file named "-"


def test_version() -> None:
    done = run_cli("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"newsroom-scraper {__version__}"


# -- finding 8: Ctrl-C ----------------------------------------------------------------------------


class Hold:
    """Interceptor: holds every request but robots.txt until released, then answers as ``then``
    says (None: the page itself). Tells the test once it is holding one. No sleeps: events."""

    def __init__(self, then: Page | None = None) -> None:
        self.then = then
        self.holding = threading.Event()
        self.release = threading.Event()

    def __call__(self, path: str, server: MirrorServer) -> Page | None:
        if path == "/robots.txt":
            return None
        self.holding.set()
        self.release.wait(60)
        return self.then


class Interrupted:
    """A real ``newsroom-scraper crawl`` whose stderr is read line by line as it comes."""

    def __init__(self, server: MirrorServer, data_dir: Path) -> None:
        command = [sys.executable, "-m", "newsroom_scraper.cli", "crawl", "europol",
                   "--base-url", server.origin, "--data-dir", str(data_dir)]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=REPO, env=cli_env(), stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        self.wanted: tuple[str, threading.Event] | None = None
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            if self.wanted and self.wanted[0] in line:
                self.wanted[1].set()

    def signal_and_wait_for(self, text: str) -> bool:
        seen = threading.Event()
        self.wanted = (text, seen)
        if any(text in line for line in self.lines):
            return True
        self.process.send_signal(signal.SIGINT)
        return seen.wait(60)

    def finish(self) -> tuple[int, str]:
        code = self.process.wait(60)
        self.reader.join(30)
        return code, "".join(self.lines)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)
        self.reader.join(30)
        assert self.process.stderr is not None
        self.process.stderr.close()


def test_ctrl_c_says_at_once_what_happens_and_leaves_no_empty_dataset(tmp_path: Path) -> None:
    """The first Ctrl-C is answered while every request is still held (at once, not once they
    finish); the held listing answers, no article was fetched: no 0-byte dataset."""
    hold = Hold()
    server = MirrorServer(mirror.build_site(mirror.default_articles()), interceptor=hold).start()
    data_dir = tmp_path / "data"
    run = Interrupted(server, data_dir)
    try:
        assert hold.holding.wait(60), "the crawl never asked for a page"
        assert run.signal_and_wait_for("press Ctrl-C again to stop now"), "".join(run.lines)
        assert not hold.release.is_set()  # said while the requests are still held
        hold.release.set()
        code, stderr = run.finish()
    finally:
        hold.release.set()
        run.kill()
        server.stop()
    assert re.search(r"finishing \d+ requests? in flight", stderr), stderr
    assert code == 130, stderr
    no_traceback(stderr)
    assert not (data_dir / "europol.jsonl").exists()
    assert "Output:" not in stderr


def test_second_ctrl_c_stops_now_with_a_sensible_summary(tmp_path: Path) -> None:
    hold = Hold()
    server = MirrorServer(mirror.build_site(mirror.default_articles()), interceptor=hold).start()
    data_dir = tmp_path / "data"
    run = Interrupted(server, data_dir)
    try:
        assert hold.holding.wait(60), "the crawl never asked for a page"
        assert run.signal_and_wait_for("press Ctrl-C again"), "".join(run.lines)
        run.wanted = None
        run.process.send_signal(signal.SIGINT)
        code, stderr = run.finish()  # while the requests are still held
    finally:
        hold.release.set()
        run.kill()
        server.stop()
    assert code == 130, stderr
    no_traceback(stderr)
    assert "Crawl stopped" in stderr, stderr
    assert "Exit code 130" in stderr
    assert not (data_dir / "europol.jsonl").exists()
    report = newest_report(data_dir)
    assert report["exit_code"] == 130


def test_keep_pages_with_out_is_refused_before_any_request(
    server: MirrorServer, tmp_path: Path
) -> None:
    """``--out`` keeps no data directory, so ``--keep-pages`` would silently keep nothing."""
    done = run_cli("crawl", "europol", "--base-url", server.origin, "--out", str(tmp_path / "o.jsonl"), "--keep-pages")  # fmt: skip
    assert done.returncode == 2
    assert "--keep-pages" in done.stderr
    assert "Traceback" not in done.stderr
    assert server.request_count == 0


def test_a_state_write_failing_at_the_very_end_is_one_line_and_exit_6(
    server: MirrorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last write of a run (the shape monitor's, after the dataset) fails like any other:
    one line naming the state file, the write-failure code, no traceback from the signal."""
    import sqlite3

    from newsroom_scraper.state.shape import ShapeMonitor

    def locked(*args: Any) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(ShapeMonitor, "close", locked)  # the crawl is a forked child: inherited
    data_dir = tmp_path / "data"
    done = crawl(server, "--data-dir", str(data_dir))
    assert done.returncode == EXIT_WRITE_FAILED, done.stderr
    naming = [line for line in done.stderr.splitlines() if "database is locked" in line]
    assert len(naming) == 1, done.stderr
    assert str(data_dir / "state.sqlite3") in naming[0]
    no_traceback(done.stderr)
    assert "success" not in done.stderr
