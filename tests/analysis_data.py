"""Hand-made datasets for the analysis tests (tests/test_export.py, tests/test_stats.py).

Records have the shape `crawl` leaves in a data directory (every item field, then the
bookkeeping fields) and pass the item JSON Schema (checked by :func:`write_dataset`), with the
awkward values analysts' tools trip on: bodies with line breaks, quotes and commas, non-ASCII
text, a null lead, a removed article, a vocabulary only some articles have.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from newsroom_scraper.items import dumps_record
from newsroom_scraper.pipelines import item_validator

if TYPE_CHECKING:
    from pathlib import Path

BASE = "https://www.europol.europa.eu/media-press/newsroom/news"


def record(number: int, published: str, **fields: Any) -> dict[str, Any]:
    """A valid dataset record; ``fields`` override any field."""
    body = fields.get("body", f"Paragraph one of {number}.\n\nParagraph two.")
    item: dict[str, Any] = {
        "id": f"europol:{number}",
        "site": "europol",
        "schema_version": "1.0",
        "url": f"{BASE}/article-{number}",
        "title": f"Article {number}",
        "published": published,
        "published_precision": "second",
        "published_date": published[:10],
        "content_type": "Press Release",
        "lead": f"Lead of {number}.",
        "key_points": [],
        "body": body,
        "body_html": "".join(f"<p>{p}</p>" for p in body.split("\n\n")),
        "links": [],
        "attachments": [],
        "taxonomy": {"crime_areas": [], "target_groups": []},
        "related": [],
        "language": "en",
        "word_count": len(body.split()),
        "content_hash": hashlib.sha256(f"{number}{body}".encode()).hexdigest(),
        "scraped_at": "2024-02-01T10:00:00Z",
        "version": 1,
        "first_seen": "2024-02-01T10:00:00Z",
        "last_changed": "2024-02-01T10:00:00Z",
        "removed": False,
        "removed_at": None,
    }
    item.update(fields)
    return item


def term(label: str, url: str | None = None) -> dict[str, Any]:
    return {"label": label, "url": url}


def awkward_records() -> list[dict[str, Any]]:
    """Five articles, newest first, over 2022-2024, with every awkward value once."""
    cyber = term("Cybercrime", "https://www.europol.europa.eu/crime-areas/cybercrime")
    drugs = term("Drug trafficking", "https://www.europol.europa.eu/crime-areas/drug-trafficking")
    police = term("Law enforcement")
    return [
        record(
            5,
            "2024-01-10T08:30:00Z",
            title='Quotes "inside", commas, and a line\u2028separator',
            body='First line, with a comma.\nSecond line "quoted".\r\nThird line.\n\nDone',
            key_points=["One, two", "Three"],
            links=[
                {"text": "a", "url": "https://example.org/a"},
                {"text": "b", "url": "https://example.org/b?x=1,2"},
            ],
            attachments=[{"kind": "document", "title": None, "url": "https://e.eu/f.pdf"}],
            taxonomy={"crime_areas": [cyber, drugs], "target_groups": [police]},
            version=3,
            last_changed="2024-02-03T11:00:00Z",
        ),
        record(
            4,
            "2023-12-31T23:00:00Z",
            published_date="2024-01-01",
            title="Europe’s €10 million case: Ünïcödé — 日本語",
            lead=None,
            content_type="News",
            taxonomy={
                "crime_areas": [cyber],
                "target_groups": [],
                "related_countries": [term("Spain"), term("Italy")],
            },
        ),
        record(
            3,
            "2023-06-30T22:10:00Z",
            content_type="News",
            taxonomy={"crime_areas": [drugs], "target_groups": [police]},
        ),
        record(
            2,
            "2022-05-01T12:00:00Z",
            removed=True,
            removed_at="2024-02-02T09:00:00Z",
            related=[{"kind": "document", "id": "A9-0001/2022", "url": None}],
        ),
        record(1, "2022-03-15T07:00:00Z", body="=1+1 looks like a formula", lead=""),
    ]


def write_dataset(
    folder: Path, records: list[dict[str, Any]], site: str = "europol", *, validate: bool = True
) -> Path:
    """``<folder>/<site>.jsonl`` as `crawl` writes it (checked against the item schema, unless
    ``validate`` is false: a hostile file that no crawl would write)."""
    validator = item_validator()
    for item in records if validate else []:
        errors = [error.message for error in validator.iter_errors(item)]
        assert not errors, (item["id"], errors)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{site}.jsonl"
    path.write_text("".join(dumps_record(item) + "\n" for item in records), encoding="utf-8")
    return path


def write_run_report(folder: Path, run_id: str, site: str = "europol", **items: int) -> Path:
    """A run report as `crawl` writes it (the fields the stats read)."""
    counts = {"new": 0, "updated": 0, "unchanged": 0, "removed": 0, "dropped": 0, **items}
    errors = counts.pop("errors", 0)
    document = {
        "site": site,
        "run_id": run_id,
        "exit_code": 1 if errors else 0,
        "exit_status": "errors above the threshold" if errors else "success",
        "duration_seconds": 12.5,
        "pages": 40,
        "items": counts,
        "errors": {"by_kind": {"http": errors} if errors else {}, "list": []},
    }
    path = folder / "runs" / site / f"{run_id}.report.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")
    return path
