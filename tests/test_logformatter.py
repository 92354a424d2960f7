"""The log formatter leaves out the per-page DEBUG records only when nothing would show them."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from scrapy import Request, Spider
from scrapy.http import HtmlResponse

from newsroom_scraper.logformatter import NewsroomLogFormatter, shown
from tests.helpers import run_crawl

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    import pytest

    from newsroom_scraper.mirror import MirrorServer


@contextmanager
def root_handlers(*levels: int) -> Iterator[None]:
    """The root logger as Scrapy leaves it (no level of its own) with only handlers of these
    levels: Scrapy's at LOG_LEVEL is one. (Inside the test: pytest adds its own handlers to the
    root for each phase.)"""
    root = logging.getLogger()
    saved, saved_level = root.handlers[:], root.level
    root.handlers = [logging.NullHandler(level) for level in levels]
    root.setLevel(logging.NOTSET)
    try:
        yield
    finally:
        root.handlers = saved
        root.setLevel(saved_level)


def response() -> HtmlResponse:
    url = "https://example.org/a"
    return HtmlResponse(url, body=b"<p>x</p>", request=Request(url))


def request_of(page: HtmlResponse) -> Request:
    assert page.request is not None
    return page.request


def test_no_debug_record_is_built_when_every_handler_is_above_debug():
    formatter = NewsroomLogFormatter()
    page, spider = response(), Spider("s")
    with root_handlers(logging.INFO, logging.WARNING):
        assert formatter.crawled(request_of(page), page, spider) is None
        assert formatter.scraped({"title": "t"}, page, spider) is None
        assert not shown(logging.getLogger("scrapy.core.engine"), logging.DEBUG)
        assert shown(logging.getLogger("scrapy.core.engine"), logging.INFO)


def test_a_debug_handler_gets_scrapys_messages_unchanged():
    formatter = NewsroomLogFormatter()
    page, spider = response(), Spider("s")
    with root_handlers(logging.INFO, logging.DEBUG):
        crawled = formatter.crawled(request_of(page), page, spider)
        scraped = formatter.scraped({"title": "t"}, page, spider)
    assert crawled is not None
    assert crawled["level"] == logging.DEBUG
    assert crawled["args"]["status"] == 200  # type: ignore[call-overload]
    assert scraped is not None
    assert scraped["args"]["item"] == {"title": "t"}  # type: ignore[call-overload]


def test_a_handler_on_a_logger_that_does_not_propagate_is_the_last_asked():
    scrapy_logger = logging.getLogger("scrapy.core")
    scrapy_logger.propagate = False
    try:
        with root_handlers(logging.DEBUG):
            assert not shown(logging.getLogger("scrapy.core.engine"), logging.DEBUG)
            scrapy_logger.propagate = True
            assert shown(logging.getLogger("scrapy.core.engine"), logging.DEBUG)
    finally:
        scrapy_logger.propagate = True


def test_debug_crawls_still_log_every_page_and_item(
    tmp_path: Path, default_server: Callable[[str], MirrorServer]
):
    server = default_server("europol")
    done = run_crawl("europol", server.origin, tmp_path, "--log-level", "DEBUG")
    log = (tmp_path / "crawl.log").read_text("utf-8")
    assert done.exit_code == 0, done.stderr
    assert log.count("Crawled (200)") >= len(done.items)
    assert log.count("Scraped from <200") == len(done.items)


def test_info_crawls_do_not_even_build_them(
    tmp_path: Path, default_server: Callable[[str], MirrorServer], monkeypatch: pytest.MonkeyPatch
):
    """At INFO Scrapy's handler would drop them anyway: what the formatter saves is building
    them. Every record the crawl builds is noted (the crawl is a child forked from this process:
    it inherits the record factory) and none is Scrapy's per-page or per-item message; the
    DEBUG crawl above shows they are built and logged when something shows them."""
    built = tmp_path / "built.txt"
    factory = logging.getLogRecordFactory()

    def noting(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        with built.open("a", encoding="utf-8") as notes:
            notes.write(f"{str(record.msg)[:12]!r}\n")
        return record

    monkeypatch.setattr(logging, "_logRecordFactory", noting)
    # pytest's own capture handlers (level 0) would be inherited too and ask for everything:
    # the child starts with the root logger of a plain process.
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    server = default_server("europol")
    done = run_crawl("europol", server.origin, tmp_path, "--log-level", "INFO")
    assert done.exit_code == 0, done.stderr
    assert done.items
    notes = built.read_text("utf-8")
    assert "'Spider opene'" in notes  # records are noted; INFO ones are built as before
    assert "'Crawled (%(" not in notes
    assert "'Scraped from'" not in notes
    assert "Spider opened" in (tmp_path / "crawl.log").read_text("utf-8")
