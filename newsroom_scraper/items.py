"""The one item every newsroom produces.

The shape is documented three times and kept in step by tests: here (field order and the rules
for the derived fields), in ``schema/news_item.schema.json`` (what analysts load) and in README.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import scrapy

#: Bumped when a field is added, removed or changes meaning.
SCHEMA_VERSION = "1.0"

#: Output key order of a JSON Lines record: stable, so that files diff cleanly.
FIELD_ORDER: tuple[str, ...] = (
    "id",
    "site",
    "schema_version",
    "url",
    "title",
    "published",
    "published_precision",
    "published_date",
    "content_type",
    "lead",
    "key_points",
    "body",
    "body_html",
    "links",
    "attachments",
    "taxonomy",
    "related",
    "language",
    "word_count",
    "content_hash",
    "scraped_at",
    # Bookkeeping of the incremental dataset (absent from one-shot exports).
    "version",
    "first_seen",
    "last_changed",
    "removed",
    "removed_at",
)

#: Fields that describe the crawl, not the article: they never enter ``content_hash``.
BOOKKEEPING_FIELDS = frozenset({"version", "first_seen", "last_changed", "removed", "removed_at"})
NOT_HASHED_FIELDS = frozenset({"id", "url", "scraped_at", "content_hash"}) | BOOKKEEPING_FIELDS

ATTACHMENT_KINDS = ("document", "video", "image")
PUBLISHED_PRECISIONS = ("second", "minute", "day")


class NewsItem(scrapy.Item):
    """A news item of any newsroom; see README "The item" for each field."""

    id = scrapy.Field()
    site = scrapy.Field()
    schema_version = scrapy.Field()
    url = scrapy.Field()
    title = scrapy.Field()
    published = scrapy.Field()
    published_precision = scrapy.Field()
    published_date = scrapy.Field()
    content_type = scrapy.Field()
    lead = scrapy.Field()
    key_points = scrapy.Field()
    body = scrapy.Field()
    body_html = scrapy.Field()
    links = scrapy.Field()
    attachments = scrapy.Field()
    taxonomy = scrapy.Field()
    related = scrapy.Field()
    language = scrapy.Field()
    word_count = scrapy.Field()
    content_hash = scrapy.Field()
    scraped_at = scrapy.Field()
    version = scrapy.Field()
    first_seen = scrapy.Field()
    last_changed = scrapy.Field()
    removed = scrapy.Field()
    removed_at = scrapy.Field()


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no insignificant white space: equal content, equal text."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def compute_content_hash(record: dict[str, Any]) -> str:
    """sha256 over every content field, so that any edit of the article changes the hash."""
    content = {key: value for key, value in record.items() if key not in NOT_HASHED_FIELDS}
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def ordered_record(record: dict[str, Any]) -> dict[str, Any]:
    """The record with keys in :data:`FIELD_ORDER`; unknown keys (never expected) go last."""
    ordered = {key: record[key] for key in FIELD_ORDER if key in record}
    ordered.update((key, value) for key, value in record.items() if key not in ordered)
    return ordered


def dumps_record(record: dict[str, Any]) -> str:
    """One JSON Lines line (without the newline): UTF-8 text, stable key order."""
    return json.dumps(ordered_record(record), ensure_ascii=False, separators=(",", ":"))
