"""``newsroom-scraper stats SITE``: what a dataset holds, on the terminal or as JSON.

One streaming pass over ``<data dir>/<site>.jsonl`` fills a :class:`Profile` (counters only, plus
the ten newest articles), which the terminal summary, ``--json`` and the HTML report
(:mod:`newsroom_scraper.analysis.html`) all read. The run reports
(``runs/<site>/<run id>.report.json``) give the last run and the incremental history.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from newsroom_scraper.analysis.dataset import iter_records, run_reports

if TYPE_CHECKING:
    from pathlib import Path

#: Fields whose coverage is shown: an article "has" one when it is not null, empty or [].
COVERAGE_FIELDS = ("lead", "key_points", "body", "links", "attachments", "related")

#: Top labels shown per vocabulary.
TOP_LABELS = 5

#: Newest articles kept for the HTML report.
NEWEST = 10


@dataclass
class Profile:
    """Everything the summaries show, counted in one pass over the dataset."""

    site: str = ""
    articles: int = 0
    removed: int = 0
    first_date: str | None = None
    last_date: str | None = None
    per_year: Counter[str] = field(default_factory=Counter)
    #: ``YYYY-MM`` -> content type -> articles.
    per_month_type: defaultdict[str, Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    content_types: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    #: Articles having a non-empty value, per field (and per ``taxonomy.<vocabulary>``).
    present: Counter[str] = field(default_factory=Counter)
    #: Vocabularies in order of first appearance -> label -> articles.
    labels: dict[str, Counter[str]] = field(default_factory=dict)
    #: A label's URL (the first one seen), per vocabulary and label.
    label_urls: dict[tuple[str, str], str] = field(default_factory=dict)
    #: ``(vocabulary, label, YYYY-MM)`` -> articles.
    labels_per_month: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    #: ``(published, title, url, content_type)`` of the newest articles.
    newest: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add(self, record: dict[str, Any]) -> None:
        self.articles += 1
        self.site = self.site or str(record.get("site") or "")
        self.removed += bool(record.get("removed"))
        day = str(record.get("published_date") or record.get("published") or "")[:10]
        month = day[:7]
        if day:
            self.first_date = min(self.first_date or day, day)
            self.last_date = max(self.last_date or day, day)
            self.per_year[day[:4]] += 1
        content_type = str(record.get("content_type") or "(none)")
        self.per_month_type[month][content_type] += 1
        self.content_types[content_type] += 1
        self.languages[str(record.get("language") or "?")] += 1
        for name in COVERAGE_FIELDS:
            self.present[name] += bool(record.get(name))
        for vocabulary, terms in (record.get("taxonomy") or {}).items():
            counter = self.labels.setdefault(vocabulary, Counter())
            self.present[f"taxonomy.{vocabulary}"] += bool(terms)
            first_urls: dict[str, str | None] = {}  # an article counts once per label
            for term in terms:
                first_urls.setdefault(term["label"], term.get("url"))
            for label, url in first_urls.items():
                counter[label] += 1
                if url:
                    self.label_urls.setdefault((vocabulary, label), url)
                if month:
                    self.labels_per_month[vocabulary, label, month] += 1
        entry = (
            str(record.get("published") or ""),
            str(record.get("title") or ""),
            str(record.get("url") or ""),
            content_type,
        )
        if len(self.newest) < NEWEST:
            heapq.heappush(self.newest, entry)
        else:
            heapq.heappushpop(self.newest, entry)

    def years(self) -> dict[str, int]:
        """Articles per year, from the first year to the last, years without any included."""
        years = [int(year) for year in self.per_year if year.isdigit()]
        if not years:
            return {}
        return {str(y): self.per_year[str(y)] for y in range(min(years), max(years) + 1)}

    def coverage(self) -> dict[str, float]:
        """Share of articles with each field, 0..1; vocabularies as ``taxonomy.<name>``."""
        names = [*COVERAGE_FIELDS, *(f"taxonomy.{v}" for v in self.labels)]
        total = self.articles or 1
        return {name: self.present[name] / total for name in names}

    def top_labels(self, count: int = TOP_LABELS) -> dict[str, list[tuple[str, int]]]:
        return {vocabulary: labels.most_common(count) for vocabulary, labels in self.labels.items()}

    def newest_articles(self) -> list[tuple[str, str, str, str]]:
        return sorted(self.newest, reverse=True)


def profile_dataset(path: Path) -> Profile:
    profile = Profile()
    for record in iter_records(path):
        profile.add(record)
    return profile


def run_started(run_id: str) -> datetime | None:
    """A run's start time, from its id (``2024-01-31T041700.123456Z[-worker]``)."""
    try:
        return datetime.strptime(run_id[:25], "%Y-%m-%dT%H%M%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def run_summary(report: dict[str, Any]) -> dict[str, Any]:
    """What a run report says, in the shape the summaries show."""
    items = report.get("items") or {}
    started = run_started(str(report.get("run_id") or ""))
    errors = (report.get("errors") or {}).get("by_kind") or {}
    return {
        "run_id": report.get("run_id"),
        "started": started.strftime("%Y-%m-%dT%H:%M:%SZ") if started else None,
        "exit_code": report.get("exit_code"),
        "exit_status": report.get("exit_status"),
        "duration_seconds": report.get("duration_seconds"),
        "pages": report.get("pages"),
        "new": items.get("new", 0),
        "updated": items.get("updated", 0),
        "unchanged": items.get("unchanged", 0),
        "removed": items.get("removed", 0),
        "dropped": items.get("dropped", 0),
        "errors": sum(errors.values()),
    }


def summary(profile: Profile, reports: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary ``stats`` prints, and ``stats --json`` as it is."""
    runs = [run_summary(report) for report in reports]
    return {
        "site": profile.site,
        "articles": profile.articles,
        "removed": profile.removed,
        "published": {"first": profile.first_date, "last": profile.last_date},
        "per_year": profile.years(),
        "content_types": dict(profile.content_types.most_common()),
        "languages": dict(profile.languages.most_common()),
        "top_labels": {
            vocabulary: [{"label": label, "articles": count} for label, count in top]
            for vocabulary, top in profile.top_labels().items()
        },
        "coverage": {name: round(share, 4) for name, share in profile.coverage().items()},
        "runs": len(runs),
        "last_run": runs[-1] if runs else None,
    }


def dataset_stats(path: Path, runs_folder: Path | None) -> dict[str, Any]:
    reports = run_reports(runs_folder) if runs_folder else []
    return summary(profile_dataset(path), reports)


# -- the terminal ---------------------------------------------------------------------------------


def _percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def _bar(count: int, most: int, width: int = 30) -> str:
    return "█" * max(1, round(count / most * width)) if count else ""


def format_summary(data: dict[str, Any], path: Path) -> str:
    """A short, readable page: counts, span, years, labels, coverage, last run."""
    site = data["site"] or path.stem
    lines = [f"{site}: {data['articles']:,} articles ({data['removed']:,} removed)  [{path}]"]
    if not data["articles"]:
        return "\n".join(lines)
    span = data["published"]
    lines.append(f"Published: {span['first']} to {span['last']}")
    types = ", ".join(f"{name} {count:,}" for name, count in data["content_types"].items())
    lines.append(f"Content types: {types}")
    languages = ", ".join(f"{name} {count:,}" for name, count in data["languages"].items())
    lines.append(f"Languages: {languages}")
    lines.append("")
    lines.append("Articles per year:")
    most = max(data["per_year"].values()) or 1
    lines.extend(
        f"  {year}  {count:>6,}  {_bar(count, most)}".rstrip()
        for year, count in data["per_year"].items()
    )
    lines.append("")
    lines.append(f"Top labels (articles), of {len(data['top_labels'])} vocabularies:")
    for vocabulary, top in data["top_labels"].items():
        labels = ", ".join(f"{term['label']} ({term['articles']:,})" for term in top)
        lines.append(f"  {vocabulary}: {labels or '-'}")
    lines.append("")
    lines.append("Field coverage (share of articles with a value):")
    coverage = data["coverage"]
    width = max(len(name) for name in coverage)
    lines.extend(f"  {name:<{width}}  {_percent(share):>4}" for name, share in coverage.items())
    lines.append("")
    run, runs = data["last_run"], data["runs"]
    if run is None:
        lines.append("Last run: no run report (runs/<site>/*.report.json) in the data directory")
    else:
        lines.append(
            f"Last run: {run['started'] or run['run_id']}, {run['exit_status']} "
            f"(exit {run['exit_code']}), {run['duration_seconds'] or 0:.1f} s: {run['new']:,} new,"
            f" {run['updated']:,} updated, {run['unchanged']:,} unchanged, {run['removed']:,} "
            f"removed, {run['errors']:,} errors ({runs} run{'s' if runs != 1 else ''} in all)"
        )
    return "\n".join(lines)
