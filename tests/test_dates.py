"""Dates: exact forms first, site time zones, precision, ranges."""

from __future__ import annotations

import sys
from zoneinfo import ZoneInfo

import pytest

from newsroom_scraper.extraction.dates import DateError, parse_moment

AMS = ZoneInfo("Europe/Amsterdam")
BRU = ZoneInfo("Europe/Brussels")


@pytest.mark.parametrize(
    ("value", "tz", "iso", "precision", "local_date"),
    [
        (1574850600, AMS, "2019-11-27T10:30:00Z", "second", "2019-11-27"),
        ("1574850600", AMS, "2019-11-27T10:30:00Z", "second", "2019-11-27"),
        ("2019-11-26T23:00:00Z", AMS, "2019-11-26T23:00:00Z", "second", "2019-11-27"),
        ("2019-07-18T11:37", BRU, "2019-07-18T09:37:00Z", "minute", "2019-07-18"),  # summer, +2
        ("2019-12-18T11:37", BRU, "2019-12-18T10:37:00Z", "minute", "2019-12-18"),  # winter, +1
        ("2019-07-18T11:37:00+0200", BRU, "2019-07-18T09:37:00Z", "second", "2019-07-18"),
        ("27 Nov 2019", AMS, "2019-11-26T23:00:00Z", "day", "2019-11-27"),
        ("27 November 2019", AMS, "2019-11-26T23:00:00Z", "day", "2019-11-27"),
        ("18-07-2019 - 11:37", BRU, "2019-07-18T09:37:00Z", "minute", "2019-07-18"),
        ("2024-06-01", AMS, "2024-05-31T22:00:00Z", "day", "2024-06-01"),
    ],
)
def test_known_forms(value, tz, iso, precision, local_date):
    moment = parse_moment(value, tz)
    assert (moment.iso(), moment.precision, moment.local_date(tz)) == (iso, precision, local_date)


def test_exact_forms_never_import_dateparser():
    sys.modules.pop("dateparser.date", None)
    for value in (1574850600, "2019-07-18T11:37", "27 Nov 2019", "18-07-2019 - 11:37"):
        parse_moment(value, AMS, ["en"])
    assert "dateparser.date" not in sys.modules


def test_free_form_dates_use_dateparser_with_the_given_languages():
    assert parse_moment("27 novembre 2019", AMS, ["fr"]).iso() == "2019-11-26T23:00:00Z"
    with pytest.raises(DateError):
        parse_moment("27 novembre 2019", AMS, None)


@pytest.mark.parametrize(
    "value",
    [None, "", "soon", True, 10**20, -1, "1800-01-01", "2019-02-30", {"a": 1}, "9999-01-01"],
)
def test_unusable_values_raise_date_error(value):
    with pytest.raises(DateError):
        parse_moment(value, AMS, ["en"])
