"""``scrapy migrate SOURCE TARGET``: copy a deduplication store into a new one, e.g. SQLite into PostgreSQL.

    scrapy migrate output/state/dedup.sqlite postgresql://crawler@db.example/conflict_feeds

Everything the store keeps comes along (content hashes, revisions, MinHash signatures and bands, clusters),
so crawls pointed at TARGET (``-s DEDUP_STORE=...``) go on exactly where those on SOURCE left off. TARGET
must be empty; SOURCE is only read. Either may be a SQLite file or a postgresql:// URL.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from plugins.dedup import copy_store, is_postgres_url, open_store
from plugins.model import StoreUnavailable


class Command(ScrapyCommand):
    requires_project = False
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "SOURCE TARGET"

    def short_desc(self) -> str:
        return "Copy a deduplication store (SQLite file or postgresql:// URL) into a new, empty one"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 2:
            raise UsageError("give the store to copy and the new store: SOURCE TARGET")
        source_location, target_location = args
        if not is_postgres_url(source_location) and not Path(source_location).is_file():
            raise UsageError(f"{source_location} is not a store: no such file")
        try:
            source = open_store(source_location)
            try:
                # Built with the source's index parameters, or the signatures would not compare.
                target = open_store(target_location, shingle_size=source.shingle_size, num_perm=source.num_perm,
                                    bands=source.bands)
                try:
                    copied = copy_store(source, target)
                finally:
                    target.close()
            finally:
                source.close()
        except (ValueError, StoreUnavailable) as exc:
            print(f"scrapy migrate: {exc}", file=sys.stderr)
            self.exitcode = 1
            return
        print(f"Copied {source} into {target}: " + ", ".join(f"{n} {table}" for table, n in copied.items()))
