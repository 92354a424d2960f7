"""Offline re-extraction of saved pages (``newsroom-scraper extract``).

The site's page object reads every file, as in a crawl, with one offline context (no spider, no
crawler): thousands of pages cost one start-up, and values that are the same on every page of a
site (a menu index) are computed once. A file that cannot be extracted gives one line on stderr;
the others are still printed.

A file kept by ``crawl --keep-pages`` is read as the crawl read it: the folder's ``index.jsonl``
(see :class:`~newsroom_scraper.middlewares.PageArchiveMiddleware`) gives its page's URL and the
page hints its item was built with, so that each kept file, alone or among others in any order,
gives the crawl's item again. A file without an index beside it is read from its bytes alone.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

from scrapy.http import HtmlResponse, TextResponse

from newsroom_scraper.errors import ExtractionError
from newsroom_scraper.extraction.metadata import page_own_url
from newsroom_scraper.items import dumps_record, item_record
from newsroom_scraper.pipelines import validation_errors
from newsroom_scraper.report import EXIT_ERRORS, EXIT_OK

__all__ = ["check_page_url", "extract_files", "not_a_page", "page_own_url", "response_for"]

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from newsroom_scraper.spiders.base import NewsroomSpider


def response_for(body: bytes, url: str) -> TextResponse:
    if body.lstrip()[:1] in {b"{", b"["}:
        return TextResponse(url=url, body=body, encoding="utf-8")
    return HtmlResponse(url=url, body=body)


def check_page_url(url: str) -> str:
    """``--url``: a page's public ``http(s)://host/...`` URL; :class:`ValueError` otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"--url {url!r}: expected the page's public http(s) URL")
    return url.strip()


#: Bytes a text page (HTML, XML, JSON) never holds; a few in its first KB mean a binary file.
_BINARY_BYTES = bytes(range(9)) + bytes(range(14, 32))


def not_a_page(
    body: bytes, spidercls: type[NewsroomSpider]
) -> tuple[tuple[str, str] | None, str | None]:
    """Why a file is not a page of ``spidercls``'s site at all, as ``(kind, reason)``: an empty
    file, a binary file, another newsroom's page; ``None``: a text page, maybe this site's. And
    the page's own URL (:func:`page_own_url`), which the check needs and the page's URL is read
    from: found once, since it is a search of the whole page (a fifth of a generated Europol
    page's time)."""
    refused = _not_text(body)
    if refused:
        return refused, None
    own = page_own_url(body)
    return _other_site(own, spidercls), own


def _not_text(body: bytes) -> tuple[str, str] | None:
    """:func:`not_a_page`'s empty and binary files."""
    if not body.strip():
        return "empty_file", "the file is empty" if not body else "the file holds only white space"
    head = body[:1024]
    # how many of the head's bytes are binary: what one delete pass removes (27 counts: 10 us)
    binary = len(head) - len(head.translate(None, _BINARY_BYTES))
    if head.count(b"\0") or binary > len(head) // 100 + 1:
        return "binary_file", "a binary file, not an HTML or JSON page"
    return None


def _other_site(own: str | None, spidercls: type[NewsroomSpider]) -> tuple[str, str] | None:
    """:func:`not_a_page`'s page of another newsroom, by the page's own URL ``own``."""
    host = urlsplit(own).hostname if own else None
    if host and host not in spidercls.public_hosts:
        from newsroom_scraper.spiders import registered_sites

        for name, other in registered_sites().items():
            if name != spidercls.name and host in other.public_hosts:
                return (
                    "other_site",
                    f"a page of {name} ({own}), not {spidercls.name} (use --site {name})",
                )
    return None


#: The index a kept folder holds beside its pages (``crawl --keep-pages``).
KEPT_INDEX = "index.jsonl"


@dataclass(frozen=True)
class KeptPage:
    """What ``index.jsonl`` says of a kept file: its page's public URL and the page's hints."""

    url: str
    hints: dict[str, Any]


class KeptIndexes:
    """The ``index.jsonl`` of each folder files come from, read once per folder (the last line
    for a file wins, as the archive appends); a broken line is one line on ``err``."""

    def __init__(self, err: TextIO) -> None:
        self.err = err
        self.folders: dict[Path, dict[str, KeptPage]] = {}
        self.problems = 0

    def page(self, path: Path) -> KeptPage | None:
        folder = path.parent
        if folder not in self.folders:
            self.folders[folder] = self.read(folder / KEPT_INDEX)
        return self.folders[folder].get(path.name)

    def read(self, index: Path) -> dict[str, KeptPage]:
        pages: dict[str, KeptPage] = {}
        try:
            lines = index.read_text("utf-8").splitlines()
        except FileNotFoundError:
            return pages
        except (OSError, UnicodeDecodeError) as exc:
            self.complain(f"{index}: cannot read: {getattr(exc, 'strerror', None) or exc}")
            return pages
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                self.complain(f"{index}: line {number}: not a kept-page record (not JSON)")
                continue
            url = record.get("url") if isinstance(record, dict) else None
            name = record.get("file") if isinstance(record, dict) else None
            hints = record.get("hints", {}) if isinstance(record, dict) else None
            if not (isinstance(url, str) and isinstance(name, str) and isinstance(hints, dict)):
                self.complain(f"{index}: line {number}: not a kept-page record (url, file, hints)")
                continue
            pages[name] = KeptPage(url, hints)
        return pages

    def complain(self, line: str) -> None:
        self.err.write(line + "\n")
        self.problems += 1


def extract_files(
    spidercls: type[NewsroomSpider],
    files: Iterable[Path],
    url: str | None,
    out: TextIO,
    err: TextIO,
) -> int:
    """Extract every file; exit code 1 when at least one could not be extracted."""
    context = spidercls.offline_context()
    kept = KeptIndexes(err)
    failed = 0
    for path in files:
        try:
            body = path.read_bytes()
            if path.suffix == ".gz":  # pages kept by ``crawl --keep-pages``
                body = gzip.decompress(body)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            err.write(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}\n")
            failed += 1
            continue
        refused, own = not_a_page(body, spidercls)
        if refused:
            err.write(f"{path}: {refused[0]}: {refused[1]}\n")
            failed += 1
            continue
        page_context, kept_url = context, None
        kept_page = kept.page(path)
        if kept_page is not None:
            page_context, kept_url = context.with_hints(**kept_page.hints), kept_page.url
        page_url = context.public_url(url or kept_url or own or "/")
        try:
            item = spidercls.page_class(response_for(body, page_url), page_context).to_item()
        except ExtractionError as exc:
            err.write(f"{path}: {exc.kind}: {exc.reason}\n")
            failed += 1
            continue
        record = item_record(item)
        problems = validation_errors(record)
        if problems:
            err.write(f"{path}: invalid_item: {'; '.join(problems[:5])}\n")
            failed += 1
            continue
        out.write(dumps_record(record))
        out.write("\n")  # not ``line + "\n"``: a copy of the whole line (60 KB for a real page)
    out.flush()
    return EXIT_ERRORS if failed or kept.problems else EXIT_OK
