"""Reading a dataset as `crawl` leaves it, and writing an output file aside then into place.

``<data dir>/<site>.jsonl`` is replaced atomically by every run, so an open file is a consistent
snapshot: reading it needs no lock. Run reports are ``<data dir>/runs/<site>/<run id>.report.json``
(see :func:`newsroom_scraper.cli.write_run_report`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


class DatasetError(Exception):
    """A dataset that cannot be read: the message names the file and the reason."""


def dataset_file(data_dir: Path, site: str) -> Path:
    return data_dir / f"{site}.jsonl"


def runs_folder(data_dir: Path, site: str) -> Path:
    return data_dir / "runs" / site


def open_dataset(path: Path) -> Any:
    """The dataset opened for reading, or :class:`DatasetError` saying why not."""
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise DatasetError(
            f"{path}: no such dataset (crawl the site first, or pass --data-dir)"
        ) from None
    except OSError as exc:
        raise DatasetError(f"{path}: {exc.strerror or exc}") from None


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """The dataset's records, one at a time (newest first, as written)."""
    with open_dataset(path) as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise DatasetError(f"{path}:{number}: not a JSON object ({exc})") from None
            if not isinstance(record, dict):
                raise DatasetError(f"{path}:{number}: not a JSON object")
            yield record


def run_reports(folder: Path) -> list[dict[str, Any]]:
    """The run reports of a site, oldest first (run ids are UTC start times); unreadable ones
    are skipped (a report is written atomically, so only a foreign file can be unreadable)."""
    reports = []
    for path in sorted(folder.glob("*.report.json")):
        try:
            report = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue
        if isinstance(report, dict):
            reports.append(report)
    return reports


@contextlib.contextmanager
def output_aside(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed to it when the block succeeds (a reader never
    sees a partial export; a failed one leaves nothing behind)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A fresh name the writer creates itself (mkstemp's file would be private, mode 0600, and an
    # export is made to be shared: it gets the usual permissions).
    temp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp"
    try:
        yield temp
        temp.replace(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
