"""Reads ``shared/reference/*.txt``: the text of a real article as a reader saw it.

The expectations of the reference test come from this file, not from our fixtures.
"""

from __future__ import annotations

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
    content_type: str
    lead: str
    paragraphs: list[str] = field(default_factory=list)
    link_texts: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    taxonomy: dict[str, list[str]] = field(default_factory=dict)
    source_url: str = ""


def read_reference(path: Path) -> ReferenceArticle:
    text = path.read_text(encoding="utf-8")
    article, taxonomy, source = re.split(r"^---\s*$", text, flags=re.M)[:3]
    blocks = [b.strip() for b in re.split(r"\n\s*\n", article) if b.strip()]
    title = next(b for b in blocks if b.startswith("# "))[2:].strip()
    rest = blocks[blocks.index("# " + title) + 1 :]
    date, content_type, lead, *body = rest
    reference = ReferenceArticle(
        title=title, date=date.strip(), content_type=plain(content_type), lead=plain(lead)
    )
    for block in body:
        links = _LINK.findall(block)
        if _LINK.fullmatch(block.strip()):
            reference.attachments.append(plain(block))
            continue
        reference.paragraphs.append(plain(block))
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
