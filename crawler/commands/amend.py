"""``scrapy amend [FEED ...]``: append to feeds the amending lines their records owe (crawler/amendments.py).

    scrapy amend output/crowdstack.jsonl -s DEDUP_STORE=postgresql://crawler@db.example/conflict_feeds

A copy exported before its original (another outlet's crawl stored the original later) owes its feed a line
that names the original. A crawl appends those lines to its own feed when it opens and when it ends; this
command does it for a feed no crawl is writing now, e.g. one whose crawl ended before the original arrived.
Without a feed it lists what is owed. A feed whose crawl is running (or was killed: its ``state/<feed>.running``
mark is there) is left alone: that crawl, or the next one writing the feed, amends it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.amendments import amend_feed
from crawler.feeds import companion
from plugins.dedup import DEFAULT_STORE, is_postgres_url, store_from_settings
from plugins.model import StoreUnavailable


def records(count: int) -> str:
    return f"{count} record owes" if count == 1 else f"{count} records owe"


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "[FEED ...]"

    def short_desc(self) -> str:
        return "Append to feeds the lines that mark their copies of originals exported later; list what is owed"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        location = self.settings.get("DEDUP_STORE") or DEFAULT_STORE
        if not is_postgres_url(location) and not Path(location).is_file():
            raise UsageError(f"{location} is not a deduplication store: no such file (set -s DEDUP_STORE=...)")
        for feed in args:
            if not Path(feed).is_file():
                raise UsageError(f"{feed}: no such feed")
        try:
            store = store_from_settings(self.settings)
            try:
                self.amend(store, args)
            finally:
                store.close()
        except StoreUnavailable as exc:
            print(f"scrapy amend: {exc}", file=sys.stderr)
            self.exitcode = 1

    def amend(self, store: Any, feeds: list[str]) -> None:
        for feed in feeds:
            if companion(feed, ".running").exists():
                print(f"scrapy amend: {feed} not amended: a crawl is writing it, or was killed writing it "
                      "(the crawl amends it at its end, or the next one at its start)", file=sys.stderr)
                self.exitcode = 1
                continue
            done = amend_feed(feed, store)
            print(f"{feed}: {done.appended} amending line{'' if done.appended == 1 else 's'} appended")
        owed = store.amendments()
        if not feeds:
            print(f"{records(len(owed))} an amending line in {store}" + (":" if owed else ""))
            for amendment in owed:
                print(f"  {amendment.id} {amendment.canonical_url} (revision {amendment.revision}): "
                      f"duplicate_of {amendment.duplicate_of}")
        elif owed:
            print(f"{records(len(owed))} an amending line in another feed (scrapy amend lists them)")
