"""Files of the dataset: JSON Lines written aside and renamed into place.

A reader never sees a half-written file: the new content is written to a temporary file in the
same directory, flushed to disk, then renamed over the old one (``os.replace`` is atomic on
POSIX and Windows). The file gets the mode the umask gives a new file (0644 under umask 022), as
any file the user creates; a failed write leaves the previous file as it was and raises the
:class:`OSError`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from newsroom_scraper.items import dumps_record_bytes

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator


def newest_first_key(record: dict[str, Any]) -> tuple[str, str]:
    """Sort key for "newest first": publication time descending, then id (stable order)."""
    return (record.get("published") or "", record.get("id") or "")


def fsync_directory(directory: Path) -> None:
    """Make a rename durable (no-op where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def create_aside(path: Path) -> tuple[int, str]:
    """A new, empty ``.<name>.<random>.tmp`` beside ``path``: its descriptor and name.

    Own code rather than :func:`tempfile.mkstemp`, which always creates mode 0600: a dataset
    shared by a scheduled job must be readable as the umask says. The kernel applies the umask
    (and any default ACL) to the 0666 asked for here; ``O_EXCL`` makes the name ours.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        name = str(path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(name, flags, 0o666), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")  # pragma: no cover


def atomic_write_lines(path: Path, lines: Iterable[bytes]) -> int:
    """Write ``lines`` (each ending in a newline) to ``path`` atomically; return their count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = create_aside(path)
    count = 0
    try:
        with os.fdopen(fd, "wb") as temp:
            for line in lines:
                temp.write(line)
                count += 1
            temp.flush()
            os.fsync(temp.fileno())
        Path(temp_name).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temp_name).unlink()
        raise
    fsync_directory(path.parent)
    return count


class SortedSpool:
    """Records spooled to disk as they come, written out newest first at the end.

    Only the sort key and the position of each line stay in memory, not the records.
    """

    def __init__(self, directory: Path, name: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._file: BinaryIO = tempfile.NamedTemporaryFile(  # type: ignore[assignment]  # noqa: SIM115 - closed in close()
            prefix=f".{name}.", suffix=".spool", dir=directory, delete=True
        )
        self._index: list[tuple[tuple[str, str], int, int]] = []

    def __len__(self) -> int:
        return len(self._index)

    def append(self, record: dict[str, Any]) -> None:
        line = dumps_record_bytes(record) + b"\n"  # the bytes dumps_record encodes to
        self._index.append((newest_first_key(record), self._file.tell(), len(line)))
        self._file.write(line)

    def sorted_lines(self) -> Iterator[bytes]:
        self._file.flush()
        for _, offset, length in sorted(self._index, key=lambda entry: entry[0], reverse=True):
            self._file.seek(offset)
            yield self._file.read(length)
        self._file.seek(0, os.SEEK_END)

    def write_to(self, path: Path) -> int:
        return atomic_write_lines(path, self.sorted_lines())

    def close(self) -> None:
        """Close and remove the spool; flushing what is left may fail (a full disk): the spool
        is thrown away all the same."""
        name = self._file.name
        try:
            self._file.close()
        except OSError:
            with contextlib.suppress(OSError):
                Path(name).unlink()
