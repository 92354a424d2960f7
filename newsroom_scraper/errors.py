"""Typed errors: every failure of a crawl has one of these kinds, counted and reported by URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

#: Error kinds, used as stats keys (``errors/<kind>``) and in reports.
UNEXPECTED_SHAPE: Final = "unexpected_shape"  # reachable page, not the structure we read
EXTRACTION: Final = "extraction"  # the structure is there but a field cannot be made
FETCH_FAILED: Final = "fetch_failed"  # no usable response after retries
HTTP_ERROR: Final = "http_error"  # a 4xx/5xx that is final
INVALID_ITEM: Final = "invalid_item"  # dropped by validation
DISCOVERY: Final = "discovery"  # a discovery path ended abnormally


class ExtractionError(ValueError):
    """A page that cannot give an item; ``kind`` says which sort of failure it is."""

    def __init__(self, reason: str, kind: str = UNEXPECTED_SHAPE) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """One failure as it goes into the log, the summary and the run report."""

    kind: str
    url: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "url": self.url, "reason": self.reason}
