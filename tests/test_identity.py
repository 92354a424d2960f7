"""Byte identity of the JSON the items are written and hashed with (issue 12).

``items.py`` writes records and computes ``content_hash`` with orjson where orjson gives the
same bytes as ``json.dumps(..., ensure_ascii=False)``, and with json elsewhere. A single changed
byte in the hashed text would make every stored article look "updated" on the next run, so the
results are compared here with the json reference on every item of every registered site's
mirrors, on the real pages in ../shared and on generated records with odd values.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itemadapter import ItemAdapter

from newsroom_scraper.errors import ExtractionError
from newsroom_scraper.extract import page_own_url, response_for
from newsroom_scraper.extraction import htmltext
from newsroom_scraper.items import (
    _orjson_safe,
    canonical_json,
    canonical_json_bytes,
    compute_content_hash,
    dumps_record,
    dumps_record_bytes,
)
from newsroom_scraper.spiders import registered_sites
from tests.conftest import shared_folder
from tests.helpers import (
    reference_canonical,
    reference_hash,
    reference_layout_marked,
    reference_line,
)
from tests.mirrors import mirror_module

if TYPE_CHECKING:
    from pathlib import Path

    from newsroom_scraper.spiders.base import NewsroomSpider

SITES = sorted(registered_sites())


def outcome(function: Any, value: Any) -> tuple[str, Any]:
    """``("ok", result)`` or ``("error", exception type)``: errors must match too."""
    try:
        return "ok", function(value)
    except Exception as exc:  # noqa: BLE001 - the type is what is compared
        return "error", type(exc)


def assert_identical(record: dict[str, Any]) -> None:
    assert dumps_record(record) == reference_line(record)
    assert dumps_record_bytes(record) == reference_line(record).encode("utf-8")
    assert canonical_json(record) == reference_canonical(record)
    assert canonical_json_bytes(record) == reference_canonical(record).encode("utf-8")
    assert compute_content_hash(record) == reference_hash(record)


# -- real items ----------------------------------------------------------------------------------


def items_of_pages(spidercls: type[NewsroomSpider], pages: list[tuple[str, bytes]]) -> list[Any]:
    """The items the site's page class gives for the pages that are articles."""
    context = spidercls.offline_context()
    items = []
    for path, body in pages:
        url = context.public_url(page_own_url(body) or path)
        try:
            items.append(spidercls.page_class(response_for(body, url), context).to_item())
        except ExtractionError:
            continue  # a listing, a feed, an error page: not an article
    return items


def check_items(items: list[Any]) -> None:
    for item in items:
        record = dict(ItemAdapter(item))
        # The items' own hash, computed by the loader, is the reference's.
        assert record["content_hash"] == reference_hash(record), record["url"]
        assert _orjson_safe(record), record["url"]  # the fast path is the one tested
        # counted while the body was laid out (htmltext), as the split of the body would
        assert record["word_count"] == len(record["body"].split()), record["url"]
        assert_identical(record)


@pytest.mark.parametrize("site", SITES)
def test_every_mirror_item_is_written_and_hashed_as_with_json(site: str) -> None:
    spidercls = registered_sites()[site]
    module = mirror_module(site)
    try:
        spidercls.offline_context()
    except Exception:  # noqa: BLE001 - a site that needs an origin (generic): its mirror's own
        pytest.skip(f"{site} has no offline context")
    total = 0
    for articles in (module.default_articles(), module.generate_articles(150)):
        mirror = module.build_site(articles)
        pages = [(key, page.body) for key, page in mirror.pages.items() if page.status == 200]
        items = items_of_pages(spidercls, pages)
        check_items(items)
        total += len(items)
    assert total >= len(module.default_articles())


@pytest.mark.parametrize(
    ("site", "folder"),
    [
        ("europol", ("sites", "europol-real")),
        ("europol", ("sites", "europol-samples")),
        ("europarl", ("sites", "europarl-pages")),
        ("govuk", ("sites", "govuk-examples")),
    ],
)
def test_real_pages_are_written_and_hashed_as_with_json(site: str, folder: tuple[str, str]) -> None:
    files: list[Path] = sorted(path for path in shared_folder(*folder).iterdir() if path.is_file())
    pages = [(path.name, path.read_bytes()) for path in files]
    items = items_of_pages(registered_sites()[site], pages)
    assert items, f"no article among {folder}"
    check_items(items)


# -- generated records -----------------------------------------------------------------------------

ODD_CHARACTERS = "\x00\x01\x08\t\n\x0b\x0c\r\x1f\x7f\x80\x85\xa0\u2028\u2029\ufeff\ufffe\uffff"
text = st.text(
    alphabet=st.one_of(
        st.characters(codec=None, exclude_categories=()),  # every code point, surrogates too
        st.sampled_from(ODD_CHARACTERS + '"\\/<>&\U0001f600\U0010ffff'),
    ),
    max_size=20,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e16, 1e-7, 0.1, -0.0, 1e22, 5e-324, 2**63, -(2**63), 2**64 - 1, 2**64]),
    text,
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(text, inner, max_size=4),
    ),
    max_leaves=20,
)
records = st.dictionaries(
    st.one_of(st.sampled_from(["title", "body", "links", "id", "url", "word_count"]), text),
    values,
    max_size=8,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records)
def test_generated_records_match_json_byte_for_byte(record: dict[str, Any]) -> None:
    for function, reference in (
        (dumps_record, reference_line),
        (canonical_json, reference_canonical),
        (compute_content_hash, reference_hash),
        (dumps_record_bytes, lambda r: reference_line(r).encode("utf-8")),
        (canonical_json_bytes, lambda r: reference_canonical(r).encode("utf-8")),
    ):
        assert outcome(function, record) == outcome(reference, record)


@pytest.mark.parametrize(
    "value",
    [
        {"a": "\ud800"},  # lone surrogate: orjson refuses, json writes it (encoding fails)
        {"a": 1e16, "b": float("nan"), "c": -math.inf},  # floats: orjson writes them differently
        {"a": 2**70},  # past orjson's 64 bits
        {1: "int key", "b": None},  # json turns the key into "1", orjson refuses it
        {"U+2028": "a\u2028b\u2029c", "ctl": "\x00\x1f\x7f", "astral": "\U0001f600"},
    ],
)
def test_odd_values_match_json(value: dict[Any, Any]) -> None:
    for function, reference in (
        (dumps_record, reference_line),
        (canonical_json, reference_canonical),
        (compute_content_hash, reference_hash),
    ):
        assert outcome(function, value) == outcome(reference, value)


def test_deep_nesting_and_cycles_take_the_json_path() -> None:
    deep: list[Any] = []
    node = deep
    for _ in range(300):  # past orjson's nesting limit (254), within json's recursion limit
        node.append([])
        node = node[0]
    assert outcome(dumps_record, {"deep": deep}) == outcome(reference_line, {"deep": deep})
    cycle: list[Any] = []
    cycle.append(cycle)
    assert not _orjson_safe(cycle)
    assert outcome(canonical_json, {"c": cycle}) == outcome(reference_canonical, {"c": cycle})


# -- the word count taken while the body is laid out -------------------------------------------

marked_streams = st.text(
    alphabet=st.sampled_from(
        [
            *["a", "b", " ", "\t", "\n", "\xa0", "\u200b", "\u2028", "\u3000", "\x1c", "\x85", "é"],
            htmltext._PARAGRAPH_MARK,
            htmltext._LINE_MARK,
        ]
    ),
    max_size=60,
)


@settings(max_examples=1000, deadline=None)
@given(marked_streams)
def test_the_layout_and_its_word_count_are_the_line_by_line_ones(marked: str) -> None:
    text, count = htmltext._layout_marked_counted(marked)
    assert text == reference_layout_marked(marked) == htmltext._layout_marked(marked)
    assert count == len(text.split())


def test_the_loader_uses_the_layout_count_for_a_real_body() -> None:
    path = shared_folder("sites", "europol-real") / "europol_769_server_data_20260913.html"
    spidercls = registered_sites()["europol"]
    url = "https://www.europol.europa.eu/media-press/newsroom/news/x"
    context = spidercls.offline_context()
    counted: list[tuple[str, int]] = []
    real = htmltext.HtmlFragment.text_and_word_count

    def spy(fragment: htmltext.HtmlFragment) -> tuple[str, int]:
        counted.append(real(fragment))
        return counted[-1]

    with mock.patch.object(htmltext.HtmlFragment, "text_and_word_count", spy):
        item = spidercls.page_class(response_for(path.read_bytes(), url), context).to_item()
    assert counted
    assert counted[-1][0] is item["body"]  # the very text: its count is taken
    assert item["word_count"] == counted[-1][1] == len(item["body"].split()) > 1000
