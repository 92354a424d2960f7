"""Europol newsroom (www.europol.europa.eu), as described in ``shared/sites/europol.md``.

The site is a React application: every page is a loading shell that embeds its data as JSON in
``<script>window.SERVER_DATA={...};</script>``. Articles are read from ``NodeLoader.node`` of
that JSON (or, when a page has none, from the back end's ``/cms/api/node?url=<alias>``).
Extraction is the page object :class:`EuropolPage`: a response and a page context in, the item
out, no spider (``EuropolPage(response, EuropolSpider.offline_context()).to_item()``).

Discovery is a state machine (:class:`Stage`; the transitions named in :data:`TRANSITIONS` are
counted in ``discovery/transitions/<name>``). In ``auto`` mode: the newsroom page's embedded
items, then the API listing pages (``/cms/api/node?url=/media-press/newsroom&search=page=N``,
counted from 0) until ``nodesCount``, a repeated page or an empty one; RSS (``/rss.xml``) for the
newest items. When the listing stops answering, the crawl walks ``navigation.previous`` (an alias,
or an object carrying one) from the oldest article it gave, down to the first article of the
newsroom. ``discovery=chain`` walks from the newest article only (RSS's, else the newsroom's).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final, cast
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import orjson
import scrapy
from scrapy.http import Response, TextResponse

from newsroom_scraper.errors import DISCOVERY, EXTRACTION, UNEXPECTED_SHAPE, ExtractionError
from newsroom_scraper.extraction.dates import DateError, parse_moment
from newsroom_scraper.extraction.htmltext import AttachmentRules
from newsroom_scraper.extraction.page import NewsPage
from newsroom_scraper.requests import ROLE, Role
from newsroom_scraper.spiders.base import NewsroomSpider, let_requests_out

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from datetime import datetime

    from twisted.python.failure import Failure

    from newsroom_scraper.extraction.page import PageContext
    from newsroom_scraper.items import NewsItem

PUBLIC_ORIGIN = "https://www.europol.europa.eu"
NEWSROOM_ALIAS = "/media-press/newsroom"
ARTICLE_PREFIX = "/media-press/newsroom/news/"
LEGACY_ARTICLE_PREFIX = "/newsroom/news/"
RSS_PATH = "/rss.xml"
NODE_API_PATH = "/cms/api/node"
#: The four blocks the old site showed under every article.
CORE_VOCABULARIES = ("crime_areas", "target_groups", "entities", "support_and_services")

#: Listing pages in a row that bring no article not seen before: the listing is looping.
ENDLESS_AFTER = 5
#: API listing pages past which the listing is taken for endless (about 100,000 articles).
MAX_LISTING_PAGES = 10_000

_SERVER_DATA_ASSIGNMENT = re.compile(r"window\.SERVER_DATA\s*=\s*")
_JSON = json.JSONDecoder()
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|[^A-Za-z0-9]+")
#: Node keys that are lists of objects but not taxonomy: attachments by the words of the key.
_ATTACHMENT_KEY_WORDS = {
    "download": "document",
    "downloads": "document",
    "document": "document",
    "documents": "document",
    "file": "document",
    "files": "document",
    "attachment": "document",
    "attachments": "document",
    "video": "video",
    "videos": "video",
    "image": "image",
    "images": "image",
    "photo": "image",
    "photos": "image",
    "gallery": "image",
}
_NOT_TAXONOMY_KEYS = frozenset({"lists", "navigation", "breadcrumbs", "breadcrumb", "metatags"})


# -- extraction: page -> node -> item ----------------------------------------------------------


def find_server_data(text: str) -> dict[str, Any]:
    """The JSON value of the page's single ``window.SERVER_DATA =`` assignment.

    Decoded with ``raw_decode``, which stops at the end of the value: ``};`` inside HTML or CSS
    strings of the JSON cannot cut it short, as a regular expression up to ``};`` would.
    """
    if text.count("window.SERVER_DATA") == 1:  # the common case: no scan with the regex
        found = _SERVER_DATA_ASSIGNMENT.match(text, text.index("window.SERVER_DATA"))
        assignments = [found] if found else []
    else:
        assignments = list(_SERVER_DATA_ASSIGNMENT.finditer(text))
    if len(assignments) != 1:
        raise ExtractionError(
            f"{len(assignments)} window.SERVER_DATA assignments in the page (expected exactly 1)"
        )
    start = assignments[0].end()
    value = _fast_json_value(text, start)
    if value is _NOT_FAST:
        try:
            value, _ = _JSON.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            raise ExtractionError(f"window.SERVER_DATA is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ExtractionError("window.SERVER_DATA is not a JSON object")
    return value


_NOT_FAST = object()


def _fast_json_value(text: str, start: int) -> Any:
    """The common case, three times faster: the script holds the assignment alone.

    A browser ends a script at the first ``</script>``, so the JSON cannot run past it; orjson
    decodes exactly that slice (minus the closing ``;``). Anything else (code after the value,
    NaN, huge integers) goes to ``raw_decode``, which decides.
    """
    end = text.find("</script>", start)
    if end < 0:
        return _NOT_FAST
    candidate = text[start:end].rstrip()
    if not candidate.endswith(";"):
        return _NOT_FAST
    try:
        return orjson.loads(candidate[:-1])
    except orjson.JSONDecodeError:
        return _NOT_FAST


def node_of(server_data: dict[str, Any]) -> dict[str, Any]:
    """``SERVER_DATA.NodeLoader.node``; menus and footers under ``App`` are never read."""
    loader = server_data.get("NodeLoader")
    node = loader.get("node") if isinstance(loader, dict) else None
    if not isinstance(node, dict):
        raise ExtractionError("window.SERVER_DATA has no NodeLoader.node object")
    return node


def node_from_api(text: str) -> dict[str, Any]:
    """The node served by ``/cms/api/node``: the object itself (or wrapped, tolerated)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExtractionError(f"node API answer is not JSON: {exc}") from None
    if isinstance(value, dict) and isinstance(value.get("NodeLoader"), dict):
        return node_of(value)
    if isinstance(value, dict) and isinstance(value.get("node"), dict):
        return dict(value["node"])
    if not isinstance(value, dict):
        raise ExtractionError("node API answer is not a JSON object")
    return value


def menu_index(server_data: dict[str, Any]) -> dict[str, str]:
    """Label -> URL of every entry of the site's main menu (for taxonomy terms without a URL)."""
    app = server_data.get("App")
    menus = app.get("menus") if isinstance(app, dict) else None
    index: dict[str, str] = {}

    def visit(entries: Any) -> None:
        if not isinstance(entries, list):
            return
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            name, url = entry.get("name") or entry.get("title"), entry.get("url")
            if isinstance(name, str) and isinstance(url, str):
                index.setdefault(_label_key(name), url)
            visit(entry.get("children"))

    if isinstance(menus, dict):
        for entries in menus.values():
            visit(entries)
    return index


def _label_key(label: str) -> str:
    return " ".join(label.split()).casefold()


def key_words(key: str) -> list[str]:
    """``supportAndServices`` -> ``["support", "and", "services"]`` (any spelling)."""
    return [word.lower() for word in _CAMEL_BOUNDARY.split(key) if word]


def vocabulary_name(key: str) -> str:
    """A node key to its vocabulary: the four blocks of the old site by their words, else the
    key itself in snake_case."""
    words = key_words(key)
    if "crime" in words or "crimes" in words:
        return "crime_areas"
    if any(word.startswith("target") for word in words) and any(
        word.startswith("group") for word in words
    ):
        return "target_groups"
    if any(word.startswith("entit") for word in words):
        return "entities"
    if "support" in words or any(word.startswith("service") for word in words):
        return "support_and_services"
    return "_".join(words)


def _term_title(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return None
    title = entry.get("title", entry.get("name"))
    return title.strip() if isinstance(title, str) and title.strip() else None


def _entry_url(entry: dict[str, Any]) -> str | None:
    for key in ("alias", "url", "path", "href", "uri", "file", "src"):
        value = entry.get(key)
        if isinstance(value, dict):
            value = value.get("url") or value.get("alias")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def alias_of(reference: Any) -> str | None:
    """An alias given as a string or as an object carrying one (``navigation.previous``)."""
    if isinstance(reference, str):
        return reference.strip() or None
    if isinstance(reference, dict):
        return _entry_url(reference)
    return None


def canonical_alias(alias: str) -> str:
    """Legacy ``/newsroom/news/<slug>`` -> ``/media-press/newsroom/news/<slug>``; the slug is
    kept byte for byte (never decoded and re-encoded)."""
    path = urlsplit(alias).path if "://" in alias else alias
    if path.startswith(LEGACY_ARTICLE_PREFIX):
        return "/media-press" + path
    return path


def node_api_path(alias: str) -> str:
    """``/cms/api/node?url=<alias percent-encoded completely>`` (``%`` itself included)."""
    return f"{NODE_API_PATH}?url={quote(alias, safe='')}"


def listing_api_path(page: int) -> str:
    return f"{node_api_path(NEWSROOM_ALIAS)}&search={quote(f'page={page}', safe='')}"


class NoEmbeddedNodeError(ExtractionError):
    """A shell page without a readable ``window.SERVER_DATA`` node: the node API may serve it."""


#: ``PageContext.cache`` key of the site menu's label -> URL index (the same on every shell).
MENU_INDEX_CACHE = "europol/menu_index"
#: Page hint of a node API answer, which carries no site menu: ``{label key: URL}``, the menu's
#: URLs of its taxonomy terms without one (:func:`menu_urls_for`), as the crawl read them from
#: the site's shells. An explicit hint, not the crawl's cache: ``--keep-pages`` keeps it beside
#: the answer, so that ``extract`` reading the answer alone gives the crawl's item.
MENU_URLS = "menu_urls"


def menu_urls_for(node: dict[str, Any], menu: dict[str, str]) -> dict[str, str]:
    """The entries of the site menu's index (label key -> URL) that the node's taxonomy terms
    without a URL need: what a node API answer borrows from the site's shells."""
    wanted: dict[str, str] = {}
    for key, value in node.items():
        if key in _NOT_TAXONOMY_KEYS or not isinstance(value, list) or _attachment_kind(key):
            continue
        for entry in value:
            title = _term_title(entry)
            if title is None or _entry_url(entry) is not None:
                continue
            label = _label_key(title)
            if label in menu:
                wanted[label] = menu[label]
    return wanted


def site_menu(context: PageContext, server_data: dict[str, Any]) -> dict[str, str]:
    """The site menu's index, computed from the first shell of the crawl that carries a menu."""
    cached: dict[str, str] | None = context.cache.get(MENU_INDEX_CACHE)
    if cached is not None:
        return cached
    index = menu_index(server_data)
    if index:
        context.cache[MENU_INDEX_CACHE] = index
    return index


class EuropolPage(NewsPage):
    """One Europol article: a shell page with ``window.SERVER_DATA``, or a ``/cms/api/node`` answer.

    ``node`` raises :class:`NoEmbeddedNodeError` for a shell without data (the crawl then asks the
    node API) and :class:`ExtractionError` for an API answer that is not a node; ``to_item``
    reads the node; ``previous_url`` is the article's ``navigation.previous`` (discovery's chain).
    """

    @cached_property
    def text(self) -> str:
        response = self.response
        if isinstance(response, TextResponse):
            return response.text
        return response.body.decode(errors="replace")

    @property
    def is_api_answer(self) -> bool:
        """A JSON answer of the node API rather than a page shell."""
        return self.text.lstrip().startswith("{")

    @cached_property
    def _node_and_menus(self) -> tuple[dict[str, Any], dict[str, str]]:
        if self.is_api_answer:
            try:
                node = node_from_api(self.text)
            except ExtractionError:
                raise
            except self.page_errors as exc:
                reason = f"unreadable node API answer ({type(exc).__name__})"
                raise ExtractionError(reason) from None
            menus = self.context.hints.get(MENU_URLS)
            return node, dict(menus) if isinstance(menus, dict) else {}
        try:
            server_data = find_server_data(self.text)
            node = node_of(server_data)
        except ExtractionError as exc:
            raise NoEmbeddedNodeError(exc.reason, exc.kind) from None
        except self.page_errors as exc:
            raise NoEmbeddedNodeError(
                f"unreadable window.SERVER_DATA ({type(exc).__name__})"
            ) from None
        return node, self._site_menu(server_data)

    def _site_menu(self, server_data: dict[str, Any]) -> dict[str, str]:
        return site_menu(self.context, server_data)

    @property
    def node(self) -> dict[str, Any]:
        """The article node (``NodeLoader.node``, or the node API's answer)."""
        return self._node_and_menus[0]

    def build_item(self) -> NewsItem:
        node, menus = self._node_and_menus
        return item_from_node(self.context, node, self.url, menus)

    def previous_url(self) -> str | None:
        """The public URL of ``navigation.previous`` (an alias, or an object carrying one)."""
        navigation = self.node.get("navigation")
        previous = alias_of(navigation.get("previous")) if isinstance(navigation, dict) else None
        if previous is None:
            return None
        try:
            return self.context.public_url(canonical_alias(previous))
        except ValueError:  # not a URL at all (``http://[``): the chain cannot go on from here
            return None


def item_from_node(
    context: PageContext, node: dict[str, Any], page_url: str, menus: dict[str, str]
) -> NewsItem:
    """An article node -> :class:`NewsItem`; :class:`ExtractionError` when the node is not one."""
    if not isinstance(node, dict):
        raise ExtractionError("the node is not a JSON object")
    try:
        return _item_from_node(context, node, page_url, menus)
    except ExtractionError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
        # A value of the wrong type or range somewhere in the node: the page, not the code.
        raise ExtractionError(f"unusable node ({type(exc).__name__}: {exc})", EXTRACTION) from None


def _item_from_node(
    context: PageContext, node: dict[str, Any], page_url: str, menus: dict[str, str]
) -> NewsItem:
    missing = [key for key in ("id", "title", "published") if node.get(key) in (None, "")]
    if missing:
        raise ExtractionError(f"article node without {', '.join(missing)}")
    if not isinstance(node.get("body", ""), str | None):
        raise ExtractionError("article node body is not a string")
    alias = node.get("alias")
    url = (
        context.public_url(canonical_alias(alias))
        if isinstance(alias, str) and alias.strip()
        else context.public_url(canonical_alias(page_url))
    )
    if not context.site.is_site_url(url) or urlsplit(url).scheme != "https":
        raise ExtractionError(f"the article's URL {url!r} is not on the site")
    loader = context.new_loader(url)
    loader.add_value("id", f"europol:{_node_id(node['id'])}")
    loader.add_value("url", url)
    loader.add_value("title", node["title"] if isinstance(node["title"], str) else None)
    loader.add_value("published", node["published"])
    loader.add_value("content_type", _article_type(node.get("articleType")))
    if isinstance(node.get("type"), str):
        loader.add_fallback("content_type", "node_type", node["type"].replace("_", " ").title())
    loader.add_value("lead", _string(node.get("introduction")))
    loader.add_fallback("lead", "summary", _string(node.get("summary")))
    loader.add_body(_string(node.get("body")))
    loader.add_value("taxonomy", _taxonomy(context, node, loader, menus))
    loader.add_value("language", _string(node.get("langcode")))
    loader.add_fallback("language", "site_default", "en")
    try:
        item = loader.load_item()
    except ValueError as exc:
        raise ExtractionError(str(exc).split("\n")[-1] or repr(exc)) from None
    for field_name in ("title", "content_type"):
        if not item.get(field_name):
            raise ExtractionError(f"article node without a usable {field_name}")
    return item


# -- discovery: an explicit state machine ------------------------------------------------------


class Stage(StrEnum):
    """Where Europol discovery stands (``discovery/state`` in the stats).

    ::

        STARTING --begin_listing--> LISTING --finish_listing--> DONE
        STARTING --await_chain_start--> WAITING_FOR_CHAIN_START          (discovery=chain)
        LISTING --await_chain_start--> WAITING_FOR_CHAIN_START           (listing broke, RSS due)
        LISTING | WAITING_FOR_CHAIN_START --start_chain--> CHAINING --finish_chain--> DONE
        LISTING | WAITING_FOR_CHAIN_START --give_up--> DONE              (no way on: reported)

    RSS is not a stage: in ``auto`` mode it runs beside the listing, gives the newest articles
    and, when the listing breaks before any article is known, the chain's start.
    """

    STARTING = "starting"
    #: Walking the listing: the newsroom page's embedded items, then the API listing pages.
    LISTING = "listing"
    #: The chain needs its first article: from RSS, else from the newsroom's first item.
    WAITING_FOR_CHAIN_START = "waiting_for_chain_start"
    #: Walking ``navigation.previous`` down to the newsroom's first article (one walker).
    CHAINING = "chaining"
    #: No listing page or chain link will be asked for any more (RSS articles may still come).
    DONE = "done"


#: Transition name -> (the stages it may leave, the stage it enters).
TRANSITIONS: Final[dict[str, tuple[frozenset[Stage], Stage]]] = {
    "begin_listing": (frozenset({Stage.STARTING}), Stage.LISTING),
    "await_chain_start": (
        frozenset({Stage.STARTING, Stage.LISTING}),
        Stage.WAITING_FOR_CHAIN_START,
    ),
    "start_chain": (frozenset({Stage.LISTING, Stage.WAITING_FOR_CHAIN_START}), Stage.CHAINING),
    "finish_listing": (frozenset({Stage.LISTING}), Stage.DONE),
    "give_up": (frozenset({Stage.LISTING, Stage.WAITING_FOR_CHAIN_START}), Stage.DONE),
    "finish_chain": (frozenset({Stage.CHAINING}), Stage.DONE),
}


class DiscoveryStateError(RuntimeError):
    """A transition from a stage it cannot leave: a bug of the spider, never of the site."""


@dataclass
class DiscoveryProgress:
    """What discovery has learnt so far: the facts its transitions decide on."""

    #: Listing entries read (within the window), claimed or not.
    listing_entries: int = 0
    #: The last article the listing gave: where the chain continues if the listing breaks.
    oldest_listed: str | None = None
    #: The newest article of the RSS feed: the chain's start when the listing gave nothing.
    newest_from_rss: str | None = None
    #: RSS answered or failed: it will not give a chain start any more.
    rss_over: bool = False
    #: Signatures (entry URLs) of the API listing pages read: a repeated page ends the listing.
    listing_pages: set[str] = field(default_factory=set)
    #: API listing pages in a row that brought no new article.
    pages_without_new: int = 0
    #: Articles linked into the chain: a URL met twice is a cycle.
    chained: set[str] = field(default_factory=set)


class EuropolSpider(NewsroomSpider):
    """Europol newsroom: press releases and news since 2007."""

    name = "europol"
    description = "Europol newsroom (www.europol.europa.eu): press releases and news"
    public_origin = PUBLIC_ORIGIN
    public_hosts = ("www.europol.europa.eu", "europol.europa.eu")
    timezone = ZoneInfo("Europe/Amsterdam")
    attachment_rules = AttachmentRules(
        file_path_prefixes=("/cms/sites/default/files/", "/sites/default/files/")
    )
    page_class = EuropolPage
    discovery_modes = ("auto", "listing", "chain")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stage = Stage.STARTING
        self.progress = DiscoveryProgress()

    # -- the state machine: named transitions ------------------------------------------------------

    def _transition(self, name: str) -> None:
        sources, target = TRANSITIONS[name]
        if self.stage not in sources:
            raise DiscoveryStateError(f"{name} from {self.stage.value}")
        self.logger.debug("Discovery: %s -> %s (%s)", self.stage.value, target.value, name)
        self.stage = target
        self.inc_stat(f"discovery/transitions/{name}")
        self.set_stat("discovery/state", target.value)

    def begin_listing(self) -> scrapy.Request:
        """STARTING -> LISTING: the newsroom page first (its embedded items, then the API)."""
        self._transition("begin_listing")
        self.set_stat("discovery/path", "listing")
        return self.newsroom_request()

    def await_chain_start(self) -> None:
        """-> WAITING_FOR_CHAIN_START: RSS (due, or asked now) will name the chain's start."""
        if self.stage is Stage.STARTING:
            self.set_stat("discovery/path", "chain")
        self._transition("await_chain_start")

    def start_chain(self, url: str, already_claimed: bool = False) -> scrapy.Request | None:
        """-> CHAINING from ``url``; None (and DONE) when the chain ends at once."""
        self._transition("start_chain")
        return self.follow_chain(url, already_claimed)

    def finish_listing(self) -> None:
        """LISTING -> DONE: the listing reached its end (or the window's, or the limit)."""
        self._transition("finish_listing")

    def give_up(self, url: str | None = None, reason: str | None = None) -> None:
        """-> DONE without a chain: nothing to walk from (a counted error when ``reason``)."""
        if url and reason:
            self.report(DISCOVERY, url, reason)
        self._transition("give_up")

    def finish_chain(self, why: str) -> None:
        """CHAINING -> DONE: at the first article, a cycle, the window's start or a failure."""
        self.logger.info("Chain ends: %s", why)
        self._transition("finish_chain")

    # -- requests -------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        mode = self.params.discovery
        self.set_stat("discovery/mode", mode)
        if mode == "chain":
            self.await_chain_start()  # before RSS is even asked: its answer starts the chain
        else:
            yield self.begin_listing()
        if mode in {"auto", "chain"}:
            yield scrapy.Request(
                self.public_url(RSS_PATH),
                callback=self.parse_rss,
                errback=self.rss_failed,
                meta={ROLE: Role.FEED},
                priority=Role.FEED.priority,
            )

    def newsroom_request(self) -> scrapy.Request:
        return scrapy.Request(
            self.public_url(NEWSROOM_ALIAS),
            callback=self.parse_newsroom,
            errback=self.newsroom_failed,
            meta={ROLE: Role.LISTING},
            priority=Role.LISTING.priority,
        )

    def listing_api_request(self, page: int) -> scrapy.Request:
        return scrapy.Request(
            self.public_url(listing_api_path(page)),
            callback=self.parse_listing_api,
            errback=self.listing_api_failed,
            meta={"listing_page": page, ROLE: Role.LISTING},
            priority=Role.LISTING.priority,
        )

    def article_request(
        self, url: str, chain: bool = False, chain_only: bool = False
    ) -> scrapy.Request:
        """An article (``chain``: a link of the chain; ``chain_only``: fetched again only for
        its previous link, its item already came from the listing)."""
        role = Role.CHAINED_ARTICLE if chain else Role.ARTICLE
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.chain_link_failed if chain else self.on_request_error,
            meta={"chain": chain, "chain_only": chain_only, ROLE: role},
            priority=role.priority,
            dont_filter=chain_only,
        )

    def is_article_url(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.hostname in self.public_hosts and parts.path.startswith(ARTICLE_PREFIX)

    # -- the listing ----------------------------------------------------------------------------

    def parse_newsroom(self, response: Response) -> Iterator[scrapy.Request]:
        """The newsroom page: its embedded items, then the API listing from page 0; when the
        chain waits for its start (RSS gave none), the newsroom's first item."""
        self.inc_stat("discovery/listing_embedded/pages")
        items: list[Any] = []
        try:
            server_data = find_server_data(response.text)
            site_menu(self.page_context, server_data)  # for node API answers: read first, here
            node = node_of(server_data)
            for block in node.get("lists") or []:
                if isinstance(block, dict) and isinstance(block.get("items"), list):
                    items.extend(block["items"])
        except (ExtractionError, AttributeError, TypeError) as exc:
            self.logger.warning("No embedded listing at %s: %s", response.url, exc)
        if self.stage is Stage.WAITING_FOR_CHAIN_START:
            aliases = (_entry_url(e) for e in items if isinstance(e, dict))
            first = next((alias for alias in aliases if alias), None)
            if first is None:
                self.give_up(response.url, "no article to start the chain from")
                return
            yield from _some(self.start_chain(self.public_url(canonical_alias(first))))
            return
        yield self.listing_api_request(0)  # first out of the scheduler: Role.priority
        yield from self.listing_entries(items, "listing_embedded")

    def newsroom_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        self.logger.warning("Newsroom page failed: %s", failure.getErrorMessage())
        if self.stage is Stage.WAITING_FOR_CHAIN_START:
            self.give_up(self.public_url(NEWSROOM_ALIAS), "no start for the chain")
            return
        yield self.listing_api_request(0)

    def parse_listing_api(self, response: Response) -> Iterator[scrapy.Request]:
        """One API listing page; the next one until the listing ends (it leaves before the
        page's articles: :attr:`Role.priority`)."""
        page = int(response.meta["listing_page"])
        progress = self.progress
        self.inc_stat("discovery/listing_api/pages")
        try:
            data = json.loads(response.text)["listing"]["data"]
            nodes = data["nodes"]
            if not isinstance(nodes, list):
                raise TypeError("listing.data.nodes is not a list")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            yield from self.listing_broken(response.url, f"unexpected listing shape: {exc!r}")
            return
        total = data.get("nodesCount")
        per_page = data.get("nodesPerPage") or len(nodes)
        signature = json.dumps([_entry_url(n) for n in nodes if isinstance(n, dict)])
        if not nodes and page == 0 and not progress.listing_entries:
            yield from self.listing_broken(response.url, "the listing returned nothing at all")
            return
        if not nodes and isinstance(total, int) and page * _int(per_page, 1) < total:
            reason = f"listing page {page} is empty although nodesCount is {total}"
            yield from self.listing_broken(response.url, reason, final=False)
            return
        if not nodes or signature in progress.listing_pages:
            self.logger.info("Listing ends at page %d (empty or repeated)", page)
            self.finish_listing()
            return
        progress.listing_pages.add(signature)
        claimed_before = len(self.claimed_articles)
        yield from self.listing_entries(nodes, "listing_api")
        progress.pages_without_new = (
            0 if len(self.claimed_articles) > claimed_before else progress.pages_without_new + 1
        )
        if isinstance(total, int) and (page + 1) * _int(per_page, len(nodes)) >= total:
            self.finish_listing()
            return
        if self.limit_reached or self.past_since(nodes):
            self.finish_listing()
            return
        if page + 1 >= MAX_LISTING_PAGES or progress.pages_without_new >= ENDLESS_AFTER:
            reason = (
                f"listing still going at page {page + 1} "
                f"({progress.pages_without_new} pages without a new article): endless pagination?"
            )
            yield from self.listing_broken(response.url, reason, final=False)
            return
        yield self.listing_api_request(page + 1)

    def listing_api_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        request: scrapy.Request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        yield from self.listing_broken(request.url, failure.getErrorMessage(), final=False)

    def listing_broken(self, url: str, reason: str, final: bool = True) -> Iterator[scrapy.Request]:
        """The API listing stopped answering (``final``: answered with a shape we cannot read).

        ``auto`` walks the chain from the oldest article listed (or RSS's newest, or waits for
        RSS); ``listing`` reports it and stops.
        """
        public = self.public_url(urlsplit(url)._replace(scheme="", netloc="").geturl())
        if final or self.params.discovery == "listing":
            self.report(UNEXPECTED_SHAPE if final else DISCOVERY, public, reason)
        else:
            self.logger.warning("Listing API does not answer (%s): %s", public, reason)
        self.inc_stat("discovery/listing_api/failed")
        if self.params.discovery != "auto":
            self.give_up()
            return
        self.set_stat("discovery/path", "listing+chain")
        start = self.progress.oldest_listed or self.progress.newest_from_rss
        if start:
            yield from _some(self.start_chain(start, already_claimed=True))
        elif not self.progress.rss_over:
            self.await_chain_start()
        else:
            self.give_up(public, "neither the listing nor RSS gave an article")

    def listing_entries(self, entries: list[Any], source: str) -> Iterator[scrapy.Request]:
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            alias = _entry_url(entry)
            if not alias:
                continue
            published = self.entry_published(entry)
            if published is not None and self.params.after_until(published):
                continue
            if published is not None and self.params.before_since(published):
                continue
            url = self.public_url(canonical_alias(alias))
            self.progress.oldest_listed = url
            self.progress.listing_entries += 1
            if self.claim_article(url):
                self.inc_stat(f"discovery/{source}/articles")
                yield self.article_request(url)

    def entry_published(self, entry: dict[str, Any]) -> datetime | None:
        """A listing entry's publication time (UNIX seconds), or None if it has none."""
        try:
            return parse_moment(entry.get("published"), self.timezone).utc
        except DateError:
            return None

    def past_since(self, entries: list[Any]) -> bool:
        """Every entry of this page is older than ``since``: later pages are older still."""
        if self.params.since is None:
            return False
        dates = [self.entry_published(e) for e in entries if isinstance(e, dict)]
        return bool(dates) and all(d is not None and self.params.before_since(d) for d in dates)

    # -- RSS --------------------------------------------------------------------------------------

    def parse_rss(self, response: Response) -> Iterator[scrapy.Request]:
        """The newest items (no dates in this feed); the chain's start when it waits for one."""
        self.progress.rss_over = True
        self.inc_stat("discovery/rss/pages")
        links = [link.strip() for link in response.xpath("//item/link/text()").getall()]
        links = [self.public_url(canonical_alias(link)) for link in links if link]
        if links:
            self.progress.newest_from_rss = links[0]
        if self.stage is Stage.WAITING_FOR_CHAIN_START:
            if links:
                yield from _some(self.start_chain(links[0]))
            elif self.params.discovery == "chain":
                yield self.newsroom_request()  # still waiting: the newsroom's first item
            else:
                self.give_up(response.url, "neither the listing nor RSS gave an article")
            return
        if self.params.since or self.params.until:
            return  # undated entries: the listing brings what the window wants
        for url in links:
            if self.claim_article(url):
                self.inc_stat("discovery/rss/articles")
                yield self.article_request(url)

    def rss_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        self.progress.rss_over = True
        self.logger.warning("RSS failed: %s", failure.getErrorMessage())
        if self.stage is Stage.WAITING_FOR_CHAIN_START:
            if self.params.discovery == "chain":
                yield self.newsroom_request()  # still waiting: the newsroom's first item
            else:
                request: scrapy.Request = failure.request  # type: ignore[attr-defined]
                self.give_up(request.url, "no listing and no RSS")

    # -- the chain --------------------------------------------------------------------------------

    def follow_chain(self, url: str, already_claimed: bool = False) -> scrapy.Request | None:
        """The request for ``url`` as the chain's next link; None (and DONE) where it ends."""
        progress = self.progress
        if url in progress.chained:
            self.inc_stat("discovery/chain/cycles")
            self.finish_chain(f"{url} was linked before (a cycle)")
            return None
        progress.chained.add(url)
        if self.claim_article(url):
            self.inc_stat("discovery/chain/articles")
            return self.article_request(url, chain=True)
        if (already_claimed or url in self.claimed_articles) and not self.limit_reached:
            # Already fetched for the listing: fetch again only to read its previous link.
            return self.article_request(url, chain=True, chain_only=True)
        self.finish_chain("the limit is reached")
        return None

    def chain_link_failed(self, failure: Failure) -> None:
        """A link of the chain could not be fetched: reported, and the walk ends there."""
        self.on_request_error(failure)
        self.finish_chain("a link could not be fetched")

    # -- articles ---------------------------------------------------------------------------------

    async def parse_article(self, response: Response) -> AsyncIterator[NewsItem | scrapy.Request]:
        """An article page: the item from its embedded node, or the node API as a fallback."""
        if response.meta.get("chain"):
            self.inc_stat("discovery/chain/pages")
        page = self.article_page(response)
        try:
            page.node  # noqa: B018  # read here: a shell without data goes to the node API
        except NoEmbeddedNodeError as exc:
            self.inc_stat("europol/node_api_fallback")
            self.logger.info("%s: %s; asking the node API", response.url, exc.reason)
            yield self.node_api_request(response, exc.reason)
            return
        async for output in self.previous_and_item(response, page):
            yield output

    def article_page(self, response: Response, **hints: Any) -> EuropolPage:
        return cast("EuropolPage", self.page(response, **hints))

    def node_api_request(self, response: Response, reason: str) -> scrapy.Request:
        alias = urlsplit(response.url).path
        return scrapy.Request(
            self.public_url(node_api_path(alias)),
            callback=self.parse_node_api,
            errback=self.node_api_failed,
            meta={
                "chain": response.meta.get("chain", False),
                "chain_only": response.meta.get("chain_only", False),
                "article_url": response.url,
                "page_problem": reason,
            },
            dont_filter=True,
        )

    def node_api_failed(self, failure: Failure) -> None:
        """The page had no data and the node API gave none either: the article is lost."""
        meta = failure.request.meta  # type: ignore[attr-defined]  # set by Scrapy
        self.report(
            UNEXPECTED_SHAPE,
            meta["article_url"],
            f"page without the expected data ({meta['page_problem']}); "
            f"node API failed: {failure.getErrorMessage()}",
        )
        if meta.get("chain"):
            self.finish_chain("a link could not be read")

    async def parse_node_api(self, response: Response) -> AsyncIterator[NewsItem | scrapy.Request]:
        """The node API's answer for a shell without data. It has no site menu: the menu's URLs
        of its terms without one, as the crawl's shells gave them, are passed as a page hint
        (:data:`MENU_URLS`), which ``--keep-pages`` keeps beside the answer."""
        article_url = response.meta["article_url"]
        page = self.article_page(response.replace(url=article_url))
        try:
            menu_urls = menu_urls_for(
                page.node, self.page_context.cache.get(MENU_INDEX_CACHE) or {}
            )
        except ExtractionError as exc:
            self.report(
                UNEXPECTED_SHAPE,
                article_url,
                f"page without the expected data ({response.meta['page_problem']}); "
                f"node API: {exc.reason}",
            )
            if response.meta.get("chain"):
                self.finish_chain("a link could not be read")
            return
        if menu_urls:
            page = self.article_page(response.replace(url=article_url), **{MENU_URLS: menu_urls})
        async for output in self.previous_and_item(response, page):
            yield output

    async def previous_and_item(
        self, response: Response, page: EuropolPage
    ) -> AsyncIterator[NewsItem | scrapy.Request]:
        """For a link of the chain, the previous article first; then the article's item (within
        the window, unless only its link was wanted).

        The chain is sequential: link N+1 is known only once page N is read. Asked for before
        the item is built, its request is on the wire while the item is built and stored, and
        its answer is there when they are done, instead of the crawl waiting for it with nothing
        to do after every page (BENCHMARKS.md, "Link first"). The ``since`` check reads the
        node's own date for that (the item's ``published`` comes from the same value), so a
        page fetched again only for its link (``chain_only``) builds no item: its item, or its
        extraction error, was given when the listing fetched it.
        """
        if response.meta.get("chain"):
            request = self.next_link(page)
            if request is not None:
                yield request
                await let_requests_out()
        if response.meta.get("chain_only"):
            return
        try:
            item = page.to_item()
        except ExtractionError as exc:
            self.extraction_failed(page.url, exc)
            return
        if self.in_window(item):
            yield item

    def next_link(self, page: EuropolPage) -> scrapy.Request | None:
        """The chain's next link after ``page``; None (and DONE) where the chain ends."""
        if self.node_older_than_since(page.node):
            self.finish_chain(f"{page.url} is older than since")
            return None
        previous = page.previous_url()
        if previous is None:
            self.finish_chain(f"{page.url} has no previous article")
            return None
        return self.follow_chain(previous)

    def node_older_than_since(self, node: dict[str, Any]) -> bool:
        """The article node is older than ``since`` (an unreadable date is not: its item fails
        with the reason, and the chain goes on)."""
        if self.params.since is None:
            return False
        try:
            published = parse_moment(node.get("published"), self.timezone, self.date_languages)
        except DateError:
            return False
        return self.params.before_since(published.utc)


def _some(request: scrapy.Request | None) -> Iterator[scrapy.Request]:
    if request is not None:
        yield request


def _node_id(value: Any) -> str:
    """The node id: an integer, or a string holding one token (numeric on the known site)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip() and len(value.split()) == 1:
        return value.strip()
    raise ExtractionError(f"node id {value!r} is not an id")


def _int(value: Any, default: int) -> int:
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default
    )


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _article_type(value: Any) -> str | None:
    if isinstance(value, dict):
        return _string(value.get("title") or value.get("name"))
    return _string(value)


def _attachment_kind(key: str) -> str | None:
    """The attachment kind a node key names by its words (``downloads``: document), or None."""
    return next(
        (_ATTACHMENT_KEY_WORDS[w] for w in key_words(key) if w in _ATTACHMENT_KEY_WORDS), None
    )


def _taxonomy(
    context: PageContext, node: dict[str, Any], loader: Any, menus: dict[str, str]
) -> dict[str, list[dict[str, str | None]]]:
    """Every list of ``{title, ...}`` objects: attachments by their key, all others taxonomy."""
    taxonomy: dict[str, list[dict[str, str | None]]] = {name: [] for name in CORE_VOCABULARIES}
    for key, value in node.items():
        if key in _NOT_TAXONOMY_KEYS or not isinstance(value, list):
            continue
        entries = [(entry, _term_title(entry)) for entry in value]
        entries = [(entry, title) for entry, title in entries if title]
        if not entries:
            continue
        attachment_kind = _attachment_kind(key)
        for entry, title in entries:
            target = _entry_url(entry)
            if attachment_kind:
                if target:
                    loader.add_attachment(attachment_kind, title, context.public_url(target))
                continue
            if target is None and title is not None:
                target = menus.get(_label_key(title))
            bucket = taxonomy.setdefault(vocabulary_name(key), [])
            term = {"label": title, "url": context.public_url(target) if target else None}
            if term not in bucket:
                bucket.append(term)
    return taxonomy
