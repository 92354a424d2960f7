"""``newsroom-scraper stats SITE --html FILE``: one self-contained HTML page with charts.

The charts are drawn by matplotlib and embedded as inline SVG (text drawn as paths, so the page
looks the same without any font installed); the page is rendered by Jinja2 with autoescaping, so
every title, label and URL from a newsroom is escaped as text. Links are only ever plain
``https:`` URLs; anything else is shown as text. The page loads nothing (no script, no CDN, no
font, no image file) and says so to the browser: its Content-Security-Policy allows no script
and no network request at all.
"""

from __future__ import annotations

import io
import warnings
from datetime import UTC, date, datetime
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from newsroom_scraper import __version__
from newsroom_scraper.analysis import require
from newsroom_scraper.analysis.dataset import output_aside, run_reports
from newsroom_scraper.analysis.stats import Profile, profile_dataset, run_summary, summary

if TYPE_CHECKING:
    from pathlib import Path

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Content types drawn in their own colour; the others are stacked as "Other".
MAX_CONTENT_TYPES = 7
#: Vocabularies drawn over time (those with the most tagged articles).
MAX_VOCABULARIES = 6
#: Runs drawn in the incremental history (the newest).
MAX_RUNS = 60
#: Characters of a label shown in a chart's legend (the tables show them whole).
LEGEND_LABEL = 44

PALETTE = [
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
]  # fmt: skip  (Tableau 10: distinct, readable on white, kind to colour blindness)
INK = "#333333"
MUTED = "#888888"
GRID = "#e6e6e6"

STYLE: dict[str, Any] = {
    "svg.fonttype": "path",  # text as outlines: no font needed where the page is opened
    "text.parse_math": False,  # a "$" in a label is text, not TeX
    "font.size": 9,
    "font.family": "DejaVu Sans",
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": "#bbbbbb",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "legend.frameon": False,
    "legend.fontsize": 8.5,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}


def write_html_report(source: Path, runs_folder: Path | None, out: Path) -> None:
    """Profile ``source``, read the run reports, write the page to ``out`` (atomically)."""
    require("matplotlib", "stats --html")
    require("jinja2", "stats --html")
    profile = profile_dataset(source)
    reports = run_reports(runs_folder) if runs_folder else []
    page = render_report(profile, reports, source_name=source.name)
    with output_aside(out) as temp:
        temp.write_text(page, encoding="utf-8")


def render_report(profile: Profile, reports: list[dict[str, Any]], source_name: str) -> str:
    import jinja2

    data = summary(profile, reports)
    runs = [run_summary(report) for report in reports]
    charts = Charts()
    context = {
        "data": data,
        "site": profile.site or source_name.removesuffix(".jsonl"),
        "source_name": source_name,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__,
        "charts": {
            "per_month": charts.svg(per_month_chart, profile) if profile.articles else None,
            "labels": charts.svg(labels_chart, profile) if profile.labels_per_month else None,
            "labels_period": "year" if _by_year(profile) else "month",
            "coverage": charts.svg(coverage_chart, profile) if profile.articles else None,
            "history": charts.svg(history_chart, runs) if runs else None,
        },
        "top_labels": [
            (
                vocabulary,
                [
                    (label, count, profile.label_urls.get((vocabulary, label)))
                    for label, count in top
                ],
            )
            for vocabulary, top in profile.top_labels().items()
            if top
        ],
        "newest": profile.newest_articles(),
        "runs": runs[-10:][::-1],
    }
    environment = jinja2.Environment(
        autoescape=True,  # every value is HTML-escaped unless marked safe (only our SVGs are)
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["https_url"] = https_url
    environment.filters["percent"] = lambda share: f"{share * 100:.0f}%"
    template = resources.files("newsroom_scraper.analysis").joinpath("report.html.j2")
    return environment.from_string(template.read_text(encoding="utf-8")).render(context)


def https_url(url: object) -> str | None:
    """``url`` if it is a plain ``https://host/...`` URL, else None (then no link is made)."""
    if not isinstance(url, str) or any(c.isspace() or ord(c) < 32 for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme == "https" and parts.netloc else None


class Charts:
    """Figures drawn with :data:`STYLE` and turned into inline SVG, each with its own id salt
    (ids of clip paths and glyphs stay unique on a page holding several SVGs)."""

    def __init__(self) -> None:
        self.count = 0

    def svg(self, draw: Any, *args: Any) -> Any:
        import matplotlib as mpl

        mpl.use("svg", force=False)  # no display needed
        import matplotlib.pyplot as plt
        from cycler import cycler
        from markupsafe import Markup

        self.count += 1
        style: Any = {**STYLE, "axes.prop_cycle": cycler(color=PALETTE)}
        style["svg.hashsalt"] = f"newsroom-chart-{self.count}"
        with mpl.rc_context(style), warnings.catch_warnings():
            # A script DejaVu Sans lacks (CJK...) is drawn as boxes in a chart, not worth a
            # warning per glyph: the tables of the page show every label as text.
            warnings.filterwarnings("ignore", r"Glyph \d+ .* missing from font", UserWarning)
            figure = draw(*args)
            buffer = io.StringIO()
            figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
            plt.close(figure)
        text = buffer.getvalue()
        # The SVG document minus its XML prologue, to sit in the HTML; matplotlib escapes any text
        # it writes (titles and labels are drawn as paths, named in escaped comments).
        return Markup(text[text.index("<svg") :])  # noqa: S704


def _dates(days: list[date]) -> Any:
    """Dates as matplotlib's date numbers (what its typed plotting functions take)."""
    import matplotlib.dates as mdates

    return mdates.date2num(days)  # type: ignore[no-untyped-call]


def _date_axis(ax: Axes, maxticks: int) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=maxticks)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def _integer_axis(ax: Axes) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def _month_start(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def _months(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last``."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _figure(height: float, rows: int = 1, columns: int = 1) -> tuple[Figure, Any]:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(rows, columns, figsize=(10, height), squeeze=False)
    return figure, axes


def per_month_chart(profile: Profile) -> Figure:
    """Articles per month, stacked by content type (the most common ones, then "Other")."""
    months = _months(*_known_months(profile))
    kept = [name for name, _ in profile.content_types.most_common(MAX_CONTENT_TYPES)]
    if len(profile.content_types) > len(kept):
        kept.append("Other")
    figure, axes = _figure(3.2)
    ax: Axes = axes[0][0]
    x = _dates([_month_start(month) for month in months])
    bottom = [0] * len(months)
    width = 24 if len(months) > 1 else 20
    for index, name in enumerate(kept):
        if name == "Other":
            values = [
                sum(c for t, c in profile.per_month_type[m].items() if t not in kept)
                for m in months
            ]
        else:
            values = [profile.per_month_type[m][name] for m in months]
        ax.bar(x, values, width=width, bottom=bottom, label=name,
               color=PALETTE[index % len(PALETTE)], linewidth=0)  # fmt: skip
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    _date_axis(ax, maxticks=12)
    _integer_axis(ax)
    ax.set_ylabel("articles")
    ax.margins(x=0.02)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figure


def _known_months(profile: Profile) -> tuple[str, str]:
    months = sorted(month for month in profile.per_month_type if month)
    return months[0], months[-1]


def _by_year(profile: Profile) -> bool:
    """Labels over time: per year when the dataset spans more than three years, else per month."""
    return bool(profile.first_date) and len(_months(*_known_months(profile))) > 36


def labels_chart(profile: Profile) -> Figure:
    """The top labels of each vocabulary over time: per year, or per month for short spans."""
    months = _months(*_known_months(profile))
    by_year = _by_year(profile)
    periods = sorted({m[:4] for m in months}) if by_year else months
    vocabularies = sorted(
        (v for v, labels in profile.labels.items() if labels),
        key=lambda v: -profile.present[f"taxonomy.{v}"],
    )[:MAX_VOCABULARIES]
    vocabularies.sort(key=list(profile.labels).index)  # the site's own order
    columns = 2 if len(vocabularies) > 1 else 1
    rows = (len(vocabularies) + columns - 1) // columns
    figure, axes = _figure(3.0 * rows, rows, columns)
    x = _dates([date(int(p), 7, 1) if by_year else _month_start(p) for p in periods])
    for index, vocabulary in enumerate(vocabularies):
        ax: Axes = axes[index // columns][index % columns]
        for rank, (label, _) in enumerate(profile.labels[vocabulary].most_common(5)):
            counts = [0] * len(periods)
            for (v, name, month), count in profile.labels_per_month.items():
                if v == vocabulary and name == label:
                    counts[periods.index(month[:4] if by_year else month)] += count
            marker = "o" if len(periods) <= 24 else None
            ax.plot(x, counts, label=_shorten(label, LEGEND_LABEL), color=PALETTE[rank],
                    linewidth=1.6, marker=marker, markersize=3)  # fmt: skip
        ax.set_title(vocabulary.replace("_", " "))
        _date_axis(ax, maxticks=8)
        _integer_axis(ax)
        ax.set_ylim(bottom=0)
        ax.margins(x=0.02)
        # Below the plot (never over a line), no wider than it: two columns of short labels,
        # else one (labels are cut at LEGEND_LABEL characters).
        labels = [str(line.get_label()) for line in ax.get_lines()]
        ax.legend(
            loc="upper left",
            bbox_to_anchor=(0.0, -0.14),
            fontsize=7.5,
            ncols=2 if max(len(label) for label in labels) <= LEGEND_LABEL // 2 else 1,
            handlelength=1.2,
            columnspacing=1.0,
        )
    for index in range(len(vocabularies), rows * columns):
        axes[index // columns][index % columns].set_visible(False)
    figure.tight_layout(h_pad=1.0, w_pad=3.0)
    return figure


def _shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def coverage_chart(profile: Profile) -> Figure:
    """Share of articles with each field and each vocabulary, as horizontal bars."""
    coverage = profile.coverage()
    names = list(coverage)[::-1]
    shares = [coverage[name] * 100 for name in names]
    figure, axes = _figure(0.26 * len(names) + 0.6)
    ax: Axes = axes[0][0]
    colors = [PALETTE[0] if not n.startswith("taxonomy.") else PALETTE[4] for n in names]
    ax.barh(names, shares, color=colors, height=0.7)
    for y, share in enumerate(shares):
        ax.text(share + 1, y, f"{share:.0f}%", va="center", fontsize=8, color=INK)
    ax.set_xlim(0, 110)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    return figure


def history_chart(runs: list[dict[str, Any]]) -> Figure:
    """New, updated and removed articles per run (the newest :data:`MAX_RUNS` runs)."""
    runs = runs[-MAX_RUNS:]
    labels = [str(run["started"] or run["run_id"])[:16].replace("T", "\n") for run in runs]
    figure, axes = _figure(3.0)
    ax: Axes = axes[0][0]
    x = list(range(len(runs)))
    bottom = [0] * len(runs)
    for key, color in (("new", PALETTE[2]), ("updated", PALETTE[0]), ("removed", PALETTE[3])):
        values = [run[key] for run in runs]
        ax.bar(x, values, bottom=bottom, label=key, color=color, width=0.7)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    failed = [i for i, run in enumerate(runs) if run["exit_code"] not in (0, None)]
    if failed:
        ax.scatter(failed, [bottom[i] for i in failed], marker="v", color=INK, zorder=3,
                   label="run did not succeed")  # fmt: skip
    step = max(1, len(runs) // 12)
    ax.set_xticks(x[::step], labels[::step], fontsize=7.5)
    _integer_axis(ax)
    ax.set_ylabel("articles")
    ax.set_xlim(-0.6, max(len(runs), 8) - 0.4)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figure
