"""Item loaders: the field work shared by every newsroom.

A site's extractor feeds raw values (HTML fragments, UNIX seconds, display dates, labels) into
:class:`NewsItemLoader`; the processors here turn them into the clean item shape, and
:meth:`NewsItemLoader.load_item` derives the fields that follow from the others (precision,
local date, word count, content hash), so that no site can get those wrong.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from itemloaders.processors import Identity, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from newsroom_scraper.errors import EXTRACTION, ExtractionError
from newsroom_scraper.extraction.dates import Moment, parse_moment, utc_now_iso
from newsroom_scraper.extraction.htmltext import (
    AttachmentRules,
    HtmlFragment,
    clean_url,
    html_text,
    squash,
)
from newsroom_scraper.items import SCHEMA_VERSION, NewsItem, compute_content_hash

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from re import Pattern
    from typing import Self
    from zoneinfo import ZoneInfo

_LANGUAGE = re.compile(r"^([a-z]{2})(?:[-_][a-z0-9]+)*$")

#: List fields and their empty value when a page has none.
_LIST_DEFAULTS: dict[str, Any] = {
    "key_points": list,
    "links": list,
    "attachments": list,
    "related": list,
    "taxonomy": dict,
}


def clean_text(value: Any) -> str | None:
    """One line of text, white space collapsed; empty text is no value."""
    if value is None:
        return None
    text = squash(str(value))
    return text or None


def html_to_text(value: Any, loader_context: dict[str, Any]) -> str | None:
    """An HTML (or plain text) fragment to plain text; empty is no value."""
    if value is None:
        return None
    return html_text(str(value)) or None


def language_code(value: str) -> str | None:
    """``en``, ``EN``, ``en-GB``, ``pt_PT`` -> the ISO 639-1 code; anything else is no value."""
    match = _LANGUAGE.match(value.strip().lower())
    return match.group(1) if match else None


def to_moment(value: Any, loader_context: dict[str, Any]) -> Moment | None:
    """Any date form to a :class:`Moment` in the site's time zone (see :mod:`.dates`)."""
    if value is None or value == "":
        return None
    return parse_moment(value, loader_context["timezone"], loader_context.get("date_languages"))


def unique_strings(values: Iterable[str]) -> list[str]:
    """Keep page order, drop repeats."""
    return list(dict.fromkeys(values))


def merge_dicts(values: Iterable[dict[str, list[Any]]]) -> dict[str, list[Any]]:
    """Taxonomy blocks added one by one; a vocabulary seen twice keeps both lists, in order."""
    merged: dict[str, list[Any]] = {}
    for block in values:
        for vocabulary, terms in block.items():
            bucket = merged.setdefault(vocabulary, [])
            bucket.extend(term for term in terms if term not in bucket)
    return merged


#: Longest error reason a processor's failure gives (its value may be a whole page).
MAX_REASON = 200


def one_line(text: str, limit: int = MAX_REASON) -> str:
    """``text`` on one line, white space collapsed, cut to ``limit`` characters."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "\u2026"


def field_error(field_name: str | None, exc: ValueError) -> ExtractionError:
    """The :class:`ExtractionError` of a processor that failed on ``field_name``: the field and
    the first cause (itemloaders' own wrappers skipped), e.g. ``published: ValueError: ...``."""
    if isinstance(exc, ExtractionError):
        return exc
    cause: BaseException = exc
    while cause.__cause__ is not None:
        cause = cause.__cause__
    if isinstance(cause, ExtractionError):
        return cause
    reason = f"{field_name or 'item'}: cannot read the value ({type(cause).__name__}: {cause})"
    return ExtractionError(one_line(reason), EXTRACTION)


class NewsItemLoader(ItemLoader):
    """Loader of :class:`NewsItem`.

    Context: ``site`` (name), ``timezone`` (:class:`ZoneInfo` of the newsroom), ``base_url``
    (public URL of the page, for relative links), ``date_languages`` (for free-form dates),
    ``attachment_rules``.
    """

    default_item_class = NewsItem
    default_input_processor = Identity()
    default_output_processor = TakeFirst()

    title_in = MapCompose(clean_text)
    url_in = MapCompose(clean_url)
    content_type_in = MapCompose(clean_text)
    language_in = MapCompose(clean_text, language_code)
    lead_in = MapCompose(html_to_text)
    published_in = MapCompose(to_moment)

    key_points_in = MapCompose(html_to_text)
    key_points_out = unique_strings
    links_out = Identity()
    attachments_out = Identity()
    related_out = Identity()
    taxonomy_out = merge_dicts

    # itemloaders looks processors up (class attribute, then item field metadata, then the
    # default) on every value added; they never change for a loader class, so each is looked
    # up once. A third of the loader's time went to those look-ups.
    _processors: ClassVar[dict[tuple[type, str, str], Callable[..., Any]]] = {}

    def get_input_processor(self, field_name: str) -> Callable[..., Any]:
        key = (type(self), field_name, "in")
        if key not in self._processors:
            self._processors[key] = super().get_input_processor(field_name)
        return self._processors[key]

    def get_output_processor(self, field_name: str) -> Callable[..., Any]:
        key = (type(self), field_name, "out")
        if key not in self._processors:
            self._processors[key] = super().get_output_processor(field_name)
        return self._processors[key]

    def __init__(self, *args: Any, fallback_counter: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fallback_counter = fallback_counter
        #: The body text :meth:`add_body` laid out and its word count (see :meth:`load_item`).
        self._body_words: tuple[str, int] | None = None

    # itemloaders wraps a processor's exception in ValueErrors whose text holds the value and
    # the repr of the processor, loader context included (a ChainMap of ~600 characters). A
    # page's error reason is read by people: the field and the first cause, on one line
    # (field_error). The ``try`` is written out in each method: a context manager cost 1.5 us
    # a call, 28 calls an item, 4 % of a generated Europol page.
    def add_value(
        self,
        field_name: str | None,
        value: Any,
        *processors: Callable[..., Any],
        re: str | Pattern[str] | None = None,
        **kw: Any,
    ) -> Self:
        try:
            return super().add_value(field_name, value, *processors, re=re, **kw)
        except ValueError as exc:
            raise field_error(field_name, exc) from None

    def replace_value(
        self,
        field_name: str | None,
        value: Any,
        *processors: Callable[..., Any],
        re: str | Pattern[str] | None = None,
        **kw: Any,
    ) -> Self:
        try:
            return super().replace_value(field_name, value, *processors, re=re, **kw)
        except ValueError as exc:
            raise field_error(field_name, exc) from None

    def get_output_value(self, field_name: str) -> Any:
        try:
            return super().get_output_value(field_name)
        except ValueError as exc:
            raise field_error(field_name, exc) from None

    def add_body(self, html: str | None) -> None:
        """Body text, clean HTML, in-body links and attachments from one parse of the HTML."""
        fragment = HtmlFragment(html or "", self.context.get("base_url", ""))
        rules: AttachmentRules = self.context.get("attachment_rules") or AttachmentRules()
        text, words = fragment.text_and_word_count()
        self.replace_value("body", text)
        self._body_words = (text, words)
        self.replace_value("body_html", fragment.html())
        self.add_value("links", fragment.links(rules))
        self.add_value("attachments", fragment.attachments(rules))

    def add_attachment(self, kind: str, title: str | None, url: str | None) -> None:
        """An attachment the page lists outside its body (download blocks, video fields)."""
        if not url:
            return
        known = {entry["url"] for entry in self.get_collected_values("attachments")}
        if url not in known:
            self.add_value("attachments", {"kind": kind, "title": clean_text(title), "url": url})

    def add_fallback(self, field: str, source: str, values: Any) -> bool:
        """Add ``values`` to ``field`` only if the site's own selector gave nothing.

        Used for page metadata (OpenGraph, JSON-LD, microdata) so that a markup change costs one
        field, not the item; each use is counted (``fallback_counter``: the crawl's stats).
        """
        if self.get_output_value(field) not in (None, "", [], {}):
            return False
        self.add_value(field, values)
        if self.get_output_value(field) in (None, "", [], {}):
            return False
        if self._fallback_counter is not None:
            self._fallback_counter(field, source)
        return True

    def load_item(self) -> NewsItem:
        """The item with every derived field filled in; raises :class:`ExtractionError`."""
        item: NewsItem = super().load_item()
        moment = item.get("published")
        if not isinstance(moment, Moment):
            raise ExtractionError("no publication date", kind=EXTRACTION)
        timezone: ZoneInfo = self.context["timezone"]
        item["published"] = moment.iso()
        item["published_precision"] = moment.precision
        item["published_date"] = moment.local_date(timezone)
        for field, factory in _LIST_DEFAULTS.items():
            item.setdefault(field, factory())
        item.setdefault("lead", None)
        item.setdefault("body", "")
        item.setdefault("body_html", "")
        item["site"] = self.context["site"]
        item["schema_version"] = SCHEMA_VERSION
        body = item["body"]
        known = self._body_words
        # The count taken while the body was laid out, when the item's body is that very text.
        item["word_count"] = (
            known[1] if known is not None and known[0] is body else len(body.split())
        )
        item["content_hash"] = compute_content_hash(dict(item))
        item["scraped_at"] = utc_now_iso()
        return item
