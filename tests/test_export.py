"""``newsroom-scraper export --format parquet|csv|jsonl``: typed Parquet, spreadsheet CSV, a copy.

Every export is read back the way an analyst would (pyarrow, pandas, DuckDB, Python's csv) and
compared value by value with the dataset's JSON Lines.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pytest

from newsroom_scraper import cli
from newsroom_scraper.analysis.tables import CSV_LIST_SEPARATOR, taxonomy_terms
from newsroom_scraper.pipelines import item_schema
from tests.analysis_data import awkward_records, record, term, write_dataset
from tests.helpers import REPO, free_port, run_cli

if TYPE_CHECKING:
    from pathlib import Path

pa = pytest.importorskip("pyarrow", reason="the analysis extra (pyarrow) is not installed")
pq = pytest.importorskip("pyarrow.parquet")
duckdb = pytest.importorskip("duckdb", reason="the test extra (duckdb) is not installed")
pd = pytest.importorskip("pandas", reason="the test extra (pandas) is not installed")

SCHEMA_DOC = REPO / "newsroom_scraper" / "schema" / "news_item.parquet.md"
TIMESTAMPS = ("published", "scraped_at", "first_seen", "last_changed", "removed_at")


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The offline demo samples of Europol and GOV.UK, crawled into a data directory."""
    folder = tmp_path_factory.mktemp("demo")
    for site in ("europol", "govuk"):
        done = run_cli("crawl", site, "--demo", "--data-dir", str(folder))
        assert done.returncode == 0, done.stderr
    return folder / "demo"


def lines(path: Path) -> list[dict[str, Any]]:
    # split on "\n" only: str.splitlines() would also split inside a title holding U+2028
    return [json.loads(line) for line in path.read_text("utf-8").split("\n") if line]


def export(data_dir: Path, site: str, fmt: str, out: Path) -> None:
    args = ["export", "--site", site, "--data-dir", str(data_dir), "--format", fmt]
    done = run_cli(*args, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert f"Exported {len(lines(data_dir / f'{site}.jsonl'))} articles" in done.stderr


def as_json_value(name: str, value: Any) -> Any:
    """A Parquet value (read by pyarrow) in the JSON dataset's form."""
    if name in TIMESTAMPS:
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None
    if name == "published_date":
        return value.isoformat()
    return value


# -- Parquet --------------------------------------------------------------------------------------


def documented_columns() -> list[tuple[str, str, bool, str]]:
    """(column, Arrow type, nullable, DuckDB type) of each row of the schema document's table."""
    rows = []
    for line in SCHEMA_DOC.read_text("utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("`"):
            name, arrow, null, duck = (cell.strip("`") for cell in cells[:4])
            rows.append((name, arrow, {"yes": True, "no": False}[null], duck))
    return rows


def test_parquet_schema_document_matches_the_schema() -> None:
    from newsroom_scraper.analysis.tables import arrow_schema

    schema = arrow_schema()
    documented = documented_columns()
    assert [(f.name, str(f.type), f.nullable) for f in schema] == [
        (name, arrow, null) for name, arrow, null, _ in documented
    ]
    # Every field an item or the dataset's bookkeeping can have is a column, and nothing else.
    assert set(schema.names) == set(item_schema()["properties"])


def test_parquet_has_real_types_and_every_value(demo_data: Path, tmp_path: Path) -> None:
    from newsroom_scraper.analysis.tables import arrow_schema

    out = tmp_path / "europol.parquet"
    export(demo_data, "europol", "parquet", out)
    assert pq.read_schema(out).equals(arrow_schema(), check_metadata=False)
    assert pq.read_metadata(out).metadata[b"schema_version"] == b"1.0"

    expected = lines(demo_data / "europol.jsonl")
    rows = pq.read_table(out).to_pylist()
    assert [row["id"] for row in rows] == [item["id"] for item in expected]  # newest first
    for row, item in zip(rows, expected, strict=True):
        assert isinstance(row["published"], datetime)
        assert row["published"].utcoffset() is not None
        assert isinstance(row["published_date"], date)
        for name, value in item.items():
            got = row[name]
            if name == "taxonomy":
                assert got == taxonomy_terms(value), item["id"]
            else:
                assert as_json_value(name, got) == value, (item["id"], name)


def test_pandas_reads_parquet_without_casting(demo_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "govuk.parquet"
    export(demo_data, "govuk", "parquet", out)
    frame = pd.read_parquet(out)
    for name in TIMESTAMPS:
        assert isinstance(frame[name].dtype, pd.DatetimeTZDtype), name
        assert str(frame[name].dt.tz) == "UTC"
    assert frame["word_count"].dtype == "int64"
    assert frame["version"].dtype == "int64"
    assert frame["removed"].dtype == bool
    assert pd.api.types.is_string_dtype(frame["schema_version"])
    assert isinstance(frame["published_date"].iloc[0], date)
    # Articles per month and per label: no parsing, no explode over a dict.
    per_month = frame.groupby(frame["published"].dt.strftime("%Y-%m")).size()
    assert per_month.sum() == len(frame)
    terms = frame[["id", "taxonomy"]].explode("taxonomy", ignore_index=True).dropna()
    vocabularies = {term["vocabulary"] for term in terms["taxonomy"]}
    assert "organisations" in vocabularies


def test_duckdb_reads_the_documented_types(demo_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "europol.parquet"
    export(demo_data, "europol", "parquet", out)
    described = {
        name: kind.replace('"', "")
        for name, kind, *_ in duckdb.sql(f"DESCRIBE SELECT * FROM '{out}'").fetchall()
    }
    assert described == {name: duck for name, _, _, duck in documented_columns()}
    labels = duckdb.sql(
        f"SELECT t.label, count(*) FROM '{out}', unnest(taxonomy) AS u(t) "
        "WHERE t.vocabulary = 'crime_areas' GROUP BY 1"
    ).fetchall()
    expected = sum(
        len(item["taxonomy"]["crime_areas"]) for item in lines(demo_data / "europol.jsonl")
    )
    assert sum(count for _, count in labels) == expected


def test_parquet_type_is_the_same_whatever_the_vocabularies(
    demo_data: Path, tmp_path: Path
) -> None:
    export(demo_data, "europol", "parquet", tmp_path / "europol.parquet")
    export(demo_data, "govuk", "parquet", tmp_path / "govuk.parquet")
    europol = pq.read_schema(tmp_path / "europol.parquet")
    govuk = pq.read_schema(tmp_path / "govuk.parquet")
    assert europol.equals(govuk)
    # ...and the two files can be read as one table
    both = duckdb.sql(f"SELECT count(*) FROM read_parquet(['{tmp_path}/europol.parquet', "
                      f"'{tmp_path}/govuk.parquet'])").fetchall()  # fmt: skip
    assert both[0] == (
        len(lines(demo_data / "europol.jsonl")) + len(lines(demo_data / "govuk.jsonl")),
    )


def test_parquet_keeps_awkward_values(tmp_path: Path) -> None:
    records = awkward_records()
    write_dataset(tmp_path, records)
    export(tmp_path, "europol", "parquet", tmp_path / "out.parquet")
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert rows[0]["body"] == records[0]["body"]
    assert rows[1]["lead"] is None
    assert rows[1]["published_date"] == date(2024, 1, 1)  # the site's day, not the UTC one
    assert rows[1]["published"] == datetime(2023, 12, 31, 23, 0, tzinfo=UTC)
    assert [t["vocabulary"] for t in rows[1]["taxonomy"]] == [
        "crime_areas", "related_countries", "related_countries"
    ]  # fmt: skip
    assert rows[3]["removed"] is True
    assert rows[3]["removed_at"] == datetime(2024, 2, 2, 9, 0, tzinfo=UTC)


def test_missing_extra_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_dataset(tmp_path, [record(1, "2024-01-01T00:00:00Z")])
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow fails
    out = tmp_path / "out.parquet"
    code = cli.main(["export", "--site", "europol", "--data-dir", str(tmp_path),
                     "--format", "parquet", "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "pip install 'newsroom-scraper[analysis]'" in err
    assert not out.exists()


# -- CSV ------------------------------------------------------------------------------------------


def test_csv_round_trip_through_python_csv(tmp_path: Path) -> None:
    records = awkward_records()
    write_dataset(tmp_path, records)
    out = tmp_path / "out.csv"
    export(tmp_path, "europol", "csv", out)
    with out.open(encoding="utf-8", newline="") as stream:
        header, *rows = list(csv.reader(stream))
    assert header[:12] == ["id", "site", "schema_version", "url", "title", "published",
                           "published_precision", "published_date", "content_type", "lead",
                           "key_points", "body"]  # fmt: skip
    assert [c for c in header if c.startswith("taxonomy_")] == [
        "taxonomy_crime_areas", "taxonomy_target_groups", "taxonomy_related_countries"
    ]  # fmt: skip
    table = [dict(zip(header, row, strict=True)) for row in rows]
    assert len(table) == len(records)
    for row, item in zip(table, records, strict=True):
        assert row["id"] == item["id"]
        assert row["title"] == item["title"]
        assert row["body"] == item["body"]  # line breaks, CRLF, quotes and commas intact
        assert row["body_html"] == item["body_html"]
        assert row["lead"] == (item["lead"] or "")
        assert row["published"] == item["published"]
        assert int(row["links_count"]) == len(item["links"])
        assert (
            row["links"].split(CSV_LIST_SEPARATOR) == [link["url"] for link in item["links"]]
            or not item["links"]
        )
        for vocabulary in ("crime_areas", "target_groups", "related_countries"):
            labels = [t["label"] for t in item["taxonomy"].get(vocabulary, [])]
            assert row[f"taxonomy_{vocabulary}"] == CSV_LIST_SEPARATOR.join(labels)
        assert row["removed"] == ("true" if item["removed"] else "false")
    assert table[0]["key_points"].split(CSV_LIST_SEPARATOR) == ["One, two", "Three"]
    assert table[3]["related"] == "A9-0001/2022"


def test_csv_is_rfc4180_utf8(tmp_path: Path) -> None:
    write_dataset(tmp_path, awkward_records())
    out = tmp_path / "out.csv"
    export(tmp_path, "europol", "csv", out)
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # no BOM
    text = raw.decode("utf-8")
    assert text.startswith("id,site,schema_version,url,title,")
    assert text.split("\r\n", 1)[0].count("\n") == 0  # records end with CRLF
    assert '"Quotes ""inside"", commas, and a line\u2028separator"' in text  # quotes doubled
    assert "Ünïcödé — 日本語" in text


def test_csv_round_trip_through_duckdb(tmp_path: Path) -> None:
    records = awkward_records()
    write_dataset(tmp_path, records)
    out = tmp_path / "out.csv"
    export(tmp_path, "europol", "csv", out)
    relation = duckdb.read_csv(str(out))
    columns = relation.columns
    rows = [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]
    assert len(rows) == len(records)
    for row, item in zip(rows, records, strict=True):
        assert row["id"] == item["id"]
        assert row["title"] == item["title"]
        assert row["body"] == item["body"]
        assert row["word_count"] == item["word_count"]
        assert row["links_count"] == len(item["links"])
        assert row["removed"] is item["removed"]
    types = dict(zip(columns, (str(t) for t in relation.dtypes), strict=True))
    assert types["word_count"] == "BIGINT"
    assert types["removed"] == "BOOLEAN"


def test_csv_of_a_real_dataset_has_one_row_per_article(demo_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "govuk.csv"
    export(demo_data, "govuk", "csv", out)
    expected = lines(demo_data / "govuk.jsonl")
    with out.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["id"] for row in rows] == [item["id"] for item in expected]
    assert {"taxonomy_organisations", "taxonomy_people", "links_count"} <= set(rows[0])
    for row, item in zip(rows, expected, strict=True):
        assert row["body"] == item["body"]
        assert row["taxonomy_organisations"] == CSV_LIST_SEPARATOR.join(
            t["label"] for t in item["taxonomy"].get("organisations", [])
        )


# -- JSON Lines, errors ---------------------------------------------------------------------------


def test_jsonl_is_the_dataset_as_it_stands(tmp_path: Path) -> None:
    path = write_dataset(tmp_path / "data", awkward_records())
    out = tmp_path / "copy" / "europol.jsonl"
    export(tmp_path / "data", "europol", "jsonl", out)
    assert out.read_bytes() == path.read_bytes()
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # as any new file, not a private temp


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--format", "csv", "--out", "x.csv"], 1, "no such dataset"),
        (["--out", "x.csv"], 2, "export needs --format parquet|csv|jsonl and --out FILE"),
        (["--format", "csv"], 2, "export needs --format parquet|csv|jsonl and --out FILE"),
        (["--format", "csv", "--out", "x.csv", "--redis", "redis://127.0.0.1:1/0"], 2,
         "--format and --out export the local dataset: drop --redis"),
    ],
)  # fmt: skip
def test_export_errors(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    done = run_cli("export", "--site", "europol", "--data-dir", str(tmp_path / "none"), *args,
                   cwd=tmp_path)  # fmt: skip
    assert done.returncode == code
    assert message in done.stderr
    assert done.stderr.count("\n") == 1
    assert not (tmp_path / "x.csv").exists()


def test_export_refuses_to_overwrite_the_dataset(tmp_path: Path) -> None:
    path = write_dataset(tmp_path, awkward_records())
    before = path.read_bytes()
    done = run_cli("export", "--site", "europol", "--data-dir", str(tmp_path),
                   "--format", "csv", "--out", str(path))  # fmt: skip
    assert done.returncode == 2
    assert "that is the dataset itself" in done.stderr
    assert path.read_bytes() == before


def test_redis_form_of_export_is_unchanged(tmp_path: Path) -> None:
    """Without --format, `export --redis` still exports from Redis (here: none listening)."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    done = run_cli("export", "--redis", url, "--site", "europol", "--data-dir", str(tmp_path))
    if "distributed extra" in done.stderr:
        pytest.skip("the distributed extra is not installed")
    assert done.returncode == 1
    assert re.search(rf"cannot reach Redis at {re.escape(url)}", done.stderr)


def test_unknown_site_is_a_usage_error(tmp_path: Path) -> None:
    write_dataset(tmp_path, [record(1, "2024-01-01T00:00:00Z", taxonomy={"x": [term("y")]})])
    done = run_cli("export", "--site", "../europol", "--data-dir", str(tmp_path),
                   "--format", "csv", "--out", str(tmp_path / "x.csv"))  # fmt: skip
    assert done.returncode == 2
    assert "unknown site" in done.stderr
