"""The one item every newsroom produces.

The shape is documented three times and kept in step by tests: here (field order and the rules
for the derived fields), in ``schema/news_item.schema.json`` (what analysts load) and in README.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson
import scrapy
from itemadapter import ItemAdapter

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


# orjson writes the same bytes as ``json.dumps(..., ensure_ascii=False)`` encoded in UTF-8 for
# str (every escape, U+2028/U+2029, DEL, non-BMP), int (to 64 bits), bool, None, list, tuple
# and dict with str keys (sorted by code point either way), and does it 3-5x faster on a 60 KB
# item. It differs on floats (``1e+16`` against ``1e16``, NaN as null) and serialises types
# json refuses (datetime, UUID, enum, dataclass), so a record takes orjson only when every value
# is of the types above; anything else, and anything orjson refuses (a lone surrogate, an int
# past 64 bits, nesting past its limit), takes the json path: the bytes, and the errors, are
# json's. ``content_hash`` of every stored dataset depends on this: tests/test_identity.py.
_PLAIN_SCALARS = frozenset({str, int, bool, type(None)})
_ORJSON_SORTED = orjson.OPT_SORT_KEYS
#: More values than any item holds (a 60 KB page: a few hundred): a structure that refers to
#: itself would keep the walk going for ever, json reports it as a circular reference.
_WALK_LIMIT = 100_000


def item_record(item: Any) -> dict[str, Any]:
    """The item's fields as a new plain dict: what ``dict(ItemAdapter(item))`` gives.

    A Scrapy ``Item`` or a dict is copied directly, 2.8 us against 9.6 us through itemadapter's
    mapping view (its adapter classes answer for every key); the crawl does it in two pipelines
    for every item. Other item types (dataclasses, attrs) go through ``ItemAdapter``.
    """
    if isinstance(item, dict | scrapy.Item):
        return dict(item)
    return dict(ItemAdapter(item))


def _orjson_safe(value: Any) -> bool:
    """True when every value inside ``value`` is one orjson writes exactly as json does."""
    scalars = _PLAIN_SCALARS
    stack = [value]
    pop, extend = stack.pop, stack.extend
    budget = _WALK_LIMIT
    while stack:
        budget -= 1
        if not budget:
            return False
        node = pop()
        kind = type(node)
        if kind in scalars:
            continue
        if kind is dict:
            extend(node.values())
        elif kind is list or kind is tuple:
            extend(node)
        else:
            return False
    return True


def _orjson_dumps(value: Any, option: int) -> bytes | None:
    """orjson's bytes for ``value`` when they are json's; None when json must decide."""
    if _orjson_safe(value):
        try:
            return orjson.dumps(value, option=option)
        except TypeError:  # orjson.JSONEncodeError: json decides (and raises its own error)
            pass
    return None


def _canonical_json_std(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no insignificant white space: equal content, equal text."""
    fast = _orjson_dumps(value, _ORJSON_SORTED)
    return fast.decode("utf-8") if fast is not None else _canonical_json_std(value)


def canonical_json_bytes(value: Any) -> bytes:
    """:func:`canonical_json` encoded in UTF-8 (raises as ``str.encode`` would)."""
    fast = _orjson_dumps(value, _ORJSON_SORTED)
    return fast if fast is not None else _canonical_json_std(value).encode("utf-8")


def compute_content_hash(record: dict[str, Any]) -> str:
    """sha256 over every content field, so that any edit of the article changes the hash."""
    content = {key: value for key, value in record.items() if key not in NOT_HASHED_FIELDS}
    return hashlib.sha256(canonical_json_bytes(content)).hexdigest()


def ordered_record(record: dict[str, Any]) -> dict[str, Any]:
    """The record with keys in :data:`FIELD_ORDER`; unknown keys (never expected) go last."""
    ordered = {key: record[key] for key in FIELD_ORDER if key in record}
    ordered.update((key, value) for key, value in record.items() if key not in ordered)
    return ordered


def _dumps_record_std(ordered: dict[str, Any]) -> str:
    return json.dumps(ordered, ensure_ascii=False, separators=(",", ":"))


def dumps_record_bytes(record: dict[str, Any]) -> bytes:
    """:func:`dumps_record` encoded in UTF-8 (raises as ``str.encode`` would)."""
    ordered = ordered_record(record)
    fast = _orjson_dumps(ordered, 0)
    return fast if fast is not None else _dumps_record_std(ordered).encode("utf-8")


def dumps_record(record: dict[str, Any]) -> str:
    """One JSON Lines line (without the newline): UTF-8 text, stable key order."""
    ordered = ordered_record(record)
    fast = _orjson_dumps(ordered, 0)
    return fast.decode("utf-8") if fast is not None else _dumps_record_std(ordered)
