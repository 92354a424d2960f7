"""Extraction never crashes on bad input: it returns a valid item or raises ExtractionError.

For every registered newsroom, its page class (``page_class(response, offline_context())
.to_item()``, what the crawl and ``newsroom-scraper extract`` call) is fed real-shaped pages
mangled by hypothesis: truncated at any offset, bytes cut, spliced or overwritten, re-encoded in
the wrong charset, emptied; elements of the HTML dropped, duplicated or given other text and
attribute values (broken markup, out-of-range and absurd dates); the page's JSON (an API answer,
a ``window.X = {...}`` or JSON script) made invalid or given missing and wrongly typed keys, huge
and negative timestamps. Anything raised but :class:`~newsroom_scraper.errors.ExtractionError`
is a bug; so is an item that does not validate against the schema. A spider or a mirror that
cannot be imported is a failure, not a skip.

Seeds: every page of each site's test mirror (``tests/mirrors/<site>.py``) and the real pages
kept under ``../shared/sites/<site>-*/`` (absent: none). Every article of the mirror must extract
from them, and so must every real page at an article URL.
``NEWSROOM_PROPERTY_EXAMPLES=2000 python -m pytest tests/test_properties.py`` searches longer;
by default the search is derandomized, so that a run of the suite is reproducible.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import lxml.etree
import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse, Response, TextResponse

from newsroom_scraper.errors import ExtractionError
from newsroom_scraper.extract import page_own_url, response_for
from newsroom_scraper.extraction.page import NewsPage
from newsroom_scraper.pipelines import validation_errors
from newsroom_scraper.spiders import registered_sites
from tests.helpers import SHARED
from tests.mirrors import json_keys, mirror_module

if TYPE_CHECKING:
    from collections.abc import Callable

    from newsroom_scraper.items import NewsItem
    from newsroom_scraper.spiders.base import NewsroomSpider

SITES = sorted(registered_sites())  # a spider that does not import fails the collection
#: Hypothesis's failure report imports a formatter that warns on import; not our warning.
pytestmark = pytest.mark.filterwarnings("ignore:mypy_extensions.TypedDict:DeprecationWarning")
EXAMPLES = int(os.environ.get("NEWSROOM_PROPERTY_EXAMPLES", "100"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="NEWSROOM_PROPERTY_EXAMPLES" not in os.environ,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


# -- seeds ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    name: str
    url: str
    body: bytes
    #: At an article URL of the site.
    article: bool = True


def spider_class(site: str) -> type[NewsroomSpider]:
    return registered_sites()[site]


@cache
def extractor(site: str) -> Callable[[Response], NewsItem]:
    """``response -> item`` as the crawl and ``extract`` do it: the site's page class."""
    spidercls = spider_class(site)
    context = spidercls.offline_context()
    assert spidercls.page_class is not NewsPage, f"{site}: no page class"
    return lambda response: spidercls.page_class(response, context).to_item()


def extract(site: str, response: Response) -> NewsItem:
    return extractor(site)(response)


@cache
def seeds_of(site: str) -> tuple[Seed, ...]:
    """Every page of the site's mirror (article pages, the APIs and listings discovery reads),
    then the real pages."""
    # As a crawl of a mirror: a site whose newsroom is an argument (generic) needs an origin.
    spider = spider_class(site)(base_url="http://127.0.0.1:1")
    module = mirror_module(site)  # fails, never skips, when the mirror is missing
    mirror_site = module.build_site(module.default_articles())
    found: list[Seed] = []
    for key, page in sorted(mirror_site.pages.items()):
        if page.status == 200 and page.body:
            url = spider.public_url(key)
            found.append(Seed(f"mirror:{key}", url, page.body, spider.is_article_url(url)))
    for folder in sorted(SHARED.joinpath("sites").glob(f"{site}-*")):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix in {".html", ".json"} and path.is_file():
                body = path.read_bytes()
                url = spider.public_url(page_own_url(body) or "/")
                found.append(
                    Seed(f"shared:{folder.name}/{path.name}", url, body, spider.is_article_url(url))
                )
    assert found, f"no seed page for {site}"
    return tuple(found)


# -- mangling -------------------------------------------------------------------------------------

WEIRD_STRINGS = [
    "", " ", "\n\t", "0", "-1", "1e400", "-1e400", "NaN", "Infinity", "null", "true", "[]", "{}",
    "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
    "0000-00-00", "10000-01-01", "2019-02-30", "2024-13-01T25:61:61Z", "1969-12-31T23:59:59Z",
    "1970-01-01", "2100-01-01T00:00:00Z", "18-07-2019 - 11:37", "31-02-2019 - 99:99",
    "253402300800", "-62135596801", "99999999999999999999", "-99999999999999999999",
    "<p>", "</p></div></body>", "<script>alert(1)</script>", "<![CDATA[", "<!--", "&#0;",
    "&#xD800;", "&bogus;", "\x00", "\x1b[31m", "\u202e", "\ufeff", "\udcff", "é" * 3,
    "javascript:alert(1)", "//evil.example/x", "http://", "https://[::1", "mailto:",
    "http://www.europol.europa.eu/media-press/newsroom/news/x",
    "https://www.europarl.europa.eu/news/en/press-room/20190712IPR56948/x",
    "/news/xx/press-room/00000000IPR0", "/media-press/newsroom/news/%ZZ", "a" * 5000,
]  # fmt: skip

weird_strings = st.one_of(st.sampled_from(WEIRD_STRINGS), st.text(max_size=40))
timestamps = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 2**31, 2**63, -(2**63), 253402300800, -62135596801, 1e300]),
)
TERM_KEYS = ["title", "alias", "url", "name", "id"]
json_leaves = st.one_of(st.none(), st.booleans(), timestamps, weird_strings)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(weird_strings, st.sampled_from(TERM_KEYS)), inner, max_size=4),
    ),
    max_leaves=12,
)
ENCODINGS = ["latin-1", "cp1252", "utf-16", "utf-16-be", "utf-32", "shift_jis", "koi8-r", "ascii"]


@st.composite
def byte_damage(draw: st.DrawFn, body: bytes) -> bytes:
    """One damage at byte level."""
    size = len(body)
    at = draw(st.integers(0, size))
    junk = draw(st.one_of(st.binary(max_size=64), st.sampled_from(
        [b"\xff\xfe", b"\xc3(", b"\x00", b"\xed\xa0\x80", b"<", b"\"", b"};", b"]]>", b"\\"]
    )))  # fmt: skip
    kind = draw(st.sampled_from(
        ["truncate", "cut", "splice", "overwrite", "empty", "blank", "reencode", "duplicate"]
    ))  # fmt: skip
    if kind == "truncate":
        return body[:at]
    if kind == "cut":
        return body[:at] + body[at + draw(st.integers(1, 4096)) :]
    if kind == "splice":
        return body[:at] + junk + body[at:]
    if kind == "overwrite":
        return body[:at] + junk + body[at + len(junk) :]
    if kind == "empty":
        return b""
    if kind == "blank":
        return b" \n\t\r\n"
    if kind == "reencode":
        text = body.decode("utf-8", "replace")
        return text.encode(draw(st.sampled_from(ENCODINGS)), "replace")
    return body[:at] + body[max(0, at - draw(st.integers(1, 4096))) :]


_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9]*)")


@st.composite
def markup_damage(draw: st.DrawFn, body: bytes) -> bytes:
    """Damage to the HTML's structure: an element dropped, duplicated, emptied or given another
    text or attribute value; closing tags removed; tags renamed."""
    kind = draw(st.sampled_from(["element", "closers", "rename"]))
    tags = list(_TAG.finditer(body))
    if kind in {"closers", "rename"} and tags:
        chosen = draw(st.lists(st.integers(0, len(tags) - 1), min_size=1, max_size=5, unique=True))
        out = bytearray(body)
        for index in sorted(chosen, reverse=True):
            match = tags[index]
            if kind == "closers":
                if match.group(1):
                    end = body.find(b">", match.end())
                    del out[match.start() : (end + 1 if end >= 0 else match.end())]
            else:
                new = draw(st.sampled_from([b"div", b"p", b"script", b"time", b"h1", b"x-y"]))
                out[match.start(2) : match.end(2)] = new
        return bytes(out)
    try:
        root = lxml.html.document_fromstring(body)
    except (lxml.etree.ParserError, ValueError):
        return body
    elements = [e for e in root.iter() if isinstance(e.tag, str) and e is not root]
    if not elements:
        return body
    element = elements[draw(st.integers(0, len(elements) - 1))]
    action = draw(st.sampled_from(["drop", "duplicate", "text", "attribute", "empty"]))
    parent = element.getparent()
    if action == "drop" and parent is not None:
        element.drop_tree()
    elif action == "duplicate" and parent is not None:
        parent.insert(parent.index(element), lxml.html.fromstring(lxml.html.tostring(element)))
    elif action == "text":
        element.text = _xml_safe(draw(weird_strings))
    elif action == "attribute":
        names = sorted(element.attrib) or ["datetime"]
        name = draw(st.sampled_from([*names, "datetime", "content", "href", "class"]))
        element.set(name, _xml_safe(draw(weird_strings)))
    elif action == "empty":
        for child in list(element):
            element.remove(child)
        element.text = None
    return bytes(lxml.html.tostring(root, encoding="utf-8", doctype="<!DOCTYPE html>"))


def _xml_safe(text: str) -> str:
    """lxml refuses control characters and surrogates in text: the closest string it accepts."""
    return "".join(ch for ch in text if ch in "\t\n\r" or (ord(ch) >= 32 and not 0xD800 <= ord(ch) < 0xE000))  # fmt: skip


#: JSON inside a page: a ``window.X =`` / ``var X =`` assignment or a JSON ``<script>``.
_EMBEDDED_JSON = re.compile(
    r"(?:window\.[A-Za-z_$][\w$]*\s*=\s*|(?:var|let|const)\s+[A-Za-z_$][\w$]*\s*=\s*"
    r"|<script[^>]*type=[\"']application/(?:ld\+)?json[\"'][^>]*>\s*)(?=[{\[])"
)


def split_json(body: bytes) -> tuple[str, Any, str] | None:
    """(text before, the page's JSON value, text after): an API answer or the first JSON value
    embedded in the page; None when the seed has none."""
    text = body.decode("utf-8", "replace")
    if text.lstrip().startswith(("{", "[")):
        try:
            return "", json.loads(text), ""
        except ValueError:
            return None
    for match in _EMBEDDED_JSON.finditer(text):
        try:
            value, end = json.JSONDecoder().raw_decode(text, match.end())
        except ValueError:
            continue
        return text[: match.end()], value, text[end:]
    return None


def objects_in(value: Any) -> list[dict[str, Any]]:
    """Every JSON object in ``value``, those with the most keys first (an article's node)."""
    found: list[dict[str, Any]] = []
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            found.append(current)
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return sorted(found, key=len, reverse=True)


def keys_in(objects: list[dict[str, Any]]) -> set[str]:
    return {key for obj in objects for key in obj if isinstance(key, str)}


@st.composite
def node_damage(draw: st.DrawFn, node: dict[str, Any], keys: list[str]) -> None:
    """In place: keys removed or given values of other types and ranges, also one level down."""
    for _ in range(draw(st.integers(1, 5))):
        key = draw(st.sampled_from(sorted({*node, *keys})))
        action = draw(st.sampled_from(["delete", "value", "timestamp", "nested"]))
        if action == "delete":
            node.pop(key, None)
        elif action == "value":
            node[key] = draw(json_values)
        elif action == "timestamp":
            date_keys = [k for k in node if re.search(r"date|publish|time|modif", k, re.I)]
            node[draw(st.sampled_from(date_keys or [key]))] = draw(
                st.one_of(timestamps, weird_strings)
            )
        elif isinstance(node.get(key), list) and node[key]:
            items = node[key]
            items[draw(st.integers(0, len(items) - 1))] = draw(json_values)
        elif isinstance(node.get(key), dict) and node[key]:
            inner = node[key]
            inner[draw(st.sampled_from(sorted(inner)))] = draw(json_values)


def dumps_like_the_site(value: Any, escaped_slashes: bool) -> str:
    text = json.dumps(value, ensure_ascii=True, allow_nan=True)
    return text.replace("/", "\\/") if escaped_slashes else text


@st.composite
def mangled_pages(draw: st.DrawFn, site: str) -> tuple[Seed, bytes]:
    """A seed page and a damaged version of it (one to three damages)."""
    seed = draw(st.sampled_from(seeds_of(site)))
    body = seed.body
    parts = split_json(body)
    if parts is not None and draw(st.booleans()):
        before, value, after = parts
        objects = objects_in(value)
        if objects:
            index = draw(st.one_of(st.just(0), st.integers(0, len(objects) - 1)))
            keys = sorted(keys_in(objects) | set(json_keys(mirror_module(site))))
            draw(node_damage(objects[index], keys))
        body = (before + dumps_like_the_site(value, bool(before)) + after).encode("utf-8")
    for _ in range(draw(st.integers(0 if body != seed.body else 1, 2))):
        damage = markup_damage(body) if draw(st.booleans()) else byte_damage(body)
        body = draw(damage)
    return seed, body


# -- the property ---------------------------------------------------------------------------------


def responses(seed: Seed, body: bytes, how: str) -> Response:
    if how == "cli":  # what ``newsroom-scraper extract`` builds
        return response_for(body, seed.url)
    if how == "declared-utf8":
        return HtmlResponse(seed.url, body=body, headers={"Content-Type": "text/html; charset=utf-8"})  # fmt: skip
    if how == "declared-latin1":
        return HtmlResponse(seed.url, body=body, headers={"Content-Type": "text/html; charset=iso-8859-1"})  # fmt: skip
    return TextResponse(seed.url, body=body, encoding="utf-8")


def assert_item_or_extraction_error(call: Callable[[], Any]) -> None:
    """``call()`` gives a schema-valid item or raises ExtractionError; anything else fails."""
    try:
        item = call()
    except ExtractionError as exc:
        reason = exc.reason
        assert reason, "an ExtractionError without a reason"
        return
    record = dict(ItemAdapter(item))
    assert validation_errors(record) == [], record


@pytest.mark.parametrize("site", SITES)
def test_seeds_extract_to_valid_items(site: str) -> None:
    """Every article of the mirror is extracted, valid, from the pages the site reads it from
    (its page, or an API answer), and every real page at an article URL extracts: the mangling
    starts from pages the extractor reads, not from pages it already refuses."""
    module = mirror_module(site)
    extracted: set[str] = set()
    for seed in seeds_of(site):
        try:
            item = extract(site, response_for(seed.body, seed.url))
        except ExtractionError as exc:
            if seed.article and seed.name.startswith("shared:"):
                pytest.fail(f"{seed.name}: {exc}")
            continue
        assert validation_errors(dict(ItemAdapter(item))) == [], seed.name
        extracted.add(item["id"])
    expected = {module.expected_id(article) for article in module.default_articles()}
    assert expected - extracted == set(), "mirror articles no seed page extracts"


@pytest.mark.parametrize("site", SITES)
@PROPERTY
@given(data=st.data())
def test_extract_mangled_pages(site: str, data: st.DataObject) -> None:
    seed, body = data.draw(mangled_pages(site), label="page")
    how = data.draw(st.sampled_from(["cli", "declared-utf8", "declared-latin1", "text"]), label="response")  # fmt: skip
    response = responses(seed, body, how)
    assert_item_or_extraction_error(lambda: extract(site, response))


@pytest.mark.parametrize("site", SITES)
@PROPERTY
@given(data=st.data())
def test_extract_arbitrary_bytes(site: str, data: st.DataObject) -> None:
    seed = data.draw(st.sampled_from(seeds_of(site)))
    body = data.draw(st.one_of(st.binary(max_size=2048), st.text(max_size=512).map(str.encode)))
    assert_item_or_extraction_error(lambda: extract(site, response_for(body, seed.url)))


@pytest.mark.parametrize("site", SITES)
@PROPERTY
@given(data=st.data())
def test_extract_binary_response(site: str, data: st.DataObject) -> None:
    """A response Scrapy could not type as text (``application/octet-stream``)."""
    seed, body = data.draw(mangled_pages(site))
    response = Response(seed.url, body=body)
    assert_item_or_extraction_error(lambda: extract(site, response))


#: Appended to a page's own URL (``og:url``, canonical link): whitespace, quotes, paths.
ODD_URL_TAILS = [" rel=", "\n", "\t/x", " ", "%20x", "/../../x", "?q=1#f", "\u00e9"]
_OWN_URL = re.compile(rb"""((?:property="og:url" content|rel="canonical" href)="[^"]*)""")


@pytest.mark.parametrize("site", SITES)
@pytest.mark.parametrize("tail", ODD_URL_TAILS)
def test_odd_own_urls(site: str, tail: str) -> None:
    """Each seed with its own URL declarations made odd: a valid item or ExtractionError."""
    for seed in seeds_of(site):
        body = _OWN_URL.sub(lambda m: m.group(1) + tail.encode(), seed.body)
        if body != seed.body:
            response = response_for(body, seed.url)
            assert_item_or_extraction_error(lambda: extract(site, response))  # noqa: B023
