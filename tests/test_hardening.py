"""Hardening settings: nothing listens, nothing leaks, output paths only from known site names."""

from __future__ import annotations

from scrapy.settings import Settings

from newsroom_scraper import settings as project_settings
from tests.helpers import run_cli


def effective() -> Settings:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    return settings


def test_no_remote_control_no_telnet_no_cookies():
    settings = effective()
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getbool("COOKIES_ENABLED") is False


def test_download_size_is_capped_and_robots_obeyed():
    settings = effective()
    assert (
        0 < settings.getint("DOWNLOAD_WARNSIZE") < settings.getint("DOWNLOAD_MAXSIZE") <= 64 * 2**20
    )
    assert settings.getbool("ROBOTSTXT_OBEY") is True
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is True
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert "newsroom_scraper" in settings["USER_AGENT"]


def test_site_names_are_the_only_way_into_output_paths(tmp_path):
    for name in ("../europol", "europol/../../x", "/etc/passwd", "EUROPOL", ""):
        done = run_cli("crawl", name, "--data-dir", str(tmp_path))
        assert done.returncode == 2, name
        assert "unknown site" in done.stderr
    assert list(tmp_path.iterdir()) == []
