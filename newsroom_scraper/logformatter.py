"""Scrapy's log messages, minus the per-page DEBUG records nobody will see."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.logformatter import LogFormatter, LogFormatterResult

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.http import Response
    from twisted.python.failure import Failure

#: The loggers Scrapy sends "Crawled (200) ..." and "Scraped from ..." through.
_CRAWLED_LOGGER = logging.getLogger("scrapy.core.engine")
_SCRAPED_LOGGER = logging.getLogger("scrapy.core.scraper")


def shown(logger: logging.Logger, level: int) -> bool:
    """Whether a record of ``level`` sent to ``logger`` would reach a handler that keeps it.

    ``Logger.isEnabledFor`` is not that question: Scrapy leaves the loggers' levels alone and
    filters at its root handler (``LOG_LEVEL``), so every logger is "enabled" for DEBUG."""
    if not logger.isEnabledFor(level):
        return False
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            return False
        current = current.parent
    return False


class NewsroomLogFormatter(LogFormatter):
    """Scrapy's formatter, except that the two DEBUG records of every page and every item are
    not built when no handler would show them.

    Scrapy builds "Crawled (200) <GET ...>" for each response and "Scraped from ..." (with the
    whole item) for each item at DEBUG; at this project's INFO or WARNING its handler then
    drops them. Building a record and passing it through the loggers and handlers costs about
    50 us, two a page: measurable on a fast mirror (BENCHMARKS.md, issue 12). Returning
    ``None`` is ``LogFormatter``'s documented way to omit a message; the check runs each time
    (a few microseconds), so a handler added later, such as ``--log-level DEBUG``'s or a
    test's, gets every message as before.
    """

    # Scrapy's stubs say the methods return a dict; its engine and its docs take None as "omit".
    def crawled(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider
    ) -> LogFormatterResult | None:
        if not shown(_CRAWLED_LOGGER, logging.DEBUG):
            return None
        return super().crawled(request, response, spider)

    def scraped(  # type: ignore[override]
        self, item: Any, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult | None:
        if not shown(_SCRAPED_LOGGER, logging.DEBUG):
            return None
        return super().scraped(item, response, spider)
