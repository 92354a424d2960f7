"""The baseline of bench_crawl_cost.py: a Scrapy spider that only downloads.

    python benchmarks/bare_spider.py ORIGIN MANIFEST STATS_FILE

It requests every page of the mirror that the full pipeline reads (the newsroom page, the API
listing pages, RSS, the article pages) with the same concurrency, and does nothing with them.
"""

from __future__ import annotations

import json
import sys
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
            yield scrapy.Request(self.origin + path, callback=self.parse)

    def parse(self, response: scrapy.http.Response) -> None:
        return None


def main() -> None:
    origin, manifest, stats_file = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    process = CrawlerProcess(
        {
            "LOG_LEVEL": "WARNING",
            "CONCURRENT_REQUESTS": 16,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
            "TELNETCONSOLE_ENABLED": False,
            "ROBOTSTXT_OBEY": True,
        }
    )
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, origin=origin, paths=page_paths(manifest))
    process.start()
    stats_file.write_text(json.dumps(crawler.stats.get_stats(), default=str))


if __name__ == "__main__":
    main()
