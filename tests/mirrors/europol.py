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
import re
import struct
import zlib
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
#: The reference page's "Watch video." link: its target is not in the reference file, so the
#: mirrors link a video page of the site (served by the demo), never a made-up YouTube id.
REFERENCE_VIDEO = "/media-press/video/jot-mare-annual-meeting-2019"

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
        f'<p><a href="{REFERENCE_VIDEO}">Watch video.</a></p>'
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


def without_data(article: Article) -> Article:
    """``article`` as a page whose shell carries no data (read through the node API), whose node
    names taxonomy terms without a URL that the site menu resolves by their label (the site
    file: "Where a taxonomy term in a node has no URL, its URL can be found there")."""
    article.embedded = False
    crime = next(iter(CRIME_AREAS))
    article.extra = {
        **article.extra,
        "crimeAreas": [{"title": crime}, {"title": "Cybercrime"}],
        "entities": [{"title": "European Cybercrime Centre - EC3"}],
        "supportAndServices": [{"title": "Forensics"}, {"title": "Not in the menu"}],
    }
    return article


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


# -- the offline demo ------------------------------------------------------------------------------

#: Closes the body of every demo article that is not the reference article.
SAMPLE_NOTE = (
    "<p><em>Sample text written for the newsroom_scraper demo. It describes no real operation "
    "and is not a Europol publication.</em></p>"
)
FILES = "/cms/sites/default/files"
DEMO_VIDEO = "/media-press/video/document-fraud-experts-meeting"


def _sample(
    node_id: int,
    slug: str,
    title: str,
    published: int,
    article_type: str,
    lead: str,
    paragraphs: list[str],
    taxonomy: dict[str, Any],
    embedded: bool = True,
) -> Article:
    """A demo article: real length and structure, its text plainly marked as sample text."""
    body = "".join(f"<p>{text}</p>\n" if not text.startswith("<") else text + "\n"
                   for text in paragraphs) + SAMPLE_NOTE  # fmt: skip
    return Article(
        node_id, slug, title, published, article_type, f"<p>{lead}</p>",
        summary=lead, body=body, extra=taxonomy, embedded=embedded,
    )  # fmt: skip


def _terms(*titles: str, vocabulary: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Taxonomy terms; with ``vocabulary``, each carries its alias, as the site's nodes do."""
    return [{"title": t, "alias": vocabulary[t]} if vocabulary else {"title": t} for t in titles]


def demo_articles() -> list[Article]:
    """The demo's 14 articles, newest first: sample articles written for the demo, of the length
    and structure of real ones, each marked as sample text in its body (the last paragraph). The
    first is modelled on the reference article (``shared/reference/``); one is served only by the
    node API (its page shell has no data), as some pages of the live site are."""
    law = _terms("Law Enforcement", "General Public", "Press/Journalists")
    day = 86_400
    base = 1_704_063_600  # 2023-12-31 23:00 UTC: 1 January in The Hague
    samples = [
        _sample(
            9101, "criminal-network-smuggling-migrants-in-lorries-dismantled",
            "Criminal network smuggling migrants in lorries dismantled",
            base + 120 * day + 9 * 3_600, "Press Release",
            "Twelve suspects were arrested in a joint action against a network that hid migrants "
            "in lorries crossing the Balkans.",
            [
                "Law enforcement authorities from four countries, supported by Europol, have "
                "dismantled a criminal network that smuggled migrants across the Western Balkans "
                "and into the European Union hidden in the cargo areas of lorries. On the action "
                "day, officers searched 21 houses and arrested twelve suspects, among them the "
                "two alleged leaders of the network.",
                "The investigation started a year ago, after a lorry carrying 37 migrants was "
                "stopped at a border crossing. The migrants had travelled for more than 20 hours "
                "without ventilation or water, locked behind pallets of building materials. "
                "Investigators established that the network charged between &euro;4&nbsp;000 and "
                "&euro;7&nbsp;000 per person for the journey.",
                "Europol supported the investigation from the start. Its analysts cross-checked "
                "the information exchanged by the countries involved and identified links to "
                "other cases, and an expert was deployed to the field on the action day to "
                "cross-check new data against Europol's databases in real time.",
                "The suspects are believed to have smuggled at least 600 people over the past "
                "two years. Seized during the searches were cash, vehicles, mobile phones and "
                "false documents, which are now being examined.",
                f'<p><a href="{FILES}/documents/migrant_smuggling_routes_2024.pdf">Download the '
                "factsheet on migrant smuggling routes.</a></p>",
            ],
            {"crimeAreas": _terms("Migrant smuggling", vocabulary=CRIME_AREAS),
             "targetGroups": law,
             "entities": _terms("European Centre Against Migrant Smuggling - ECAMS"),
             "supportServices": _terms("Operational coordination", "Information exchange")},
        ),
        _sample(
            9102, "europe%E2%80%99s-largest-cocaine-seizure-of-the-year",
            "Europe’s largest cocaine seizure of the year at two container ports",
            base + 112 * day + 14 * 3_600, "News",
            "Customs and police seized 9.5 tonnes of cocaine hidden in banana shipments at two "
            "European ports.",
            [
                "Customs and police authorities have seized 9.5 tonnes of cocaine concealed in "
                "shipments of bananas arriving at two European container ports. It is the largest "
                "single seizure of cocaine in Europe this year.",
                "The drugs were found in 14 containers that had been shipped from South America. "
                "Scanners flagged unusual densities in the cargo, and a search revealed bricks of "
                "cocaine packed between the boxes of fruit. Seven people, including two port "
                "workers suspected of helping to remove the drugs from the terminals, were "
                "arrested.",
                "Europol coordinated the exchange of information between the authorities "
                "involved and analysed the shipping data, which led investigators to a second "
                "consignment sent by the same exporter a week later.",
                "Cocaine trafficking through Europe's ports remains one of the main sources of "
                "income for organised crime groups, which rely on corrupt insiders to take the "
                "drugs out of the ports unnoticed.",
                f'<p><img src="{FILES}/images/cocaine_seizure_containers.png" '
                'alt="Bricks of cocaine found among banana boxes"></p>',
            ],
            {"crimeAreas": _terms("Cocaine", "Drug trafficking", vocabulary=CRIME_AREAS),
             "targetGroups": law,
             "supportServices": _terms("Information exchange")},
        ),
        _sample(
            9103, "ransomware-affiliates/servers-taken-down",
            "Ransomware affiliates arrested and their servers taken down",
            base + 104 * day + 10 * 3_600, "Press Release",
            "Five affiliates of a ransomware service were arrested and 30 servers taken offline.",
            [
                "An international operation supported by Europol's European Cybercrime Centre "
                "(EC3) has led to the arrest of five suspected affiliates of a ransomware service "
                "that attacked hundreds of companies, hospitals and public bodies in Europe.",
                "The affiliates rented the ransomware from its developers and used it to encrypt "
                "the networks of their victims, demanding payment in cryptocurrency for the "
                "decryption keys. Investigators estimate that the group received ransom payments "
                "worth more than &euro;20 million.",
                "During the action week, 30 servers used to run the attacks and to leak stolen "
                "data were taken offline. Decryption keys recovered from the servers will be "
                "made available to victims through the "
                '<a href="https://www.nomoreransom.org/">No More Ransom</a> portal.',
                "EC3 hosted an operational centre during the action days, where investigators "
                "from the countries involved analysed seized data in real time, and provided "
                "forensic support to the national teams.",
            ],
            {"crimeAreas": [{"title": "Cybercrime"}],
             "targetGroups": _terms("Law Enforcement", "General Public", "Academia"),
             "entities": [{"title": "European Cybercrime Centre - EC3"}],
             "supportServices": _terms("Forensics", vocabulary=SERVICES)},
        ),
        _sample(
            9104, "%E2%82%AC30-million-investment-fraud-call-centres-raided",
            "€30 million investment fraud: call centres raided in three countries",
            base + 96 * day + 8 * 3_600, "Press Release",
            "A network that sold fake cryptocurrency investments by telephone is believed to "
            "have defrauded 3 000 victims.",
            [
                "Police and judicial authorities in three countries have raided four call centres "
                "used by a criminal network to sell fake investments in cryptocurrencies. Eleven "
                "suspects were arrested and bank accounts holding &euro;2.3 million were frozen.",
                "The call centre employees contacted victims found through online advertisements "
                "and persuaded them to invest small sums on a professional-looking trading "
                "platform. The platform showed invented profits, and victims were pressed to "
                "invest ever larger amounts, which they could never withdraw.",
                "The money was laundered through a chain of companies and accounts in several "
                "countries before being converted into cryptocurrency. Europol traced the flows "
                "of money and supported the countries involved with financial analysis.",
                "Victims who believe they have been targeted by such schemes are encouraged to "
                "report it to their national police.",
            ],
            {"crimeAreas": _terms("Money laundering", vocabulary=CRIME_AREAS),
             "targetGroups": _terms("General Public", "Law Enforcement"),
             "supportServices": _terms("Information exchange")},
        ),
        _sample(
            9105, "report-online-fraud-schemes-2024",
            "New report maps the online fraud schemes hitting Europe",
            base + 88 * day + 11 * 3_600, "News",
            "A new report describes the most common online fraud schemes and how criminals "
            "share the work behind them.",
            [
                "Europol has published a report on the online fraud schemes that cause the most "
                "damage to citizens and businesses in the European Union. It draws on the "
                "information that Member States and partners shared with Europol over the past "
                "two years.",
                "The report describes investment fraud, fraud with fake online shops, phishing "
                "and so-called CEO fraud, where criminals impersonate a company's management to "
                "order urgent payments. It shows how criminal services are bought and sold: one "
                "group writes the fake websites, another runs the call centres, a third launders "
                "the proceeds.",
                "The report also lists the warning signs that citizens can look out for, such as "
                "unexpected contact by people offering high returns, pressure to act quickly and "
                "requests to install remote access software.",
                f'<p><a href="{FILES}/documents/online_fraud_schemes_report.pdf">Download the '
                "report (PDF).</a></p>",
            ],
            {"crimeAreas": [{"title": "Cybercrime"}],
             "targetGroups": _terms("General Public", "Academia", "Researcher", "Press/Journalists"),
             "downloads": [{"title": "Online fraud schemes: executive summary",
                            "url": f"{FILES}/documents/online_fraud_schemes_summary.pdf"}]},
            embedded=False,  # read through /cms/api/node, as some live pages are
        ),
        _sample(
            9106, "money-mule-action-1800-mules-identified",
            "Money mule action: 1 800 money mules identified",
            base + 80 * day + 9 * 3_600, "Press Release",
            "Banks and police worked together for three months to find people who let criminals "
            "use their accounts.",
            [
                "Law enforcement authorities from 25 countries, working with banks and "
                "financial institutions, have identified 1 800 money mules in a three-month "
                "action coordinated by Europol. 420 people were arrested.",
                "Money mules receive stolen money into their bank accounts and pass it on, "
                "keeping a small share. Many are recruited through social media with offers of "
                "easy money, and few realise that they take part in money laundering, a crime "
                "that can lead to a prison sentence and a lasting criminal record.",
                "Banks reported 7 000 suspicious transactions during the action, which helped "
                "investigators trace the proceeds of online fraud and phishing back to the "
                "criminal networks behind them.",
                "An awareness campaign accompanies the action, to warn young people about the "
                "consequences of letting others use their bank account.",
            ],
            {"crimeAreas": _terms("Money laundering", vocabulary=CRIME_AREAS),
             "targetGroups": _terms("General Public", "Students", "Law Enforcement"),
             "supportServices": _terms("Operational coordination")},
        ),
        _sample(
            9107, "joint-action-days-against-labour-exploitation",
            "Joint action days against trafficking for labour exploitation",
            base + 72 * day + 15 * 3_600, "News",
            "Inspections of farms, building sites and factories found 240 possible victims of "
            "trafficking in human beings.",
            [
                "During a week of joint action days, police, labour inspectors and border guards "
                "from 20 countries inspected farms, building sites, car washes and factories to "
                "detect trafficking in human beings for labour exploitation.",
                "The inspections identified 240 possible victims, who were offered support and "
                "protection. Many of them worked long hours for little or no pay, lived in "
                "overcrowded housing provided by their employers and had their identity "
                "documents taken away.",
                "Forty-two suspects were arrested. Investigations were opened into employers and "
                "recruitment agencies suspected of using false promises of work to bring victims "
                "to Europe.",
                "Europol supported the action days by exchanging information between the "
                "countries involved and checking data against its databases.",
            ],
            {"crimeAreas": _terms("Trafficking in human beings", vocabulary=CRIME_AREAS),
             "targetGroups": law,
             "supportServices": _terms("Information exchange")},
        ),
        _sample(
            9108, "illegal-cigarette-factory-dismantled",
            "Illegal cigarette factory dismantled in an industrial warehouse",
            base + 64 * day + 10 * 3_600, "Press Release",
            "The factory could produce 8 million cigarettes a week for the black market.",
            [
                "Police and customs officers have dismantled an illegal cigarette factory hidden "
                "in an industrial warehouse. The factory could produce up to 8 million "
                "cigarettes a week, which were sold on the black market in several countries.",
                "Seventeen workers were found living on site in poor conditions. Investigators "
                "believe they were brought from abroad to work in the factory and were not "
                "allowed to leave it.",
                "Officers seized the production line, 12 tonnes of tobacco and 4 million "
                "counterfeit cigarettes bearing the brands of well-known manufacturers. Six "
                "suspects were arrested.",
                "The loss of tax revenue caused by the factory is estimated at &euro;18 million a "
                "year. Europol supported the investigation with analysis and information "
                "exchange.",
            ],
            {"crimeAreas": [{"title": "Excise fraud"}],
             "targetGroups": law,
             "supportServices": _terms("Information exchange")},
        ),
        _sample(
            9109, "conference-on-drug-markets-in-europe",
            "Experts meet at Europol to discuss the changing drug markets",
            base + 56 * day + 13 * 3_600, "News",
            "Two hundred experts discussed synthetic drugs, cocaine trafficking and the "
            "violence linked to drug markets.",
            [
                "Around two hundred experts from law enforcement, academia and international "
                "organisations met at Europol's headquarters in The Hague for a two-day "
                "conference on the drug markets in Europe.",
                "The participants discussed the growing production of synthetic drugs in Europe, "
                "the record quantities of cocaine entering through the ports, and the violence "
                "that competition between criminal networks brings to European cities.",
                "Researchers presented the results of studies on waste water analysis, which "
                "shows how drug use changes from one city to another, and on the use of "
                "encrypted communication by drug traffickers.",
                "The conference ended with recommendations on how to improve the exchange of "
                "information between countries and with private companies, such as shipping "
                "lines and chemical manufacturers.",
                f'<p><a href="{FILES}/documents/drug_markets_conference_programme.pdf">Conference '
                "programme (PDF)</a></p>",
            ],
            {"crimeAreas": _terms("Drug trafficking", vocabulary=CRIME_AREAS),
             "targetGroups": _terms("Law Enforcement", "Academia", "Researcher", "Professor"),
             "supportServices": _terms("Information exchange")},
        ),
        _sample(
            9110, "phishing-gang-targeting-bank-customers-arrested",
            "Phishing gang that targeted bank customers arrested",
            base + 48 * day + 8 * 3_600, "Press Release",
            "The gang sent text messages posing as banks and emptied the accounts of "
            "hundreds of victims.",
            [
                "Nine members of a criminal group that stole money from bank customers with "
                "fake text messages have been arrested in a joint operation supported by "
                "Europol.",
                "The group sent text messages that appeared to come from banks, asking customers "
                "to confirm a payment through a link. The link led to a copy of the bank's "
                "website, where victims entered their login details. Members of the group then "
                "called the victims, posing as bank employees, to obtain the codes needed to "
                "approve transfers.",
                "More than 600 victims lost a total of &euro;3 million. The money was moved "
                "through accounts opened with stolen identities and withdrawn in cash.",
                "Europol's European Cybercrime Centre supported the investigation with "
                "analysis and hosted meetings between the investigators of the countries "
                "involved.",
            ],
            {"crimeAreas": [{"title": "Cybercrime"}],
             "targetGroups": _terms("General Public", "Law Enforcement"),
             "entities": [{"title": "European Cybercrime Centre - EC3"}]},
        ),
        _sample(
            9111, "illegal-waste-shipments-stopped",
            "Illegal shipments of waste stopped at ports and borders",
            base + 40 * day + 9 * 3_600, "News",
            "Inspections found 3 000 tonnes of waste declared as second-hand goods.",
            [
                "Environmental inspectors, customs and police in 18 countries have stopped "
                "illegal shipments of waste during a month of coordinated checks at ports, "
                "border crossings and waste treatment plants.",
                "The inspections found more than 3 000 tonnes of waste, mostly old electronics, "
                "car parts and plastic, declared as second-hand goods in order to export it "
                "cheaply to countries outside the European Union, where it would have been "
                "dumped or burnt.",
                "Thirty-five companies are under investigation. Waste trafficking is a low-risk, "
                "high-profit crime that harms the environment and public health, and criminal "
                "networks increasingly use legal businesses to hide it.",
                "Europol supported the checks with information exchange and analysis.",
            ],
            {"crimeAreas": [{"title": "Environmental crime"}],
             "targetGroups": law,
             "supportServices": _terms("Information exchange")},
        ),
        _sample(
            9112, "firearms-trafficking-network-dismantled",
            "Firearms trafficking network dismantled",
            base + 32 * day + 7 * 3_600, "Press Release",
            "Investigators seized 150 firearms that had been converted from alarm pistols.",
            [
                "A criminal network that converted alarm and blank-firing pistols into lethal "
                "firearms and sold them to other criminals has been dismantled by police in two "
                "countries, supported by Europol.",
                "Officers searched workshops where the weapons were converted and seized 150 "
                "firearms, 20 000 rounds of ammunition and the tools used for the conversions. "
                "Eight suspects were arrested.",
                "Converted weapons are cheap and hard to trace, and several of those sold by the "
                "network have been linked to shootings between criminal groups.",
                "Europol supported the investigation by exchanging information, analysing data "
                "on the weapons seized and tracing their origin.",
            ],
            {"crimeAreas": [{"title": "Illicit firearms trafficking"}],
             "targetGroups": law,
             "supportServices": _terms("Forensics", vocabulary=SERVICES)},
        ),
        _sample(
            9113, "counterfeit-medicines-seized-in-global-operation",
            "Counterfeit medicines seized in a global operation",
            base + 24 * day + 12 * 3_600, "Press Release",
            "Police, customs and health regulators seized 2 million doses of counterfeit and "
            "illegal medicines.",
            [
                "A global operation against the online sale of counterfeit and illegal medicines "
                "has led to the seizure of 2 million doses and the closure of 1 300 websites.",
                "The seized products included:",
                "<ul><li>counterfeit slimming pills</li><li>unlicensed painkillers</li>"
                "<li>fake antibiotics containing no active ingredient</li></ul>",
                "Many of the products were sold as cheap alternatives to prescription medicines. "
                "Tests showed that some contained no active ingredient at all, and others "
                "contained dangerous substances.",
                "Europol coordinated the European part of the operation and supported the "
                "exchange of information between police, customs and health regulators.",
                f'<p><a href="{FILES}/documents/counterfeit_medicines_factsheet.pdf">Factsheet '
                "(PDF)</a></p>",
                f'<p><img src="{FILES}/images/counterfeit_medicines.png" alt="Seized pills"></p>',
            ],
            {"crimeAreas": [{"title": "Intellectual property crime"}],
             "targetGroups": _terms("General Public", "Law Enforcement"),
             "relatedCountries": _terms("Spain", "Italy", "Portugal"),
             "supportServices": _terms("Operational coordination")},
        ),
    ]  # fmt: skip
    return link_chain(sorted([_forensics_meeting(), *samples], key=lambda a: a.published,
                             reverse=True))  # fmt: skip


def _forensics_meeting() -> Article:
    """The demo's longest article, built as the reference article is (eight paragraphs, partner
    links, a document and a video, the four taxonomy blocks with eight target groups); its text
    is sample text too: the reference article's text is Europol's, whose terms allow private
    use only, and the demo ships in the package."""
    return _sample(
        9100, "forensic-experts-share-methods-against-document-fraud",
        "Forensic experts share methods against document fraud",
        1_700_569_800, "Press Release",  # 2023-11-21 12:30 UTC
        "False and forged travel documents were the focus of a two-day meeting of forensic "
        "document experts at Europol",
        [
            "Criminal networks that smuggle migrants or traffic human beings depend on false "
            "documents to move people across borders. On 20 and 21 November, Europol hosted "
            "forensic document experts from EU Member States, partner countries and "
            "international organisations to share the methods they use to detect them.",
            "The experts discussed the latest techniques used by forgers, from altered "
            "photographs to blank documents stolen from issuing offices, and the equipment and "
            "training that border guards need to recognise "
            '<a href="/crime-areas/migrant-smuggling">document fraud linked to migrant '
            "smuggling</a>.",
            "A national forensic laboratory presented an examination of 400 false passports "
            "seized in a single investigation. The documents had been printed with the same "
            "equipment, which allowed investigators to link cases in several countries to one "
            "print shop.",
            "Document fraud is a service that criminal networks sell to each other. Prices for "
            "a forged passport range from a few hundred euro for a crude copy to several "
            "thousand for a genuine document obtained by fraud. Sharing images and forensic "
            "findings helps authorities recognise documents from the same source wherever "
            "they are found.",
            "Particular attention was paid to cooperation with the countries where many of the "
            "documents are produced. The "
            '<a href="https://www.unodc.org/">United Nations Office on Drugs and Crime</a> '
            "presented its programmes to support border authorities in those countries.",
            "Experts from a regional training centre shared their experience of training "
            "border guards to check documents at busy crossings with little equipment.",
            '<a href="https://frontex.europa.eu/">Frontex</a>, '
            '<a href="https://www.eurojust.europa.eu/">Eurojust</a> and '
            '<a href="https://www.interpol.int/">Interpol</a> explained how their databases '
            "and networks of experts can support national investigations.",
            "Participants were also updated on the work of Europol's forensic experts and on "
            "the support that Europol's European Centre Against Migrant Smuggling offers to "
            "investigations.",
            f'<p><a href="{FILES}/documents/document_fraud_infographic.pdf" target="_blank">'
            "Download the document fraud infographic.</a></p>",
            f'<p><a href="{DEMO_VIDEO}">Watch video.</a></p>',
        ],
        {"crimeAreas": _terms("Migrant smuggling", vocabulary=CRIME_AREAS),
         "targetGroups": _terms(*TARGET_GROUPS),
         "entities": _terms("European Centre Against Migrant Smuggling - ECAMS"),
         "supportServices": _terms("Forensics", "Information exchange")},
    )  # fmt: skip


def attachment_paths(articles: list[Article]) -> list[str]:
    """Paths of the site's files and videos that the articles link (the demo serves them)."""
    found: set[str] = set()
    for article in articles:
        text = article.body + json.dumps(article.extra)
        found.update(re.findall(r'(?:href|src|url)"?[=:] ?"(/[^"]+)"', text))
    return sorted(p for p in found if p.startswith((FILES, "/media-press/video/")))


def sample_pdf(title: str) -> bytes:
    """A one-page PDF saying it is a sample file of the demo (a valid PDF, 0.6 KB)."""
    text = f"{title}: sample file of the newsroom_scraper demo".replace("(", "").replace(")", "")
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def sample_png(width: int = 64, height: int = 40) -> bytes:
    """A small grey PNG image (the demo's stand-in for a photo)."""
    raw = b"".join(b"\x00" + b"\x9a\x9a\x9a" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def video_page(path: str) -> bytes:
    name = escape(path.rsplit("/", 1)[-1].replace("-", " "))
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Video: {name} | '
        f"Europol</title></head><body><h1>Video: {name}</h1><p>Sample page of the "
        "newsroom_scraper demo: the video itself is not included.</p></body></html>"
    ).encode()


def demo_site() -> MirrorSite:
    """The offline demo sample (``python -m tests.mirrors.make_demo``): :func:`demo_articles`,
    small menus, and every file, image and video page they link."""
    articles = demo_articles()
    site = build_site(articles, app_padding_kb=1)
    for path in attachment_paths(articles):
        title = path.rsplit("/", 1)[-1]
        if path.endswith(".pdf"):
            site.add(path, Page(body=sample_pdf(title), content_type="application/pdf"))
        elif path.endswith(".png"):
            site.add(path, Page(body=sample_png(), content_type="image/png"))
        else:
            site.add(path, Page(body=video_page(path)))
    return site
