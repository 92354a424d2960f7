"""The download handler that sends a newsroom's requests to a mirror (``--base-url``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import IgnoreRequest
from w3lib.url import safe_url_string

from newsroom_scraper.params import is_loopback_origin

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

#: The statuses whose ``Location`` Scrapy's ``RedirectMiddleware`` follows.
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class Mirror:
    """Where a spider's public hosts are answered from: ``origin`` (``scheme://host:port``).

    What every request asks of the origins (their parts, whether the mirror is on this machine)
    is worked out once, here, not per request."""

    origin: str
    public_origin: str
    public_hosts: frozenset[str]
    _origin: SplitResult = field(init=False)
    _public: SplitResult = field(init=False)
    loopback: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_origin", urlsplit(self.origin))
        object.__setattr__(self, "_public", urlsplit(self.public_origin))
        object.__setattr__(self, "loopback", is_loopback_origin(self.origin))

    def wire_url(self, public_url: str) -> str | None:
        """The URL to ask the mirror for ``public_url``; None for a URL off the public hosts."""
        parts = urlsplit(public_url)
        if parts.hostname not in self.public_hosts:
            return None
        origin = self._origin
        return urlunsplit((origin.scheme, origin.netloc, parts.path, parts.query, ""))

    def wire_request(self, request: Request, wire_url: str) -> Request:
        """``request`` as sent to the mirror. A mirror on this machine is never reached through
        a proxy: Scrapy's ``HttpProxyMiddleware`` chose one (``https_proxy`` of the
        environment, say) for the *public* URL, and a proxy elsewhere cannot reach this
        machine's loopback (the demo failed with "connection refused" behind a proxy). A mirror
        elsewhere keeps the public URL's proxy decision."""
        wire = request.replace(url=wire_url)
        if self.loopback and wire.meta.get("proxy") is not None:
            wire.meta["proxy"] = None
            wire.headers.pop(b"Proxy-Authorization", None)
        return wire

    def to_public(self, url: str) -> str | None:
        """A URL on the mirror's origin as the same URL on the public host."""
        parts = urlsplit(url)
        origin, public = self._origin, self._public
        if parts.scheme != origin.scheme or parts.netloc != origin.netloc:
            return None
        return urlunsplit((public.scheme, public.netloc, parts.path, parts.query, parts.fragment))

    def public_location(self, public_url: str, location: bytes) -> str:
        """A redirect's ``Location`` (relative, on the mirror or public) as an absolute public
        URL, so that the redirected request is sent to the mirror again. Its bytes are read as
        Scrapy's ``RedirectMiddleware`` reads them: non-ASCII percent-encoded as UTF-8."""
        target = safe_url_string(location)
        return self.to_public(target) or urljoin(public_url, target)


class BaseUrlDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, sending requests for the newsroom's public hosts to the
    spider's ``base_url`` origin (a mirror) instead.

    Everything above the wire keeps working with public URLs: the spider, the scheduler and
    its duplicate filter, robots.txt (the public robots.txt is asked for, and answered by the
    mirror), the offsite filter, retries, redirects, the stats, the HTTP cache and the items.
    Responses come back under their public URL, and a redirect the mirror gives under its own
    origin is mapped back, so that a redirect never leaves the mirror for the live site; one
    leading off the public hosts is refused (``offsite/redirects_refused``), since a rewritten
    redirect would otherwise skip the offsite filter.

    Why a download handler and not a downloader middleware: a middleware can only change a
    request's URL by returning a new request, which Scrapy sends back through the scheduler and
    every downloader middleware again: a second engine round trip per request, on the critical
    path of sequential discovery (BENCHMARKS.md, issue 12). The handler is the layer that turns
    a request into bytes on the wire, which is all a mirror changes. Scrapy has no setting to
    rewrite hosts. A spider without ``base_url`` (a live crawl) goes through the parent as is.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._mirror: Mirror | None = None
        self._looked_up = False

    def mirror(self) -> Mirror | None:
        """The spider's mirror, read once (the handler may be built before the spider opens)."""
        if not self._looked_up and self.crawler.spider is not None:
            self._looked_up = True
            spider = self.crawler.spider
            origin = getattr(spider, "base_url", None)
            if origin:
                self._mirror = Mirror(
                    origin=origin,
                    public_origin=getattr(spider, "public_origin", ""),
                    public_hosts=frozenset(getattr(spider, "public_hosts", ())),
                )
                logger.info(
                    "Requests for %s go to %s", ", ".join(sorted(self._mirror.public_hosts)), origin
                )
        return self._mirror

    async def download_request(self, request: Request) -> Response:
        mirror = self.mirror()
        wire_url = mirror.wire_url(request.url) if mirror is not None else None
        if mirror is None or wire_url is None:
            return await super().download_request(request)
        response = await super().download_request(mirror.wire_request(request, wire_url))
        location = response.headers.get(b"Location")
        if not location or response.status not in REDIRECT_STATUSES:
            return response.replace(url=request.url, request=request)
        target = mirror.public_location(request.url, location)
        if urlsplit(target).hostname not in mirror.public_hosts:
            self.crawler.stats.inc_value("offsite/redirects_refused")
            raise IgnoreRequest(f"redirected off the site, to {target}")
        headers = response.headers.copy()
        headers[b"Location"] = safe_url_string(target).encode("latin-1")
        return response.replace(url=request.url, request=request, headers=headers)
