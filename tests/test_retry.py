"""Retries wait: Retry-After for 429/503, back-off for the rest; nothing is given up silently."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from newsroom_scraper.mirror import MirrorServer, Page
from newsroom_scraper.retry import parse_retry_after
from tests.helpers import run_crawl
from tests.mirrors import europol as mirror


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (b"2", 2.0),
        ("  7 ", 7.0),
        ("Wed, 21 Oct 2026 07:28:05 GMT", 5.0),
        ("Wed, 21 Oct 2026 07:27:00 GMT", 0.0),
        (b"soon", None),
        (None, None),
    ],
)
def test_retry_after_header_forms(header, seconds):
    now = datetime(2026, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert parse_retry_after(header, now) == seconds


class FailFirst:
    """Answers the first request of chosen paths with a given failure, then the real page."""

    def __init__(self, failures: dict[str, Page]) -> None:
        self.failures = failures
        self.seen: Counter[str] = Counter()

    def __call__(self, path, server):
        self.seen[path] += 1
        if path in self.failures and self.seen[path] == 1:
            return self.failures[path]
        return None


def test_rate_limited_and_failing_pages_are_retried_and_recovered(tmp_path):
    articles = mirror.default_articles()
    limited, failing = articles[2].alias, articles[4].alias
    injector = FailFirst({
        limited: Page(status=429, body=b"slow down", headers={"Retry-After": "1"}),
        failing: Page(status=500, body=b"oops"),
    })  # fmt: skip
    server = MirrorServer(mirror.build_site(articles), interceptor=injector).start()
    try:
        result = run_crawl("europol", server.origin, tmp_path)
    finally:
        server.stop()
    assert result.exit_code == 0, result.stderr
    assert {i["id"] for i in result.items} == {mirror.expected_id(a) for a in articles}
    assert (injector.seen[limited], injector.seen[failing]) == (2, 2)
    assert result.stats["retry/retry_after_honoured"] == 1
    assert result.stats["retry/slowdowns"] == 1
    assert result.stats["retry/count"] == 2


def test_permanent_failure_after_retries_is_reported_with_its_url(tmp_path):
    articles = mirror.default_articles()
    broken = articles[1].alias
    site = mirror.build_site(articles)
    site.add(broken, Page(status=503, body=b"down", headers={"Retry-After": "0"}))
    server = MirrorServer(site).start()
    try:
        result = run_crawl("europol", server.origin, tmp_path, settings={"RETRY_TIMES": 2})
    finally:
        server.stop()
    assert result.exit_code == 1
    assert server.requests[broken] == 3
    assert f"http_error: https://www.europol.europa.eu{broken} (HTTP 503)" in result.stderr
    assert len(result.items) == len(articles) - 1
