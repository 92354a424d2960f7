"""Shared fixtures: local mirrors of the newsrooms on 127.0.0.1 (session-scoped where read-only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from newsroom_scraper.mirror import MirrorServer
from tests.helpers import SHARED
from tests.mirrors import europol as europol_mirror

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from newsroom_scraper.mirror import MirrorSite


def shared_folder(*parts: str) -> Path:
    """A folder of ../shared, or a skip saying why it is needed."""
    folder = SHARED.joinpath(*parts)
    if not folder.exists():
        pytest.skip(f"{folder} is absent: these tests read the real pages kept in ../shared")
    return folder


@pytest.fixture(scope="session")
def europol_site() -> MirrorSite:
    return europol_mirror.build_site(europol_mirror.default_articles())


@pytest.fixture(scope="session")
def europol_server(europol_site: MirrorSite) -> Iterator[MirrorServer]:
    server = MirrorServer(europol_site).start()
    yield server
    server.stop()
