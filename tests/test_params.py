"""Spider arguments are validated once, with errors a person can act on."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from scrapy.exceptions import UsageError

from newsroom_scraper.params import (
    DISCOVERY_MODES,
    CrawlParams,
    is_loopback_origin,
    parse_origin,
)

#: A site's own modes (the shared code knows none but ``auto``).
MODES = ("auto", "listing", "chain")


def test_arguments_are_parsed():
    params = CrawlParams.from_arguments(
        since="2024-01-01", until="2024-01-31", limit="5", base_url="http://127.0.0.1:8080/",
        discovery="CHAIN", discovery_modes=MODES,
    )  # fmt: skip
    assert params == CrawlParams(
        date(2024, 1, 1), date(2024, 1, 31), 5, "http://127.0.0.1:8080", "chain"
    )
    assert params.accepts(datetime(2024, 1, 31, 23, 59, tzinfo=UTC))
    assert not params.accepts(datetime(2024, 2, 1, 0, 0, tzinfo=UTC))
    assert params.before_since(datetime(2023, 12, 31, 23, 59, tzinfo=UTC))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"since": "01/02/2024"}, "since='01/02/2024': expected a date as YYYY-MM-DD"),
        ({"limit": "ten"}, "limit='ten': expected a whole number >= 1"),
        ({"limit": "0"}, "expected a whole number >= 1"),
        ({"base_url": "ftp://x"}, "expected an origin"),
        ({"base_url": "http://x/some/path"}, "give the origin only"),
        ({"base_url": "http://x:99999"}, "invalid port"),
        ({"discovery": "sitemap"}, "expected one of auto, listing, chain"),
        ({"since": "2024-02-01", "until": "2024-01-01"}, "is after"),
    ],
)
def test_bad_arguments_are_usage_errors(arguments, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        CrawlParams.from_arguments(**arguments, discovery_modes=MODES)


def test_shared_discovery_default_names_no_site_mode():
    assert DISCOVERY_MODES == ("auto",)
    assert CrawlParams.from_arguments().discovery == "auto"
    with pytest.raises(UsageError, match=r"expected one of auto$"):
        CrawlParams.from_arguments(discovery="listing")


def test_origins_and_loopback():
    assert parse_origin("HTTPS://Example.org") == "https://example.org"
    assert parse_origin("http://[::1]:8080") == "http://[::1]:8080"
    assert is_loopback_origin("http://127.0.0.5:1")
    assert is_loopback_origin("http://localhost")
    assert is_loopback_origin("http://[::1]:8080")
    assert not is_loopback_origin("https://www.europol.europa.eu")
    assert not is_loopback_origin(None)
