"""What a new user met in the CLI and its summary: generic datasets for `stats` and `export`,
the host an unreachable crawl names, `--demo` options, `extract --url`, broken pipes, `export
--out -`, the worker's and the exit-5 summary lines, the `Discovery:` line, `--log-file` errors.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from newsroom_scraper.cli import CliError, dataset_of, serving_lines
from newsroom_scraper.report import EXIT_CODES_DOC, EXIT_READER_CLOSED, EXIT_SHAPE_CHANGED
from tests.analysis_data import record, write_dataset
from tests.helpers import REPO, cli_env, free_port, run_cli
from tests.test_distributed import WORKER_SETTINGS, redis_port, redis_url  # noqa: F401  (fixtures)
from tests.test_shape_change import crawl as shape_crawl
from tests.test_shape_change import newsroom  # noqa: F401  (a fixture)

if TYPE_CHECKING:
    from collections.abc import Callable

    from newsroom_scraper.mirror import MirrorServer

GENERIC = "generic-ministry.example"
DEMO_PAGE = REPO / "newsroom_scraper" / "demo" / "europol" / "pages" / "00029.html"


def records(count: int) -> list[dict[str, object]]:
    return [record(n, f"2024-0{1 + n % 9}-0{1 + n % 9}T10:00:00Z") for n in range(count)]


# -- 2: generic datasets by name or URL -----------------------------------------------------------


def test_stats_and_export_read_a_generic_dataset_by_its_name_or_its_url(tmp_path: Path):
    data = tmp_path / "data"
    dataset = write_dataset(data, records(3), site=GENERIC)
    for name in (GENERIC, "https://ministry.example/news/"):
        done = run_cli("stats", name, "--data-dir", str(data), "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["articles"] == 3
    out = tmp_path / "copy.jsonl"
    done = run_cli("export", "--site", GENERIC, "--data-dir", str(data), "--format", "jsonl",
                   "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == dataset.read_bytes()


def test_dataset_names_are_the_ones_crawl_makes():
    assert dataset_of("europol") == "europol"
    assert dataset_of("generic-127.0.0.1-8080") == "generic-127.0.0.1-8080"
    assert dataset_of("http://127.0.0.1:8080/news?page=2") == "generic-127.0.0.1-8080"
    assert dataset_of("https://Ministry.Example/news/") == GENERIC


@pytest.mark.parametrize(
    "name",
    ["nosuch", "../europol", "generic-../europol", "generic-a/b", "generic-", "generic-.",
     "generic-Ministry.example", "generic-host:80", "generic-a..b", "generic-a@b",
     "generic-a?b", "/etc/passwd"],
)  # fmt: skip
def test_other_dataset_names_are_refused(name: str):
    with pytest.raises(CliError, match="unknown site or dataset"):
        dataset_of(name)


def test_an_unknown_dataset_is_one_line_and_exit_2(tmp_path: Path):
    for command in (["stats", "generic-../x"],
                    ["export", "--site", "x/y", "--format", "jsonl", "--out", "o.jsonl"]):  # fmt: skip
        done = run_cli(*command, "--data-dir", str(tmp_path), cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1, done.stderr
        assert "unknown site or dataset" in done.stderr
    bad_url = run_cli("stats", "https://user@host.example/x", "--data-dir", str(tmp_path))
    assert bad_url.returncode == 2, bad_url.stderr
    assert bad_url.stderr.count("\n") == 1, bad_url.stderr


# -- 3: the host a generic crawl tried ----------------------------------------------------------


def test_cannot_reach_names_the_host_a_generic_crawl_tried(tmp_path: Path):
    host = f"127.0.0.1:{free_port()}"  # nothing listens there
    done = run_cli("crawl", f"http://{host}/news", "--out", str(tmp_path / "g.jsonl"))
    assert done.returncode == 4, done.stderr
    last = done.stderr.splitlines()[-1]
    assert last.startswith(f"newsroom-scraper: error: cannot reach {host} ("), last
    assert "newsroom.example.org" not in done.stderr


# -- 4 and 11: --demo, its data directory, the Discovery line ------------------------------------


@pytest.mark.parametrize("option", [["--base-url", "http://127.0.0.1:9"],
                                    ["-a", "base_url=http://127.0.0.1:9"]])  # fmt: skip
def test_demo_refuses_a_base_url(option: list[str], tmp_path: Path):
    done = run_cli("crawl", "europol", "--demo", *option, "--data-dir", str(tmp_path))
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "--demo" in done.stderr
    assert "--base-url" in done.stderr
    assert not (tmp_path / "demo").exists()


def test_demo_writes_under_data_dir_demo_and_the_summary_says_where(tmp_path: Path):
    help_text = " ".join(run_cli("crawl", "--help").stdout.split())
    assert "into <data dir>/demo/" in help_text
    done = run_cli("crawl", "europol", "--demo", "--data-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    demo = tmp_path / "demo"
    assert f"Output: {demo / 'europol.jsonl'} (14 articles)" in done.stderr
    report = re.search(r"^Report: (.+)$", done.stderr, re.MULTILINE)
    assert report is not None, done.stderr
    assert Path(report[1]).parent == demo / "runs" / "europol"
    assert Path(report[1]).is_file()
    discovery = re.search(r"^Discovery: (.+)$", done.stderr, re.MULTILINE)
    assert discovery is not None, done.stderr
    keys = [pair.split("=")[0] for pair in discovery[1].split(", ")]
    assert {"mode", "path"} <= set(keys)
    stable = re.compile(r"mode|path|[a-z0-9_]+/(pages|articles)")
    assert all(stable.fullmatch(key) for key in keys), keys
    # The internal counters stay in the run report.
    internal = json.loads(Path(report[1]).read_text("utf-8"))["discovery"]
    assert "discovery/state" in internal
    assert any(key.startswith("discovery/transitions/") for key in internal)


# -- 5 and 6: extract --url, serve-demo ----------------------------------------------------------


def test_extract_help_says_when_url_is_used_and_what_site_and_file_are():
    done = run_cli("extract", "--help")
    text = " ".join(done.stdout.split())
    assert "that do not name their own" in text
    assert "canonical link, og:url, JSON-LD" in text
    assert "wins over it" in text
    assert "--site SITE the newsroom the pages come from" in text
    assert "FILE a saved page" in text


def test_a_page_that_names_itself_keeps_its_url_whatever_url_says():
    done = run_cli("extract", "--site", "europol", "--url",
                   "https://www.europol.europa.eu/media-press/newsroom/news/other", str(DEMO_PAGE))  # fmt: skip
    assert done.returncode == 0, done.stderr
    url = json.loads(done.stdout)["url"]
    assert url.endswith("/news/conference-on-drug-markets-in-europe")


def test_serve_demo_says_plain_scrapy_runs_from_the_repository():
    lines = serving_lines("europol", Path("/x"), "http://127.0.0.1:8080").splitlines()
    assert lines[1].strip().startswith("newsroom-scraper crawl europol --base-url ")
    assert "scrapy crawl europol" in lines[2]
    assert "from the repository" in lines[2]


# -- 7 and 8: a reader that stops early; export to standard output -------------------------------


def closed_pipe_run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """``newsroom-scraper ARGS`` whose standard output is a pipe without a reader (as after
    ``| head`` exits): every write to it fails with EPIPE."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [sys.executable, "-m", "newsroom_scraper.cli", *args], stdout=write,
            stderr=subprocess.PIPE, text=True, cwd=cwd, env=cli_env(), timeout=240, check=False,
        )  # fmt: skip
    finally:
        os.close(write)


@pytest.fixture
def europol_dataset(tmp_path: Path) -> Path:
    write_dataset(tmp_path / "data", records(5))
    return tmp_path / "data"


@pytest.mark.parametrize(
    "command",
    [["schema"], ["stats", "europol"], ["stats", "europol", "--json"],
     ["export", "--site", "europol", "--format", "csv", "--out", "-"],
     ["extract", "--site", "europol", str(DEMO_PAGE)]],
)  # fmt: skip
def test_a_reader_that_stops_early_is_exit_141_without_a_traceback(
    command: list[str], europol_dataset: Path
):
    if command[0] in {"stats", "export"}:
        command = [*command, "--data-dir", str(europol_dataset)]
    done = closed_pipe_run(*command, cwd=europol_dataset)
    assert done.returncode == EXIT_READER_CLOSED, done.stderr
    assert done.stderr == ""
    assert not (europol_dataset / "-").exists()


def test_crawl_to_a_closed_standard_output_says_the_reader_closed_it(
    default_server: Callable[[str], MirrorServer], tmp_path: Path
):
    done = closed_pipe_run("crawl", "europol", "--base-url", default_server("europol").origin,
                           "--out", "-", "--log-file", str(tmp_path / "crawl.log"))  # fmt: skip
    assert done.returncode == EXIT_READER_CLOSED, done.stderr
    assert "Not written: standard output closed by the reader" in done.stderr
    assert f"Exit code 141: {EXIT_CODES_DOC[EXIT_READER_CLOSED]}" in done.stderr
    assert "previous file" not in done.stderr
    assert "Traceback" not in done.stderr
    assert "Exception ignored" not in done.stderr


def test_export_writes_csv_and_jsonl_to_standard_output(europol_dataset: Path):
    common = ["--site", "europol", "--data-dir", str(europol_dataset), "--out", "-"]
    jsonl = run_cli("export", *common, "--format", "jsonl", cwd=europol_dataset)
    assert jsonl.returncode == 0, jsonl.stderr
    assert jsonl.stdout == (europol_dataset / "europol.jsonl").read_text("utf-8")
    assert "to standard output" in jsonl.stderr
    csv = run_cli("export", *common, "--format", "csv", cwd=europol_dataset)
    assert csv.returncode == 0, csv.stderr
    assert csv.stdout.startswith("id,site,")
    assert csv.stdout.count("\neuropol:") == 5  # (the child's stdout is read as text: \r\n -> \n)
    parquet = run_cli("export", *common, "--format", "parquet", cwd=europol_dataset)
    assert parquet.returncode == 2, parquet.stderr
    assert parquet.stderr.count("\n") == 1
    assert "Parquet is not written to standard output" in parquet.stderr
    assert not (europol_dataset / "-").exists()


# -- 9 and 10: the worker's Output line, the kept previous versions -------------------------------


def test_a_workers_output_line_counts_its_run_file(
    redis_url: str,  # noqa: F811
    default_server: Callable[[str], MirrorServer],
    tmp_path: Path,
):
    settings = [arg for name, value in WORKER_SETTINGS.items() for arg in ("-s", f"{name}={value}")]
    done = run_cli("crawl", "europol", "--base-url", default_server("europol").origin,
                   "--data-dir", str(tmp_path), "--redis", redis_url, "--worker", "w1",
                   "--log-file", str(tmp_path / "w1.log"), *settings)  # fmt: skip
    assert done.returncode == 0, done.stderr
    output = re.search(r"^Output: (.+) \((\w+) items: this worker's run file\)$", done.stderr,
                       re.MULTILINE)  # fmt: skip
    assert output is not None, done.stderr
    lines = Path(output[1]).read_text("utf-8").splitlines()
    assert output[2] == str(len(lines)) != "0"


def test_the_dataset_line_of_an_exit_5_run_adds_up(
    newsroom: tuple[MirrorServer, list[Any]],  # noqa: F811
    tmp_path: Path,
):
    from tests.mirrors import europol as mirror

    server, articles = newsroom
    data_dir = tmp_path / "data"
    assert shape_crawl(server, data_dir).returncode == 0
    server.site = mirror.build_site(articles, per_page=5, changed_shape=True)
    second = shape_crawl(server, data_dir)
    assert second.returncode == EXIT_SHAPE_CHANGED, second.stderr
    assert (
        "Dataset: 0 new, 0 updated, 0 unchanged, 0 removed, 12 previous versions kept"
        in second.stderr
    )


# -- 12: --log-file under a regular file ---------------------------------------------------------


def test_log_file_under_a_regular_file_says_not_a_directory(tmp_path: Path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    done = run_cli("crawl", "europol", "--log-file", str(afile / "x.log"),
                   "--out", str(tmp_path / "o.jsonl"))  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"--log-file {afile / 'x.log'}: [Errno 20] Not a directory" in done.stderr
