"""``crawl --keep-pages`` then ``extract``: every kept page gives the item the crawl gave.

Issue 10, finding 5. A Europol article whose shell has no data is read from the node API, which
carries no site menu: the crawl lends it the menu's URLs for its taxonomy terms without one, and
the archive keeps those hints beside the page (``index.jsonl``), so that ``extract`` reading the
kept file alone, in any order, builds the same item.
"""

from __future__ import annotations

import gzip
import io
import json
import random
from typing import TYPE_CHECKING, Any

from newsroom_scraper.extract import extract_files
from newsroom_scraper.items import BOOKKEEPING_FIELDS
from newsroom_scraper.middlewares import PageArchiveMiddleware
from newsroom_scraper.mirror import MirrorServer
from newsroom_scraper.spiders.europol import MENU_URLS, EuropolSpider
from tests.helpers import run_cli, run_cli_stats
from tests.mirrors import europol as mirror

if TYPE_CHECKING:
    from pathlib import Path

#: What the dataset adds to an item, and when it was made: not what the page holds.
NOT_PAGE_FIELDS = BOOKKEEPING_FIELDS | {"scraped_at"}
PUBLIC = mirror.PUBLIC


def articles_without_data(*positions: int) -> list[mirror.Article]:
    """The default newsroom, the articles at ``positions`` (newest first) read from the node
    API only, each with taxonomy terms that only the site menu gives a URL."""
    articles = mirror.default_articles()
    for position in positions:
        mirror.without_data(articles[position])
    return articles


def crawl_kept(
    tmp_path: Path, articles: list[mirror.Article], *args: str, **site: Any
) -> tuple[Path, dict[str, Any]]:
    """Crawl the mirror with ``--keep-pages`` into a data directory; it, and the crawl's stats.

    ``run_crawl`` always writes ``--out``, a one-shot export without a data directory, where
    nothing is kept: the crawl here writes the dataset, as a scheduled job does."""
    server = MirrorServer(mirror.build_site(articles, **site)).start()
    data_dir = tmp_path / "data"
    try:
        done = run_cli_stats("crawl", "europol", "--base-url", server.origin, "--data-dir",
                             str(data_dir), "--keep-pages", "--log-file", str(tmp_path / "log"),
                             *args)  # fmt: skip
    finally:
        server.stop()
    assert done.exit_code == 0, done.stderr
    assert done.stats["europol/node_api_fallback"] >= 1
    return data_dir, done.stats


def dataset(data_dir: Path) -> dict[str, dict[str, Any]]:
    lines = (data_dir / "europol.jsonl").read_text("utf-8").splitlines()
    return {record["id"]: record for record in map(json.loads, lines)}


def page_fields(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key not in NOT_PAGE_FIELDS}


def extract(files: list[Path], **options: Any) -> tuple[int, list[dict[str, Any]], str]:
    """``extract`` in this process (the CLI's own function): exit code, items, stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = extract_files(EuropolSpider, files, options.get("url"), out, err)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def is_api_answer(path: Path) -> bool:
    return gzip.decompress(path.read_bytes()).lstrip().startswith(b"{")


def orders(kept: list[Path]) -> dict[str, list[Path]]:
    """The kept files in orders that put a node API answer before or after every shell."""
    answers = [p for p in kept if is_api_answer(p)]
    shells = [p for p in kept if not is_api_answer(p)]
    shuffled = list(kept)
    random.Random(10).shuffle(shuffled)
    return {
        "sorted": sorted(kept),
        "reversed": sorted(kept, reverse=True),
        "shuffled": shuffled,
        "answers_first": answers + shells,
        "answers_last": shells + answers,
        "answers_alone": answers,
    }


def assert_reextracts(data_dir: Path) -> dict[str, dict[str, Any]]:
    """Every kept file, in several orders and one at a time, gives its dataset record again,
    field by field; the crawled records."""
    crawled = dataset(data_dir)
    kept = sorted((data_dir / "pages" / "europol").glob("*.gz"))
    assert len(kept) == len(crawled)
    for name, files in orders(kept).items():
        code, items, errors = extract(files)
        assert (code, errors) == (0, ""), name
        assert len(items) == len(files), name
        for item in items:
            assert item["scraped_at"], name
            assert page_fields(item) == page_fields(crawled[item["id"]]), (name, item["id"])
    for path in kept:  # one at a time: a fresh extract knows no other page
        code, items, errors = extract([path])
        assert (code, errors) == (0, ""), path
        [item] = items
        assert page_fields(item) == page_fields(crawled[item["id"]]), (path.name, item["id"])
    return crawled


#: The terms :func:`tests.mirrors.europol.without_data` gives a node, none with a URL.
MENU_TERMS = ("Migrant smuggling", "Cybercrime", "European Cybercrime Centre - EC3", "Forensics",
              "Not in the menu")  # fmt: skip


def terms_of(record: dict[str, Any]) -> dict[str, str | None]:
    return {
        term["label"]: term["url"]
        for vocabulary in record["taxonomy"].values()
        for term in vocabulary
    }


def test_node_api_articles_reextract_with_the_menu_urls_the_crawl_lent_them(tmp_path: Path):
    positions = (2, 4, 9, len(mirror.default_articles()) - 1)
    articles = articles_without_data(*positions)
    menu_users = [articles[position] for position in positions]
    data_dir, _ = crawl_kept(tmp_path, articles)
    crawled = assert_reextracts(data_dir)
    for article in menu_users:
        # The crawl read the menu from the newsroom page first: the terms have their URLs.
        terms = terms_of(crawled[mirror.expected_id(article)])
        assert {label: terms[label] for label in MENU_TERMS} == {
            "Migrant smuggling": PUBLIC + "/crime-areas/migrant-smuggling",
            "Cybercrime": PUBLIC + "/crime-areas/cybercrime",
            "European Cybercrime Centre - EC3": (
                PUBLIC + "/about-europol/european-cybercrime-centre-ec3"
            ),
            "Forensics": PUBLIC + "/how-we-work/services-support/forensics",
            "Not in the menu": None,
        }
    index = [
        json.loads(line)
        for line in (data_dir / "pages/europol/index.jsonl").read_text().splitlines()
    ]
    hinted = [line for line in index if line.get("hints")]
    assert {line["url"] for line in hinted} == {PUBLIC + article.alias for article in menu_users}
    assert hinted[0]["hints"] == {
        MENU_URLS: {  # only what the item used: the labels without a URL that the menu names
            "migrant smuggling": "/crime-areas/migrant-smuggling",
            "cybercrime": "/crime-areas/cybercrime",
            "european cybercrime centre - ec3": "/about-europol/european-cybercrime-centre-ec3",
            "forensics": "/how-we-work/services-support/forensics",
        }
    }


def test_a_second_visit_of_a_page_without_data_keeps_the_answer_its_item_came_from(
    tmp_path: Path,
):
    """The listing breaks after its first page: the chain walks on from the oldest article
    listed, fetching it a second time for its previous link only. That visit gives no item: it
    must not put the data-less shell back in place of the node API answer."""
    articles = articles_without_data(4, 6)  # 4: the oldest of the first listing page
    data_dir, stats = crawl_kept(tmp_path, articles, api_fails_from_page=1)
    assert stats["discovery/path"] == "listing+chain"
    data_less = sum(not article.embedded for article in articles)
    assert stats["europol/node_api_fallback"] > data_less, "a page without data visited twice"
    crawled = assert_reextracts(data_dir)
    assert terms_of(crawled[mirror.expected_id(articles[4])])["Forensics"] == (
        PUBLIC + "/how-we-work/services-support/forensics"
    )


def test_chain_discovery_reextracts_what_the_crawl_gave_even_without_a_menu(tmp_path: Path):
    """``discovery=chain`` starts from RSS's newest article and never reads the newsroom page:
    the newest article, read from the node API before any shell, gets no menu URLs in the crawl,
    and ``extract`` gives exactly that item, not a better one."""
    articles = articles_without_data(0, 3)
    data_dir, stats = crawl_kept(tmp_path, articles, "--discovery", "chain")
    assert stats["discovery/path"] == "chain"
    crawled = assert_reextracts(data_dir)
    newest = terms_of(crawled[mirror.expected_id(articles[0])])
    assert set(newest.values()) == {None}, "no shell was read before it: no menu"
    later = terms_of(crawled[mirror.expected_id(articles[3])])
    assert later["Cybercrime"] == PUBLIC + "/crime-areas/cybercrime"


def test_extract_command_restores_the_kept_hints_and_names_a_broken_index(tmp_path: Path):
    articles = articles_without_data(2)
    data_dir, _ = crawl_kept(tmp_path, articles)
    crawled = dataset(data_dir)
    folder = data_dir / "pages" / "europol"
    answer = folder / PageArchiveMiddleware.file_name(PUBLIC + articles[2].alias)
    assert is_api_answer(answer)
    done = run_cli("extract", "--site", "europol", str(answer))
    assert done.returncode == 0, done.stderr
    [item] = map(json.loads, done.stdout.splitlines())
    assert page_fields(item) == page_fields(crawled[item["id"]])
    # The same file away from its folder: no hints, the terms keep no URL (nothing made up).
    alone = tmp_path / "elsewhere" / answer.name
    alone.parent.mkdir()
    alone.write_bytes(answer.read_bytes())
    code, [bare], errors = extract([alone])
    assert (code, errors) == (0, "")
    assert terms_of(bare)["Cybercrime"] is None
    # --url names the page; the hints still come from the index.
    code, [named], errors = extract([answer], url=PUBLIC + articles[2].alias)
    assert (code, errors) == (0, "")
    assert page_fields(named) == page_fields(crawled[item["id"]])
    # A broken index is one line naming it, and the exit code says so; the pages still come.
    index = folder / "index.jsonl"
    index.write_text(index.read_text("utf-8") + "{not json\n", "utf-8")
    code, items, errors = extract([answer])
    assert code == 1
    assert errors.splitlines() == [f"{index}: line {len(index.read_text().splitlines())}: "
                                   "not a kept-page record (not JSON)"]  # fmt: skip
    assert len(items) == 1


def test_every_site_keeps_the_hints_its_pages_were_read_with(tmp_path: Path):
    """The mechanism is the archive's, not Europol's: Europarl's pages are read with the crawl's
    language (and the listing's label); the index keeps them, and ``extract`` restores them."""
    from newsroom_scraper.spiders.europarl import EuroparlSpider
    from tests.mirrors import europarl as europarl_mirror

    server = MirrorServer(europarl_mirror.build_site(europarl_mirror.default_articles())).start()
    data_dir = tmp_path / "data"
    try:
        done = run_cli("crawl", "europarl", "--base-url", server.origin, "--data-dir",
                       str(data_dir), "--keep-pages", "--log-file", str(tmp_path / "log"))  # fmt: skip
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    folder = data_dir / "pages" / "europarl"
    index = [json.loads(line) for line in (folder / "index.jsonl").read_text().splitlines()]
    kept = sorted(folder.glob("*.gz"))
    assert {line["file"] for line in index if line.get("hints", {}).get("lang") == "en"} == {
        path.name for path in kept
    }
    crawled = {
        record["id"]: record
        for record in map(json.loads, (data_dir / "europarl.jsonl").read_text().splitlines())
    }
    out, err = io.StringIO(), io.StringIO()
    assert extract_files(EuroparlSpider, kept[::-1], None, out, err) == 0, err.getvalue()
    items = [json.loads(line) for line in out.getvalue().splitlines()]
    assert sorted(item["id"] for item in items) == sorted(crawled)
    for item in items:
        assert page_fields(item) == page_fields(crawled[item["id"]]), item["id"]
