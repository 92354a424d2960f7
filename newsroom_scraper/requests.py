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
    #: An article page: fetched when new, failed last time, listed with another version than
    #: last time (:data:`LISTED_VERSION_META`), or within the look-back.
    ARTICLE = "article"
    #: An article reached by walking a previous/next chain: its page is also the way to the next
    #: article, so an unfinished pass must fetch it again even when it is known.
    CHAINED_ARTICLE = "chained_article"
    #: Another version of an article, named by the article's own page (a translation): requested
    #: only when that article was fetched, it is fetched with it; it takes no look-back slot and
    #: never stops the listing.
    RELATED_ARTICLE = "related_article"

    @property
    def priority(self) -> int:
        """The scheduler priority of a request of this role: :data:`DISCOVERY_PRIORITY` for the
        requests that find others (listing pages, feeds, the chain's next article), 0 else.

        Discovery is sequential (a listing page is asked for once the previous one is read, a
        chain's link once the previous link is read), so it is the crawl's critical path and
        must leave before the articles waiting beside it. Yield order cannot say that: Scrapy's
        default queue is last in, first out. A listing page sent last in a burst of new
        connections waited a whole second on a server with a short accept queue (BENCHMARKS.md,
        "Wall time: the idle second per listing page")."""
        return DISCOVERY_PRIORITY if self in _DISCOVERY else 0


#: ``request.meta`` key holding the request's :class:`Role`.
ROLE: Final = "newsroom_role"
#: ``request.meta`` key holding the public URL of the article an ARTICLE request fetches, when
#: the request's own URL is not it (an API answering for the page): the state knows articles by
#: their item's ``url``.
ARTICLE_URL_META: Final = "newsroom_article_url"
#: ``request.meta`` key holding the article's version as the listing shows it, when the listing
#: shows one: an opaque string, equal as long as the article is unchanged (a last major update
#: time, a sitemap's ``<lastmod>``, a feed's ``<updated>``), normalised by discovery so that the
#: same version always gives the same string. The state keeps the version of each article's last
#: item; a known article listed with another version is fetched again, one listed with the same
#: version is not (beyond the look-back). See :mod:`newsroom_scraper.state.incremental`.
LISTED_VERSION_META: Final = "newsroom_listed_version"

#: Scheduler priority of discovery requests (:attr:`Role.priority`); retries lower a request's
#: priority by one, so a retried listing page still goes before the articles.
DISCOVERY_PRIORITY: Final = 10
_DISCOVERY: Final = frozenset({Role.LISTING, Role.FEED, Role.CHAINED_ARTICLE})

LISTING_ROLES: Final = frozenset({Role.LISTING})
ARTICLE_ROLES: Final = frozenset({Role.ARTICLE, Role.CHAINED_ARTICLE, Role.RELATED_ARTICLE})
