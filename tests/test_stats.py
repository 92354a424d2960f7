"""``newsroom-scraper stats SITE``: the terminal summary, ``--json`` and the ``--html`` report.

The HTML report is checked as a document (self-contained, charts as inline SVG, every value from
a newsroom escaped, links only ``https:``) and, where Debian's ``chromium`` is installed, as a
browser sees it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import TYPE_CHECKING, Any

import pytest
from lxml import html as lxml_html

from tests.analysis_data import awkward_records, record, term, write_dataset, write_run_report
from tests.helpers import run_cli

if TYPE_CHECKING:
    from pathlib import Path

HOSTILE_TITLE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
HOSTILE_LABEL = "--><script>alert(3)</script> $5 and $10 <b onmouseover=alert(4)>"
HOSTILE_TYPE = "</title><script>alert(7)</script>"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """The awkward dataset and three run reports (one failed)."""
    folder = tmp_path / "data"
    write_dataset(folder, awkward_records())
    write_run_report(folder, "2024-02-01T100000.000000Z", new=5)
    write_run_report(folder, "2024-02-02T100000.000000Z", new=1, updated=2, removed=1, errors=3)
    write_run_report(folder, "2024-02-03T100000.000000Z", unchanged=5)
    return folder


def stats(*args: str) -> subprocess.CompletedProcess[str]:
    done = run_cli("stats", *args)
    assert done.returncode == 0, done.stderr
    return done


# -- terminal and JSON ----------------------------------------------------------------------------


def test_summary_on_the_terminal(data_dir: Path) -> None:
    out = stats("europol", "--data-dir", str(data_dir)).stdout
    assert out.splitlines()[0].startswith("europol: 5 articles (1 removed)")
    assert "Published: 2022-03-15 to 2024-01-10" in out
    assert "Content types: Press Release 3, News 2" in out
    assert re.search(r"^  2022 +2  █+$", out, re.MULTILINE)
    # by published_date, the site's own day: 2023-12-31T23:00:00Z is 2024-01-01 in The Hague
    assert re.search(r"^  2023 +1  █+$", out, re.MULTILINE)
    assert re.search(r"^  2024 +2  █+$", out, re.MULTILINE)
    assert "  crime_areas: Cybercrime (2), Drug trafficking (2)" in out
    assert "  related_countries: Spain (1), Italy (1)" in out
    assert re.search(r"^  lead +60%$", out, re.MULTILINE)  # one null, one empty
    assert re.search(r"^  taxonomy\.target_groups +40%$", out, re.MULTILINE)
    assert (
        "Last run: 2024-02-03T10:00:00Z, success (exit 0), 12.5 s: 0 new, 0 updated, 5 unchanged,"
        " 0 removed, 0 errors (3 runs in all)" in out
    )
    assert len(out.splitlines()) < 40  # short


def test_summary_as_json(data_dir: Path) -> None:
    data = json.loads(stats("europol", "--data-dir", str(data_dir), "--json").stdout)
    assert data["articles"] == 5
    assert data["removed"] == 1
    assert data["published"] == {"first": "2022-03-15", "last": "2024-01-10"}
    assert data["per_year"] == {"2022": 2, "2023": 1, "2024": 2}
    assert data["top_labels"]["crime_areas"] == [
        {"label": "Cybercrime", "articles": 2}, {"label": "Drug trafficking", "articles": 2}
    ]  # fmt: skip
    assert data["coverage"]["attachments"] == 0.2
    assert data["coverage"]["taxonomy.related_countries"] == 0.2
    assert data["runs"] == 3
    assert data["last_run"]["unchanged"] == 5
    assert data["last_run"]["started"] == "2024-02-03T10:00:00Z"


def test_years_without_articles_are_shown(tmp_path: Path) -> None:
    write_dataset(tmp_path, [record(2, "2024-01-01T00:00:00Z"), record(1, "2020-06-01T00:00:00Z")])
    data = json.loads(stats("europol", "--data-dir", str(tmp_path), "--json").stdout)
    assert data["per_year"] == {"2020": 1, "2021": 0, "2022": 0, "2023": 0, "2024": 1}
    assert data["last_run"] is None
    out = stats("europol", "--data-dir", str(tmp_path)).stdout
    assert "Last run: no run report" in out


def test_missing_dataset_is_one_line(tmp_path: Path) -> None:
    done = run_cli("stats", "europol", "--data-dir", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr == (
        f"newsroom-scraper: error: {tmp_path / 'europol.jsonl'}: no such dataset "
        "(crawl the site first, or pass --data-dir)\n"
    )


def test_a_broken_line_names_the_file_and_line(tmp_path: Path) -> None:
    path = write_dataset(tmp_path, [record(1, "2024-01-01T00:00:00Z")])
    path.write_text(path.read_text("utf-8") + "{not json\n", encoding="utf-8")
    done = run_cli("stats", "europol", "--data-dir", str(tmp_path))
    assert done.returncode == 1
    assert f"{path}:2: not a JSON object" in done.stderr


def test_json_and_html_exclude_each_other(tmp_path: Path) -> None:
    done = run_cli("stats", "europol", "--json", "--html", str(tmp_path / "r.html"))
    assert done.returncode == 2
    assert "not allowed with argument" in done.stderr


# -- HTML -----------------------------------------------------------------------------------------


def hostile_dataset(folder: Path) -> None:
    """A file no crawl would write (the item schema refuses javascript: URLs): what the report
    must survive anyway."""
    records = awkward_records()
    records[0]["title"] = HOSTILE_TITLE
    records[0]["url"] = 'https://www.europol.europa.eu/x"onmouseover="alert(6)'
    records[0]["taxonomy"]["crime_areas"].append(term(HOSTILE_LABEL, "javascript:alert(5)"))
    records[1]["content_type"] = HOSTILE_TYPE
    records[2]["url"] = "javascript:alert(8)//https://www.europol.europa.eu/"
    write_dataset(folder, records, validate=False)
    write_run_report(folder, "2024-02-01T100000.000000Z", new=5)


def report(data_dir: Path, out: Path) -> Any:
    done = run_cli("stats", "europol", "--data-dir", str(data_dir), "--html", str(out))
    assert done.returncode == 0, done.stderr
    assert f"written to {out}" in done.stderr
    return lxml_html.fromstring(out.read_bytes())


def test_html_report_is_self_contained_with_svg_charts(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    page = report(data_dir, out)
    text = out.read_text("utf-8")
    figures = page.xpath("//figure")
    assert len(figures) == 4  # per month, labels over time, coverage, history
    for figure in figures:
        svg = figure.xpath("./svg")
        assert svg, "every chart is an inline SVG"
        assert svg[0].xpath(".//path"), "drawn (text as paths, no font needed)"
    assert "Matplotlib" in text  # made by the plotting library, not by hand
    # Nothing to fetch: no script, stylesheet, image or frame; no URL in CSS.
    assert not page.xpath("//script | //link | //img | //iframe | //object | //embed")
    assert not re.search(r"url\(|@import", "".join(page.xpath("//style/text()")))
    assert not list(page.xpath("//@src"))
    csp = page.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert csp
    assert csp[0].startswith("default-src 'none'")
    # the run history table: newest first, the failed run flagged
    rows = [
        [cell.text_content().strip() for cell in row.xpath("td")]
        for row in page.xpath("//section[h2='Incremental history']//tr[td]")
    ]
    assert [row[:2] for row in rows] == [
        ["2024-02-03 10:00:00", "success"],
        ["2024-02-02 10:00:00", "errors above the threshold"],
        ["2024-02-01 10:00:00", "success"],
    ]
    assert rows[1][2:7] == ["1", "2", "0", "1", "3"]  # new, updated, unchanged, removed, errors


def test_html_report_escapes_everything_from_a_newsroom(tmp_path: Path) -> None:
    hostile_dataset(tmp_path / "data")
    out = tmp_path / "report.html"
    page = report(tmp_path / "data", out)
    text = out.read_text("utf-8")
    # Nothing runs: no script element, no event attribute, anywhere (SVG included).
    assert not page.xpath("//script")
    assert "<script" not in text.lower()
    assert not [a for a in page.xpath("//@*") if a.attrname.lower().startswith("on")]
    # The hostile values are there, as text.
    body_text = page.text_content()
    for value in (HOSTILE_TITLE, HOSTILE_LABEL, HOSTILE_TYPE):
        assert value in body_text
    assert page.xpath("//title")[0].text == "europol: dataset report"
    # Links: plain https only; the javascript: ones are shown as text, not linked.
    hrefs = page.xpath("//a/@href")
    assert hrefs
    assert all(href.startswith("https://") for href in hrefs), hrefs
    assert not any("javascript:" in href.lower() for href in page.xpath("//@href"))
    assert page.xpath("//a[contains(@href, 'onmouseover')]")[0].text == HOSTILE_TITLE
    assert "Article 3" in body_text
    assert not page.xpath("//a[text()='Article 3']")


def test_html_report_of_edge_datasets(tmp_path: Path) -> None:
    """One month, no taxonomy, no runs, a single article: still a page, without empty charts."""
    write_dataset(tmp_path, [record(1, "2024-05-02T10:00:00Z", taxonomy={})])
    page = report(tmp_path, tmp_path / "report.html")
    titles = [h.text for h in page.xpath("//section/h2")]
    assert titles == ["Articles per month", "Field coverage", "Incremental history",
                      "Newest articles"]  # fmt: skip
    assert "No run report" in page.text_content()
    (tmp_path / "europol.jsonl").write_text("", encoding="utf-8")
    page = report(tmp_path, tmp_path / "empty.html")
    assert [h.text for h in page.xpath("//section/h2")] == ["Incremental history"]
    assert stats("europol", "--data-dir", str(tmp_path)).stdout.startswith(
        "europol: 0 articles (0 removed)"
    )


def test_html_report_needs_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    from newsroom_scraper import cli

    write_dataset(tmp_path, [record(1, "2024-01-01T00:00:00Z")])
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out = tmp_path / "r.html"
    code = cli.main(["stats", "europol", "--data-dir", str(tmp_path), "--html", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        "newsroom-scraper: error: stats --html needs the analysis extra (matplotlib is not "
        "installed): pip install 'newsroom-scraper[analysis]'\n"
    )
    assert not out.exists()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_html_report_in_a_browser(tmp_path: Path) -> None:
    """What a browser makes of the hostile report: the DOM after load holds no script and no
    injected element, the titles are text; the page renders to a PNG."""
    assert CHROMIUM is not None
    hostile_dataset(tmp_path / "data")
    out = tmp_path / "report.html"
    report(tmp_path / "data", out)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", out.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout  # fmt: skip
    page = lxml_html.fromstring(dom)
    assert not page.xpath("//script")
    assert not page.xpath("//img | //b")  # the title's <img>, the label's <b>: text, not elements
    assert HOSTILE_TITLE in page.text_content()
    png = tmp_path / "report.png"
    subprocess.run([CHROMIUM, *flags, "--window-size=1200,2000", f"--screenshot={png}",
                    out.as_uri()], capture_output=True, timeout=120, check=True)  # fmt: skip
    assert png.read_bytes().startswith(b"\x89PNG")


def test_an_html_report_that_cannot_be_written_names_the_file_and_exits_6(tmp_path: Path) -> None:
    write_dataset(tmp_path, [record(1, "2024-01-01T00:00:00Z")])
    (tmp_path / "a-file").write_text("not a folder")
    target = tmp_path / "a-file" / "report.html"
    done = run_cli("stats", "europol", "--data-dir", str(tmp_path), "--html", str(target))
    if "analysis" in done.stderr and "pip install" in done.stderr:
        pytest.skip("the analysis extra is not installed")
    assert done.returncode == 6, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"newsroom-scraper: error: cannot write {target}: [Errno 20] Not a directory: {tmp_path / 'a-file'}"
    ]
