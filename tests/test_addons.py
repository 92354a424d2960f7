"""The add-on that keeps switched-off Scrapy components (and their imports) out of a crawl."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from newsroom_scraper.addons import SWITCHED_COMPONENTS, SwitchedOffComponents
from newsroom_scraper.cli import project_settings
from tests.helpers import REPO, cli_env

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from newsroom_scraper.mirror import MirrorServer

COOKIES = "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"
#: The modules only those components import.
THEIR_MODULES = ("aiohttp", "tldextract", "twisted.conch.telnet")


def components(*overrides: tuple[str, str]) -> dict[str, list[str]]:
    """The component lists a crawl with these ``-s`` settings builds (add-on applied)."""
    settings = project_settings(list(overrides))
    SwitchedOffComponents().update_settings(settings)
    return {
        setting: [
            str(key)
            for key, order in settings.get_component_priority_dict_with_base(setting).items()
            if order is not None
        ]
        for setting in ("EXTENSIONS", "DOWNLOADER_MIDDLEWARES")
    }


def test_switched_off_components_are_not_listed():
    listed = components()
    for _, setting, component in SWITCHED_COMPONENTS:
        assert component not in listed[setting]
    # Everything else stays: Scrapy's own defaults and the project's components.
    assert (
        "scrapy.downloadermiddlewares.redirect.RedirectMiddleware"
        in listed["DOWNLOADER_MIDDLEWARES"]
    )
    assert "newsroom_scraper.report.RunReport" in listed["EXTENSIONS"]


def test_a_switch_turned_on_gives_the_component_back():
    assert COOKIES in components(("COOKIES_ENABLED", "True"))["DOWNLOADER_MIDDLEWARES"]
    telnet = "scrapy.extensions.telnet.TelnetConsole"
    assert telnet in components(("TELNETCONSOLE_ENABLED", "True"))["EXTENSIONS"]


def test_a_component_placed_by_the_user_is_left_alone():
    placed = components(("DOWNLOADER_MIDDLEWARES", json.dumps({COOKIES: 650})))
    assert COOKIES in placed["DOWNLOADER_MIDDLEWARES"]


CRAWL_AND_LIST_MODULES = """
import json, sys
from newsroom_scraper import cli
code = cli.main(sys.argv[1:])
print(json.dumps({"code": code, "imported": [m for m in MODULES if m in sys.modules]}))
"""


def crawl_modules(origin: str, data_dir: Path, *settings: str) -> dict[str, object]:
    """A real crawl process: its exit code and which of :data:`THEIR_MODULES` it imported."""
    script = CRAWL_AND_LIST_MODULES.replace("MODULES", repr(THEIR_MODULES))
    arguments = ["crawl", "europol", "--base-url", origin, "--data-dir", str(data_dir)]
    for setting in settings:
        arguments += ["-s", setting]
    done = subprocess.run(
        [sys.executable, "-c", script, *arguments],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=REPO,
        env=cli_env(),
        check=False,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(
    ("settings", "imported"),
    [((), []), (("COOKIES_ENABLED=True",), ["tldextract"])],
    ids=["defaults", "cookies-on"],
)
def test_a_crawl_imports_only_what_it_runs(
    default_server: Callable[[str], MirrorServer], tmp_path: Path, settings, imported
):
    result = crawl_modules(default_server("europol").origin, tmp_path / "data", *settings)
    assert result == {"code": 0, "imported": imported}
