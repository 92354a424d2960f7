"""Regenerate the offline demo samples shipped in ``newsroom_scraper/demo/<site>/``.

    python -m tests.mirrors.make_demo [SITE...]

Every registered site by default; each sample is its mirror module's ``demo_site()`` (small, so
the package stays small), else its default mirror (see :mod:`tests.mirrors`).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from newsroom_scraper.mirror import MANIFEST, MirrorSite
from newsroom_scraper.spiders import registered_sites
from tests.mirrors import demo_site, mirror_module

DEMO = Path(__file__).resolve().parents[2] / "newsroom_scraper" / "demo"


def save(site: MirrorSite, folder: Path) -> None:
    """Write ``site`` as a mirror folder, the form :meth:`MirrorSite.load` reads."""
    (folder / "pages").mkdir(parents=True, exist_ok=True)
    routes: dict[str, Any] = {}
    for number, (key, page) in enumerate(sorted(site.pages.items())):
        spec: dict[str, Any] = {}
        if page.status != 200:
            spec["status"] = page.status
        if page.content_type:
            spec["type"] = page.content_type
        headers = dict(page.headers)
        if "Location" in headers:
            spec["location"] = headers.pop("Location")
        if headers:
            spec["headers"] = headers
        if page.body:
            name = f"pages/{number:05d}{_extension(page.content_type)}"
            (folder / name).write_bytes(page.body)
            spec["file"] = name
        routes[key] = spec
    manifest = {"site": site.name, "routes": routes}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def _extension(content_type: str) -> str:
    known = (
        ("json", ".json"),
        ("xml", ".xml"),
        ("html", ".html"),
        ("pdf", ".pdf"),
        ("png", ".png"),
    )
    for marker, extension in known:
        if marker in content_type:
            return extension
    return ".bin"


def main(names: list[str]) -> None:
    for name in names or list(registered_sites()):
        site = demo_site(mirror_module(name))
        folder = DEMO / name
        shutil.rmtree(folder, ignore_errors=True)
        save(site, folder)
        print(f"{folder}: {len(site.pages)} routes")


if __name__ == "__main__":
    main(sys.argv[1:])
