"""Offline re-extraction of saved pages (``newsroom-scraper extract``).

One spider instance serves every file, so thousands of pages cost one start-up. A file that
cannot be extracted gives one line on stderr; the others are still printed.
"""

from __future__ import annotations

import gzip
import html
import re
from typing import TYPE_CHECKING, TextIO

from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse, TextResponse

from newsroom_scraper.errors import ExtractionError
from newsroom_scraper.items import dumps_record
from newsroom_scraper.pipelines import validation_errors
from newsroom_scraper.report import EXIT_ERRORS, EXIT_OK

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from newsroom_scraper.spiders.base import NewsroomSpider

#: (keyword, pattern): the keyword is looked for first (a plain byte search), and the pattern
#: is only run around it, not over a page whose embedded JSON can be 60 KB.
_QUOTE = "[\"']"
_OWN_URL_PATTERNS = tuple(
    (keyword, re.compile(pattern.replace("Q", _QUOTE).encode(), re.IGNORECASE))
    for keyword, pattern in (
        (b"canonical", r"<link\b[^>]*\brel=QcanonicalQ[^>]*\bhref=Q([^\"']+)"),
        (b"canonical", r"<link\b[^>]*\bhref=Q([^\"']+)Q[^>]*\brel=Qcanonical"),
        (b"og:url", r"<meta\b[^>]*\bproperty=Qog:urlQ[^>]*\bcontent=Q([^\"']+)"),
        (b"og:url", r"<meta\b[^>]*\bcontent=Q([^\"']+)Q[^>]*\bproperty=Qog:url"),
        (b'"@type"', r'"@type"\s*:\s*"(?:WebPage|NewsArticle)"\s*,\s*"url"\s*:\s*"([^"]+)'),
    )
)
_AROUND = 2_000
_EDGE = 16_384


def page_own_url(body: bytes) -> str | None:
    """Where a saved page names itself: canonical link, ``og:url`` or JSON-LD ``url``.

    The first and last 16 KB are searched first (the tags open ``<head>``; JSON-LD often closes
    it, after a large embedded JSON), the whole page only when they name nothing.
    """
    if len(body) > 4 * _EDGE:
        found = _own_url_in(body, 0, _EDGE) or _own_url_in(body, len(body) - _EDGE, len(body))
        if found:
            return found
    return _own_url_in(body, 0, len(body))


def _own_url_in(body: bytes, begin: int, end: int) -> str | None:
    for keyword, pattern in _OWN_URL_PATTERNS:
        start = body.find(keyword, begin, end)
        while start >= 0:
            match = pattern.search(body, max(0, start - _AROUND), start + _AROUND)
            if match:
                url = match.group(1).decode("utf-8", "replace")
                return html.unescape(url).replace("\\/", "/")
            start = body.find(keyword, start + len(keyword), end)
    return None


def response_for(body: bytes, url: str) -> TextResponse:
    if body.lstrip()[:1] in {b"{", b"["}:
        return TextResponse(url=url, body=body, encoding="utf-8")
    return HtmlResponse(url=url, body=body)


def extract_files(
    spidercls: type[NewsroomSpider],
    files: Iterable[Path],
    url: str | None,
    out: TextIO,
    err: TextIO,
) -> int:
    """Extract every file; exit code 1 when at least one could not be extracted."""
    spider = spidercls()
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
        page_url = spider.public_url(url or page_own_url(body) or "/")
        try:
            item = spider.extract(response_for(body, page_url))
        except ExtractionError as exc:
            err.write(f"{path}: {exc.kind}: {exc.reason}\n")
            failed += 1
            continue
        record = dict(ItemAdapter(item))
        problems = validation_errors(record)
        if problems:
            err.write(f"{path}: invalid_item: {'; '.join(problems[:5])}\n")
            failed += 1
            continue
        out.write(dumps_record(record) + "\n")
    out.flush()
    return EXIT_ERRORS if failed else EXIT_OK
