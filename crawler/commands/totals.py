"""``scrapy totals OUTLET -s CRAWL_QUEUE=redis://...``: the accounting of one outlet's crawl across all its
workers, from the shared queue (crawler/queue.py):

    presstv (all workers): 5 article pages -> 4 exported, 1 quarantined, 0 duplicates, 0 owed (...)

Owed pages are article requests still queued or leased: by running workers, or by workers that stopped
without finishing them (the next worker to take a request puts those back in the queue). ``--clear``
removes a finished crawl's shared state (nothing queued or leased), so that the next crawl starts afresh.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.queue import Keys, connect, totals, totals_line


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "OUTLET [--clear]"

    def short_desc(self) -> str:
        return "Print an outlet's accounting across the workers sharing its CRAWL_QUEUE"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--clear", action="store_true",
                            help="then remove the finished crawl's shared state, so that the next crawl starts afresh")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one outlet")
        url = self.settings.get("CRAWL_QUEUE")
        if not url:
            raise UsageError("set the shared queue: -s CRAWL_QUEUE=redis://host:6379/0")
        client = connect(url)
        t = totals(client, args[0])
        print(totals_line(args[0], t))
        if opts.clear:
            if t["queued"] or t["leased"] or t["dead"]:
                print(f"scrapy totals: not cleared: the crawl of {args[0]} is not finished", file=sys.stderr)
                self.exitcode = 1
                return
            client.delete(*Keys(args[0]).all)
            print(f"Cleared the shared state of {args[0]}'s crawl")
