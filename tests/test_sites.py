"""Every registered newsroom: mirror fixtures, the shared item checks, demo sample, dataset runs."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections import Counter
from urllib.parse import urlsplit

import pytest

from newsroom_scraper.mirror import MirrorServer
from newsroom_scraper.pipelines import validation_errors
from newsroom_scraper.spiders import registered_sites
from tests.helpers import REPO, cli_env, run_cli, run_crawl

SITES = sorted(registered_sites())
MIRROR_PROTOCOL = ("default_articles", "generate_articles", "build_site", "expected_id")


def test_both_newsrooms_are_registered():
    assert {"europol", "europarl"} <= set(SITES)
    listed = run_cli("sites")
    assert listed.returncode == 0
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == SITES


def test_scrapy_list_shows_the_spiders():
    done = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=REPO, env=cli_env(),
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == SITES


@pytest.fixture(scope="module", params=SITES)
def site_mirror(request):
    try:
        module = importlib.import_module(f"tests.mirrors.{request.param}")
    except ImportError as exc:  # a newsroom without its mirror is a failure, not a skip
        pytest.fail(
            f"{request.param} has no mirror generator tests/mirrors/{request.param}.py: {exc}"
        )
    missing = [name for name in MIRROR_PROTOCOL if not hasattr(module, name)]
    assert not missing, f"tests/mirrors/{request.param}.py lacks {missing}"
    articles = module.default_articles()
    server = MirrorServer(module.build_site(articles)).start()
    yield request.param, module, articles, server
    server.stop()


def test_mirror_crawl_passes_the_shared_item_checks(site_mirror, tmp_path):
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


def test_dataset_runs_are_idempotent(site_mirror, tmp_path):
    site, _, articles, server = site_mirror
    data_dir = tmp_path / "data"
    args = ("crawl", site, "--base-url", server.origin, "--data-dir", str(data_dir))
    assert run_cli(*args).returncode == 0
    first = (data_dir / f"{site}.jsonl").read_bytes()
    assert len(first.splitlines()) == len(articles)
    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    assert (data_dir / f"{site}.jsonl").read_bytes() == first


@pytest.mark.parametrize("site", SITES)
def test_demo_sample_is_shipped_and_crawls(site, tmp_path):
    done = run_cli("crawl", site, "--demo", "--data-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "demo" / f"{site}.jsonl").read_text("utf-8").splitlines()
    assert len(lines) >= 10
    assert "Exit code 0" in done.stderr
