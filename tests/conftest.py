"""Shared fixtures: local mirrors of the registered newsrooms on 127.0.0.1, built and served once
per session (read-only), by site name: ``default_site("europol")``, ``default_server("europol")``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from newsroom_scraper.mirror import MirrorServer
from tests.helpers import SHARED
from tests.mirrors import mirror_module

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from newsroom_scraper.mirror import MirrorSite


def shared_folder(*parts: str) -> Path:
    """A folder of ../shared, or a skip saying why it is needed."""
    folder = SHARED.joinpath(*parts)
    if not folder.exists():
        pytest.skip(f"{folder} is absent: these tests read the real pages kept in ../shared")
    return folder


@pytest.fixture(scope="session")
def default_site() -> Callable[[str], MirrorSite]:
    """``default_site(site)``: the default mirror of a registered site (``tests/mirrors/<site>.py``),
    built once per session."""
    built: dict[str, MirrorSite] = {}

    def site_of(site: str) -> MirrorSite:
        if site not in built:
            module = mirror_module(site)
            built[site] = module.build_site(module.default_articles())
        return built[site]

    return site_of


@pytest.fixture(scope="session")
def default_server(
    default_site: Callable[[str], MirrorSite],
) -> Iterator[Callable[[str], MirrorServer]]:
    """``default_server(site)``: that mirror served on 127.0.0.1, started once per session."""
    servers: dict[str, MirrorServer] = {}

    def server_of(site: str) -> MirrorServer:
        if site not in servers:
            servers[site] = MirrorServer(default_site(site)).start()
        return servers[site]

    yield server_of
    for server in servers.values():
        server.stop()
