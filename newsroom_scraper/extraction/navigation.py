"""Which links of a listing page are articles, which is the next page, which are feeds.

Decided from the page's structure, never from a list of words in URLs (Zyte's article
heuristics, ``zyte_spider_templates/pages/article_heuristics.py``, work the same way):

* **teasers**: a listing shows its articles as repeated blocks of the same markup. Each link is
  given the signature of its block (tag and classes of its three nearest ancestors); a
  signature shared by at least three different URLs whose link texts read as headlines (three
  words or more, or eight CJK characters) is a teaser group. Of the teaser URLs, those of the
  dominant URL shape (path depth) are the articles: a "related topics" box of the same look
  but other URLs falls out;
* **next page**: ``rel=next`` (``<link>`` or ``<a>``); else the link labelled next or older
  (the few words and arrows pagers use); else, in a numbered pager, the link to page N+1;
  else, when the listing's URL carries its page number, that URL with N+1 (tried, not known);
* **feeds**: ``<link rel=alternate>`` of an RSS, Atom or JSON Feed type, and links to them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.etree

from newsroom_scraper.extraction.htmltext import CJK

if TYPE_CHECKING:
    from collections.abc import Callable

FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json",
     "application/json", "application/rdf+xml", "text/xml", "application/xml"}
)  # fmt: skip
#: Labels of a pager's "next" link (what the issue calls "Next"/"Older" links).
NEXT_LABELS = frozenset(
    {"next", "next page", "older", "older posts", "older entries", "more", "load more",
     "suivant", "page suivante", "weiter", "nächste", "nächste seite", "siguiente",
     "successivo", "volgende", "następna", "další", "›", "»", "→", ">", ">>", "next ›",
     "next »", "next →", "older →"}
)  # fmt: skip
_ANCHORS = lxml.etree.XPath("//a[@href]")
_ALTERNATES = lxml.etree.XPath("//link[@href][contains(concat(' ', @rel, ' '), ' alternate ')]")
_REL_NEXT = lxml.etree.XPath(
    "//link[@href][@rel='next'] | //a[@href][contains(concat(' ', @rel, ' '), ' next ')]"
)
_FEED_PATH = re.compile(r"(\.rss|\.atom|/feed/?|/rss/?|\.rss\.xml|/atom\.xml|feed\.json)$", re.I)
_PAGE_NUMBER = re.compile(r"([?&](?:page|p|pg|paged|start)=)(\d+)|(/page/)(\d+)", re.I)


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    signature: str
    #: Inside the site's ``<nav>``, ``<footer>`` or page ``<header>`` (not an article's).
    navigation: bool = False


def clean_link(url: str) -> str:
    """A link as a request URL: no fragment, surrounding space removed."""
    return urldefrag(url.strip())[0]


def page_links(root: lxml.etree._Element, page_url: str) -> list[Link]:
    """Every ``<a href>`` of the page as an absolute http(s) URL, with its text and the
    signature of its block."""
    found = []
    for anchor in _ANCHORS(root):
        url = clean_link(urljoin(page_url, anchor.get("href") or ""))
        if urlsplit(url).scheme not in {"http", "https"}:
            continue
        text = " ".join(lxml.etree.tostring(anchor, method="text", encoding=str).split())
        if not text:
            text = " ".join((anchor.get("title") or anchor.get("aria-label") or "").split())
        found.append(Link(url, text, signature(anchor), in_navigation(anchor)))
    return found


def in_navigation(element: lxml.etree._Element) -> bool:
    """Inside a ``<nav>``, a ``<footer>``, or a ``<header>`` that no ``<article>`` holds."""
    for ancestor in element.iterancestors():
        if ancestor.tag in {"nav", "footer", "aside"}:
            return True
        if ancestor.tag == "header":
            return not any(a.tag == "article" for a in ancestor.iterancestors())
    return False


def signature(element: lxml.etree._Element, depth: int = 3) -> str:
    parts: list[str] = []
    node = element.getparent()
    while node is not None and len(parts) < depth:
        classes = " ".join(sorted((node.get("class") or "").split()))
        parts.append(f"{node.tag}.{classes}")
        node = node.getparent()
    return ">".join(parts)


def reads_as_headline(text: str) -> bool:
    return len(text.split()) >= 3 or len(CJK.findall(text)) >= 8


def article_links(
    root: lxml.etree._Element,
    page_url: str,
    on_site: Callable[[str], bool],
    pattern: re.Pattern[str] | None = None,
    known_shapes: set[int] | None = None,
    *,
    known_blocks: set[str] | None = None,
) -> list[str]:
    """The article URLs of a listing page, page order, each once (see the module docstring).
    ``pattern``: article URLs match it (the structure is then not needed). ``known_shapes``:
    the URL shapes of the articles earlier pages of the listing gave (updated): a last page of
    two teasers is still read as teasers, and never as its footer's links. ``known_blocks``:
    the signatures of those pages' teaser blocks (updated): a last page of one teaser in the
    same block is read too."""
    own = clean_link(page_url)
    links = [link for link in page_links(root, page_url) if on_site(link.url) and link.url != own]
    if pattern is not None:
        return list(dict.fromkeys(link.url for link in links if pattern.search(link.url)))
    groups: dict[str, list[Link]] = defaultdict(list)
    for link in links:
        if reads_as_headline(link.text) and not link.navigation:
            groups[link.signature].append(link)
    least = 2 if known_shapes else 3
    teasers = [
        link
        for key, group in groups.items()
        if len({link.url for link in group}) >= least or (known_blocks and key in known_blocks)
        for link in group
    ]
    if not teasers:
        return []
    if known_shapes:
        wanted = known_shapes
    else:
        wanted = {Counter(url_shape(link.url) for link in teasers).most_common(1)[0][0]}
        if known_shapes is not None:
            known_shapes.update(wanted)
    articles = [link for link in teasers if url_shape(link.url) in wanted]
    if known_blocks is not None:
        known_blocks.update(link.signature for link in articles)
    return list(dict.fromkeys(link.url for link in articles))


def url_shape(url: str) -> int:
    """The shape article URLs of one site share: the depth of their path."""
    return len([part for part in urlsplit(url).path.split("/") if part])


def next_page(
    root: lxml.etree._Element, page_url: str, on_site: Callable[[str], bool]
) -> str | None:
    """The listing's next page (see the module docstring), else ``None``."""
    own = clean_link(page_url)
    for element in _REL_NEXT(root):
        url = clean_link(urljoin(page_url, element.get("href") or ""))
        if on_site(url) and url != own:
            return url
    links = [link for link in page_links(root, page_url) if on_site(link.url) and link.url != own]
    for link in links:
        if link.text.strip().lower() in NEXT_LABELS:
            return link.url
    current = page_number(page_url)
    for link in links:
        if link.text.strip() == str(current + 1) and page_number(link.url) == current + 1:
            return link.url
    return None


def numbered_next(page_url: str) -> str | None:
    """The URL of page N+1 when the listing's own URL carries its number N (``?page=N``,
    ``/page/N``), else ``None``: for listings whose pager is drawn by scripts (no link to
    follow), the URL says how pages are numbered. The caller stops on an empty, repeated or
    missing page."""
    match = _PAGE_NUMBER.search(page_url)
    if not match:
        return None
    prefix = match.group(1) or match.group(3)
    number = int(match.group(2) or match.group(4))
    return page_url[: match.start()] + f"{prefix}{number + 1}" + page_url[match.end() :]


def page_number(url: str) -> int:
    """The page number a listing URL carries (``?page=N``, ``/page/N``), 1 when none
    (first pages often carry none)."""
    match = _PAGE_NUMBER.search(url)
    if not match:
        return 1
    return int(match.group(2) or match.group(4))


def feed_links(
    root: lxml.etree._Element, page_url: str, on_site: Callable[[str], bool]
) -> list[str]:
    """Feeds the page announces (``<link rel=alternate>`` of a feed type) or links to."""
    found = []
    for element in _ALTERNATES(root):
        kind = (element.get("type") or "").split(";")[0].strip().lower()
        if kind in FEED_TYPES:
            found.append(clean_link(urljoin(page_url, element.get("href") or "")))
    for link in page_links(root, page_url):
        if _FEED_PATH.search(urlsplit(link.url).path) and on_site(link.url):
            found.append(link.url)
    return list(dict.fromkeys(url for url in found if urlsplit(url).scheme in {"http", "https"}))
