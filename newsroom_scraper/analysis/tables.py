"""The dataset as tables: the Parquet (Arrow) schema, an article as an Arrow row and as a CSV row.

The Parquet schema is documented in ``newsroom_scraper/schema/news_item.parquet.md`` (a test
compares the two). Every JSON field keeps its name; the types are the ones an analyst wants
without casting: UTC timestamps, a date, integers, a boolean, lists of structs. ``taxonomy``, an
object whose keys differ from site to site, becomes a list of ``{vocabulary, label, url}`` structs
so that every site's file has the same type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pyarrow as pa

#: JSON timestamp fields (``YYYY-MM-DDTHH:MM:SSZ``), stored as ``timestamp[us, tz=UTC]``.
TIMESTAMP_FIELDS = ("published", "scraped_at", "first_seen", "last_changed", "removed_at")

#: What joins the values of a list in one CSV cell: none of them holds a line break (titles,
#: labels, URLs and key points are single-line plain text), so a cell splits back exactly.
CSV_LIST_SEPARATOR = "\n"


def arrow_schema() -> pa.Schema:
    """The Parquet file's schema (needs pyarrow: the ``analysis`` extra)."""
    import pyarrow as pa

    def struct(*fields: tuple[str, bool]) -> pa.DataType:
        return pa.struct([pa.field(name, pa.string(), nullable=null) for name, null in fields])

    def list_of(kind: pa.DataType) -> pa.DataType:
        # "element": the Parquet standard's name for a list's values (what pyarrow reads back)
        return pa.list_(pa.field("element", kind))

    timestamp = pa.timestamp("us", tz="UTC")
    return pa.schema(
        [
            pa.field("id", pa.string(), nullable=False),
            pa.field("site", pa.string(), nullable=False),
            pa.field("schema_version", pa.string(), nullable=False),
            pa.field("url", pa.string(), nullable=False),
            pa.field("title", pa.string(), nullable=False),
            pa.field("published", timestamp, nullable=False),
            pa.field("published_precision", pa.string(), nullable=False),
            pa.field("published_date", pa.date32(), nullable=False),
            pa.field("content_type", pa.string(), nullable=False),
            pa.field("lead", pa.string()),
            pa.field("key_points", list_of(pa.string()), nullable=False),
            pa.field("body", pa.string(), nullable=False),
            pa.field("body_html", pa.string(), nullable=False),
            pa.field("links", list_of(struct(("text", False), ("url", False))), nullable=False),
            pa.field(
                "attachments",
                list_of(struct(("kind", False), ("title", True), ("url", False))),
                nullable=False,
            ),
            pa.field(
                "taxonomy",
                list_of(struct(("vocabulary", False), ("label", False), ("url", True))),
                nullable=False,
            ),
            pa.field(
                "related",
                list_of(struct(("kind", False), ("id", False), ("url", True))),
                nullable=False,
            ),
            pa.field("language", pa.string(), nullable=False),
            pa.field("word_count", pa.int64(), nullable=False),
            pa.field("content_hash", pa.string(), nullable=False),
            pa.field("scraped_at", timestamp, nullable=False),
            # Bookkeeping of the incremental dataset (state/pipeline.py); null in a file
            # written by `crawl --out`, which has none.
            pa.field("version", pa.int64()),
            pa.field("first_seen", timestamp),
            pa.field("last_changed", timestamp),
            pa.field("removed", pa.bool_()),
            pa.field("removed_at", timestamp),
        ],
        metadata={"newsroom_scraper.schema": "news_item.parquet.md", "schema_version": "1.0"},
    )


def taxonomy_terms(taxonomy: dict[str, list[dict[str, Any]]] | None) -> list[dict[str, Any]]:
    """``{vocabulary: [{label, url}]}`` -> ``[{vocabulary, label, url}]``, in the item's order."""
    return [
        {"vocabulary": vocabulary, "label": term["label"], "url": term.get("url")}
        for vocabulary, terms in (taxonomy or {}).items()
        for term in terms
    ]


def arrow_batch(records: list[dict[str, Any]], schema: pa.Schema) -> pa.RecordBatch:
    """Dataset records as a record batch of ``schema`` (:func:`arrow_schema`).

    Built column by column: timestamps and dates go in as their JSON strings and are parsed by
    Arrow's cast (ISO 8601, ``Z`` = UTC), which measured 2.5 times faster than rows of
    Python datetimes given to ``RecordBatch.from_pylist``.
    """
    import pyarrow as pa

    arrays = []
    for field in schema:
        values: list[Any]
        if field.name == "taxonomy":
            values = [taxonomy_terms(record.get("taxonomy")) for record in records]
        else:
            values = [record.get(field.name) for record in records]
        if pa.types.is_timestamp(field.type) or pa.types.is_date(field.type):
            arrays.append(pa.array(values, pa.string()).cast(field.type))
        else:
            arrays.append(pa.array(values, field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def vocabularies_of(records: Iterable[dict[str, Any]]) -> list[str]:
    """Every taxonomy vocabulary of the records, in order of first appearance."""
    seen: dict[str, None] = {}
    for record in records:
        for vocabulary in record.get("taxonomy") or {}:
            seen.setdefault(vocabulary, None)
    return list(seen)


def csv_header(vocabularies: list[str]) -> list[str]:
    """The CSV columns: scalar fields as they are, lists as a count and a joined cell, one
    ``taxonomy_<vocabulary>`` column per vocabulary; ``body_html`` last."""
    return [
        "id", "site", "schema_version", "url", "title", "published", "published_precision",
        "published_date", "content_type", "lead", "key_points", "body",
        *(f"taxonomy_{vocabulary}" for vocabulary in vocabularies),
        "links_count", "links", "attachments_count", "attachments", "related_count", "related",
        "language", "word_count", "content_hash", "scraped_at",
        "version", "first_seen", "last_changed", "removed", "removed_at", "body_html",
    ]  # fmt: skip


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"  # what DuckDB and pandas read back as booleans
    return value


def csv_row(record: dict[str, Any], vocabularies: list[str]) -> list[Any]:
    """One article as a row of :func:`csv_header`'s columns."""
    join = CSV_LIST_SEPARATOR.join
    taxonomy = record.get("taxonomy") or {}
    links = record.get("links") or []
    attachments = record.get("attachments") or []
    related = record.get("related") or []
    cells = [
        *(record.get(name) for name in (
            "id", "site", "schema_version", "url", "title", "published", "published_precision",
            "published_date", "content_type", "lead",
        )),
        join(record.get("key_points") or []),
        record.get("body"),
        *(join(term["label"] for term in taxonomy.get(v) or []) for v in vocabularies),
        len(links), join(link["url"] for link in links),
        len(attachments), join(attachment["url"] for attachment in attachments),
        len(related), join(reference["id"] for reference in related),
        *(record.get(name) for name in (
            "language", "word_count", "content_hash", "scraped_at",
            "version", "first_seen", "last_changed", "removed", "removed_at", "body_html",
        )),
    ]  # fmt: skip
    return [_cell(value) for value in cells]
