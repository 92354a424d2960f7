"""Every registered newsroom: mirror fixtures, the shared item checks, demo sample, dataset runs,
discovery modes; and the smoke tests of the real command (a subprocess, not a forked child)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from scrapy.exceptions import UsageError

from newsroom_scraper.mirror import MirrorServer
from newsroom_scraper.pipelines import validation_errors
from newsroom_scraper.spiders import registered_sites
from tests.conftest import shared_folder
from tests.helpers import REPO, cli_env, cli_subprocess, need, run_cli, run_crawl
from tests.mirrors import MirrorProtocolError, demo_site, mirror_module

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from types import ModuleType

SITES = sorted(registered_sites())
SiteMirror = tuple[str, "ModuleType", list[Any], MirrorServer]


def test_sites_are_registered_and_listed():
    assert len(SITES) >= 2
    listed = run_cli("sites")
    assert listed.returncode == 0
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == SITES


def test_scrapy_list_shows_the_spiders():
    done = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=REPO, env=cli_env(),
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == SITES


@pytest.fixture(scope="module", params=SITES)
def site_mirror(request: pytest.FixtureRequest) -> Iterator[SiteMirror]:
    try:  # a newsroom without its mirror is a failure, not a skip
        module = mirror_module(request.param)
    except MirrorProtocolError as exc:
        pytest.fail(str(exc))
    articles = module.default_articles()
    server = MirrorServer(module.build_site(articles)).start()
    yield request.param, module, articles, server
    server.stop()


def test_mirror_crawl_passes_the_shared_item_checks(site_mirror: SiteMirror, tmp_path: Path):
    site, module, articles, server = site_mirror
    spidercls = registered_sites()[site]
    result = run_crawl(site, server.origin, tmp_path)
    assert result.exit_code == 0, result.stderr
    ids = [item["id"] for item in result.items]
    assert Counter(ids).most_common(1)[0][1] == 1
    assert set(ids) == {module.expected_id(a) for a in articles}
    published = [item["published"] for item in result.items]
    assert published == sorted(published, reverse=True)
    public_host = urlsplit(spidercls.public_origin).hostname
    for item in result.items:
        assert validation_errors(item) == [], (item["id"], validation_errors(item))
        assert item["site"] == site
        assert item["id"].startswith(f"{site}:")
        assert urlsplit(item["url"]).scheme == "https"
        assert urlsplit(item["url"]).hostname == public_host
        assert "127.0.0.1" not in json.dumps(item)


def test_dataset_runs_are_idempotent(site_mirror: SiteMirror, tmp_path: Path):
    """The first run is the real command in a subprocess (data-directory mode end to end)."""
    site, _, articles, server = site_mirror
    data_dir = tmp_path / "data"
    args = ("crawl", site, "--base-url", server.origin, "--data-dir", str(data_dir))
    first_run = cli_subprocess(*args)
    assert first_run.returncode == 0, first_run.stderr
    assert "Exit code 0" in first_run.stderr
    first = (data_dir / f"{site}.jsonl").read_bytes()
    assert len(first.splitlines()) == len(articles)
    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    assert (data_dir / f"{site}.jsonl").read_bytes() == first


@pytest.mark.parametrize("site", SITES)
def test_demo_sample_is_shipped_and_crawls(site: str, tmp_path: Path):
    done = run_cli("crawl", site, "--demo", "--data-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "demo" / f"{site}.jsonl").read_text("utf-8").splitlines()
    assert len(lines) >= 10
    assert "Exit code 0" in done.stderr


@pytest.mark.parametrize("site", SITES)
def test_demo_sample_is_what_make_demo_builds(site: str):
    """The shipped sample is the site's ``demo_site()``: regenerating it changes nothing."""
    from newsroom_scraper.cli import demo_folder
    from newsroom_scraper.mirror import MirrorSite

    module = mirror_module(site)
    seeds = getattr(module, "SHARED_SEEDS", None)
    if seeds is not None:
        shared_folder(*seeds)  # the shipped sample was built from them
    shipped = MirrorSite.load(demo_folder(site))
    built = demo_site(module)
    assert sorted(shipped.pages) == sorted(built.pages)


# -- discovery modes: each site's own --------------------------------------------------------------


@pytest.mark.parametrize("site", SITES)
def test_each_site_declares_its_discovery_modes(site: str):
    spidercls = registered_sites()[site]
    modes = spidercls.discovery_modes
    assert modes[0] == "auto"
    assert len(set(modes)) == len(modes)
    mirror = "http://127.0.0.1:1"  # every site runs on a mirror; generic needs a start otherwise
    for mode in modes:
        spidercls.check_arguments(discovery=mode.upper(), base_url=mirror)
    with pytest.raises(UsageError, match=rf"expected one of {', '.join(modes)}$"):
        spidercls.check_arguments(discovery="no-such-mode", base_url=mirror)


def test_crawl_help_lists_each_sites_discovery_modes():
    done = run_cli("crawl", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    for site, spidercls in registered_sites().items():
        assert f"{site}: {', '.join(spidercls.discovery_modes)}" in text


# -- smoke tests of the real command --------------------------------------------------------------


def test_console_entry_point_runs_this_package():
    """The installed ``newsroom-scraper`` script (this worktree first on PYTHONPATH)."""
    script = shutil.which("newsroom-scraper")
    need(script, "the newsroom-scraper console script is not installed (pip install -e .)")
    assert script is not None
    done = subprocess.run([script, "sites"], cwd=REPO, env=cli_env(), capture_output=True,
                          text=True, check=False, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [line.split("\t")[0] for line in done.stdout.splitlines()] == SITES


def test_help_and_usage_exit_codes_of_the_real_command(tmp_path: Path):
    helped = cli_subprocess("--help")
    assert helped.returncode == 0
    assert "exit codes:" in helped.stdout
    unknown = cli_subprocess("crawl", "no-such-site", "--data-dir", str(tmp_path))
    assert unknown.returncode == 2
    assert "unknown site" in unknown.stderr
    assert list(tmp_path.iterdir()) == []
