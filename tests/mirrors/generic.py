"""A made-up newsroom at ``https://newsroom.example.org`` for the generic site, in every shape
discovery must handle.

The site: a newsroom listing (``/`` or ``/news``) of teaser blocks, paged with numbered links
(``?page=N``), with only a "Next" link, or with no pager link at all; article pages
``/news/<slug>`` with JSON-LD, OpenGraph and tag links; tag pages ``/tags/<tag>`` (listings,
never items); an RSS feed announced by ``<link rel=alternate>``; robots.txt naming a gzip sitemap index and its sitemap (which also
lists the home and tag pages, as real sitemaps do). :func:`build_site` switches each part on or
off; ``pages`` replaces the made-up article bodies by real pages (``../shared/generic``).

Module protocol shared by every site mirror: ``default_articles()``, ``generate_articles(n)``,
``build_site(articles)`` and ``expected_id(article)``.
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from newsroom_scraper.mirror import MirrorSite, Page
from newsroom_scraper.spiders.generic import DEMO_ORIGIN, article_id

PUBLIC = DEMO_ORIGIN
HTML = "text/html; charset=utf-8"
PER_PAGE = 4
TAGS = ("Justice", "Cooperation", "Migration", "Cybercrime", "Courts")


@dataclass
class Story:
    """One article of the mirror; ``body`` (bytes) replaces the made-up page when given."""

    slug: str
    title: str
    published: datetime
    lead: str = "A short summary of the story for the listing."
    paragraphs: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    body: bytes | None = None

    @property
    def path(self) -> str:
        return f"/news/{self.slug}"

    @property
    def url(self) -> str:
        return PUBLIC + self.path


def expected_id(article: Story) -> str:
    """The id of a made-up article (its canonical URL is its own)."""
    return article_id(article.url, article.url)


def generate_articles(n: int, seed: int = 14) -> list[Story]:
    rng = random.Random(seed)
    start = datetime(2024, 6, 30, 15, 0, tzinfo=UTC)
    stories = []
    for k in range(n):
        when = start - timedelta(hours=7 * k + rng.randint(0, 5), minutes=rng.randint(0, 59))
        subject = rng.choice(["Joint action", "New agreement", "Court ruling", "Annual report"])
        stories.append(
            Story(
                slug=f"{subject.lower().replace(' ', '-')}-{k:03d}",
                title=f"{subject} number {k} concludes with results",
                published=when,
                lead=f"Summary of story {k}: what happened and why it matters to the public.",
                paragraphs=[
                    f"Paragraph one of story {k} explains the {subject.lower()} in detail "
                    "for the readers of the newsroom.",
                    f"Paragraph two of story {k} gives the figures and the next steps that "
                    "the agencies announced.",
                ],
                tags=rng.sample(TAGS, 2),
            )
        )
    return stories


def default_articles() -> list[Story]:
    return generate_articles(10)


def demo_site() -> MirrorSite:
    return build_site(generate_articles(12))


# -- pages ---------------------------------------------------------------------------------------


def _head(title: str, og_type: str, extra: str = "") -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)} | '
        f'Example Newsroom</title><meta property="og:site_name" content="Example Newsroom">'
        f'<meta property="og:type" content="{og_type}">'
        f'<link rel="alternate" type="application/rss+xml" href="/feed.xml">{extra}</head>'
    )


NAV = (
    '<header class="site"><nav><ul class="menu"><li><a href="/">Home</a></li>'
    '<li><a href="/news">News</a></li><li><a href="/tags/justice">Justice</a></li>'
    '<li><a href="/about">About us</a></li></ul></nav></header>'
)
FOOTER = (
    '<footer><ul class="links"><li><a href="/privacy">Privacy notice of the site</a></li>'
    '<li><a href="/contact">Contact the press office</a></li>'
    '<li><a href="/accessibility">Accessibility statement of the site</a></li></ul></footer>'
)


def article_page(story: Story) -> bytes:
    if story.body is not None:
        return story.body
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.title,
        "datePublished": story.published.isoformat(),
        "dateModified": (story.published + timedelta(hours=2)).isoformat(),
        "keywords": story.tags,
        "url": story.url,
    }
    tags = "".join(
        f'<li><a rel="tag" href="/tags/{t.lower()}">{escape(t)}</a></li>' for t in story.tags
    )
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    head = _head(
        story.title,
        "article",
        f'<meta property="og:title" content="{escape(story.title)}">'
        f'<meta property="og:description" content="{escape(story.lead)}">'
        f'<link rel="canonical" href="{story.url}">'
        f'<script type="application/ld+json">{json.dumps(ld)}</script>',
    )
    return (
        f"{head}<body>{NAV}<main><article><header><h1>{escape(story.title)}</h1>"
        f'<p class="standfirst">{escape(story.lead)}</p></header>{paragraphs}'
        f'<ul class="tags">{tags}</ul></article></main>{FOOTER}</body></html>'
    ).encode()


def teaser(story: Story) -> str:
    return (
        f'<article class="teaser"><h2><a href="{story.path}">{escape(story.title)}</a></h2>'
        f"<time>{story.published.date().isoformat()}</time><p>{escape(story.lead)}</p></article>"
    )


def listing_page(title: str, stories: list[Story], pager: str, collection: bool = True) -> bytes:
    ld = '<script type="application/ld+json">{"@type": "CollectionPage"}</script>'
    teasers = "".join(teaser(s) for s in stories)
    return (
        f"{_head(title, 'website', ld if collection else '')}<body>{NAV}<main><h1>"
        f'{escape(title)}</h1><div class="list">{teasers}</div>{pager}</main>{FOOTER}'
        "</body></html>"
    ).encode()


def numbered_pager(path: str, page: int, pages: int) -> str:
    links = "".join(
        f'<li><a href="{path}?page={n}">{n}</a></li>' if n != page else f"<li>{n}</li>"
        for n in range(1, pages + 1)
    )
    return f'<ul class="pager">{links}</ul>'


def next_pager(path: str, page: int, pages: int) -> str:
    if page >= pages:
        return ""
    return f'<div class="more"><a href="{path}?page={page + 1}">Next</a></div>'


def no_pager(path: str, page: int, pages: int) -> str:
    """No pager at all (one drawn by scripts): only the URLs ``?page=N`` number the pages."""
    return ""


def rss(stories: list[Story]) -> bytes:
    items = "".join(
        f"<item><title>{escape(s.title)}</title><link>{s.url}</link>"
        f"<pubDate>{format_datetime(s.published)}</pubDate></item>"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Example Newsroom</title><link>{PUBLIC}/</link>{items}</channel></rss>"
    ).encode()


def sitemap_index() -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{PUBLIC}/sitemap-news.xml.gz</loc></sitemap></sitemapindex>"
    ).encode()


def sitemap(stories: list[Story]) -> bytes:
    urls = [f"<url><loc>{PUBLIC}/</loc></url>"]
    urls += [f"<url><loc>{PUBLIC}/tags/{t.lower()}</loc></url>" for t in TAGS[:2]]
    urls += [
        f"<url><loc>{s.url}</loc><lastmod>{s.published.isoformat()}</lastmod></url>"
        for s in stories
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{"".join(urls)}</urlset>'
    ).encode()


def build_site(
    articles: list[Story],
    *,
    listing: str | None = "/",
    pager: str = "numbered",
    feed: int | None = 5,
    robots_sitemap: bool = True,
) -> MirrorSite:
    """The newsroom serving ``articles`` (newest first). ``listing``: the path of the paged
    listing (``None``: none, the home page only links to the site's sections); ``pager``:
    ``numbered``, ``next`` or ``none`` (pages only at ``?page=N``); ``feed``: how many of the newest the RSS feed lists (``None``:
    no feed); ``robots_sitemap``: robots.txt names a gzip sitemap index."""
    site = MirrorSite(name="generic")
    stories = sorted(articles, key=lambda s: s.published, reverse=True)
    for story in stories:
        site.add(story.path, Page(body=article_page(story)))
    if listing is not None:
        chunks = [stories[i : i + PER_PAGE] for i in range(0, len(stories), PER_PAGE)] or [[]]
        make = {"numbered": numbered_pager, "next": next_pager, "none": no_pager}[pager]
        for number, chunk in enumerate(chunks, start=1):
            body = listing_page("News", chunk, make(listing, number, len(chunks)))
            site.add(listing if number == 1 else f"{listing}?page={number}", Page(body=body))
            if number == 1 and listing != "/":
                site.add(f"{listing}?page=1", Page(body=body))
    if listing != "/":
        home = listing_page("Example Newsroom", [], "", collection=False)
        site.add("/", Page(body=home))
    for tag in TAGS:
        tagged = [s for s in stories if tag in s.tags][:PER_PAGE]
        site.add(f"/tags/{tag.lower()}", Page(body=listing_page(f"Tag: {tag}", tagged, "")))
    if feed is not None:
        site.add("/feed.xml", Page(body=rss(stories[:feed]), content_type="application/rss+xml"))
    robots = "User-agent: *\nAllow: /\n"
    if robots_sitemap:
        robots += f"Sitemap: {PUBLIC}/sitemap.xml\n"
        site.add("/sitemap.xml", Page(body=sitemap_index(), content_type="application/xml"))
        site.add(
            "/sitemap-news.xml.gz",
            Page(body=gzip.compress(sitemap(stories), mtime=0), content_type="application/gzip"),
        )
    site.add("/robots.txt", Page(body=robots.encode(), content_type="text/plain"))
    return site
