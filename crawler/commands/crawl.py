"""``scrapy crawl``, as Scrapy's, with a non-zero exit status when the run stopped because its output could
not be written (a full disk, a read-only folder, a dead store: ``crawler.feeds.OutputGuard``)."""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from crawler.feeds import OutputGuard


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        if OutputGuard.failures:
            self.exitcode = 1
