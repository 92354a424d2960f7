"""``scrapy crawl SITE``, exiting as ``newsroom-scraper crawl`` does.

Scrapy's own ``crawl`` command exits 0 whatever happened, unless the crawl could not start: a
crawl of a site that never answered, or whose pages could not be read, would look like success
to a scheduler, with an empty file. This command is Scrapy's, plus the exit code of the run's
:class:`~newsroom_scraper.report.RunReport` (1: errors above the threshold, 4: the site could not
be reached at all; README, "Exit codes") and one line on stderr saying why. Scrapy looks commands
up in ``COMMANDS_MODULE`` after its own, so this one replaces ``crawl`` in the project.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from newsroom_scraper.report import EXIT_CODES_DOC, EXIT_OK, EXIT_UNREACHABLE, RunReport

if TYPE_CHECKING:
    import argparse

    from scrapy import Spider
    from scrapy.crawler import Crawler


class Command(ScrapyCrawlCommand):
    def __init__(self) -> None:
        super().__init__()
        self.crawler: Crawler | None = None

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        self.crawler = super()._create_crawler(spidercls)
        return self.crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        report = RunReport.of(self.crawler) if self.crawler is not None else None
        if self.exitcode or report is None or report.close_reason is None:
            return
        code = report.exit_code()
        if code == EXIT_OK:
            return
        self.exitcode = code
        why = EXIT_CODES_DOC.get(code, "unknown")
        if code == EXIT_UNREACHABLE:
            why += f": {report.connection_failure()}"
        print(f"scrapy crawl: exit code {code}: {why}", file=sys.stderr)
