"""``newsroom-scraper export --site SITE --format parquet|csv|jsonl --out FILE``.

The dataset as it stands (``<data dir>/<site>.jsonl``), one row per article, newest first, in
the format asked for. Every output is written aside and renamed into place.

- Parquet: typed (:func:`newsroom_scraper.analysis.tables.arrow_schema`), zstd-compressed,
  written by pyarrow in row groups of :data:`BATCH` articles, so that memory stays flat however
  big the dataset (pyarrow was chosen over DuckDB's writer by measurement: BENCHMARKS.md,
  "Export").
- CSV: UTF-8, RFC 4180 (comma, ``"`` quoting when needed, doubled quotes, CRLF between rows),
  written by Python's ``csv`` module; two passes over the dataset (the first finds the taxonomy
  vocabularies, which become columns).
- JSON Lines: the dataset's lines as they are (a consistent copy, e.g. for an archive).
"""

from __future__ import annotations

import csv
import io
import shutil
from itertools import islice
from typing import TYPE_CHECKING, BinaryIO

from newsroom_scraper.analysis import require
from newsroom_scraper.analysis.dataset import iter_records, open_dataset, output_aside
from newsroom_scraper.analysis.tables import (
    arrow_batch,
    arrow_schema,
    csv_header,
    csv_row,
    vocabularies_of,
)

if TYPE_CHECKING:
    from pathlib import Path
    from typing import TextIO

FORMATS = ("parquet", "csv", "jsonl")

#: Articles per Parquet row group (and per batch in memory): ~10 MB of text each.
BATCH = 2000


def export(source: Path, out: Path, fmt: str) -> int:
    """Write the dataset ``source`` to ``out`` in ``fmt``; return the number of articles."""
    if fmt == "parquet":
        return export_parquet(source, out)
    if fmt == "csv":
        return export_csv(source, out)
    if fmt == "jsonl":
        return export_jsonl(source, out)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def export_parquet(source: Path, out: Path) -> int:
    require("pyarrow", "export --format parquet")
    import pyarrow.parquet as pq

    schema = arrow_schema()
    records = iter_records(source)
    count = 0
    with output_aside(out) as temp, pq.ParquetWriter(temp, schema, compression="zstd") as writer:
        while batch := list(islice(records, BATCH)):
            writer.write_batch(arrow_batch(batch, schema))
            count += len(batch)
    return count


def export_csv(source: Path, out: Path) -> int:
    with output_aside(out) as temp, temp.open("w", encoding="utf-8", newline="") as stream:
        return write_csv(source, stream)


def write_csv(source: Path, stream: TextIO) -> int:
    vocabularies = vocabularies_of(iter_records(source))
    count = 0
    # The csv module's default dialect is RFC 4180's: quotes only where needed, a quote
    # doubled, CRLF after each row; line breaks inside a quoted cell stay as they are.
    writer = csv.writer(stream, dialect="excel")
    writer.writerow(csv_header(vocabularies))
    for record in iter_records(source):
        writer.writerow(csv_row(record, vocabularies))
        count += 1
    return count


def export_stream(source: Path, stream: BinaryIO, fmt: str) -> int:
    """``--out -``: CSV or JSON Lines written to an open stream (standard output), as they
    come; Parquet needs a file (its footer indexes the whole file)."""
    if fmt == "csv":
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        try:
            count = write_csv(source, text)
            text.flush()
        finally:
            text.detach()  # the caller's stream stays open
        return count
    if fmt == "jsonl":
        count = 0
        with open_dataset(source) as lines:
            for line in lines:
                stream.write(line)
                count += bool(line.strip())
        stream.flush()
        return count
    raise ValueError(f"format {fmt!r} cannot be written to a stream; expected csv or jsonl")


def export_jsonl(source: Path, out: Path) -> int:
    count = 0
    with open_dataset(source) as lines, output_aside(out) as temp:
        with temp.open("wb") as stream:
            shutil.copyfileobj(lines, stream)
        with temp.open("rb") as copy:
            count = sum(1 for line in copy if line.strip())
    return count
