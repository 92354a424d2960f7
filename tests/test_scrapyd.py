"""Deployment on Scrapyd: the egg carries the package data; a scheduled crawl gives the items a
direct crawl gives.

A real Scrapyd is started on a free port of 127.0.0.1 with its directories in a temporary
folder; the project is deployed with ``scrapyd-deploy`` (from a copy of the project, so that
the egg build leaves nothing in the repository) to a ``[deploy:test]`` target given through a
user scrapy.cfg (``XDG_CONFIG_HOME``): the project's own ``[deploy]`` section (the project name)
is the one used. Skipped when Scrapyd is not installed, except in CI (``CI=true``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from typing import TYPE_CHECKING, Any
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest

from tests.helpers import REPO, free_port, need, run_cli, run_crawl

if TYPE_CHECKING:
    from pathlib import Path

PROJECT = "newsroom_scraper"  # scrapy.cfg [deploy] project
PROJECT_FILES = ("newsroom_scraper", "setup.py", "pyproject.toml", "README.md", "scrapy.cfg")


def clean_env(**extra: str) -> dict[str, str]:
    """Without PYTHONPATH: what runs from the egg must not fall back on the repository."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "NEWSROOM_DATA_DIR"}}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need(shutil.which("scrapyd-deploy"), "scrapyd-client is not installed (the scrapyd extra)")
    folder = tmp_path_factory.mktemp("project")
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, folder / name)
    return folder


def build_egg(project: Path, egg: Path) -> Path:
    done = subprocess.run(
        ["scrapyd-deploy", "--build-egg", str(egg)],
        cwd=project, env=clean_env(), capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return egg


def test_the_egg_carries_the_package_data(project_copy, tmp_path):
    egg = build_egg(project_copy, tmp_path / "project.egg")
    names = set(zipfile.ZipFile(egg).namelist())
    package = REPO / "newsroom_scraper"
    data = [
        path.relative_to(REPO).as_posix()
        for folder in ("schema", "demo")
        for path in (package / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    assert "newsroom_scraper/schema/news_item.schema.json" in data
    assert [name for name in data if name not in names] == []
    assert (
        "settings = newsroom_scraper.settings"
        in zipfile.ZipFile(egg).read("EGG-INFO/entry_points.txt").decode()
    )

    # `newsroom-scraper schema`, imported from the zipped egg (importlib.resources inside a zip)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import newsroom_scraper; "
        "assert newsroom_scraper.__file__.startswith(sys.argv[1]), newsroom_scraper.__file__; "
        "from newsroom_scraper.cli import main; sys.exit(main(['schema']))"
    )
    from_egg = subprocess.run(
        [sys.executable, "-c", code, str(egg)],
        cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert from_egg.returncode == 0, from_egg.stderr
    assert json.loads(from_egg.stdout) == json.loads(run_cli("schema").stdout)


def get_json(url: str) -> dict[str, Any]:
    with urlopen(url, timeout=10) as answer:  # a local Scrapyd
        return dict(json.load(answer))


def post_json(url: str, fields: list[tuple[str, str]]) -> dict[str, Any]:
    with urlopen(url, data=urlencode(fields).encode(), timeout=10) as answer:
        return dict(json.load(answer))


def poll(what, deadline_s: float, check):
    """Ask ``what()`` until ``check`` accepts the answer; bounded by a deadline."""
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            answer = what()
        except (URLError, ConnectionError):
            answer = None
        if answer is not None and check(answer):
            return answer
        assert time.monotonic() < deadline, f"gave up waiting; last answer: {answer}"
        time.sleep(0.2)  # polling an HTTP status endpoint, bounded by the deadline


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory):
    need(importlib.util.find_spec("scrapyd"), "Scrapyd is not installed (the scrapyd extra)")
    folder = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (folder / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {folder / 'eggs'}\nlogs_dir = {folder / 'logs'}\n"
        f"items_dir = {folder / 'items'}\ndbs_dir = {folder / 'dbs'}\n"
        "poll_interval = 0.2\nmax_proc = 2\n"
    )
    log = (folder / "scrapyd.out").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "scrapyd", "--pidfile", str(folder / "scrapyd.pid")],
        cwd=folder, env=clean_env(), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        poll(lambda: get_json(url + "daemonstatus.json"), 60, lambda a: a["status"] == "ok")
        yield url, folder
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def test_a_crawl_scheduled_on_scrapyd_gives_the_items_of_a_direct_crawl(
    scrapyd, project_copy, default_server, tmp_path
):
    europol_server = default_server("europol")
    url, folder = scrapyd
    user_config = tmp_path / "xdg"
    user_config.mkdir()
    (user_config / "scrapy.cfg").write_text(f"[deploy:test]\nurl = {url}\n")
    deployed = subprocess.run(
        ["scrapyd-deploy", "test", "--version", "t1"],
        cwd=project_copy, env=clean_env(XDG_CONFIG_HOME=str(user_config)),
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert deployed.returncode == 0, deployed.stderr + deployed.stdout
    answer = json.loads(deployed.stdout)
    assert answer["status"] == "ok"
    assert answer["project"] == PROJECT

    spiders = get_json(url + f"listspiders.json?project={PROJECT}")
    assert {"europol", "europarl"} <= set(spiders["spiders"])
    scheduled = post_json(
        url + "schedule.json",
        [("project", PROJECT), ("spider", "europol"), ("base_url", europol_server.origin)],
    )
    assert scheduled["status"] == "ok", scheduled
    job = scheduled["jobid"]
    poll(
        lambda: get_json(url + f"status.json?job={job}&project={PROJECT}"),
        180,
        lambda a: a.get("currstate") == "finished",
    )
    items_file = folder / "items" / PROJECT / "europol" / f"{job}.jl"
    log = (folder / "logs" / PROJECT / "europol" / f"{job}.log").read_text()
    assert items_file.exists(), log[-3000:]
    assert "'finish_reason': 'finished'" in log
    assert "validation/dropped" not in log

    direct = run_crawl("europol", europol_server.origin, tmp_path)
    assert direct.exit_code == 0, direct.stderr

    def comparable(items):
        return sorted(
            ({k: v for k, v in item.items() if k != "scraped_at"} for item in items),
            key=lambda item: item["id"],
        )

    from_scrapyd = [json.loads(line) for line in items_file.read_text("utf-8").splitlines()]
    assert len(from_scrapyd) == len(direct.items) > 0
    assert comparable(from_scrapyd) == comparable(direct.items)
