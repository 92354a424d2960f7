"""Pipelines: validation drops with a reason, deduplication by id / URL / content, JSONL output."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newsroom_scraper.items import NOT_HASHED_FIELDS, NewsItem, compute_content_hash, item_record
from newsroom_scraper.pipelines import (
    DeduplicationPipeline,
    JsonLinesPipeline,
    ValidationPipeline,
    item_schema,
    validation_errors,
)
from newsroom_scraper.report import RunReport
from newsroom_scraper.spiders.europol import EuropolSpider


def record(number: int, **changes):
    base: dict[str, Any] = {
        "id": f"europol:{number}", "site": "europol", "schema_version": "1.0",
        "url": f"https://www.europol.europa.eu/media-press/newsroom/news/n-{number}",
        "title": f"Title {number}", "published": f"2024-01-{number:02d}T10:00:00Z",
        "published_precision": "second", "published_date": f"2024-01-{number:02d}",
        "content_type": "News", "lead": None, "key_points": [], "body": f"Body {number} €",
        "body_html": f"<p>Body {number} €</p>", "links": [], "attachments": [],
        "taxonomy": {"crime_areas": []}, "related": [], "language": "en", "word_count": 3,
        "content_hash": "", "scraped_at": "2024-02-01T00:00:00Z",
    }  # fmt: skip
    base.update(changes)
    base["content_hash"] = compute_content_hash(base)
    return base


def crawler_with(settings=None):
    crawler = get_crawler(
        EuropolSpider, {"EXTENSIONS": {"newsroom_scraper.report.RunReport": 0}, **(settings or {})}
    )
    crawler._apply_settings()
    return crawler


def test_schema_and_item_fields_agree():
    from newsroom_scraper.items import FIELD_ORDER

    assert tuple(item_schema()["properties"]) == FIELD_ORDER
    assert validation_errors(record(1)) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"published": "2024-01-01 10:00"}, "published"),
        ({"url": "/relative"}, "url"),
        ({"title": ""}, "title"),
        (
            {"attachments": [{"kind": "audio", "title": None, "url": "https://x.org/a"}]},
            "attachments/0/kind",
        ),
        ({"taxonomy": {"Crime Areas": []}}, "taxonomy"),
        ({"extra": 1}, "(item)"),
    ],
)
def test_invalid_items_are_dropped_with_url_and_reason(change, problem):
    crawler = crawler_with()
    pipeline = ValidationPipeline.from_crawler(crawler)
    bad = record(1, **change)
    with pytest.raises(DropItem, match=f"invalid item {bad['url']}"):
        pipeline.process_item(bad)
    assert crawler.stats.get_value("validation/dropped") == 1
    assert crawler.stats.get_value("errors/invalid_item") == 1
    report = RunReport.of(crawler)
    assert report is not None
    assert report.errors[0].reason.startswith(problem)


def test_duplicates_by_id_url_or_content_are_dropped():
    crawler = crawler_with()
    pipeline = DeduplicationPipeline.from_crawler(crawler)
    pipeline.process_item(record(1))
    for duplicate in (
        record(2, id="europol:1"),
        record(3, url=record(1)["url"]),
        {**record(4), "content_hash": record(1)["content_hash"]},
    ):
        with pytest.raises(DropItem, match="duplicate"):
            pipeline.process_item(duplicate)
    pipeline.process_item(record(5))
    assert (
        sum(v for k, v in crawler.stats.get_stats().items() if k.startswith("dedup/dropped/")) == 3
    )


def test_content_hash_ignores_bookkeeping_and_sees_any_content_change():
    first = record(1)
    assert (
        compute_content_hash({**first, "scraped_at": "2030-01-01T00:00:00Z", "version": 7})
        == first["content_hash"]
    )
    assert record(1, body="Body 1 changed")["content_hash"] != first["content_hash"]
    assert {"id", "url", "scraped_at", "version", "first_seen", "removed"} <= NOT_HASHED_FIELDS


def test_json_lines_output_is_newest_first_utf8_and_atomic(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("old content\n")
    crawler = crawler_with({"NEWSROOM_OUTPUT": str(out)})
    pipeline = JsonLinesPipeline.from_crawler(crawler)
    for number in (3, 9, 1):
        pipeline.process_item(record(number))
    assert out.read_text() == "old content\n", "nothing is written before the end"
    pipeline.spider_closed(None, "finished")
    lines = out.read_text("utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["europol:9", "europol:3", "europol:1"]
    assert "€" in lines[0]
    assert not list(tmp_path.glob(".*"))


@dataclasses.dataclass
class DataclassItem:
    id: str
    url: str
    taxonomy: dict[str, list[str]]


@pytest.mark.parametrize(
    "item",
    [
        NewsItem(**record(1)),
        record(2),
        DataclassItem("europol:3", "https://www.europol.europa.eu/x", {"topics": ["a"]}),
    ],
    ids=["scrapy-item", "dict", "dataclass"],
)
def test_item_record_is_what_itemadapter_gives_and_a_copy(item):
    expected = dict(ItemAdapter(item))
    copied = item_record(item)
    assert copied == expected
    assert type(copied) is dict
    copied["id"] = "changed"
    assert ItemAdapter(item)["id"] == expected["id"] != "changed"
