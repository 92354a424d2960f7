"""Spider arguments shared by every newsroom, validated once with errors a person can act on."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from scrapy.exceptions import UsageError

#: What every newsroom accepts for ``discovery``; a spider declares its own ``discovery_modes``.
DISCOVERY_MODES: tuple[str, ...] = ("auto",)


@dataclass(frozen=True)
class CrawlParams:
    """What a crawl is asked to fetch. ``since`` and ``until`` are UTC dates, inclusive."""

    since: date | None = None
    until: date | None = None
    limit: int | None = None
    base_url: str | None = None
    discovery: str = "auto"

    @classmethod
    def from_arguments(
        cls,
        *,
        since: str | None = None,
        until: str | None = None,
        limit: str | int | None = None,
        base_url: str | None = None,
        discovery: str | None = None,
        discovery_modes: tuple[str, ...] = DISCOVERY_MODES,
    ) -> CrawlParams:
        """Parse spider arguments (strings from ``-a``); raise :class:`UsageError` on bad ones."""
        params = cls(
            since=parse_day("since", since),
            until=parse_day("until", until),
            limit=parse_limit(limit),
            base_url=parse_origin(base_url),
            discovery=(discovery or "auto").strip().lower(),
        )
        if params.discovery not in discovery_modes:
            raise UsageError(
                f"discovery={discovery!r}: expected one of {', '.join(discovery_modes)}"
            )
        if params.since and params.until and params.since > params.until:
            raise UsageError(f"since={params.since} is after until={params.until}")
        return params

    def after_until(self, published: datetime) -> bool:
        """Newer than the window: skip the item but keep walking towards older ones."""
        return self.until is not None and published >= _day_start(self.until + timedelta(days=1))

    def before_since(self, published: datetime) -> bool:
        """Older than the window: nothing older is wanted either."""
        return self.since is not None and published < _day_start(self.since)

    def accepts(self, published: datetime) -> bool:
        return not (self.after_until(published) or self.before_since(published))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def parse_day(name: str, value: str | None) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"{name}={value!r}: expected a date as YYYY-MM-DD (UTC)") from None


def parse_limit(value: str | int | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise UsageError(f"limit={value!r}: expected a whole number >= 1") from None
    if limit < 1:
        raise UsageError(f"limit={value!r}: expected a whole number >= 1")
    return limit


def parse_origin(value: str | None) -> str | None:
    """``scheme://host[:port]`` and nothing else: every site URL keeps its path and query."""
    if value is None or value == "":
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UsageError(f"base_url={value!r}: expected an origin such as http://127.0.0.1:8080")
    if parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username:
        raise UsageError(
            f"base_url={value!r}: give the origin only (scheme://host[:port]); "
            "paths are the site's own"
        )
    try:
        port = parts.port
    except ValueError:
        raise UsageError(f"base_url={value!r}: invalid port") from None
    host = parts.hostname
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{netloc}{f':{port}' if port else ''}"


def is_loopback_origin(origin: str | None) -> bool:
    """True for mirrors on this machine (127.0.0.0/8, ::1, localhost)."""
    if not origin:
        return False
    host = urlsplit(origin).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
