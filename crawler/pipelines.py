"""The one item pipeline: hands every page to the hook chain and passes on what the chain exports."""

from __future__ import annotations

import logging
import re
import sqlite3
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DropItem

from crawler.feeds import FAILED, FeedJournal, OutputFailed, OutputGuard, is_json_lines, trim_partial_line
from plugins.chain import STAT, Chain, StorageFailed
from plugins.export import quarantine_path
from plugins.model import Page

logger = logging.getLogger(__name__)


class HookChainPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.chain: Chain | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HookChainPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        feed, options = local_feed(self.crawler, spider.name)
        self.chain = Chain(self.crawler.settings, self.crawler.stats, feed_path=feed)
        try:
            self.chain.open()
            trim_partial_line(quarantine_path(self.chain))  # quarantine entries are appended like feed lines
            journal = None
            if feed and is_json_lines(options, self.crawler.settings):
                # Pipelines open before the feed export opens its files, so the feed is whole before it appends.
                journal = FeedJournal(feed, OutputGuard.of(self.crawler))
                journal.recover(self.chain)
        except (OSError, sqlite3.Error) as exc:  # a store or a folder that cannot be written: stop at once
            self.chain = None
            OutputGuard.of(self.crawler).fail(f"cannot open the crawl's output or state: {exc}", close=False)
            raise CloseSpider(FAILED) from exc
        if journal:
            self.chain.pm.register(journal, name="crawler.feeds.FeedJournal")
            # Connected after the feed export's own item_scraped handler, so it runs once the item is written.
            self.crawler.signals.connect(journal.written, signal=signals.item_scraped)

    def close_spider(self) -> None:
        if self.chain is None:  # it could not open
            return
        self.chain.close()
        name, stats = self.crawler.spider.name, self.crawler.stats
        logger.info(summary(name, stats))
        gap = unaccounted(stats)
        if gap and not OutputGuard.of(self.crawler).failure:  # after a failure, its error says what happened
            stats.set_value(STAT("unaccounted"), gap)
            logger.error("%s: %d article pages are unaccounted for: neither exported, quarantined nor counted "
                         "as duplicates (see the errors above)", name, gap)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Page):
            return item
        assert self.chain is not None
        guard = OutputGuard.of(self.crawler)
        if guard.failure:
            raise OutputFailed(f"not processed: the run is stopping ({guard.failure}) <{item.url}>")
        try:
            outcome = self.chain.process(item)
        except StorageFailed as exc:
            guard.fail(str(exc))
            raise OutputFailed(f"not kept: {exc}") from exc
        if outcome.status == "exported":
            return outcome.record
        raise DropItem(f"{outcome.status}: {'; '.join(outcome.reasons or [])} <{item.url}>")


def local_feed(crawler: Crawler, name: str) -> tuple[str | None, dict[str, Any]]:
    """Path (with %(name)s filled in) and options of the first feed written to a local file."""
    for uri, options in crawler.settings.getdict("FEEDS").items():
        uri = str(uri)
        parts = urlsplit(uri)
        if parts.scheme in ("", "file") or len(parts.scheme) == 1:  # a Windows drive letter is no scheme
            path = parts.path if parts.scheme == "file" else uri
            return path.replace("%(name)s", name).replace("%(time)s", "run"), options or {}
    return None, {}


COUNTS = ("pages", "exported", "quarantined", "duplicates")


def unaccounted(stats: Any) -> int:
    """Article pages that reached the chain but are neither exported, quarantined nor duplicates."""
    pages, *outcomes = (stats.get_value(STAT(key), 0) for key in COUNTS)
    return pages - sum(outcomes)


# The summary line as `scrapy demo` reads it back from a crawl's log; written by summary() below.
SUMMARY_LINE = re.compile(r"(\w+): (\d+) article pages -> (\d+) exported, (\d+) quarantined, (\d+) duplicates")


def summary(name: str, stats: Any) -> str:
    count = {key: stats.get_value(STAT(key), 0) for key in COUNTS}
    return (
        f"{name}: {count['pages']} article pages -> {count['exported']} exported, "
        f"{count['quarantined']} quarantined, {count['duplicates']} duplicates"
    )
