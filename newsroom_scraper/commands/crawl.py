"""``scrapy crawl SITE``, exiting as ``newsroom-scraper crawl`` does.

Scrapy's own ``crawl`` command exits 0 whatever happened, unless the crawl could not start: a
crawl of a site that never answered, or whose pages could not be read, would look like success
to a scheduler, with an empty file. This command is Scrapy's, plus the exit code of the run's
:class:`~newsroom_scraper.report.RunReport` (1: errors above the threshold, 4: the site could not
be reached at all; README, "Exit codes") and one line on stderr saying why. Scrapy looks commands
up in ``COMMANDS_MODULE`` after its own, so this one replaces ``crawl`` in the project. Spider
arguments are checked first: a bad one is a usage error (exit 2), as with ``newsroom-scraper``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newsroom_scraper.report import EXIT_CODES_DOC, EXIT_OK, EXIT_UNREACHABLE, RunReport

if TYPE_CHECKING:
    import argparse

    from scrapy.crawler import Crawler


class Command(ScrapyCrawlCommand):
    """Scrapy's ``crawl``, run through public ``CrawlerProcess`` methods only (Scrapy's own
    ``run`` goes through a private ``_create_crawler``, which this command must not override)."""

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider: scrapy crawl SITE [-a NAME=VALUE ...]")
        process = self.crawler_process
        assert process is not None
        try:
            spidercls = process.spider_loader.load(args[0])
        except KeyError:
            sites = ", ".join(process.spider_loader.list())
            raise UsageError(
                f"unknown spider {args[0]!r}; known: {sites}", print_help=False
            ) from None
        check = getattr(spidercls, "check_arguments", None)
        if check is not None:
            # Bad spider arguments: a usage error (exit 2, one message), not a traceback.
            check(**opts.spargs)
        crawler = process.create_crawler(spidercls)
        process.crawl(crawler, **opts.spargs)
        process.start()
        if process.bootstrap_failed or crawler.spider is None:
            self.exitcode = 1  # the crawl did not start (Scrapy has said why)
            return
        self.exit_as_the_report_says(crawler)

    def exit_as_the_report_says(self, crawler: Crawler) -> None:
        report = RunReport.of(crawler)
        if report is None or report.close_reason is None:
            return
        code = report.exit_code()
        if code == EXIT_OK:
            return
        self.exitcode = code
        why = EXIT_CODES_DOC.get(code, "unknown")
        if code == EXIT_UNREACHABLE:
            why += f": {report.connection_failure()}"
        print(f"scrapy crawl: exit code {code}: {why}", file=sys.stderr)
