"""What a site module adds: the generic site beside the Europol and European Parliament modules,
on the project's own mirrors of both newsrooms run as plain websites.

    python benchmarks/bench_generic_vs_sites.py [--keep DIR]

For each newsroom, its test mirror (``tests/mirrors/<site>.py``, default articles) is served on
127.0.0.1 (:class:`newsroom_scraper.mirror.MirrorServer`) and crawled twice with the CLI
(``python -m newsroom_scraper.cli``, fresh data folders):

* by the site module: ``crawl <site> --base-url ORIGIN``;
* by the generic site, started on a page of the newsroom as a person would give it:
  ``crawl https://<public host>/<start page> --base-url ORIGIN``.

Items are matched by URL (no scheme, ``www.``, query or trailing slash). Per field, over the
site module's items: **equal** (the share the generic item gives the same value: same text
after whitespace folding, same instant, same set of labels / URLs), **similar** (mean token F1
for texts, set F1 for labels and URLs; 0 for an article the generic crawl did not return) and
**missing** (the share where the site module has a value and the generic item none, or no
generic item at all). Printed as Markdown tables (BENCHMARKS.md, "Generic mode").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import benchlib

from newsroom_scraper.mirror import MirrorServer

#: (site, start pages of the generic crawl): the newsroom's listing as a reader finds it, and
#: for Europol also its RSS feed (the listing is a script-drawn page with no links).
RUNS = {
    "europarl": ["/news/en/page/0"],
    "europol": ["/media-press/newsroom", "/rss.xml"],
}
TEXT_FIELDS = ("title", "lead", "body")
SET_FIELDS = ("taxonomy", "links", "attachments")
FIELDS = ("title", "published", "published_precision", "lead", "body", "taxonomy", "language",
          "content_type", "links", "attachments")  # fmt: skip
TOKEN = re.compile(r"\w+")


def crawl(args: list[str], data: Path) -> tuple[list[dict[str, Any]], str]:
    """``newsroom-scraper crawl ARGS`` into ``data``: its items and its summary lines."""
    env = {**os.environ, "PYTHONPATH": str(benchlib.REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "newsroom_scraper.cli", "crawl", *args, "--data-dir", str(data)],
        capture_output=True, text=True, check=False, env=env, cwd=benchlib.REPO,
    )  # fmt: skip
    items = [
        json.loads(line)
        for path in sorted(data.glob("*.jsonl"))
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]
    summary = [line for line in done.stderr.splitlines() if line.startswith(("Crawl", "Discov"))]
    return items, " / ".join(summary) or f"exit {done.returncode}: {done.stderr[-300:]}"


def url_key(url: str) -> str:
    parts = urlsplit(url)
    return (parts.hostname or "").removeprefix("www.") + unquote(parts.path).rstrip("/")


def tokens(text: Any) -> list[str]:
    return TOKEN.findall(unicodedata.normalize("NFKC", str(text or "")).casefold())


def f1(expected: list[str] | set[str], got: list[str] | set[str]) -> float:
    if not expected and not got:
        return 1.0
    common = sum((Counter(expected) & Counter(got)).values())
    if not common:
        return 0.0
    precision, recall = common / len(got), common / len(expected)
    return 2 * precision * recall / (precision + recall)


def as_set(field: str, value: Any) -> set[str]:
    if field == "taxonomy":
        return {
            " ".join(str(term.get("label", "")).casefold().split())
            for terms in (value or {}).values()
            for term in terms
        }
    return {entry["url"] for entry in value or [] if isinstance(entry, dict) and entry.get("url")}


def empty(value: Any) -> bool:
    return value in (None, "", [], {})


def compare(field: str, site: dict[str, Any], generic: dict[str, Any] | None) -> tuple[bool, float]:
    """(equal, similarity) of one field of a generic item against the site module's item."""
    if generic is None:
        return False, 0.0
    want, got = site.get(field), generic.get(field)
    if field in SET_FIELDS:
        a, b = as_set(field, want), as_set(field, got)
        return a == b, f1(a, b)
    if field == "published":
        same = bool(want and got) and _instant(want) == _instant(got)
        return same, float(same)
    if field in TEXT_FIELDS:
        same = " ".join(str(want or "").split()) == " ".join(str(got or "").split())
        return same, f1(tokens(want), tokens(got))
    return want == got, float(want == got)


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def table(site_items: list[dict[str, Any]], generic_items: list[dict[str, Any]]) -> list[str]:
    found = {url_key(item["url"]): item for item in generic_items}
    pairs = [(item, found.get(url_key(item["url"]))) for item in site_items]
    lines = ["| field | equal | similar | missing |", "|---|---|---|---|"]
    for field in FIELDS:
        wanted = [(s, g) for s, g in pairs if not empty(s.get(field))]
        if not wanted:
            lines.append(f"| {field} | (the site module gives none) | | |")
            continue
        scores = [compare(field, s, g) for s, g in wanted]
        equal = sum(e for e, _ in scores) / len(wanted)
        similar = sum(v for _, v in scores) / len(wanted)
        missing = sum(g is None or empty(g.get(field)) for _, g in wanted) / len(wanted)
        lines.append(
            f"| {field} | {equal:.2f} | {similar:.2f} | {missing:.2f} |"
            + ("" if len(wanted) == len(pairs) else f" ({len(wanted)} items have one)")
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="keep the crawls' data folders here")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-generic-sites-"))
    root.mkdir(parents=True, exist_ok=True)
    from tests.mirrors import mirror_module

    for site, starts in RUNS.items():
        module = mirror_module(site)
        server = MirrorServer(module.build_site(module.default_articles())).start()
        try:
            site_items, site_summary = crawl([site, "--base-url", server.origin], root / site)
            print(f"## {site}: {len(module.default_articles())} articles in the mirror\n")
            print(f"- site module `crawl {site}`: {len(site_items)} items ({site_summary})")
            for number, start in enumerate(starts):
                url = module.PUBLIC + start
                generic_items, summary = crawl(
                    [url, "--base-url", server.origin], root / f"{site}-generic-{number}"
                )
                matched = {url_key(i["url"]) for i in generic_items} & {
                    url_key(i["url"]) for i in site_items
                }
                print(f"- generic `crawl {url}`: {len(generic_items)} items, {len(matched)} of "
                      f"them the site module's articles ({summary})\n")  # fmt: skip
                print("\n".join(table(site_items, generic_items)) + "\n")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
