"""Export a 20,000-article dataset to Parquet and CSV: pyarrow vs DuckDB's writer, time and memory.

    python benchmarks/bench_export.py [--articles 20000] [--repeat 3] [--keep DIR]

The dataset is generated in the shape `crawl` leaves in a data directory (`<site>.jsonl`, every
item field plus the bookkeeping fields), Europol-like: four fixed vocabularies plus occasional
extra ones, bodies of 150 to 900 words in paragraphs, links, attachments. Each candidate runs in
its own child process (so that its peak RSS, ``VmHWM``, is its own): wall time, CPU time (user +
system, all threads) and peak RSS, medians of ``--repeat`` runs. The candidates write the same
table (the schema of ``newsroom_scraper/schema/news_item.parquet.md``), checked after each run.

- ``pyarrow``: the JSON Lines parsed with orjson, converted in batches of 2,000 records into Arrow
  record batches and streamed to a ``pyarrow.parquet.ParquetWriter`` (what the package ships).
- ``duckdb``: one ``COPY (SELECT ... FROM read_json(...)) TO ... (FORMAT parquet)`` statement,
  the conversion (taxonomy object -> list of structs, timestamps) written in SQL.

Also the stats summary (``newsroom-scraper stats``) and the HTML report on the same dataset.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import benchlib
import orjson

REPO = benchlib.REPO

WORDS = [
    "police",
    "operation",
    "network",
    "suspects",
    "arrested",
    "europol",
    "member",
    "states",
    "investigation",
    "drugs",
    "cocaine",
    "seized",
    "cybercrime",
    "ransomware",
    "servers",
    "taken",
    "down",
    "joint",
    "action",
    "day",
    "coordinated",
    "agencies",
    "victims",
    "trafficking",
    "human",
    "beings",
    "migrant",
    "smuggling",
    "money",
    "laundering",
    "fraud",
    "criminal",
    "organisation",
    "leaders",
    "house",
    "searches",
    "assets",
    "frozen",
    "cryptocurrency",
    "judicial",
    "cooperation",
    "eurojust",
    "authorities",
    "countries",
    "support",
    "analysis",
    "intelligence",
    "exchange",
]
VOCABULARIES = {
    "crime_areas": [
        "Cybercrime",
        "Drug trafficking",
        "Cocaine",
        "Cannabis",
        "Synthetic drugs",
        "Money laundering",
        "Trafficking in human beings",
        "Migrant smuggling",
        "Fraud",
        "Terrorism",
        "Firearms trafficking",
        "Environmental crime",
        "Child sexual exploitation",
    ],
    "target_groups": ["Law enforcement", "General public", "Academia", "Professor", "Students"],
    "entities": ["European Cybercrime Centre - EC3", "EMSC", "EMSC/ECTC", "IRU", "EFECC"],
    "support_and_services": [
        "Operational coordination",
        "Analysis",
        "Forensics",
        "Joint investigation teams",
    ],
}
EXTRA_VOCABULARIES = {
    "related_countries": ["Spain", "Netherlands", "Germany", "France", "Italy", "Belgium"],
    "partner_agencies": ["Eurojust", "Frontex", "Interpol", "FBI"],
}


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_record(number: int, rng: random.Random, published: datetime) -> dict[str, object]:
    paragraphs = [
        " ".join(rng.choices(WORDS, k=rng.randint(30, 90))).capitalize() + "."
        for _ in range(rng.randint(4, 10))
    ]
    body = "\n\n".join(paragraphs)
    url = f"https://www.europol.europa.eu/media-press/newsroom/news/article-{number}"
    links = [
        {"text": f"link {k}", "url": f"https://www.europol.europa.eu/page/{number}/{k}"}
        for k in range(rng.randint(0, 8))
    ]
    attachments = [
        {"kind": rng.choice(["document", "video", "image"]), "title": f"File {k}",
         "url": f"https://www.europol.europa.eu/cms/sites/default/files/{number}-{k}.pdf"}
        for k in range(rng.choice([0, 0, 0, 1, 2, 3]))
    ]  # fmt: skip
    taxonomy: dict[str, list[dict[str, object]]] = {}
    for vocabulary, labels in VOCABULARIES.items():
        taxonomy[vocabulary] = [
            {"label": label, "url": f"https://www.europol.europa.eu/{vocabulary}/{k}"}
            for k, label in enumerate(rng.sample(labels, rng.choice([0, 1, 1, 1, 2, 3])))
        ]
    if rng.random() < 0.1:
        for vocabulary, labels in EXTRA_VOCABULARIES.items():
            taxonomy[vocabulary] = [
                {"label": label, "url": None} for label in rng.sample(labels, 2)
            ]
    seen = published + timedelta(days=rng.randint(0, 3), hours=rng.randint(0, 23))
    changed = rng.random() < 0.05
    removed = rng.random() < 0.01
    content = orjson.dumps([body, number, published.isoformat()])
    return {
        "id": f"europol:{number}",
        "site": "europol",
        "schema_version": "1.0",
        "url": url,
        "title": f"Operation {number}: " + " ".join(rng.choices(WORDS, k=6)),
        "published": iso(published),
        "published_precision": "second",
        "published_date": published.date().isoformat(),
        "content_type": rng.choice(["Press Release", "News", "News", "Press Release", "Event"]),
        "lead": " ".join(rng.choices(WORDS, k=25)).capitalize() + "."
        if rng.random() < 0.9
        else None,
        "key_points": [],
        "body": body,
        "body_html": "".join(f"<p>{p}</p>" for p in paragraphs),
        "links": links,
        "attachments": attachments,
        "taxonomy": taxonomy,
        "related": [],
        "language": "en",
        "word_count": len(body.split()),
        "content_hash": hashlib.sha256(content).hexdigest(),
        "scraped_at": iso(seen),
        "version": 2 if changed else 1,
        "first_seen": iso(seen),
        "last_changed": iso(seen + timedelta(days=30)) if changed else iso(seen),
        "removed": removed,
        "removed_at": iso(seen + timedelta(days=60)) if removed else None,
    }


def make_dataset(path: Path, articles: int, seed: int = 7) -> None:
    """``articles`` records, newest first, spread over 2015-2025."""
    rng = random.Random(seed)
    start = datetime(2015, 1, 1, tzinfo=UTC)
    span = (datetime(2025, 12, 31, tzinfo=UTC) - start).total_seconds()
    moments = sorted(
        (start + timedelta(seconds=rng.uniform(0, span)) for _ in range(articles)), reverse=True
    )
    with path.open("wb") as out:
        for number, moment in enumerate(moments, start=100_000):
            out.write(orjson.dumps(make_record(number, rng, moment.replace(microsecond=0))))
            out.write(b"\n")


# -- candidates (run in a child process: `bench_export.py --run NAME SOURCE OUT`) -----------------


def run_pyarrow_parquet(source: Path, out: Path) -> None:
    from newsroom_scraper.analysis.export import export_parquet

    export_parquet(source, out)


COLUMNS = {
    "id": "VARCHAR", "site": "VARCHAR", "schema_version": "VARCHAR", "url": "VARCHAR",
    "title": "VARCHAR", "published": "VARCHAR", "published_precision": "VARCHAR",
    "published_date": "DATE", "content_type": "VARCHAR", "lead": "VARCHAR",
    "key_points": "VARCHAR[]", "body": "VARCHAR", "body_html": "VARCHAR",
    "links": "STRUCT(text VARCHAR, url VARCHAR)[]",
    "attachments": "STRUCT(kind VARCHAR, title VARCHAR, url VARCHAR)[]",
    "taxonomy": "MAP(VARCHAR, STRUCT(label VARCHAR, url VARCHAR)[])",
    "related": "STRUCT(kind VARCHAR, id VARCHAR, url VARCHAR)[]",
    "language": "VARCHAR", "word_count": "BIGINT", "content_hash": "VARCHAR",
    "scraped_at": "VARCHAR", "version": "BIGINT", "first_seen": "VARCHAR",
    "last_changed": "VARCHAR", "removed": "BOOLEAN", "removed_at": "VARCHAR",
}  # fmt: skip
TIMESTAMPS = ("published", "scraped_at", "first_seen", "last_changed", "removed_at")


def duckdb_source(source: Path) -> str:
    columns = ", ".join(f"'{name}': '{kind}'" for name, kind in COLUMNS.items())
    return (
        f"read_json('{source}', format='newline_delimited', columns={{{columns}}}, "
        "maximum_object_size=67108864)"
    )


def duckdb_select(source: Path) -> str:
    """The table of arrow_schema() in DuckDB SQL."""
    columns = []
    for name in COLUMNS:
        if name in TIMESTAMPS:
            columns.append(f"CAST({name} AS TIMESTAMPTZ) AS {name}")
        elif name == "taxonomy":
            columns.append(
                "flatten(list_transform(map_entries(taxonomy), lambda e: list_transform(e.value,"
                " lambda t: {'vocabulary': e.key, 'label': t.label, 'url': t.url}))) AS taxonomy"
            )
        else:
            columns.append(name)
    return f"SELECT {', '.join(columns)} FROM {duckdb_source(source)}"


def duckdb_csv_select(source: Path) -> str:
    """The columns of tables.csv_header() in DuckDB SQL."""
    from newsroom_scraper.analysis.dataset import iter_records
    from newsroom_scraper.analysis.tables import csv_header, vocabularies_of

    def joined(expression: str) -> str:
        return f"array_to_string({expression}, chr(10))"

    vocabularies = vocabularies_of(iter_records(source))
    special = {
        "key_points": joined("key_points"),
        **{f"taxonomy_{v}": joined(f"list_transform(taxonomy[{v!r}], lambda t: t.label)")
           for v in vocabularies},
        "links_count": "len(links)", "links": joined("list_transform(links, lambda l: l.url)"),
        "attachments_count": "len(attachments)",
        "attachments": joined("list_transform(attachments, lambda a: a.url)"),
        "related_count": "len(related)",
        "related": joined("list_transform(related, lambda r: r.id)"),
    }  # fmt: skip
    columns = [f"{special.get(name, name)} AS {name}" for name in csv_header(vocabularies)]
    return f"SELECT {', '.join(columns)} FROM {duckdb_source(source)}"


def run_duckdb_parquet(source: Path, out: Path) -> None:
    import duckdb

    connection = duckdb.connect()
    connection.execute(
        f"COPY ({duckdb_select(source)}) TO '{out}' (FORMAT parquet, COMPRESSION zstd)"
    )


def run_csv_module(source: Path, out: Path) -> None:
    from newsroom_scraper.analysis.export import export_csv

    export_csv(source, out)


def run_duckdb_csv(source: Path, out: Path) -> None:
    import duckdb

    connection = duckdb.connect()
    connection.execute(f"COPY ({duckdb_csv_select(source)}) TO '{out}' (FORMAT csv, HEADER)")


def run_stats(source: Path, out: Path) -> None:
    from newsroom_scraper.analysis.stats import dataset_stats

    out.write_bytes(orjson.dumps(dataset_stats(source, runs_folder=None)))


def run_html(source: Path, out: Path) -> None:
    from newsroom_scraper.analysis.html import write_html_report

    write_html_report(source, runs_folder=None, out=out)


CANDIDATES = {
    "parquet/pyarrow": run_pyarrow_parquet,
    "parquet/duckdb": run_duckdb_parquet,
    "csv/csv-module": run_csv_module,
    "csv/duckdb": run_duckdb_csv,
    "stats": run_stats,
    "html": run_html,
}


def cpu_seconds() -> float:
    """User + system CPU time of this process, all its threads (DuckDB runs several)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(name: str, source: Path, out: Path) -> None:
    started, cpu = time.perf_counter(), cpu_seconds()
    CANDIDATES[name](source, out)
    wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    print(orjson.dumps({"wall": wall, "cpu": cpu, "peak_mb": peak_mb()}).decode())


def peak_mb() -> float:
    """This process's peak RSS: ``VmHWM`` (``ru_maxrss`` would count the parent's peak too: on
    Linux it survives ``execve``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name: str, source: Path, out: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--run", name, str(source), str(out)],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, float] = orjson.loads(done.stdout.strip().splitlines()[-1])
    return result


def check_parquet(path: Path, articles: int) -> None:
    import pyarrow.parquet as pq

    from newsroom_scraper.analysis.tables import arrow_schema

    def loose(kind: object) -> str:  # DuckDB writes every column as nullable
        return str(kind).replace(" not null", "").replace("<item:", "<element:")

    table = pq.read_table(path)
    assert table.num_rows == articles, table.num_rows
    for field in arrow_schema():
        got = table.schema.field(field.name).type
        assert loose(got) == loose(field.type), (field.name, got, field.type)


def baseline_mb() -> float:
    done = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, 'benchmarks'); "
         "import bench_export, newsroom_scraper.analysis; print(bench_export.peak_mb())"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", action="append", choices=list(CANDIDATES))
    parser.add_argument("--keep", type=Path, help="write the dataset and outputs here")
    parser.add_argument("--run", nargs=3, metavar=("NAME", "SOURCE", "OUT"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.run:
        name, source, out = options.run
        child(name, Path(source), Path(out))
        return 0
    benchlib.print_machine()
    print(
        f"pyarrow {benchlib.version_of('pyarrow')}, duckdb {benchlib.version_of('duckdb')}, "
        f"matplotlib {benchlib.version_of('matplotlib')}, orjson {benchlib.version_of('orjson')}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        folder = options.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        source = folder / "europol.jsonl"
        make_dataset(source, options.articles)
        size = source.stat().st_size / 1e6
        print(f"dataset: {options.articles} articles, {size:.1f} MB of JSON Lines")
        print(f"python + orjson + the package, nothing done: peak RSS {baseline_mb():.1f} MB")
        print(f"load average before: {os.getloadavg()[0]:.1f}")
        print("| what | wall (median, min-max) | CPU (median) | peak RSS (median) | output |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name in options.only or list(CANDIDATES):
            suffix = {"parquet": ".parquet", "csv": ".csv", "stats": ".json", "html": ".html"}
            out = folder / f"out-{name.replace('/', '-')}{suffix[name.split('/')[0]]}"
            runs = [measure(name, source, out) for _ in range(options.repeat)]
            if name.startswith("parquet"):
                check_parquet(out, options.articles)
            walls = [run["wall"] for run in runs]
            cpu = statistics.median(run["cpu"] for run in runs)
            peak = statistics.median(run["peak_mb"] for run in runs)
            print(
                f"| {name} | {statistics.median(walls):.2f} s ({min(walls):.2f}-{max(walls):.2f})"
                f" | {cpu:.2f} s | {peak:.0f} MB | {out.stat().st_size / 1e6:.1f} MB |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
