"""A mirror of GOV.UK's Search API and Content API built from ``shared/sites/govuk.md``.

Served paths: ``/api/search.json?...`` (the exact query the spider sends for each organisations /
document types pair in ``queries``, 100 results a page from ``start=0``, newest
``public_timestamp`` first, and the empty page past the end) and ``/api/content<base_path>`` for
every item, translations included (search lists English items only).

Seeds: the ten real content items of ``shared/sites/govuk-examples/`` (when that folder is
there), plus the English version of the Arabic example and the Urdu version of the withdrawn
news story (both named in the examples' ``available_translations``, written here), plus
generated Home Office items for volume, some with a Welsh translation.

The live index leaves withdrawn items out; the two withdrawn real examples are listed here all
the same, as by an index that has not caught up with a withdrawal yet, so that a crawl of the
default mirror meets them. The mirror does not filter by organisation: a query's route lists
every English item of its document types.

Fault options of :func:`build_site`: ``gone`` (404/410 from the Content API), ``sub_paths`` (a
listed link the Content API answers with 303 to the item owning it), ``empty_page`` (a search
page without results while ``total`` says more), ``withdrawn`` (a listed item withdrawn since),
``refused`` (an item of another schema), ``failing`` (a status for any content path, e.g. a
translation).

Module protocol shared by every site mirror: ``default_articles()``, ``generate_articles(n)``,
``build_site(articles)`` and ``expected_id(article)``.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from newsroom_scraper.mirror import MirrorSite, Page
from tests.helpers import SHARED

PUBLIC = "https://www.gov.uk"
JSON_TYPE = "application/json; charset=utf-8"
#: The folder of ../shared the default mirror (hence the demo sample) is seeded from: tests that
#: compare with the shipped demo skip without it.
SHARED_SEEDS = ("sites", "govuk-examples")
EXAMPLES = SHARED.joinpath(*SHARED_SEEDS)
LONDON = ZoneInfo("Europe/London")
CONTENT_API = "/api/content"
PAGE_SIZE = 100
#: The eight document types the spider asks for by default (govuk.md, "Fixed for this project").
DOCUMENT_TYPES = ("press_release", "news_story", "government_response", "world_news_story",
                  "speech", "oral_statement", "written_statement", "authored_article")  # fmt: skip
DEFAULT_QUERY = (("home-office",), DOCUMENT_TYPES)
SEARCH_FIELDS = "content_id,content_store_document_type,description,link,public_timestamp,title"
HOME_OFFICE = {
    "title": "Home Office",
    "base_path": "/government/organisations/home-office",
    "content_id": "04148522-b0c1-4137-b687-5f3c3bdd561a",
    "locale": "en",
    "document_type": "organisation",
}


@dataclass
class Article:
    """One content item of the mirror (``item``: the Content API's JSON)."""

    item: dict[str, Any]

    @property
    def base_path(self) -> str:
        return str(self.item["base_path"])

    @property
    def locale(self) -> str:
        return str(self.item["locale"])

    @property
    def listed(self) -> bool:
        """Search lists English items only."""
        return self.locale == "en"

    @property
    def public_timestamp(self) -> str:
        """The listing's ``public_timestamp``: ``public_updated_at`` in UTC."""
        moment = datetime.fromisoformat(str(self.item["public_updated_at"]).replace("Z", "+00:00"))
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def search_result(self) -> dict[str, Any]:
        item = self.item
        return {
            "content_id": item["content_id"],
            "content_store_document_type": item["document_type"],
            "description": item.get("description", ""),
            "link": item["base_path"],
            "public_timestamp": self.public_timestamp,
            "title": item["title"],
            "index": "govuk",
            "es_score": None,
            "_id": item["base_path"],
            "elasticsearch_type": "edition",
            "document_type": "edition",
        }


def expected_id(article: Article) -> str:
    return f"govuk:{article.locale}:{article.item['content_id']}"


# -- seeds --------------------------------------------------------------------------------------


def real_examples() -> list[Article]:
    """The ten real content items of ``shared/sites/govuk-examples/`` (none without it)."""
    if not EXAMPLES.is_dir():
        return []
    return [
        Article(json.loads(path.read_text("utf-8")))
        for path in sorted(EXAMPLES.glob("*.json"))
        if "SAMPLE" not in path.name
    ]


def translation_of(article: Article, locale: str, title: str, paragraphs: list[str]) -> Article:
    """The same item in another language, as GOV.UK publishes translations (``.<locale>``)."""
    item = copy.deepcopy(article.item)
    english = article.base_path.removesuffix(f".{article.locale}")
    item["locale"] = locale
    item["base_path"] = english if locale == "en" else f"{english}.{locale}"
    item["title"] = title
    item["description"] = paragraphs[0]
    item["details"]["body"] = (
        '<div class="govspeak">' + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div>"
    )
    item["details"].pop("images", None)
    return item_with_translations(Article(item), [article.locale, locale])


def item_with_translations(article: Article, locales: list[str]) -> Article:
    english = article.base_path.removesuffix(f".{article.locale}")
    article.item.setdefault("links", {})["available_translations"] = [
        {
            "title": article.item["title"],
            "base_path": english if locale == "en" else f"{english}.{locale}",
            "content_id": article.item["content_id"],
            "locale": locale,
            "document_type": article.item["document_type"],
        }
        for locale in sorted(set(locales))
    ]
    return article


def derived_translations(examples: list[Article]) -> list[Article]:
    """The English version of the Arabic example, the Urdu one of the withdrawn news story."""
    by_name = {a.base_path.rsplit("/", 1)[-1]: a for a in examples}
    derived = []
    arabic = by_name.get(
        "uk-and-us-sanction-key-houthi-figures-to-protect-maritime-security-in-the-red-sea.ar"
    )
    if arabic is not None:
        english = translation_of(
            arabic,
            "en",
            "UK and US sanction key Houthi figures to protect maritime security in the Red Sea",
            [
                "The UK and US have today imposed coordinated sanctions on the Houthis.",
                "The sanctions target key figures of the Houthi regime.",
            ],
        )
        english.item["document_type"] = "press_release"  # as the example's translations say
        derived.append(english)
    withdrawn = by_name.get("christmas-2016-prime-ministers-message")
    if withdrawn is not None:
        derived.append(
            translation_of(
                withdrawn,
                "ur",
                "کرسمس 2016: وزیر اعظم کا پیغام",
                ["وزیر اعظم تھریسا مے نے کرسمس منانے والوں کو نیک خواہشات بھیجیں۔"],
            )
        )
    return derived


def london(moment: datetime) -> str:
    """A date-time as GOV.UK writes it: local time with its offset."""
    return moment.astimezone(LONDON).isoformat(timespec="seconds")


def generated_item(number: int, published: datetime, translated: bool) -> Article:
    kinds = ("press_release", "news_story", "speech", "oral_statement", "written_statement")
    document_type = kinds[number % len(kinds)]
    speech = document_type in {"speech", "oral_statement", "written_statement"}
    folder = "speeches" if speech else "news"
    base_path = f"/government/{folder}/mirror-item-{number:05d}"
    paragraphs = "".join(
        f"<p>Paragraph {k} of mirror item {number}: the Home Office announced measure {k}.</p>"
        for k in range(1, 4)
    )
    body = (
        f'<div class="govspeak"><p>Mirror item {number} opens with its first paragraph.</p>'
        f"{paragraphs}<ul><li>First point of item {number}</li><li>Second point</li></ul>"
        f'<p>Read the <a href="/government/publications/guidance-{number}">guidance</a>, the '
        f'<a href="https://assets.publishing.service.gov.uk/media/{number:05d}/report.pdf">'
        f'report</a> or <a href="mailto:press@homeoffice.gov.uk">write to us</a>.</p>'
        f'<div class="contact"><p>Press office: 020 7035 3535</p></div></div>'
    )
    item: dict[str, Any] = {
        "base_path": base_path,
        "content_id": str(uuid.uuid5(uuid.NAMESPACE_URL, PUBLIC + base_path)),
        "locale": "en",
        "title": f"Mirror item {number}: Home Office {document_type.replace('_', ' ')}",
        "description": f"Summary of mirror item {number}.",
        "document_type": document_type,
        "schema_name": "speech" if speech else "news_article",
        "first_published_at": london(published),
        "public_updated_at": london(published),
        "updated_at": london(published + timedelta(days=3)),
        "details": {
            "body": body,
            "first_public_at": london(published),
            "change_history": [{"public_timestamp": london(published), "note": "First published."}],
        },
        "links": {
            "organisations": [HOME_OFFICE],
            "primary_publishing_organisation": [HOME_OFFICE],
        },
    }
    if number % 3 == 0:
        item["links"]["taxons"] = [
            {"title": "Crime, justice and law", "base_path": "/crime-justice-and-law",
             "content_id": "f5b8b9a0-0000-4000-8000-000000000001", "locale": "en"}
        ]  # fmt: skip
    return item_with_translations(Article(item), ["en", "cy"] if translated else ["en"])


def generate_articles(
    n: int,
    start: int = 0,
    newest: datetime = datetime(2025, 6, 30, 9, 0, tzinfo=UTC),
    translated_every: int = 7,
) -> list[Article]:
    """``n`` Home Office items, six hours apart, newest first; every ``translated_every``-th one
    has a Welsh version too (an extra, unlisted article)."""
    articles = []
    for offset in range(n):
        number = start + offset
        published = newest - timedelta(hours=6 * offset)
        translated = translated_every > 0 and number % translated_every == 0
        english = generated_item(number, published, translated)
        articles.append(english)
        if translated:
            welsh = translation_of(
                english,
                "cy",
                f"Eitem ddrych {number}: newyddion y Swyddfa Gartref",
                [f"Crynodeb o eitem ddrych {number}.", "Paragraff arall yn Gymraeg."],
            )
            articles.append(welsh)
    return articles


def default_articles() -> list[Article]:
    examples = real_examples()
    return examples + derived_translations(examples) + generate_articles(20)


def updated(article: Article, when: datetime, note: str = "Figures corrected.") -> Article:
    """The item after a major update: later ``public_updated_at``, new text, a change note."""
    item = copy.deepcopy(article.item)
    item["public_updated_at"] = london(when)
    item["details"]["body"] = item["details"]["body"] + f"<p>Update: {note}</p>"
    history = item["details"].setdefault("change_history", [])
    history.insert(0, {"public_timestamp": london(when), "note": note})
    return Article(item)


# -- the site -----------------------------------------------------------------------------------


def json_page(value: Any, status: int = 200) -> Page:
    body = json.dumps(value, ensure_ascii=False).encode()
    return Page(status=status, body=body, content_type=JSON_TYPE)


def build_site(
    articles: list[Article] | None = None,
    *,
    queries: list[tuple[tuple[str, ...], tuple[str, ...]]] | None = None,
    gone: dict[str, int] | None = None,
    sub_paths: dict[str, str] | None = None,
    empty_page: int | None = None,
    withdrawn: set[str] | None = None,
    refused: dict[str, str] | None = None,
    failing: dict[str, int] | None = None,
) -> MirrorSite:
    """The mirror (faults: see the module docstring; keys are base paths)."""
    articles = default_articles() if articles is None else articles
    site = MirrorSite(name="govuk")
    for article in articles:
        item = copy.deepcopy(article.item)
        if article.base_path in (withdrawn or ()):
            item["withdrawn_notice"] = {
                "explanation": '<div class="govspeak"><p>This news has been withdrawn.</p></div>',
                "withdrawn_at": "2025-07-01T10:00:00+01:00",
            }
        if article.base_path in (refused or {}):
            item["schema_name"] = refused[article.base_path]  # type: ignore[index]
            item["document_type"] = refused[article.base_path]  # type: ignore[index]
        site.add(CONTENT_API + article.base_path, json_page(item))
    for path, status in {**(gone or {}), **(failing or {})}.items():
        body = {"error": {"code": status, "message": "gone" if status == 410 else "not found"}}
        site.add(CONTENT_API + path, json_page(body, status))
    listed = sorted(
        (a for a in articles if a.listed),
        key=lambda a: (a.public_timestamp, a.base_path),
        reverse=True,
    )
    results = [a.search_result() for a in listed]
    owners = {a.base_path: a for a in articles}
    for sub_path, owner_path in (sub_paths or {}).items():
        owner = owners[owner_path].search_result()
        entry = {**owner, "link": sub_path, "_id": sub_path,
                 "content_id": str(uuid.uuid5(uuid.NAMESPACE_URL, PUBLIC + sub_path))}  # fmt: skip
        results.insert(results.index(owner) + 1, entry)
        site.redirect(CONTENT_API + sub_path, PUBLIC + CONTENT_API + owner_path, status=303)
    for organisations, document_types in queries or [DEFAULT_QUERY]:
        wanted = [r for r in results if r["content_store_document_type"] in document_types]
        add_search(site, organisations, document_types, wanted, empty_page)
    return site


def search_key(organisations: tuple[str, ...], document_types: tuple[str, ...], start: int) -> str:
    """The query of govuk.md's example, for these filters (routes ignore parameter order)."""
    query = "&".join(
        [f"filter_organisations={slug}" for slug in organisations]
        + [f"filter_content_store_document_type={kind}" for kind in document_types]
        + [f"order=-public_timestamp&count={PAGE_SIZE}&start={start}&fields={SEARCH_FIELDS}"]
    )
    return f"/api/search.json?{query}"


def add_search(
    site: MirrorSite,
    organisations: tuple[str, ...],
    document_types: tuple[str, ...],
    results: list[dict[str, Any]],
    empty_page: int | None,
) -> None:
    """Search pages of ``PAGE_SIZE`` from ``start=0``, and the empty page past the end."""
    pages = max(1, -(-len(results) // PAGE_SIZE))
    for number in range(pages + 1):
        start = number * PAGE_SIZE
        chunk = [] if number == empty_page else results[start : start + PAGE_SIZE]
        payload = {
            "results": chunk,
            "total": len(results),
            "start": start,
            "aggregates": {},
            "suggested_queries": [],
            "suggested_autocomplete": [],
            "es_cluster": "A",
        }
        site.add(search_key(organisations, document_types, start), json_page(payload))
