"""Retries that wait: exponential back-off, and ``Retry-After`` for 429 and 503.

Scrapy's :class:`~scrapy.downloadermiddlewares.retry.RetryMiddleware` retries at once and ignores
``Retry-After``; against a flaky or rate-limiting server that turns one failure into a burst.
This subclass keeps its decisions (``RETRY_TIMES``, ``RETRY_HTTP_CODES``, ``RETRY_EXCEPTIONS``,
``dont_retry``, stats under ``retry/``) and adds the wait:

- 429 and 503: the ``Retry-After`` the server asks for (seconds or an HTTP date), capped by
  ``NEWSROOM_RETRY_AFTER_MAX``; the download slot of that host is also slowed down to at least
  that delay, then relaxes again by ``NEWSROOM_SLOWDOWN_DECAY`` per successful response;
- other retryable failures: ``NEWSROOM_BACKOFF_BASE * 2**attempt`` seconds with jitter, capped
  by ``NEWSROOM_BACKOFF_MAX``.

While a retry waits, its request keeps its place among the downloader's active requests, so
the crawl as a whole slows down too.
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import error as twisted_errors
from twisted.internet.task import deferLater

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.core.downloader import Slot
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

RATE_LIMIT_STATUSES = frozenset({429, 503})
UNREACHABLE_ERRORS = (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    twisted_errors.DNSLookupError,
    twisted_errors.ConnectionRefusedError,
    twisted_errors.NoRouteError,
)


def parse_retry_after(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """See the module docstring."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("NEWSROOM_BACKOFF_BASE", 0.5)
        self.backoff_max = settings.getfloat("NEWSROOM_BACKOFF_MAX", 30.0)
        self.retry_after_max = settings.getfloat("NEWSROOM_RETRY_AFTER_MAX", 120.0)
        self.slowdown_decay = settings.getfloat("NEWSROOM_SLOWDOWN_DECAY", 0.8)
        self.base_delay = settings.getfloat("DOWNLOAD_DELAY", 0.0)

    def backoff(self, request: Request) -> float:
        attempt = int(request.meta.get("retry_times", 0))
        ceiling = min(self.backoff_max, self.backoff_base * 2.0**attempt)
        return float(ceiling / 2 + random.uniform(0, ceiling / 2))

    async def wait(self, seconds: float) -> None:
        if seconds > 0:
            self.crawler.stats.inc_value("retry/waited_ms", round(seconds * 1000))
            from twisted.internet import reactor  # the running one (never installed on import)

            await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if response.status not in self.retry_http_codes or request.meta.get("dont_retry"):
            if 200 <= response.status < 300:
                self.relax(request)
            return response
        retry = self.retry_request(request, response_status_message(response.status))
        if retry is None:
            return response
        delay = self.backoff(request)
        if response.status in RATE_LIMIT_STATUSES:
            asked = parse_retry_after(response.headers.get(b"Retry-After"))
            if asked is not None:
                delay = min(asked, self.retry_after_max)
                self.crawler.stats.inc_value("retry/retry_after_honoured")
            self.slow_down(request, delay)
        await self.wait(delay)
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry"):
            return None
        if isinstance(exception, UNREACHABLE_ERRORS) and not self.crawler.stats.get_value(
            "downloader/response_count"
        ):
            # Nothing has ever answered and the host is not there (no network, wrong name,
            # nothing listening): fail fast instead of backing off for every start request.
            self.crawler.stats.inc_value("retry/not_retried_unreachable")
            return None
        retry = self.retry_request(request, exception)
        if retry is not None:
            await self.wait(self.backoff(request))
        return retry

    def retry_request(self, request: Request, reason: str | Exception) -> Request | None:
        """The retry of ``request`` or None (given up), as Scrapy's middleware decides it, through
        its public ``get_retry_request`` (same meta keys, settings, stats and log)."""
        meta, spider = request.meta, self.crawler.spider
        assert spider is not None  # a download runs for an open spider
        return get_retry_request(
            request,
            spider=spider,
            reason=reason,
            max_retry_times=meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=meta.get("priority_adjust", self.priority_adjust),
            give_up_log_level=meta.get("give_up_log_level", self.give_up_log_level),
        )

    def _slot(self, request: Request) -> Slot | None:
        downloader = self.crawler.engine.downloader
        return downloader.slots.get(downloader.get_slot_key(request))

    def slow_down(self, request: Request, delay: float) -> None:
        """The server asked for time: the whole host waits at least ``delay`` between requests."""
        slot = self._slot(request)
        if slot is not None and delay > slot.delay:
            slot.delay = delay
            self.crawler.stats.inc_value("retry/slowdowns")
            logger.info("Slowing down to one request per %.1fs for %s", delay, request.url)

    def relax(self, request: Request) -> None:
        slot = self._slot(request)
        if slot is not None and slot.delay > self.base_delay:
            slot.delay = max(self.base_delay, slot.delay * self.slowdown_decay)
