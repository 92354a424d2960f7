"""Generic mode extraction quality: ours beside trafilatura and newspaper4k, same pages, same run.

    python benchmarks/bench_generic.py [--pages ../shared/generic] [--keep DIR]
                                       [--only ours] [--verbose]

Each page of the set is given with its expected URL (``expected/<id>.json``) to

* ours: the code path of ``newsroom-scraper extract --site generic --url URL FILE``
  (:func:`newsroom_scraper.extract.extract_files`, schema validation included);
* trafilatura ``bare_extraction`` with metadata, htmldate asked for a time
  (``%Y-%m-%dT%H:%M:%S%z``, original date): title, date, text, description as lead,
  categories and tags as topics;
* newspaper4k ``Article.download(input_html=...)`` + ``parse()`` (no images): title,
  publish_date, text, meta description as lead, meta keywords and tags as topics;

and the three JSONL files are scored by the set's own ``score.py`` (title exact, date at the
page's precision, body and lead token F1, topics label-set F1). The figures of one run are
printed as a table (Markdown), with the per-page lines of ours under ``--verbose``. A missing
library is reported as such in its row. ``--keep DIR`` keeps the JSONL files.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import benchlib

DEFAULT_PAGES = benchlib.REPO.parent / "shared" / "generic"
FIELDS = ("title", "date", "body", "lead", "topics")


def pages_of(folder: Path) -> list[tuple[str, Path, str]]:
    ids = json.loads((folder / "index.json").read_text("utf-8"))
    found = []
    for pid in ids:
        expected = json.loads((folder / "expected" / f"{pid}.json").read_text("utf-8"))
        found.append((pid, folder / "pages" / f"{pid}.html", expected["url"]))
    return found


def run_ours(pages: list[tuple[str, Path, str]], out: Path) -> tuple[str, float]:
    from newsroom_scraper.extract import extract_files
    from newsroom_scraper.spiders.generic import GenericSpider

    errors = io.StringIO()
    started = time.process_time()
    with out.open("w", encoding="utf-8") as sink:
        for _, path, url in pages:
            extract_files(GenericSpider, [path], url, sink, errors)
    spent = time.process_time() - started
    return errors.getvalue().strip(), spent


def run_trafilatura(pages: list[tuple[str, Path, str]], out: Path) -> tuple[str, float]:
    try:
        import trafilatura
    except ImportError as exc:
        return f"not installed: {exc}", 0.0
    started = time.process_time()
    with out.open("w", encoding="utf-8") as sink:
        for _, path, url in pages:
            document = trafilatura.bare_extraction(
                path.read_text("utf-8"),
                url=url,
                with_metadata=True,
                include_comments=False,
                date_extraction_params={
                    "extensive_search": True,
                    "original_date": True,
                    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
                },
            )
            data: dict[str, Any] = document.as_dict() if document is not None else {}
            topics = [*(data.get("categories") or []), *(data.get("tags") or [])]
            item = {
                "url": url,
                "title": data.get("title"),
                "published": _iso_offset(data.get("date")),
                "body": data.get("text") or "",
                "lead": data.get("description"),
                "taxonomy": {"topics": [{"label": t, "url": None} for t in topics if t]},
            }
            sink.write(json.dumps(item, ensure_ascii=False) + "\n")
    return "", time.process_time() - started


def run_newspaper(pages: list[tuple[str, Path, str]], out: Path) -> tuple[str, float]:
    try:
        from newspaper import Article
    except ImportError as exc:
        return f"not installed: {exc}", 0.0
    failures = []
    started = time.process_time()
    with out.open("w", encoding="utf-8") as sink:
        for pid, path, url in pages:
            try:
                article = Article(url, fetch_images=False)
                article.download(input_html=path.read_text("utf-8"))
                with contextlib.redirect_stderr(io.StringIO()):
                    article.parse()
            except Exception as exc:  # noqa: BLE001  # a failing page is a row of the result
                failures.append(f"{pid}: {type(exc).__name__}")
                continue
            published = article.publish_date.isoformat() if article.publish_date else None
            topics = [*(article.meta_keywords or []), *(article.tags or [])]
            item = {
                "url": url,
                "title": article.title,
                "published": published,
                "body": article.text or "",
                "lead": article.meta_description or None,
                "taxonomy": {"topics": [{"label": t, "url": None} for t in topics if t]},
            }
            sink.write(json.dumps(item, ensure_ascii=False) + "\n")
    return "; ".join(failures), time.process_time() - started


def _iso_offset(value: str | None) -> str | None:
    """htmldate's ``%z`` (``+0200``) as ISO 8601 (``+02:00``)."""
    if not value:
        return None
    return re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value)


def score(folder: Path, items: Path, verbose: bool) -> tuple[dict[str, str], str]:
    command = [sys.executable, str(folder / "score.py"), str(folder), str(items)]
    done = subprocess.run(
        [*command, *(["--verbose"] if verbose else [])],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    summary = next((line for line in done.stdout.splitlines() if line.startswith("generic:")), "")
    figures = dict(re.findall(r"(\w+) (\d\.\d\d|n/a)", summary))
    return figures, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES)
    parser.add_argument("--keep", type=Path, help="keep the JSONL files in this folder")
    parser.add_argument("--only", choices=["ours", "trafilatura", "newspaper4k"])
    parser.add_argument("--verbose", action="store_true", help="per-page scores of ours")
    args = parser.parse_args()
    if not (args.pages / "index.json").is_file():
        print(f"bench_generic: no page set at {args.pages} (index.json)", file=sys.stderr)
        return 2
    pages = pages_of(args.pages)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-generic-"))
    folder.mkdir(parents=True, exist_ok=True)
    runners = {
        "ours": run_ours,
        "trafilatura": run_trafilatura,
        "newspaper4k": run_newspaper,
    }
    versions = {
        "ours": f"newsroom_scraper (trafilatura {benchlib.version_of('trafilatura')})",
        "trafilatura": f"trafilatura {benchlib.version_of('trafilatura')}",
        "newspaper4k": f"newspaper4k {benchlib.version_of('newspaper4k')}",
    }
    rows = []
    for name, runner in runners.items():
        if args.only and name != args.only:
            continue
        out = folder / f"{name}.jsonl"
        problems, spent = runner(pages, out)
        figures, text = score(args.pages, out, args.verbose and name == "ours")
        if args.verbose and name == "ours":
            print(text)
        rows.append((versions[name], figures, spent, problems))
    print(f"{len(pages)} pages of {args.pages} ({benchlib.cpu_model()})\n")
    print("| extractor | " + " | ".join(FIELDS) + " | CPU s | notes |")
    print("|---|" + "---|" * (len(FIELDS) + 2))
    for name, figures, spent, problems in rows:
        cells = " | ".join(figures.get(f, "-") for f in FIELDS)
        print(f"| {name} | {cells} | {spent:.1f} | {problems[:200]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
