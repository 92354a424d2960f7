"""A mirror of the Europol newsroom built from ``shared/sites/europol.md``.

Every path the site file names is served: the newsroom shell with its embedded items, the API
listing pages (from 0; the last page again past the end), the node API, article shells with
``window.SERVER_DATA``, ``/rss.xml`` -> ``/cms/api/rss/news`` (the newest 10, no dates), legacy
``/newsroom/news/<slug>`` 301s, and the ``navigation.previous`` chain.

Module protocol shared by every site mirror: ``default_articles()``, ``generate_articles(n)``,
``build_site(articles)`` and ``expected_id(article)``.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import quote

from newsroom_scraper.mirror import MirrorSite, Page

PUBLIC = "https://www.europol.europa.eu"
NEWS_PREFIX = "/media-press/newsroom/news/"
HTML = "text/html; charset=utf-8"
JSON_TYPE = "application/json"
REFERENCE_SLUG = "no-safe-shores-for-migrant-smugglers"

CRIME_AREAS = {
    "Migrant smuggling": "/crime-areas/migrant-smuggling",
    "Drug trafficking": "/crime-areas/drug-trafficking",
    "Cocaine": "/crime-areas/drug-trafficking/cocaine",
    "Cybercrime": "/crime-areas/cybercrime",
    "Money laundering": "/crime-areas/economic-crime/money-laundering",
    "Trafficking in human beings": "/crime-areas/trafficking-in-human-beings",
}
SERVICES = {
    "Information exchange": "/how-we-work/services-support/information-exchange",
    "Operational coordination": "/how-we-work/services-support/operational-coordination-support",
    "Forensics": "/how-we-work/services-support/forensics",
}
CENTRES = {
    "European Cybercrime Centre - EC3": "/about-europol/european-cybercrime-centre-ec3",
    "European Centre Against Migrant Smuggling - ECAMS": (
        "/about-europol/european-centre-against-migrant-smuggling-ecams"
    ),
}
TARGET_GROUPS = ["General Public", "Law Enforcement", "Academia", "Professor", "Students",
                 "Researcher", "Press/Journalists", "Other"]  # fmt: skip


@dataclass
class Article:
    """One news item of the mirror; ``node()`` is what the site's JSON carries."""

    node_id: int | str
    slug: str
    title: str
    published: int
    article_type: str = "Press Release"
    introduction: str = ""
    summary: str = ""
    body: str = "<p>Body.</p>"
    extra: dict[str, Any] = field(default_factory=dict)
    embedded: bool = True  # False: the shell carries no SERVER_DATA (node API fallback)
    previous: str | None = None
    next: str | None = None

    @property
    def alias(self) -> str:
        return NEWS_PREFIX + self.slug

    def node(self, plain_previous: bool = False, changed_shape: bool = False) -> dict[str, Any]:
        """``plain_previous``: ``navigation.previous`` as the alias itself, not an object
        carrying it (both shapes are allowed by the site file); ``changed_shape``: see
        :func:`changed_node`."""
        node: dict[str, Any] = {
            "id": self.node_id,
            "type": "article",
            "alias": self.alias,
            "title": self.title,
            "published": self.published,
            "introduction": self.introduction,
            "summary": self.summary,
            "body": self.body,
            "articleType": {"title": self.article_type},
        }
        node.update(self.extra)
        previous: str | dict[str, str] | None = self.previous
        if self.previous and not plain_previous:
            previous = {"alias": self.previous}
        node["navigation"] = {
            "previous": previous,
            "next": self.next,
        }
        return changed_node(node) if changed_shape else node


def changed_node(node: dict[str, Any]) -> dict[str, Any]:
    """The node as an independent mirror of the site's contract served it after a redesign:
    no lead (``introduction`` and ``summary`` gone) and the crime areas moved out of the node,
    to ``NodeLoader.relations`` (see :func:`build_site`), where the spider does not look."""
    return {key: value for key, value in node.items()
            if key not in {"introduction", "summary", "crimeAreas"}}  # fmt: skip


def expected_id(article: Article) -> str:
    return f"europol:{article.node_id}"


def reference_article() -> Article:
    """The real article of ``shared/reference/`` (27 Nov 2019), with all of its content."""
    paragraphs = [
        "Sharing expertise and knowledge is crucial to combat ruthless criminals risking "
        "migrants' lives for their highly profitable criminal activity. On 25 and 26 November, "
        "Europol has hosted experts from EU Members states, third party countries and "
        "international organisations gathered at the annual meeting of Joint Operational Team "
        "(JOT) MARE.",
        "The experts focused on modern communication technologies involved in facilitation of "
        "illegal migration, use of specialised forensic examinations and cooperation with source "
        "and transit countries to tackle the criminal networks involved in "
        '<a href="/crime-areas-and-trends/crime-areas/facilitation-of-illegal-immigration">'
        "migrant smuggling</a>.",
        "During the conference, the Netherlands Forensic Institute presented their preliminary "
        "finding on an examination of a rubber boat used to smuggle 78 irregular migrants in "
        "life-threatening conditions to Spain. The experts shared the operational value of "
        "specialist forensics in the investigations against criminal networks smuggling "
        "vulnerable migrants in extremely dangerous condition by sea.",
        "A profitable and widespread criminal activity, migrant smuggling has attracted the most "
        "ruthless criminal networks active in the EU and beyond. In 2019, estimated smuggling "
        "price varied from &euro;300 for a jet ski to &euro;5&nbsp;000 for a yacht. Authorities "
        "from source, transit and destination countries work to reinforce cooperation and "
        "disrupt this highly life-threatening criminal activity. JOT Mare annual meeting "
        "provided a platform to strengthen and deepen cooperation by the exchange of best "
        "practices and experience in the fight against migrant smuggling.",
        "A particular emphasis was put on the cooperation with African countries. The "
        '<a href="https://www.unodc.org/westandcentralafrica/">United Nations Office</a><br>'
        '<a href="https://www.unodc.org/westandcentralafrica/">on Drugs and Crime</a> &ndash; '
        "Regional Office for West Africa highlighted the challenges and opportunities in "
        "cooperation with countries in the region.",
        "In addition, a delegation from The ROCK (Regional Operational Centre in Khartoum) "
        "shared their experience on operations against human trafficking and people smuggling "
        "from the Horn of Africa.",
        '<a href="https://frontex.europa.eu/">Frontex</a>, '
        '<a href="http://www.eurojust.europa.eu/">Eurojust</a> and '
        '<a href="https://www.interpol.int/">Interpol</a> focused on the current state of play '
        "and the set-up of operational cooperation with countries outside of the EU.",
        "Participants were also updated with main operational developments in the JOT MARE and "
        "Information Clearing House teams, with ongoing initiatives and future projects of "
        "Europol's European Migrant Smuggling Centre.",
    ]
    body = "".join(f"<p>{text}</p>\n" for text in paragraphs) + (
        '<p><a href="/cms/sites/default/files/documents/emsc_the_profits_of_smugglers.pdf" '
        'target="_blank">Download the EMSC The profits of smugglers infographic.</a></p>\n'
        '<p><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">Watch video.</a></p>'
    )
    return Article(
        node_id=3817,
        slug=REFERENCE_SLUG,
        title="No safe shores for migrant smugglers",
        published=1574850600,  # 2019-11-27 10:30 UTC
        article_type="Press Release",
        introduction="<p>Forensics examination on rubber boats used by smugglers was one of the "
        "drivers behind the annual meeting of Joint Operational Team (JOT) MARE</p>",
        summary="Europol hosted the annual meeting of JOT MARE.",
        body=body,
        extra={
            "crimeAreas": [
                {
                    "title": "Facilitation of Illegal Immigration",
                    "alias": "/crime-areas-and-trends/crime-areas/facilitation-of-illegal-immigration",
                }
            ],
            "targetGroups": [{"title": label} for label in TARGET_GROUPS],
            "entities": [{"title": "European Migrant Smugling Centre (EMSC)", "id": 2836}],
            "supportServices": [{"title": "Information exchange"}],
        },
    )


def default_articles() -> list[Article]:
    """A small newsroom, newest first, with every oddity the site file names."""
    day = 86_400
    base = 1_700_000_000  # 2023-11-14
    odd = [
        Article(9001, "europe%E2%80%99s-biggest-cocaine-seizure", "Europe’s biggest cocaine seizure",
                base + 30 * day, "News", "<p>Lead with an apostrophe slug.</p>",
                extra={"crimeAreas": [{"title": "Cocaine", "alias": "/crime-areas/drug-trafficking/cocaine"}]}),
        Article(9002, "five-affiliates-to-sodinokibi/revil-unplugged", "Five affiliates to Sodinokibi/REvil unplugged",
                base + 28 * day, "Press Release", "<p>A slug with a slash.</p>",
                extra={"crimeAreas": [{"title": "Cybercrime"}],
                       "entities": [{"title": "European Cybercrime Centre - EC3"}]}),
        Article(9003, "%E2%82%AC10-million-fraud-ring-dismantled-0", "€10 million fraud ring dismantled",
                base + 26 * day, "News", "", summary="<p>No introduction: the summary is the lead.</p>",
                body='<p>A fraud ring.</p><style>p{color:red};</style><script>var x = {"a": 1};</script>'
                     "<p>Text with }; inside and a </p><p>second paragraph};</p>"),
        Article(9004, "operation-pangea-xvii", "Operation Pangea XVII",
                base + 24 * day, "Press Release", "<p>Medicines.</p>",
                body='<p>Seized.</p><ul><li>one</li><li>two</li></ul>'
                     '<p><a href="/cms/sites/default/files/documents/pangea_report.pdf">Report</a></p>'
                     '<p><iframe src="https://www.youtube.com/embed/abc123" title="Pangea video"></iframe></p>'
                     '<p><img src="/cms/sites/default/files/images/pangea.jpg" alt="Seized pills"></p>',
                extra={"target_groups": [{"title": "Law Enforcement"}],
                       "relatedCountries": [{"title": "Spain"}, {"title": "Italy"}],
                       "supportAndServices": [{"title": "Forensics", "url": "/how-we-work/services-support/forensics"}],
                       "partnerAgencies": [{"id": 77}, {"title": "Frontex"}],
                       "downloads": [{"title": "Factsheet", "url": "/cms/sites/default/files/documents/factsheet.pdf"}]}),
        Article("9005", "api-only-article", "An article whose shell has no data",
                base + 22 * day, "News", "<p>Read from the node API.</p>", embedded=False),
        Article(9006, "winter-night-press-release", "Published on a winter night",
                1_704_063_600, "Press Release", "<p>23:00 UTC is the next day in The Hague.</p>"),
        Article(9007, "summer-evening-news", "Published on a summer evening",
                1_688_163_000, "News", "<p>22:10 UTC is the next day in The Hague.</p>"),
    ]  # fmt: skip
    articles = [*odd, reference_article()]
    articles += generate_articles(6, start_id=100, newest=1_500_000_000)
    return link_chain(sorted(articles, key=lambda a: a.published, reverse=True))


def generate_articles(
    count: int, start_id: int = 10_000, newest: int = 1_760_000_000, seed: int = 7
) -> list[Article]:
    """``count`` plain articles, newest first, a few hours apart (for large mirrors)."""
    rng = random.Random(seed)
    articles = []
    published = newest
    for number in range(count):
        node_id = start_id + number
        published -= rng.randint(3_600, 90_000)
        crime, crime_url = rng.choice(list(CRIME_AREAS.items()))
        articles.append(
            Article(
                node_id,
                f"operation-{node_id}-action-day",
                f"Operation {node_id}: arrests across {rng.randint(2, 27)} countries",
                published,
                rng.choice(["Press Release", "News"]),
                f"<p>Lead of article {node_id}.</p>",
                f"Summary of article {node_id}.",
                f"<p>Law enforcement authorities took part in action {node_id}.</p>"
                f'<p>Coordinated by <a href="https://www.eurojust.europa.eu/news/case-{node_id}">'
                f"Eurojust</a>.</p>",
                extra={
                    "crimeAreas": [{"title": crime, "alias": crime_url}],
                    "targetGroups": [{"title": "Law Enforcement"}],
                },
            )
        )
    return articles


def link_chain(articles: list[Article]) -> list[Article]:
    """Set ``previous``/``next`` along the publication order (``articles`` newest first)."""
    for newer, older in itertools.pairwise(articles):
        newer.previous = older.alias
        older.next = newer.alias
    if articles:
        articles[0].next = None
        articles[-1].previous = None
    return articles


def app_block(padding_kb: int = 20) -> dict[str, Any]:
    """The ``App`` part every shell carries: languages, menus with the vocabularies, footer."""

    def entries(mapping: dict[str, str]) -> list[dict[str, Any]]:
        return [
            {"id": n, "name": name, "url": url} for n, (name, url) in enumerate(mapping.items())
        ]

    footer = [{"id": n, "title": f"Footer link {n}", "url": f"/footer/{n}",
               "body": "<p>" + "Europol footer text. " * 10 + "</p>"} for n in range(padding_kb * 4)]  # fmt: skip
    return {
        "languages": [{"code": "en", "title": "English"}, {"code": "fr", "title": "Français"}],
        "menus": {
            "main": [
                {"id": 1, "name": "Crime areas", "url": "/crime-areas", "children": entries(CRIME_AREAS)},
                {"id": 2, "name": "Services & Support", "url": "/how-we-work/services-support",
                 "children": entries(SERVICES)},
                {"id": 3, "name": "About Europol", "url": "/about-europol", "children": entries(CENTRES)},
            ]
        },
        "blocks": {"footer": footer},
        "terms": {},
    }  # fmt: skip


def shell(title: str, server_data: dict[str, Any] | None, canonical: str) -> bytes:
    """The loading shell of every page, with the data in ``window.SERVER_DATA``."""
    data = ""
    if server_data is not None:
        encoded = json.dumps(server_data, ensure_ascii=True).replace("/", "\\/")
        data = f"<script>window.SERVER_DATA={encoded};</script>"
    ld = json.dumps({"@context": "https://schema.org", "@type": "WebPage", "url": canonical})
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="description" content="European Union&rsquo;s law enforcement agency">'
        f'<meta property="og:title" content="{escape(title)} | Europol"/>'
        f"<title>{escape(title)} | Europol</title>{data}"
        f'<script type="application/ld+json">{ld}</script></head><body>'
        "<noscript>You need to enable JavaScript.</noscript>"
        '<div id="root">Loading application. Please wait</div>'
        '<script src="/static/js/main.js"></script></body></html>'
    ).encode()


def listing_entry(article: Article) -> dict[str, Any]:
    return {
        "title": article.title,
        "alias": article.alias,
        "published": article.published,
        "summary": article.summary,
        "mainImage": {"thumbs": [{"width": 300, "url": "/cms/img/x.jpg"}]},
    }


def node_api_key(alias: str) -> str:
    return f"/cms/api/node?url={quote(alias, safe='')}"


def build_site(
    articles: list[Article] | None = None,
    *,
    embedded: int = 5,
    per_page: int = 5,
    api_listing: bool = True,
    api_fails_from_page: int | None = None,
    rss: bool = True,
    legacy_rss_links: bool = True,
    app_padding_kb: int = 20,
    plain_previous: bool = False,
    changed_shape: bool = False,
) -> MirrorSite:
    """The mirror. ``embedded``: items in the newsroom shell; ``api_listing=False``: no API
    listing at all (404); ``api_fails_from_page``: pages from there on answer 500;
    ``plain_previous``: ``navigation.previous`` is a plain alias string in every node;
    ``changed_shape``: every node as after a redesign (:func:`changed_node`)."""
    articles = default_articles() if articles is None else articles
    site = MirrorSite(name="europol")
    app = app_block(app_padding_kb)
    newsroom_node = {
        "type": "listing_page",
        "alias": "/media-press/newsroom",
        "title": "Newsroom",
        "lists": [{"items": [listing_entry(a) for a in articles[:embedded]]}] if embedded else [],
    }
    site.add(
        "/media-press/newsroom",
        Page(body=shell("Newsroom", {"App": app, "NodeLoader": {"node": newsroom_node}},
                        PUBLIC + "/media-press/newsroom")),
    )  # fmt: skip
    if api_listing:
        add_api_listing(site, articles, per_page, api_fails_from_page)
    for article in articles:
        node = article.node(plain_previous, changed_shape)
        loader: dict[str, Any] = {"node": node}
        if changed_shape:
            loader["relations"] = {"crimeAreas": article.extra.get("crimeAreas", [])}
        server_data = {"App": app, "NodeLoader": loader} if article.embedded else None
        site.add(
            article.alias, Page(body=shell(article.title, server_data, PUBLIC + article.alias))
        )
        site.add(
            node_api_key(article.alias),
            Page(body=json.dumps(node).encode(), content_type=JSON_TYPE),
        )
        site.redirect("/newsroom/news/" + article.slug, PUBLIC + article.alias)
    if rss:
        site.redirect("/rss.xml", "/cms/api/rss/news")
        site.add(
            "/cms/api/rss/news",
            Page(
                body=rss_feed(articles[:10], legacy_rss_links), content_type="application/rss+xml"
            ),
        )
    return site  # fmt: skip


def add_api_listing(
    site: MirrorSite, articles: list[Article], per_page: int, fails_from: int | None
) -> None:
    pages = [articles[i : i + per_page] for i in range(0, len(articles), per_page)] or [[]]
    for number in range(len(pages) + 2):  # past the end: the last page again
        chunk = pages[min(number, len(pages) - 1)]
        key = f"{node_api_key('/media-press/newsroom')}&search={quote(f'page={number}', safe='')}"
        if fails_from is not None and number >= fails_from:
            site.add(
                key, Page(status=500, body=b"Internal Server Error", content_type="text/plain")
            )
            continue
        listing = {"page": min(number, len(pages) - 1), "nodesPerPage": per_page,
                   "nodesCount": len(articles), "nodes": [listing_entry(a) for a in chunk]}  # fmt: skip
        body = {
            "type": "listing_page",
            "alias": "/media-press/newsroom",
            "listing": {"data": listing},
        }
        site.add(key, Page(body=json.dumps(body).encode(), content_type=JSON_TYPE))


def rss_feed(articles: list[Article], legacy_links: bool) -> bytes:
    """The newest items without dates; every other link in the legacy form, as old feeds had."""
    items = []
    for number, article in enumerate(articles):
        path = ("/newsroom/news/" + article.slug) if legacy_links and number % 2 else article.alias
        items.append(
            f"<item><title>{escape(article.title)}</title><link>{PUBLIC}{path}</link>"
            f"<description>{escape(article.summary)}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Europol</title>'
        f"<link>{PUBLIC}/</link>{''.join(items)}</channel></rss>"
    ).encode()


def demo_site() -> MirrorSite:
    """The offline demo sample (``python -m tests.mirrors.make_demo``): small menus."""
    return build_site(default_articles(), app_padding_kb=1)
