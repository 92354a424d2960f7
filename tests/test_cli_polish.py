"""Issue 10, findings 4, 5, 10 and 11: what a new user meets first, failing loudly and clearly.

Unreachable sites without tracebacks, kept pages that re-extract to the same items, refused
spider arguments and ``extract`` inputs, readable error reasons, and a demo that reads like the
real newsroom (served by ``serve-demo``, crawled by plain ``scrapy crawl`` too).
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest
from scrapy.exceptions import UsageError
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from newsroom_scraper.errors import ExtractionError
from newsroom_scraper.mirror import MirrorServer, MirrorSite
from newsroom_scraper.report import RunReport, report_error
from newsroom_scraper.spiders import registered_sites
from newsroom_scraper.spiders.europol import EuropolPage, EuropolSpider
from tests.helpers import REPO, cli_env, free_port, run_cli
from tests.mirrors import europarl as europarl_mirror
from tests.mirrors import europol as mirror

if TYPE_CHECKING:
    from pathlib import Path

SITES = list(registered_sites())
#: Fields that say when an item was made or how the dataset keeps it, not what the page holds.
BOOKKEEPING = {"scraped_at", "version", "first_seen", "last_changed", "removed", "removed_at"}


# -- finding 4: an unreachable site is one line, no traceback ---------------------------------


def closed_origin() -> str:
    return f"http://127.0.0.1:{free_port()}"  # nothing listens there


@pytest.mark.parametrize("target", ["closed-port", "unresolvable-host"])
def test_unreachable_site_prints_no_traceback(target: str, tmp_path: Path):
    origin = closed_origin() if target == "closed-port" else "http://nonexistent.invalid"
    done = run_cli("crawl", "europol", "--base-url", origin, "--out", str(tmp_path / "o.jsonl"),
                   "--data-dir", str(tmp_path / "data"))  # fmt: skip
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) < 20, done.stderr
    host = origin.removeprefix("http://")
    last = done.stderr.splitlines()[-1]
    assert last.startswith(f"newsroom-scraper: error: cannot reach {host} ("), last


def test_debug_log_level_keeps_the_tracebacks(tmp_path: Path):
    done = run_cli("crawl", "europol", "--base-url", closed_origin(), "--out",
                   str(tmp_path / "o.jsonl"), "--log-level", "DEBUG")  # fmt: skip
    assert done.returncode == 4
    assert "Traceback (most recent call last)" in done.stderr


# -- finding 5: every kept page re-extracts to the item it gave -------------------------------


def test_kept_pages_reextract_to_the_same_items(tmp_path: Path):
    articles = mirror.default_articles()
    for article in articles[-4:]:  # more articles answered by the node API only
        article.embedded = False
    assert sum(not a.embedded for a in articles) >= 4
    server = MirrorServer(mirror.build_site(articles)).start()
    data_dir = tmp_path / "data"
    try:
        crawl = run_cli("crawl", "europol", "--base-url", server.origin, "--data-dir",
                        str(data_dir), "--keep-pages", "--log-file", str(tmp_path / "log"))  # fmt: skip
    finally:
        server.stop()
    assert crawl.returncode == 0, crawl.stderr
    dataset = {
        item["id"]: item
        for item in map(json.loads, (data_dir / "europol.jsonl").read_text("utf-8").splitlines())
    }
    assert len(dataset) == len(articles)
    kept = sorted((data_dir / "pages" / "europol").glob("*.gz"))
    assert len(kept) == len(articles)
    api_answers = [p for p in kept if gzip.decompress(p.read_bytes()).lstrip().startswith(b"{")]
    assert len(api_answers) == sum(not a.embedded for a in articles)
    done = run_cli("extract", "--site", "europol", *map(str, kept))
    assert done.returncode == 0, done.stderr
    extracted = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(extracted) == len(kept)
    for item in extracted:
        expected = {k: v for k, v in dataset[item["id"]].items() if k not in BOOKKEEPING}
        assert {k: v for k, v in item.items() if k not in BOOKKEEPING} == expected, item["id"]


# -- finding 10: refused arguments, extract's inputs, readable reasons ------------------------


@pytest.mark.parametrize("site", SITES)
def test_unknown_spider_argument_is_a_usage_error_listing_the_accepted_ones(site: str):
    spidercls = registered_sites()[site]
    with pytest.raises(UsageError, match="nosucharg") as caught:
        spidercls.check_arguments(nosucharg="1")
    for name in ("since", "until", "limit", "base_url", "discovery"):
        assert name in str(caught.value)
    done = run_cli("crawl", site, "-a", "nosucharg=1")
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "nosucharg" in done.stderr
    assert "base_url" in done.stderr


def test_each_site_accepts_its_own_arguments_and_only_those():
    europarl = registered_sites()["europarl"]
    govuk = registered_sites()["govuk"]
    europarl.check_arguments(lang="fr")
    govuk.check_arguments(organisation="home-office")
    assert "lang" in europarl.accepted_arguments(public=True)
    assert "organisation" in govuk.accepted_arguments(public=True)
    with pytest.raises(UsageError, match="lang"):
        govuk.check_arguments(lang="fr")
    registered_sites()["europol"].check_arguments(_job="abc123")  # what Scrapyd passes


def test_extract_refuses_a_url_that_is_not_http_before_reading_anything(tmp_path: Path):
    done = run_cli("extract", "--site", "europol", "--url", "ftp://x", str(tmp_path / "absent"))
    assert done.returncode == 2
    assert "--url 'ftp://x'" in done.stderr
    assert "absent" not in done.stderr, "refused before any file was opened"


def test_extract_says_what_a_file_is_when_it_is_not_a_page(tmp_path: Path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    binary = tmp_path / "image.html"
    binary.write_bytes(mirror.sample_png())
    other = tmp_path / "europarl.html"
    other.write_bytes(europarl_mirror.article_page(europarl_mirror.default_articles()[0]))
    done = run_cli("extract", "--site", "europol", str(empty), str(binary), str(other))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0].startswith(f"{empty}: empty_file: ")
    assert lines[1].startswith(f"{binary}: binary_file: ")
    assert lines[2].startswith(f"{other}: other_site: a page of europarl")
    assert "--site europarl" in lines[2]
    assert len(lines) == 3


@pytest.mark.parametrize("published", ["not a date", 1e300, {"a": 1}, "2019-13-45"])
def test_a_bad_field_value_gives_one_readable_reason(published: Any):
    node = mirror.default_articles()[0].node()
    node["published"] = published
    body = json.dumps(node).encode()
    response = TextResponse(url=mirror.PUBLIC + "/x", body=body, encoding="utf-8")
    with pytest.raises(ExtractionError) as caught:
        EuropolPage(response, EuropolSpider.offline_context()).to_item()
    reason = caught.value.reason
    assert reason.startswith("published: "), reason
    assert "ChainMap" not in reason
    assert "functools.partial" not in reason
    assert "\n" not in reason
    assert len(reason) <= 200


def test_reported_reasons_are_one_line():
    crawler = get_crawler(EuropolSpider, {"EXTENSIONS": {RunReport: 0}})
    report = RunReport(crawler)
    report_error(crawler, "extraction", "https://x/a", "line one\n  line two " + "x" * 1000)
    (record,) = report.errors
    assert "\n" not in record.reason
    assert record.reason.startswith("line one line two x")
    assert len(record.reason) <= 300


# -- finding 11: the demo reads like the newsroom; serving it; plain Scrapy --------------------


def test_demo_articles_read_like_real_ones(tmp_path: Path):
    from newsroom_scraper.cli import demo_folder

    done = run_cli("crawl", "europol", "--demo", "--data-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    items = [
        json.loads(line)
        for line in (tmp_path / "demo" / "europol.jsonl").read_text("utf-8").splitlines()
    ]
    assert len(items) == 14
    shipped = MirrorSite.load(demo_folder("europol"))
    for item in items:
        assert item["word_count"] >= 100, item["id"]
        assert len(item["body"].split("\n\n")) >= 5, item["id"]
        assert item["lead"], item["id"]
        assert item["taxonomy"]["crime_areas"], item["id"]
        assert item["body"].endswith("is not a Europol publication."), item["id"]
        assert "Body." not in item["body"]
        for attachment in item["attachments"]:
            assert "youtube" not in attachment["url"]
            path = attachment["url"].removeprefix(mirror.PUBLIC)
            page = shipped.get(path)
            assert page is not None, attachment["url"]
            assert page.status == 200, attachment["url"]
            assert page.body, attachment["url"]
    kinds = {a["kind"] for item in items for a in item["attachments"]}
    assert kinds == {"document", "image", "video"}
    pdfs = [p for p in shipped.pages.values() if p.content_type == "application/pdf"]
    assert pdfs
    assert all(p.body.startswith(b"%PDF-") for p in pdfs)


def test_serve_demo_serves_the_sample_for_plain_scrapy_until_stopped(tmp_path: Path):
    command = [sys.executable, "-m", "newsroom_scraper.cli", "serve-demo", "europol", "--port", "0"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO,
        env=cli_env(),
    ) as server:  # fmt: skip
        try:
            assert server.stdout is not None
            first = server.stdout.readline()
            assert first.startswith("Serving the offline sample of europol"), first
            origin = first.split(" at ", 1)[1].split(";", 1)[0]
            with urllib.request.urlopen(origin + "/media-press/newsroom", timeout=10) as answer:
                assert answer.status == 200
            out = tmp_path / "items.jsonl"
            scrapy = subprocess.run(
                [sys.executable, "-m", "scrapy", "crawl", "europol", "-a", f"base_url={origin}",
                 "-O", str(out), "-s", "LOG_LEVEL=WARNING"],
                capture_output=True, text=True, cwd=REPO, env=cli_env(), timeout=240,
                check=False,
            )  # fmt: skip
            assert scrapy.returncode == 0, scrapy.stderr
            assert len(out.read_text("utf-8").splitlines()) == 14
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert server.returncode == 0


def test_serve_demo_on_a_busy_port_is_one_line(tmp_path: Path):
    busy = MirrorServer(MirrorSite())  # bound and listening: the port is taken
    try:
        port = busy.origin.rsplit(":", 1)[1]
        done = run_cli("serve-demo", "europol", "--port", port)
    finally:
        busy.stop()
    assert done.returncode == 2
    assert done.stderr.startswith(f"newsroom-scraper: error: cannot serve on 127.0.0.1:{port}")
    assert done.stderr.count("\n") == 1


def test_plain_scrapy_crawl_of_nothing_fails_loudly(tmp_path: Path):
    scrapy = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "europol", "-a", f"base_url={closed_origin()}",
         "-O", str(tmp_path / "items.jsonl"), "-s", "LOG_LEVEL=WARNING"],
        capture_output=True, text=True, cwd=REPO, env=cli_env(), timeout=240, check=False,
    )  # fmt: skip
    assert scrapy.returncode == 4, scrapy.stderr
    assert "scrapy crawl: exit code 4: the site could not be reached at all" in scrapy.stderr
    assert "Traceback" not in scrapy.stderr


def test_plain_scrapy_crawl_refuses_an_unknown_argument_as_a_usage_error():
    scrapy = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "europol", "-a", "nosucharg=1"],
        capture_output=True, text=True, cwd=REPO, env=cli_env(), timeout=240, check=False,
    )  # fmt: skip
    assert scrapy.returncode == 2, scrapy.stderr
    assert "europol has no spider argument 'nosucharg'" in scrapy.stderr + scrapy.stdout
    assert "Traceback" not in scrapy.stderr


def test_plain_scrapy_crawl_of_an_unknown_spider_is_a_usage_error():
    scrapy = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "nosuch"],
        capture_output=True, text=True, cwd=REPO, env=cli_env(), timeout=240, check=False,
    )  # fmt: skip
    assert scrapy.returncode == 2, scrapy.stderr
    assert "unknown spider 'nosuch'" in scrapy.stderr + scrapy.stdout
    assert "europol" in scrapy.stderr + scrapy.stdout  # the known ones are listed
    assert "Traceback" not in scrapy.stderr
