"""``scrapy parse URL``, as Scrapy's, except that what it shows of an article page is the record the hook
chain makes of it (always, as if ``--pipelines`` were given), and that it never touches a real feed, store
or quarantine file: it writes no feed, and the chain runs with a throwaway store and quarantine file."""

from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from scrapy.commands.parse import Command as ScrapyParseCommand
from scrapy.exceptions import DropItem

from crawler.commands.crawl import details_at_debug_only
from crawler.pipelines import HookChainPipeline
from plugins.model import Page

logger = logging.getLogger(__name__)


class Command(ScrapyParseCommand):
    def short_desc(self) -> str:
        return "Parse URL with its outlet's spider and show the records the hook chain makes (writes no feed)"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        self.scratch = Path(tempfile.mkdtemp(prefix="conflict-feeds-parse-"))
        # FEEDS set here outranks the default feed the spider would add (crawler.spiders.use_default_feed).
        self.settings.set("FEEDS", {}, priority="cmdline")
        self.settings.set("DEDUP_STORE", str(self.scratch / "dedup.sqlite"), priority="cmdline")
        self.settings.set("QUARANTINE_FILE", str(self.scratch / "quarantine.jsonl"), priority="cmdline")
        opts.pipelines = False  # the chain runs in scraped_data below, so that its records are what is shown
        details_at_debug_only(self.settings)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            super().run(args, opts)
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def scraped_data(self, args: tuple[Any, ...]) -> list[Any]:
        items, *rest = args
        pipeline = next(p for p in self.pcrawler.engine.scraper.itemproc.middlewares
                        if isinstance(p, HookChainPipeline))
        records = []
        for item in items:
            try:
                records.append(pipeline.process_now(item) if isinstance(item, Page) else item)
            except DropItem as exc:
                logger.warning("No record: %s", exc)
        return super().scraped_data((records, *rest))
