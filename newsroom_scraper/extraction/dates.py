"""Publication dates: from whatever a page gives to one UTC timestamp with its precision.

Cheap exact forms come first (UNIX seconds, ISO 8601, a few display formats); ``dateparser`` is
the last resort, imported lazily and with explicit languages, because it is slow to import and
to warm up and most pages never need it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

SECOND: Final = "second"
MINUTE: Final = "minute"
DAY: Final = "day"

#: Oldest and newest dates accepted: anything outside is a parsing accident, not a publication.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
LATEST_AHEAD = timedelta(days=366)


class DateError(ValueError):
    """A value that is not a usable publication date."""


@dataclass(frozen=True, slots=True)
class Moment:
    """A point in time and how precisely the source gave it."""

    utc: datetime
    precision: str

    def iso(self) -> str:
        """``YYYY-MM-DDTHH:MM:SSZ``."""
        return self.utc.strftime("%Y-%m-%dT%H:%M:%SZ")

    def local_date(self, tz: ZoneInfo) -> str:
        """The calendar date a reader of the site sees, in the site's own time zone."""
        return self.utc.astimezone(tz).date().isoformat()


_NUMERIC = re.compile(r"^\s*-?\d+(\.\d+)?\s*$")
_ISO = re.compile(
    r"^\s*(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?\s*$"
)
#: Display formats seen on newsrooms, tried with ``strptime`` before any heuristic parser.
_DISPLAY_FORMATS: tuple[tuple[str, str], ...] = (
    ("%d %b %Y", DAY),  # 27 Nov 2019
    ("%d %B %Y", DAY),  # 27 November 2019
    ("%d-%m-%Y - %H:%M", MINUTE),  # 18-07-2019 - 11:37 (European Parliament)
    ("%d-%m-%Y %H:%M", MINUTE),
    ("%d-%m-%Y", DAY),
    ("%d/%m/%Y", DAY),
    ("%d.%m.%Y", DAY),
    ("%B %d, %Y", DAY),  # November 27, 2019
    ("%b %d, %Y", DAY),
)


def checked(moment: Moment) -> Moment:
    """Refuse dates that cannot be publication dates of a newsroom."""
    now = datetime.now(UTC)
    if not EARLIEST <= moment.utc <= now + LATEST_AHEAD:
        raise DateError(f"date out of range: {moment.iso()}")
    return moment


def from_timestamp(seconds: float) -> Moment:
    """UNIX seconds (UTC); a real time of day, so precision ``second``."""
    try:
        utc = datetime.fromtimestamp(float(seconds), tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise DateError(f"not a usable UNIX timestamp: {seconds!r}") from exc
    return checked(Moment(utc, SECOND))


def local_midnight(day: date, tz: ZoneInfo) -> Moment:
    """A date-only source: local midnight of that day, in UTC, precision ``day``."""
    return checked(Moment(datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC), DAY))


def from_local(naive: datetime, tz: ZoneInfo, precision: str) -> Moment:
    """A wall-clock time of the site's time zone (no offset given) to UTC.

    ``zoneinfo`` applies the offset in force on that day, so summer and winter time both come
    out right; an ambiguous hour (the autumn change) takes the first occurrence (``fold=0``).
    """
    return checked(Moment(naive.replace(tzinfo=tz).astimezone(UTC), precision))


def from_iso(text: str, tz: ZoneInfo) -> Moment | None:
    """ISO 8601 date or date-time; without an offset it is the site's local time."""
    match = _ISO.match(text)
    if not match:
        return None
    try:
        day = date.fromisoformat(match["date"])
        if match["h"] is None:
            return local_midnight(day, tz)
        clock = time(int(match["h"]), int(match["m"]), int(match["s"] or 0))
    except ValueError as exc:
        raise DateError(f"invalid ISO date: {text!r}") from exc
    precision = SECOND if match["s"] is not None else MINUTE
    naive = datetime.combine(day, clock)
    offset = match["tz"]
    if offset is None:
        return from_local(naive, tz, precision)
    aware = datetime.fromisoformat(
        f"{naive.isoformat()}{'+00:00' if offset == 'Z' else _colon_offset(offset)}"
    )
    return checked(Moment(aware.astimezone(UTC), precision))


def _colon_offset(offset: str) -> str:
    return offset if ":" in offset else f"{offset[:3]}:{offset[3:]}"


def from_display(text: str, tz: ZoneInfo) -> Moment | None:
    """Known display formats, exactly; ``None`` when none fits."""
    cleaned = " ".join(text.split())
    for fmt, precision in _DISPLAY_FORMATS:
        try:
            parsed = datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
        if precision == DAY:
            return local_midnight(parsed.date(), tz)
        return from_local(parsed, tz, precision)
    return None


@cache
def _date_parser(timezone: str, languages: tuple[str, ...]) -> Any:
    """One parser per time zone and languages: building one loads its language data."""
    from dateparser.date import DateDataParser  # deferred: slow import, rarely needed

    return DateDataParser(
        languages=list(languages),
        settings={
            "TIMEZONE": timezone,
            "RETURN_AS_TIMEZONE_AWARE": True,
            "STRICT_PARSING": True,
            "PREFER_DATES_FROM": "past",
        },
    )


def from_dateparser(text: str, tz: ZoneInfo, languages: list[str]) -> Moment | None:
    """Last resort for free-form dates, strict and with the site's languages only."""
    data = _date_parser(str(tz), tuple(languages)).get_date_data(text)
    if data.date_obj is None:
        return None
    parsed: datetime = data.date_obj
    if data.period == "day" and parsed.time() == time(0, 0):
        return local_midnight(parsed.date(), tz)
    precision = SECOND if parsed.second else MINUTE
    return checked(Moment(parsed.astimezone(UTC), precision))


def parse_moment(value: object, tz: ZoneInfo, languages: list[str] | None = None) -> Moment:
    """Any publication date a newsroom gives, to a :class:`Moment`.

    Numbers and numeric strings are UNIX seconds; ISO strings are read exactly; display strings
    try the known formats before ``dateparser``. Raises :class:`DateError` on anything else.
    """
    if isinstance(value, Moment):
        return value
    if isinstance(value, bool):
        raise DateError(f"not a date: {value!r}")
    if isinstance(value, int | float):
        return from_timestamp(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=tz)
        return checked(Moment(aware.astimezone(UTC), SECOND))
    if not isinstance(value, str) or not value.strip():
        raise DateError(f"not a date: {value!r}")
    if _NUMERIC.match(value):
        return from_timestamp(float(value))
    moment = from_iso(value, tz) or from_display(value, tz)
    if moment is None and languages:
        moment = from_dateparser(value, tz, languages)
    if moment is None:
        raise DateError(f"unrecognised date: {value!r}")
    return moment


def utc_now_iso() -> str:
    """The current time as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
