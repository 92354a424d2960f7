"""Any newsroom: ``newsroom-scraper crawl URL`` finds the articles of the site at URL and reads
each one from its metadata and main content. No site knowledge; a site module (or a preset)
subclasses the parts it knows better.

1. **The article page** (:class:`GenericPage`): response + context -> item, through the item
   loader, each field from :class:`~newsroom_scraper.extraction.article.ArticleReader`
   (metadata first, trafilatura for the body). Ids are ``generic:<host>:<hash>``, the hash of
   the page's canonical URL (``og:url``, canonical link), whatever host that URL names (a mirror
   or a syndicated copy stays an article of the site crawled). A page that says it is a home,
   listing or tag page is no item: ``extract`` reports it as ``not_article``, a crawl counts it
   (``generic/not_article``).
2. **Discovery** (:class:`GenericSpider`), ``auto`` mode: the feeds the start page announces
   (``<link rel=alternate>``) or links to, the sitemaps named in robots.txt (indexes, gzip,
   Google News), and the listing itself, paged (``rel=next``, a "next" link found by its
   structure, ``?page=N``) until a page ends or repeats. Which links of a listing are articles
   is decided from the page's structure (:mod:`newsroom_scraper.extraction.navigation`): the
   links of the repeated teaser blocks, and the URL shape they share. ``feed``, ``sitemap`` and
   ``listing`` use one source only.
3. **Presets**: a subclass with a start URL, patterns and vocabulary names (:class:`Preset`).
"""

from __future__ import annotations

import hashlib
import logging
import re
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from scrapy.http import TextResponse

from newsroom_scraper.errors import ExtractionError
from newsroom_scraper.extraction.article import ArticleReader, main_content_html, without_leading
from newsroom_scraper.extraction.metadata import PageMetadata
from newsroom_scraper.extraction.page import NewsPage

if TYPE_CHECKING:
    from newsroom_scraper.extraction.loaders import NewsItemLoader
    from newsroom_scraper.items import NewsItem

logger = logging.getLogger(__name__)

#: Error kind of a page that is not an article (a home, listing, tag or section page).
NOT_ARTICLE = "not_article"


def article_id(site_url: str, canonical_url: str | None) -> str:
    """``generic:<host of the crawled site>:<first 16 hex of sha256(canonical URL)>``."""
    host = (urlsplit(site_url).hostname or "unknown").lower()
    key = normalized_url(canonical_url or site_url)
    return f"generic:{host}:{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}"


def normalized_url(url: str) -> str:
    """A URL compared as the same page: no scheme, ``www.``, fragment or trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/") or "/"
    return f"{host}{path}" + (f"?{parts.query}" if parts.query else "")


class GenericPage(NewsPage):
    """Any article page -> :class:`NewsItem` (see the module docstring).

    A site module overrides one method per field it knows better (``title``, ``published``,
    ``lead``, ``body_html``, ``taxonomy``) and keeps the others. Hints: ``language``, the
    language to assume when the page declares none; ``vocabularies``, a renaming of taxonomy
    vocabularies (``{"keywords": "topics"}``).
    """

    reader_class: ClassVar[type[ArticleReader]] = ArticleReader

    @cached_property
    def metadata(self) -> PageMetadata:
        if not isinstance(self.response, TextResponse):
            raise ExtractionError("not an HTML page")
        return PageMetadata(self.response.body, encoding=self.response.encoding or "utf-8")

    @cached_property
    def reader(self) -> ArticleReader:
        return self.reader_class(self.metadata, self.url)

    @cached_property
    def content_html(self) -> str:
        """The main content as HTML (trafilatura), ``""`` when it finds none."""
        found = main_content_html(self.response.body, self.url) or ""
        if not found.strip():
            return ""
        return without_leading(found, [self.reader.title()[0] or ""])

    @cached_property
    def content_root(self) -> Any:
        import lxml.html

        return lxml.html.fromstring(self.content_html) if self.content_html.strip() else None

    # -- the item ------------------------------------------------------------------------------

    def build_item(self) -> NewsItem:
        reason = self.reader.not_article_reason()
        if reason:
            raise ExtractionError(reason, NOT_ARTICLE)
        loader = self.context.new_loader(self.url)
        loader.add_value("url", self.url)
        loader.add_value("id", article_id(self.url, self.reader.canonical_url()))
        self.add_title(loader)
        self.add_published(loader)
        loader.add_value("content_type", self.reader.content_type())
        loader.add_value("language", self.language())
        lead, _ = self.reader.lead()
        loader.add_value("lead", lead)
        if not self.content_html.strip():
            raise ExtractionError("no main content found", NOT_ARTICLE)
        loader.add_body(self.content_html)
        loader.add_value("taxonomy", self.taxonomy())
        item: NewsItem = loader.load_item()
        if not item.get("title"):
            raise ExtractionError("no title (og:title, JSON-LD headline, h1, <title>)")
        if not item.get("language"):
            raise ExtractionError("no language: the page declares none (-a language=xx)")
        return item

    def add_title(self, loader: NewsItemLoader) -> None:
        title, source = self.reader.title()
        loader.add_value("title", title)
        self.context.count(f"generic/title/{source or 'none'}")

    def add_published(self, loader: NewsItemLoader) -> None:
        moment, source = self.reader.published(self.context.site.timezone)
        if moment is None:
            raise ExtractionError("no publication date", NOT_ARTICLE)
        loader.add_value("published", moment)
        self.context.count(f"generic/published/{source}")

    def language(self) -> str | None:
        headers = self.response.headers.get(b"Content-Language")
        declared = self.reader.language(headers.decode("latin-1") if headers else None)
        if declared:
            return declared
        sample = f"{self.reader.title()[0] or ''} {self.reader.lead()[0] or ''}"
        return self.reader.script_language(sample) or self.context.hints.get("language")

    def taxonomy(self) -> dict[str, list[dict[str, Any]]]:
        terms = self.reader.taxonomy(self.content_root)
        names: dict[str, str] = dict(self.context.hints.get("vocabularies") or {})
        renamed: dict[str, list[dict[str, Any]]] = {}
        for vocabulary, entries in terms.items():
            name = re.sub(r"[^a-z0-9_]", "_", names.get(vocabulary, vocabulary).lower())
            renamed.setdefault(name, []).extend(entries)
        return renamed


# -- discovery (filled in below) -----------------------------------------------------------------

from newsroom_scraper.spiders.base import NewsroomSpider  # noqa: E402


class GenericSpider(NewsroomSpider):
    """Any newsroom (see the module docstring)."""

    name = "generic"
    description = "any newsroom: crawl URL finds its articles through feeds, sitemaps or listings"
    public_origin = "https://newsroom.example.org"
    public_hosts = ("newsroom.example.org",)
    page_class = GenericPage
