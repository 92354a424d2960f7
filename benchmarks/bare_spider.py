"""The baseline of the crawl benchmarks: a Scrapy spider that only downloads.

    python benchmarks/bare_spider.py ORIGIN MANIFEST STATS_FILE [--paths FILE] [--concurrency N]
                                     [-s NAME=VALUE ...]

Without ``--paths`` it requests every page of the mirror that the full pipeline reads (the
newsroom page, the API listing pages, RSS, the article pages); with it, exactly the paths listed
in FILE (one a line, in that order: what a full crawl asked the mirror for, robots.txt excepted,
since this spider obeys robots.txt too). It follows no redirect (a 301 of the list is a response
like any other, and its target is in the list) and does nothing with the pages. Same Scrapy
defaults as the crawler, 16 requests at a time unless ``--concurrency`` says otherwise.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.crawler import CrawlerProcess

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


def page_paths(manifest: Path) -> list[str]:
    routes = json.loads(manifest.read_text())["routes"]
    wanted = []
    for path, spec in routes.items():
        if spec.get("status", 200) != 200:
            continue
        if path.startswith("/cms/api/node") and "%2Fnews%2F" in path:
            continue  # the node API is only a fallback; the pipeline does not read it here
        wanted.append(path)
    return sorted(wanted)


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, origin: str, paths: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.origin = origin
        self.paths = paths

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for path in self.paths:
            yield scrapy.Request(self.origin + path, callback=self.parse, dont_filter=True)

    def parse(self, response: scrapy.http.Response) -> None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("origin")
    parser.add_argument("manifest", type=Path)
    parser.add_argument("stats_file", type=Path)
    parser.add_argument("--paths", type=Path, help="the paths to fetch, one a line")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    options = parser.parse_args()
    settings: dict[str, Any] = {
        "LOG_LEVEL": "WARNING",
        "CONCURRENT_REQUESTS": options.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": options.concurrency,
        "TELNETCONSOLE_ENABLED": False,
        "ROBOTSTXT_OBEY": True,
    }
    if options.paths:
        settings["REDIRECT_ENABLED"] = False
        settings["HTTPERROR_ALLOW_ALL"] = True
        paths = [line for line in options.paths.read_text().splitlines() if line]
    else:
        paths = page_paths(options.manifest)
    for pair in options.settings:
        name, _, value = pair.partition("=")
        settings[name] = value
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, origin=options.origin, paths=paths)
    process.start()
    options.stats_file.write_text(json.dumps(crawler.stats.get_stats(), default=str))


if __name__ == "__main__":
    main()
