"""Mirror generators, one module per newsroom: ``tests/mirrors/<site>.py``.

The shared tests (``test_sites``, ``test_properties``) and the demo builder (``make_demo``) iterate
the registered sites and use each site's module through this protocol:

* ``default_articles()``: the articles of the default mirror;
* ``generate_articles(n)``: ``n`` made-up articles;
* ``build_site(articles)``: the :class:`~newsroom_scraper.mirror.MirrorSite` serving them;
* ``expected_id(article)``: the item id a crawl gives the article;

and, optionally (defaults in :func:`demo_site` and :func:`json_keys`):

* ``demo_site()``: the offline sample shipped in ``newsroom_scraper/demo/<site>/``;
* ``JSON_KEYS``: keys the site's JSON may carry beyond those of its mirror's pages, given odd
  values by the property tests.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from types import ModuleType

    from newsroom_scraper.mirror import MirrorSite

PROTOCOL = ("default_articles", "generate_articles", "build_site", "expected_id")


class MirrorProtocolError(Exception):
    """A site's mirror module is missing or lacks part of the protocol."""


def mirror_module(site: str) -> ModuleType:
    """``tests.mirrors.<site>``, checked against the protocol (an error, never a skip)."""
    try:
        module = importlib.import_module(f"tests.mirrors.{site}")
    except ImportError as exc:
        raise MirrorProtocolError(
            f"{site} has no mirror generator tests/mirrors/{site}.py: {exc}"
        ) from exc
    missing = [name for name in PROTOCOL if not hasattr(module, name)]
    if missing:
        raise MirrorProtocolError(f"tests/mirrors/{site}.py lacks {missing}")
    return module


def demo_site(module: ModuleType) -> MirrorSite:
    """The site's offline demo sample: its ``demo_site()``, else its default mirror."""
    if hasattr(module, "demo_site"):
        return cast("MirrorSite", module.demo_site())
    return cast("MirrorSite", module.build_site(module.default_articles()))


def json_keys(module: ModuleType) -> list[str]:
    """Keys the site's JSON may carry, beyond those of its seeds (none by default)."""
    return list(getattr(module, "JSON_KEYS", ()))
