"""Reads ``shared/reference/*.txt``: the text of a real article as a reader saw it.

The expectations of the reference test come from this file, not from our fixtures. The file is
the article as a reader saw it, in Markdown: a line break inside a paragraph (``<br>``) shows
as a blank line, like a paragraph break, but the text after it goes on in lower case; such a
block is read back into its paragraph.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

_LINK = re.compile(r"\[((?:[^\]\\]|\\.)*)\]\([^)]*\)")
_VOCABULARIES = {
    "CRIME AREAS": "crime_areas",
    "TARGET GROUPS": "target_groups",
    "ENTITIES": "entities",
    "SUPPORT & SERVICES": "support_and_services",
}
#: How the page shows its date: ``27 Nov 2019``.
_DATE_FORMAT = "%d %b %Y"
#: How a sentence, hence a paragraph, ends.
_SENTENCE_END = (".", "!", "?", ":", ";", '"', "\u201d", ")")


def squash(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def plain(markdown: str) -> str:
    """Markdown paragraph -> its text (links replaced by their text)."""
    return squash(_unescape(_LINK.sub(lambda m: m.group(1), markdown)))


@dataclass
class ReferenceArticle:
    title: str
    date: str
    #: ``date`` read as the calendar date it names (the date a reader in The Hague saw).
    published_date: dt.date
    content_type: str
    lead: str
    paragraphs: list[str] = field(default_factory=list)
    link_texts: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    taxonomy: dict[str, list[str]] = field(default_factory=dict)
    source_url: str = ""


def continues(paragraph: str, block: str) -> bool:
    """``block`` is the rest of ``paragraph`` after a line break: the paragraph ends without
    ending a sentence and the block starts in lower case."""
    return not paragraph.endswith(_SENTENCE_END) and block[:1].islower()


def read_reference(path: Path) -> ReferenceArticle:
    text = path.read_text(encoding="utf-8")
    article, taxonomy, source = re.split(r"^---\s*$", text, flags=re.M)[:3]
    blocks = [b.strip() for b in re.split(r"\n\s*\n", article) if b.strip()]
    title = next(b for b in blocks if b.startswith("# "))[2:].strip()
    rest = blocks[blocks.index("# " + title) + 1 :]
    date, content_type, lead, *body = rest
    reference = ReferenceArticle(
        title=title,
        date=date.strip(),
        published_date=dt.datetime.strptime(date.strip(), _DATE_FORMAT).date(),
        content_type=plain(content_type),
        lead=plain(lead),
    )
    for block in body:
        links = _LINK.findall(block)
        if _LINK.fullmatch(block.strip()):
            reference.attachments.append(plain(block))
            continue
        text = plain(block)
        if reference.paragraphs and continues(reference.paragraphs[-1], text):
            reference.paragraphs[-1] += " " + text
        else:
            reference.paragraphs.append(text)
        reference.link_texts.extend(squash(_unescape(link)) for link in links)
    for heading, vocabulary in _VOCABULARIES.items():
        match = re.search(
            rf"^{re.escape(heading)}\s+(.*?)(?=^[A-Z &]+?\s{{2,}}|\Z)", taxonomy, re.M | re.S
        )
        assert match, f"no {heading} block in the reference"
        reference.taxonomy[vocabulary] = [
            squash(_unescape(t)) for t in _LINK.findall(match.group(1))
        ]
    url = re.search(r"<(https?://[^>]+)>", source)
    reference.source_url = url.group(1) if url else ""
    return reference
