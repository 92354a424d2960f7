"""RedirectCheckMiddleware judges only the redirects Scrapy's RedirectMiddleware follows and
whose redirected request the duplicate filter would drop."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from newsroom_scraper.middlewares import RedirectCheckMiddleware

PAGE = "https://example.org/news/caf%C3%A9"


def middleware(spider_attributes: dict[str, Any] | None = None) -> RedirectCheckMiddleware:
    crawler = get_crawler(Spider)
    crawler.spider = Spider("s")
    for name, value in (spider_attributes or {}).items():
        setattr(crawler.spider, name, value)
    return RedirectCheckMiddleware.from_crawler(crawler)


def redirect(request: Request, location: bytes, status: int = 302) -> Response:
    return Response(request.url, status=status, headers={"Location": location}, request=request)


def back_to_page(**request_args: Any) -> tuple[Request, Response]:
    """The second leg of a loop: ``PAGE?x`` redirecting back to ``PAGE``."""
    request = Request(PAGE + "?x", meta={"redirect_urls": [PAGE]}, **request_args)
    return request, redirect(request, PAGE.encode())


def test_a_loop_is_an_error():
    request, response = back_to_page()
    with pytest.raises(IgnoreRequest, match="redirect loop"):
        middleware().process_response(request, response)


def test_a_location_in_raw_utf8_is_read_as_scrapy_reads_it():
    """``/news/café`` sent as UTF-8 bytes is ``/news/caf%C3%A9``: the loop is seen."""
    request = Request(PAGE + "?x", meta={"redirect_urls": [PAGE]})
    response = redirect(request, "/news/café".encode())
    with pytest.raises(IgnoreRequest, match="redirect loop"):
        middleware().process_response(request, response)


def test_a_scheme_relative_location_is_on_the_requests_scheme():
    request = Request(PAGE + "?x", meta={"redirect_urls": [PAGE]})
    response = redirect(request, b"//example.org/news/caf%C3%A9")
    with pytest.raises(IgnoreRequest, match="redirect loop"):
        middleware().process_response(request, response)


@pytest.mark.parametrize(
    "meta",
    [{"dont_redirect": True}, {"handle_httpstatus_list": [302]}, {"handle_httpstatus_all": True}],
)
def test_a_redirect_the_request_keeps_is_its_response(meta: dict[str, Any]):
    request, response = back_to_page()
    request.meta.update(meta)
    assert middleware().process_response(request, response) is response


def test_a_redirect_the_spider_keeps_is_its_response():
    request, response = back_to_page()
    check = middleware({"handle_httpstatus_list": [302]})
    assert check.process_response(request, response) is response


def test_a_dont_filter_request_back_to_its_url_is_followed():
    """Not dropped by the filter (a redirect setting a cookie works); REDIRECT_MAX_TIMES ends a
    true loop of it."""
    request, response = back_to_page(dont_filter=True)
    assert middleware().process_response(request, response) is response


def test_off_when_redirects_are_off():
    crawler = get_crawler(Spider, {"REDIRECT_ENABLED": False})
    with pytest.raises(NotConfigured):
        RedirectCheckMiddleware.from_crawler(crawler)
