"""Regenerate the offline demo samples shipped in ``newsroom_scraper/demo/<site>/``.

    python -m tests.mirrors.make_demo

The samples are the test mirrors of each site (small menus, so the package stays small).
"""

from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "newsroom_scraper" / "demo"


def main(names: list[str]) -> None:
    for name in names or ["europol", "europarl"]:
        generator = importlib.import_module(f"tests.mirrors.{name}")
        options = {"app_padding_kb": 1} if name == "europol" else {}
        site = generator.build_site(generator.default_articles(), **options)
        folder = DEMO / name
        shutil.rmtree(folder, ignore_errors=True)
        site.save(folder)
        print(f"{folder}: {len(site.pages)} routes")


if __name__ == "__main__":
    main(sys.argv[1:])
