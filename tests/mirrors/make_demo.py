"""Regenerate the offline demo samples shipped in ``newsroom_scraper/demo/<site>/``.

    python -m tests.mirrors.make_demo [SITE...]

Every registered site by default; each sample is its mirror module's ``demo_site()`` (small, so
the package stays small), else its default mirror (see :mod:`tests.mirrors`).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from newsroom_scraper.spiders import registered_sites
from tests.mirrors import demo_site, mirror_module

DEMO = Path(__file__).resolve().parents[2] / "newsroom_scraper" / "demo"


def main(names: list[str]) -> None:
    for name in names or list(registered_sites()):
        site = demo_site(mirror_module(name))
        folder = DEMO / name
        shutil.rmtree(folder, ignore_errors=True)
        site.save(folder)
        print(f"{folder}: {len(site.pages)} routes")


if __name__ == "__main__":
    main(sys.argv[1:])
