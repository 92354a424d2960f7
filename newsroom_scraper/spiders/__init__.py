"""The newsroom spiders: one module per newsroom.

Scrapy's spider loader finds them through ``SPIDER_MODULES``; :func:`registered_sites` is the
same list for the CLI (``newsroom-scraper sites``) and the tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsroom_scraper.spiders.base import NewsroomSpider


def registered_sites() -> dict[str, type[NewsroomSpider]]:
    """Site name -> spider class, for every newsroom spider of the project."""
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader

    from newsroom_scraper import settings as project_settings
    from newsroom_scraper.spiders.base import NewsroomSpider

    loader = SpiderLoader.from_settings(
        Settings({"SPIDER_MODULES": project_settings.SPIDER_MODULES})
    )
    found: dict[str, type[NewsroomSpider]] = {}
    for name in sorted(loader.list()):
        spidercls = loader.load(name)
        if issubclass(spidercls, NewsroomSpider):
            found[name] = spidercls
    return found
