"""Europol's own extraction properties (the shared ones are in ``test_properties.py``).

The node API answers (``/cms/api/node?url=...``, JSON an article shell without data is read
from) are seeds of the mangling too, with the keys of Europol's nodes, and the node -> item
function is fed damaged and arbitrary JSON. A file of its own beside ``test_europol.py``: both
are the Europol module's tests.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from newsroom_scraper.extract import response_for
from newsroom_scraper.spiders.europol import EuropolSpider, item_from_node, menu_index
from tests.mirrors import europol as mirror
from tests.test_properties import (
    PROPERTY,
    Seed,
    assert_item_or_extraction_error,
    byte_damage,
    extract,
    json_values,
    node_damage,
    objects_in,
    seeds_of,
    split_json,
    weird_strings,
)

pytestmark = pytest.mark.filterwarnings("ignore:mypy_extensions.TypedDict:DeprecationWarning")

NODE_KEYS = [
    "id", "type", "alias", "title", "published", "introduction", "summary", "body",
    "articleType", "langcode", "navigation", "crimeAreas", "targetGroups", "entities",
    "supportServices", "supportAndServices", "downloads", "videos", "images", "relatedCountries",
    "lists", "metatags",
]  # fmt: skip
NODE_API = "/cms/api/node?url=%2Fmedia-press%2Fnewsroom%2Fnews%2F"


@cache
def node_api_seeds() -> tuple[Seed, ...]:
    site = mirror.build_site(mirror.default_articles())
    spider = EuropolSpider()
    return tuple(
        Seed(f"mirror:{key}", spider.public_url(key), page.body)
        for key, page in sorted(site.pages.items())
        if key.startswith(NODE_API) and page.status == 200
    )


def node_in(value: Any) -> dict[str, Any] | None:
    loader = value.get("NodeLoader") if isinstance(value, dict) else None
    node = loader.get("node") if isinstance(loader, dict) else value
    return node if isinstance(node, dict) else None


def test_node_api_answers_extract_to_items():
    seeds = node_api_seeds()
    assert len(seeds) == len(mirror.default_articles())
    for seed in seeds:
        assert extract("europol", response_for(seed.body, seed.url))["id"].startswith("europol:")


@PROPERTY
@given(data=st.data())
def test_mangled_node_api_answers(data: st.DataObject) -> None:
    seed = data.draw(st.sampled_from(node_api_seeds()))
    parts = split_json(seed.body)
    assert parts is not None
    value = parts[1]
    draw_node = node_in(value)
    assert draw_node is not None
    data.draw(node_damage(draw_node, NODE_KEYS))
    body = json.dumps(value).encode()
    if data.draw(st.booleans()):
        body = data.draw(byte_damage(body))
    assert_item_or_extraction_error(lambda: extract("europol", response_for(body, seed.url)))


@PROPERTY
@given(data=st.data())
def test_europol_item_from_node_damaged_nodes(data: st.DataObject) -> None:
    context = EuropolSpider.offline_context()
    seeds = [s for s in (*seeds_of("europol"), *node_api_seeds()) if split_json(s.body)]
    seed = data.draw(st.sampled_from(seeds))
    parts = split_json(seed.body)
    assert parts is not None
    value = parts[1]
    node = node_in(value) or objects_in(value)[0]
    data.draw(node_damage(node, NODE_KEYS))
    menus = menu_index(value) if isinstance(value, dict) and "App" in value else {}
    page_url = data.draw(st.one_of(st.just(seed.url), weird_strings))
    assert_item_or_extraction_error(lambda: item_from_node(context, node, page_url, menus))


def article_node(**changes: Any) -> dict[str, Any]:
    node = {"id": 5, "title": "T", "published": 1_700_000_000, "articleType": {"title": "News"}}
    return {**node, **changes}


EUROPOL_URL = "https://www.europol.europa.eu/media-press/newsroom/news/x"


@PROPERTY
@given(node=json_values, page_url=weird_strings)
# Found by the search, kept as fixed cases (ids, aliases and languages the schema refuses):
@example(node=article_node(id={"": None}), page_url=EUROPOL_URL)
@example(node=article_node(id="12 34"), page_url=EUROPOL_URL)
@example(node=article_node(alias="/media-press/newsroom/news/a b"), page_url=EUROPOL_URL)
@example(node=article_node(alias="/media-press/newsroom/news/a\nb"), page_url=EUROPOL_URL)
@example(node=article_node(alias="javascript:alert(1)"), page_url=EUROPOL_URL)
@example(node=article_node(langcode="xx-yy"), page_url=EUROPOL_URL)
@example(node=article_node(), page_url="https://www.europol.europa.eu/news/a b")
def test_europol_item_from_node_arbitrary_json(node: Any, page_url: str) -> None:
    context = EuropolSpider.offline_context()
    assert_item_or_extraction_error(lambda: item_from_node(context, node, page_url, {}))


def test_item_from_node_gives_items_on_undamaged_nodes() -> None:
    """The property tests above accept an ExtractionError: this one proves the calls work at
    all (a wrong argument would turn every case into an error and still pass them)."""
    context = EuropolSpider.offline_context()
    assert item_from_node(context, article_node(), EUROPOL_URL, {})["id"] == "europol:5"
