"""A mirror of the European Parliament press room built from ``shared/sites/europarl.md``.

Every path the site file names is served: listing pages ``/news/<lang>/page/<N>`` (from 0; past
the end an empty page, or with ``past_end="repeat"`` the last page again), the plenary RSS feed
``/rss/doc/press-releases-plenary/<lang>.xml`` (the newest plenary releases, dated, with ``http:``
links, tracking queries and short-form links as feeds have them), article pages
``/news/<lang>/press-room/<release id>/<slug>`` and the short form without the slug (a redirect).
Article markup follows the structure of the two real pages in ``shared/sites/europarl-pages/``:
OpenGraph and keywords in the head, the language menu, ``article#website-body`` with the heading
(``h1.ep_title``, content-type labels, ``time[itemprop=datePublished]``), key facts, chapo, text,
contacts, the "Further information" links, and the site footer.

Module protocol shared by every site mirror: ``default_articles()``, ``generate_articles(n)``,
``build_site(articles)`` and ``expected_id(article)``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from functools import cache
from html import escape
from zoneinfo import ZoneInfo

from newsroom_scraper.mirror import MirrorSite, Page

PUBLIC = "https://www.europarl.europa.eu"
BRUSSELS = ZoneInfo("Europe/Brussels")
HTML = "text/html; charset=utf-8"
RSS_TYPE = "application/rss+xml; charset=utf-8"
LANGUAGES = ("bg", "es", "cs", "da", "de", "et", "el", "en", "fr", "ga", "hr", "it", "lv", "lt",
             "hu", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "fi", "sv")  # fmt: skip

PLENARY = ("Plenary session", "/news/en?contentType=plenary")
PRESS_BRIEFING = ("Press briefing", "/news/en?contentType=press-briefing")
PRESIDENT = ("President", None)
COMMITTEES = {
    "TRAN": "Transport and Tourism",
    "LIBE": "Civil Liberties, Justice and Home Affairs",
    "ENVI": "Environment, Public Health and Food Safety",
    "AFET": "Foreign Affairs",
    "ECON": "Economic and Monetary Affairs",
}


def committee(code: str) -> tuple[str, str | None]:
    """A committee label: the site shows the code, the name in an ``<abbr>`` title."""
    return (code, f"/news/en?contentType=committee&keywordValue={code}")


@dataclass
class Release:
    """One press release of the mirror.

    ``published`` is the Brussels wall-clock time the page shows (no offset, as on the site).
    ``related`` lists the ``(kind, id)`` the extractor must find in the page's links.
    """

    release_id: str
    slug: str
    title: str
    published: datetime
    content_types: list[tuple[str, str | None]] = field(default_factory=lambda: [PLENARY])
    key_facts: list[str] = field(default_factory=list)
    lead: str = ""
    body: str = "<p>Text of the release.</p>"
    further: list[tuple[str, str]] = field(default_factory=list)
    related: list[tuple[str, str]] = field(default_factory=list)
    heading_changed: bool = False  # no h1.ep_title: only the metadata fallbacks give the title
    lang: str = "en"

    @property
    def path(self) -> str:
        return f"/news/{self.lang}/press-room/{self.release_id}/{self.slug}"

    @property
    def short_path(self) -> str:
        return f"/news/{self.lang}/press-room/{self.release_id}"

    @property
    def url(self) -> str:
        return PUBLIC + self.path

    @property
    def plenary(self) -> bool:
        return any(label == PLENARY[0] for label, _ in self.content_types)

    @property
    def published_utc(self) -> datetime:
        return self.published.replace(tzinfo=BRUSSELS).astimezone(ZoneInfo("UTC"))


def expected_id(article: Release) -> str:
    return f"europarl:{article.lang}:{article.release_id}"


# -- the releases -------------------------------------------------------------------------------


def default_articles() -> list[Release]:
    """A small press room, newest first, with every case the site file names."""
    odd = [
        Release(
            "20240110IPR16801", "winter-night-vote-on-the-budget",
            "Winter night: Parliament approves the 2024 budget",
            datetime(2024, 1, 11, 0, 30),  # CET: 2024-01-10T23:30Z, local date the 11th
            key_facts=["Budget adopted", "Focus on <em>research</em> and climate"],
            lead="<p>Late-night vote on the budget.</p>",
            body="<p>MEPs adopted the budget.</p><p>See the <a href='/doceo/document/"
                 "A-9-2023-0400_EN.html'>report</a>.</p>",
            further=[("Adopted text", "http://www.europarl.europa.eu/doceo/document/"
                                       "TA-9-2024-0012_EN.html")],
            related=[("document", "A9-0400/2023"), ("document", "P9_TA(2024)0012")],
        ),
        Release(
            "20231204IPR15600", "committee-backs-new-asylum-rules",
            "Committee backs new asylum rules",
            datetime(2023, 12, 5, 11, 2),
            content_types=[committee("LIBE")],
            key_facts=["Vote in committee"],
            lead="<p>The Civil Liberties Committee voted.</p>",
            heading_changed=True,
        ),
        Release(
            "20231117IPR12345", "road-and-air-connectivity",
            "Road & air connectivity: temporary rules adopted",
            datetime(2023, 11, 17, 16, 10),
            content_types=[PLENARY, committee("TRAN")],
            lead="<p>Parliament adopted three files.</p>",
            body="<ul><li><strong>Air</strong>: adopted.</li></ul><br /><ul><li><strong>Road"
                 "</strong>: adopted.</li></ul><p class='ep-wysiwig_paragraph'><strong>Next steps"
                 "</strong></p><p class='ep-wysiwig_paragraph'>The Council must agree.</p>",
            further=[
                ("Procedure file on road", "https://oeil.secure.europarl.europa.eu/oeil/popups/"
                                           "ficheprocedure.do?reference=2023/0362(COD)&l=en"),
                ("Procedure file on air", "https://oeil.secure.europarl.europa.eu/oeil/popups/"
                                          "ficheprocedure.do?lang=en&reference=2023/0363 "),
                ("Commission press release", "https://ec.europa.eu/commission/presscorner/"
                                             "detail/en/IP_23_2368"),
            ],
            related=[("procedure", "2023/0362(COD)"), ("procedure", "2023/0363")],
        ),
        Release(
            "20231027IPR08800", "briefing-on-the-plenary-session",
            "Press briefing: the October II plenary session",
            datetime(2023, 10, 29, 2, 30),  # the repeated hour of the autumn change: CEST, 00:30Z
            content_types=[PRESS_BRIEFING],
            body="<p>The agenda of the session.</p>",
        ),
        Release(
            "20231005IPR06001", "resolutions-and-references",
            "Resolutions on three countries",
            datetime(2023, 10, 5, 12, 45),
            content_types=[PLENARY, committee("AFET")],
            key_facts=["Three resolutions", "Sanctions requested"],
            lead="<p>Three urgency resolutions.</p>",
            body="<p>Read the <a href='http://www.europarl.europa.eu/doceo/document/"
                 "B-9-2023-0456_EN.html'>motion</a> and the <a href='/doceo/document/"
                 "RC-9-2023-0123_EN.html'>joint motion</a>.</p>"
                 "<p><img src='/news/img/photo.jpg' alt='Hemicycle'></p>",
            further=[
                ("Joint motion", "https://www.europarl.europa.eu/doceo/document/"
                                 "RC-9-2023-0123_EN.html"),
                ("Report", "https://www.europarl.europa.eu/doceo/document/A-9-2023-0234_EN.pdf"),
                ("EPRS study", "http://www.europarl.europa.eu/RegData/etudes/STUD/2023/1234/"
                               "EPRS_STU(2023)1234_EN.pdf"),
                ("Video of the debate", "https://multimedia.europarl.europa.eu/en/video/"
                                        "debate_I245612"),
                ("Adopted texts", "/plenary/en/texts-adopted.html "),
            ],
            related=[("document", "B9-0456/2023"), ("document", "RC-B9-0123/2023"),
                     ("document", "A9-0234/2023")],
        ),
        Release(
            "20230701IPR02001", "summer-night-statement-of-the-president",
            "Statement of the President on the summer summit",
            datetime(2023, 7, 1, 0, 30),  # CEST: 2023-06-30T22:30Z, local date the 1st
            content_types=[PRESIDENT],
            lead="<p>The President spoke after midnight.</p>",
        ),
        Release(
            "20230326IPR00301", "spring-change-of-time",
            "Vote after the spring change of time",
            datetime(2023, 3, 26, 3, 30),  # just after the spring change: CEST, 01:30Z
            content_types=[PLENARY, committee("ENVI")],
            key_facts=["Adopted after the change of time"],
        ),
    ]  # fmt: skip
    plain = generate_articles(8, start=900, newest=datetime(2023, 3, 20, 12, 0), seed=3)
    return sorted(odd + plain, key=lambda r: r.published, reverse=True)


def generate_articles(
    count: int,
    start: int = 10_000,
    newest: datetime = datetime(2025, 6, 1, 12, 0),
    seed: int = 11,
) -> list[Release]:
    """``count`` releases, newest first, a few hours apart, with varied content (large mirrors)."""
    rng = random.Random(seed)
    releases = []
    published = newest
    for offset in range(count):
        number = start + offset
        published -= timedelta(minutes=rng.randint(60, 1_500))
        created = published - timedelta(days=rng.randint(0, 6))
        doc_number = f"{rng.randint(1, 450):04d}"
        code = rng.choice(list(COMMITTEES))
        labels: list[tuple[str, str | None]] = rng.choice([[PLENARY], [PLENARY, committee(code)], [committee(code)],
                             [PRESS_BRIEFING]])  # fmt: skip
        paragraphs = "".join(
            f"<p>Paragraph {n} of release {number}: MEPs debated the proposal and voted.</p>"
            for n in range(rng.randint(3, 8))
        )
        releases.append(
            Release(
                release_id=f"{created:%Y%m%d}IPR{number:05d}",
                slug=f"release-{number}-meps-vote",
                title=f"Release {number}: MEPs vote on file {rng.randint(1, 999)}",
                published=published.replace(second=0, microsecond=0),
                content_types=labels,
                key_facts=[f"Point {n} of release {number}" for n in range(rng.choice([0, 2, 3]))],
                lead=f"<p>Lead of release {number}.</p>",
                body=paragraphs,
                further=[
                    (
                        f"Report {doc_number}",
                        f"{PUBLIC}/doceo/document/A-9-{created.year}-{doc_number}_EN.html",
                    )
                ],
                related=[("document", f"A9-{doc_number}/{created.year}")],
            )
        )
    return releases


# -- pages ----------------------------------------------------------------------------------------


@cache
def language_menu(lang: str, path_tail: str) -> str:
    """The header's language menu (every language's version of the page), as on the site."""
    current = ' class="current" aria-current="true"'
    items = "".join(
        f'<li{current if code == lang else ""}><a lang="{code}" hreflang="{code}" '
        f'href="/news/{code}/{path_tail}"><span class="wrapper-label"><span class="label">'
        f"{code.upper()}</span></span></a></li>\n"
        for code in LANGUAGES
    )
    return (
        '<header id="website-header" class="ep-header"><nav class="wai-shortcut">'
        '<ul id="waimenu"><li><a href="#website-body"><span class="label">Access to page '
        'content</span></a></li></ul></nav><div class="dropdown-lang" id="language-select">'
        f'<nav class="custom-select dropdown"><ul class="no-display menu-content">{items}</ul>'
        '</nav></div><nav class="navigation-menu nav-top"><ul class="menu-level-0">'
        f'<li class="level-0"><a href="/news/{lang}"><span class="label">News</span></a></li>'
        '<li class="level-0"><a href="/meps/en/home"><span class="label">MEPs</span></a></li>'
        '<li class="level-0"><a href="/plenary/en"><span class="label">Plenary</span></a></li>'
        "</ul></nav></header>\n"
    )


FOOTER = (
    '<footer id="website-footer" role="contentinfo"><div class="ep_footer-relatedlinks">'
    '<h2 class="ep_title"><span class="ep_name">News</span></h2><ul>'
    '<li class="ep_item"><a href="/oeil/home/home.do" class="ep_button"><span class="ep_hidden">'
    'Open in a new page</span><span class="ep_name">Legislative Observatory</span></a></li>'
    '<li class="ep_item"><a href="https://multimedia.europarl.europa.eu/en" class="ep_button">'
    '<span class="ep_name">Multimedia Centre</span></a></li></ul></div>'
    '<div class="ep_mandatorylinks"><ul><li class="ep_item"><a href="/portal/en/contact">'
    '<span class="ep_name">Contact</span></a></li><li class="ep_item"><a href="/legal-notice/en">'
    '<span class="ep_name">Legal notice</span></a></li></ul></div></footer>\n'
    "<script>(function rewriteUrlIfNeeded() { /* }; */ }())</script>\n"
)


def name_span(text: str) -> str:
    return f'<span class="ep_name">{text}</span><span class="ep_icon">&nbsp;</span>'


def content_type_label(label: str, href: str | None) -> str:
    """A content-type label; committees show their code with the name in an ``<abbr>``."""
    shown = (
        f'<abbr title="{escape(COMMITTEES[label])}">{label}</abbr>'
        if label in COMMITTEES
        else escape(label)
    )
    inner = name_span(shown)
    if href:
        inner = f'<a href="{escape(href)}" >{inner}</a>'
    css = "ep-layout_committee" if label in COMMITTEES else "ep-layout_plenary"
    return f'<div class="ep-p_text ep-layout_contenttype {css}">{inner}</div>\n'


def display_time(moment: datetime) -> str:
    return f"{moment:%d-%m-%Y - %H:%M}"


def heading(release: Release) -> str:
    title = name_span(escape(release.title))
    if release.heading_changed:
        top = f'<h2 class="ep-a_title"><div class="ep-p_text">{title}</div></h2>'
    else:
        top = f'<h1 class="ep_title"><div class="ep-p_text">{title}</div></h1>'
    labels = "".join(content_type_label(label, href) for label, href in release.content_types)
    return (
        '<div class="ep_gridrow ep-o_product"><div class="ep_gridcolumn ep-m_header">'
        f'<div class="ep-a_heading ep-layout_level1">{top}<div class="ep_subtitle">'
        f'<div class="ep-p_text ep-layout_category">{name_span("Press Releases")}</div>\n'
        f'{labels}<div class="ep-p_text ep-layout_date"><span class="ep_name">'
        f'<time itemprop="datePublished"\n  datetime="{release.published:%Y-%m-%dT%H:%M:%S}">'
        f"{display_time(release.published)}</time></span></div></div></div></div></div>\n"
    )


def share_block(release: Release) -> str:
    return (
        '<div class="ep-a_share ep-layout_socialnetwok"><div class="ep_share"><h2 class="ep_title">'
        f'<div class="ep-p_text">{name_span("Share this page:")}</div></h2><ul>'
        f'<li><a href="https://www.facebook.com/share.php?u={release.url}" target="_blank">'
        f"{name_span('Facebook')}</a></li>"
        f'<li><a href="https://twitter.com/intent/tweet?url={release.url}&amp;via=Europarl_EN">'
        f"{name_span('Twitter')}</a></li></ul></div></div>\n"
    )


def text_blocks(release: Release) -> str:
    facts = ""
    if release.key_facts:
        items = "".join(
            f'<li><div class="ep-p_text">{name_span(fact)}</div></li>' for fact in release.key_facts
        )
        facts = (
            '<!-- Fact list --><div class="ep_gridcolumn ep-m_product"><div class="ep-a_facts">'
            f'<div><ul class="ep_list">{items}</ul></div></div></div>\n'
        )
    chapo = (
        '<div class="ep_gridcolumn ep-m_product"><div class="ep_gridcolumn-content">'
        f'<div class="ep-a_text ep-layout_chapo">{release.lead}</div></div></div>\n'
        if release.lead
        else ""
    )
    text = (
        '<!-- Text content --><div class="ep_gridcolumn ep-m_product">'
        f'<div class="ep_gridcolumn-content"><div class="ep-a_text">{release.body}</div></div>'
        "</div>\n"
    )
    return facts + chapo + text + CONTACTS


CONTACTS = (
    '<!-- Contact --><div class="ep_gridcolumn ep-m_product" role="region">'
    '<div class="ep-a_contacts">'
    f'<h2 class="ep_title"><div class="ep-p_text">{name_span("Contacts:")}</div></h2><ul>'
    '<li class="ep_item"><div class="ep_card"><h3 class="ep_name">Press Officer</h3><ul>'
    '<li class="ep_phone"><a href="tel:(+32) 2 28 32547" class="ep-p_text">'
    '<span class="ep_name"><span class="ep_hidden">Phone number: </span>(+32) 2 28 32547</span>'
    '</a></li><li class="ep_mail"><a href="mailto:press@europarl.europa.eu" class="ep-p_text">'
    '<span class="ep_name">press@europarl.europa.eu</span></a></li></ul></div></li></ul></div>'
    "</div>\n"
)


def further_block(release: Release) -> str:
    if not release.further:
        return ""
    items = "".join(
        f'<li><div class="ep-p_text ep-layout_page"><a title="Open in a new page" target="_blank" '
        f'href="{escape(href)}">{name_span(escape(text))}\n</a></div></li>\n'
        for text, href in release.further
    )
    return (
        '<!-- ADDITIONAL LINKS COLUMN --><section class="ep_gridcolumn ep-layout_followingscroll">'
        '<div class="ep_gridcolumn ep-m_product"><div class="ep-a_links"><h2 class="ep_title">'
        f'<div class="ep-p_text">{name_span("Further information")}</div></h2>'
        f'<ul class="ep_list">{items}</ul></div></div></section>\n'
    )


def head(release: Release) -> str:
    full_title = escape(f"{release.title} | News | European Parliament")
    committees = "".join(
        f",com:{label}" for label, _ in release.content_types if label in COMMITTEES
    )
    routes = "productSubType:PLENARY_SESSION" if release.plenary else "productSubType:OTHER"
    description = escape(release.lead.removeprefix("<p>").removesuffix("</p>") or release.title)
    return (
        f'<!DOCTYPE html>\n<html lang="{release.lang}">\n<head>\n<title>{full_title}</title>\n'
        f'<meta property="og:title" content="{full_title}"/>\n'
        f'<meta name="description" content="{description}"/>\n'
        f'<meta property="og:description" content="{description}"/>\n<meta charset="UTF-8"/>\n'
        f'<meta name="available" content="{release.published:%d-%m-%Y}"/>\n'
        f'<meta name="language" content="{release.lang}"/>\n'
        f'<link rel="canonical" href="{release.url}"/>\n'
        f'<meta property="og:url" content="{release.url}"/>\n'
        '<meta property="og:type" content="article"/>\n'
        f'<meta property="og:image" content="{PUBLIC}/news/img/meta-facebook.jpg"/>\n'
        f'<meta name="keywords" content="productType:PRESS_RELEASE{committees}"/>\n'
        f'<meta name="routes" content="{routes}"/>\n'
        '<link rel="stylesheet" type="text/css" href="/news/css/atomicdesign.css"/>\n'
        "</head>\n"
    )


def article_page(release: Release) -> bytes:
    """The article page, modelled on the real ones (see the module docstring)."""
    reference = (
        '<div class="ep-a_reference"><div class="ep_reference"><span class="ep-p_text">'
        f'<span class="ep_name"><abbr title="Product reference">Ref.:</abbr></span></span>'
        f'<span class="ep-p_text">{name_span(release.release_id)}</span></div></div>\n'
    )
    tail = release.path.split("/", 3)[3]
    return (
        head(release)
        + '<body><div id="website">'
        + language_menu(release.lang, tail)
        + '<article id="website-body" role="main">\n'
        + '<input type="hidden" id="webanalytic-id_chapters" value="press-room"/>\n'
        + heading(release)
        + '<div class="ep_gridrow ep-o_product">'
        + share_block(release)
        + text_blocks(release)
        + further_block(release)
        + reference
        + "</div></article>\n"
        + FOOTER
        + "</div></body></html>\n"
    ).encode()


def listing_entry(release: Release, dated: bool) -> str:
    label, _ = release.content_types[0]
    when = (
        '<div class="ep-p_text ep-layout_date">'
        f'<time datetime="{release.published:%Y-%m-%dT%H:%M:%S}">'
        f"{display_time(release.published)}</time></div>"
        if dated
        else ""
    )
    return (
        '<article class="ep-m_product ep-layout_press-release"><div class="ep-a_heading">'
        f'<h3 class="ep_title"><a href="{release.path}">{name_span(escape(release.title))}</a></h3>'
        f'<div class="ep_subtitle"><div class="ep-p_text ep-layout_contenttype">{name_span(label)}'
        f"</div>{when}</div></div>"
        f'<div class="ep-a_text"><p>{escape(release.title)}</p></div></article>\n'
    )


HEADLINE_TEASER = (
    '<article class="ep-m_product ep-layout_story"><div class="ep-a_heading"><h3 class="ep_title">'
    '<a href="/news/en/headlines/society/20231201STO15000/a-story">'
    '<span class="ep_name">A news story, not a press release</span></a></h3>'
    '<div class="ep-p_text ep-layout_contenttype"><span class="ep_name">Article</span></div>'
    "</div></article>\n"
)


def listing_page(lang: str, number: int, releases: list[Release], dated: bool) -> bytes:
    entries = "".join(listing_entry(r, dated) for r in releases)
    if number == 0 and releases:
        entries = entries + HEADLINE_TEASER
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><title>News | European Parliament</title>'
        f'<meta charset="UTF-8"/></head><body>{language_menu(lang, f"page/{number}")}'
        f'<main id="website-body" role="main"><div class="ep_gridrow ep-o_list">{entries}</div>'
        f"</main>{FOOTER}</body></html>"
    ).encode()


def rss_feed(lang: str, releases: list[Release]) -> bytes:
    """Newest plenary releases, dated; links as feeds give them (http, query, short form)."""
    items = []
    for number, release in enumerate(releases):
        if number % 2:
            link = f"http://www.europarl.europa.eu{release.short_path}"
        else:
            link = f"{release.url}?xtor=RSS-{number}"
        items.append(
            f"<item><title>{escape(release.title)}</title><link>{escape(link)}</link>"
            f"<guid>{escape(link)}</guid>"
            f"<pubDate>{format_datetime(release.published.replace(tzinfo=BRUSSELS))}</pubDate>"
            f"<description>{escape(release.title)}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Plenary press releases</title>'
        f"<link>{PUBLIC}/news/{lang}/press-room</link>{''.join(items)}</channel></rss>"
    ).encode()


# -- the site -------------------------------------------------------------------------------------


def build_site(
    articles: list[Release] | None = None,
    *,
    per_page: int = 5,
    past_end: str = "empty",
    dated_listing: bool = True,
    listing_fails_from: int | None = None,
    rss_size: int = 10,
    rss: bool = True,
) -> MirrorSite:
    """The mirror. ``past_end``: ``empty`` (an empty page), ``repeat`` (the last page again) or
    ``404``; ``dated_listing=False``: entries without a time (only the release id dates them);
    ``listing_fails_from``: listing pages from there on answer 500."""
    articles = default_articles() if articles is None else articles
    site = MirrorSite(name="europarl")
    for release in articles:
        site.add(release.path, Page(body=article_page(release)))
        site.redirect(release.short_path, release.url)
    for lang in sorted({r.lang for r in articles}) or ["en"]:
        in_lang = [r for r in articles if r.lang == lang]
        add_listing(site, lang, in_lang, per_page, past_end, dated_listing, listing_fails_from)
        if rss:
            newest = [r for r in in_lang if r.plenary][:rss_size]
            site.add(
                f"/rss/doc/press-releases-plenary/{lang}.xml",
                Page(body=rss_feed(lang, newest), content_type=RSS_TYPE),
            )
    return site


def add_listing(
    site: MirrorSite,
    lang: str,
    releases: list[Release],
    per_page: int,
    past_end: str,
    dated: bool,
    fails_from: int | None,
) -> None:
    chunks = [releases[i : i + per_page] for i in range(0, len(releases), per_page)]
    bodies = [listing_page(lang, n, chunk, dated) for n, chunk in enumerate(chunks)]
    for number in range(len(bodies) + 2):
        path = f"/news/{lang}/page/{number}"
        if fails_from is not None and number >= fails_from:
            site.add(
                path, Page(status=500, body=b"Internal Server Error", content_type="text/plain")
            )
        elif number < len(bodies):
            site.add(path, Page(body=bodies[number]))
        elif past_end == "repeat" and bodies:
            site.add(path, Page(body=bodies[-1]))
        elif past_end == "empty":
            site.add(path, Page(body=listing_page(lang, number, [], dated)))
        # "404": no route, the mirror answers 404
