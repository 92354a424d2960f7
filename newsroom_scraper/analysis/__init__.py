"""The dataset for analysts: typed exports (Parquet, CSV, JSON Lines) and a picture of it (stats
on the terminal, as JSON, or as a self-contained HTML report with charts).

- :mod:`.dataset`: reading ``<data dir>/<site>.jsonl`` and the run reports, writing outputs aside.
- :mod:`.tables`: the Parquet (Arrow) schema and the flat CSV row of an article.
- :mod:`.export`: ``newsroom-scraper export --format parquet|csv|jsonl``.
- :mod:`.stats`: ``newsroom-scraper stats`` (terminal and ``--json``).
- :mod:`.html`: ``newsroom-scraper stats --html``.

Parquet and the HTML report need the ``analysis`` extra (pyarrow, matplotlib); CSV, JSON Lines
and the terminal stats need nothing beyond the crawler's own dependencies.
"""

from __future__ import annotations

import importlib

EXTRA = "analysis"


class MissingExtraError(ImportError):
    """A module of the ``analysis`` extra is not installed; the message says what to install."""


def require(module: str, purpose: str) -> None:
    """Import ``module`` or raise :class:`MissingExtraError` naming the extra to install."""
    try:
        importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(
            f"{purpose} needs the {EXTRA} extra ({module} is not installed): "
            f"pip install 'newsroom-scraper[{EXTRA}]'"
        ) from None
