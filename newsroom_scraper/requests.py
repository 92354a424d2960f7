"""What a request is for, in words every component shares (``request.meta`` keys and roles).

Discovery tags each request with a :class:`Role`; the incremental middleware, the page archive
and the distributed scheduler decide from the role alone, never from a site's name or paths.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Role(StrEnum):
    """The part a request plays in a crawl (``request.meta[ROLE]``)."""

    #: A page of the newsroom's listing: stops once an incremental run has passed known articles.
    LISTING = "listing"
    #: A feed (RSS, Atom, sitemap): always fetched, it is cheap and says what is new.
    FEED = "feed"
    #: An article page: fetched when new, failed last time, or within the look-back.
    ARTICLE = "article"
    #: An article reached by walking a previous/next chain: its page is also the way to the next
    #: article, so an unfinished pass must fetch it again even when it is known.
    CHAINED_ARTICLE = "chained_article"


#: ``request.meta`` key holding the request's :class:`Role`.
ROLE: Final = "newsroom_role"
#: ``request.meta`` key holding the public URL of a request sent to a mirror (``--base-url``).
PUBLIC_URL_META: Final = "newsroom_public_url"
#: ``request.meta`` key holding the public URL of the article an ARTICLE request fetches, when
#: the request's own URL is not it (an API answering for the page): the state knows articles by
#: their item's ``url``.
ARTICLE_URL_META: Final = "newsroom_article_url"

LISTING_ROLES: Final = frozenset({Role.LISTING})
ARTICLE_ROLES: Final = frozenset({Role.ARTICLE, Role.CHAINED_ARTICLE})
