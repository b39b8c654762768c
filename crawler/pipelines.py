"""The one item pipeline: hands every page to the hook chain and passes on what the chain exports."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from crawler.feeds import JSON_LINES, FeedJournal, trim_partial_line
from plugins.chain import STAT, Chain
from plugins.export import quarantine_path
from plugins.model import Page, StoreUnavailable

logger = logging.getLogger(__name__)


class HookChainPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.chain: Chain | None = None
        self.store_failure: StoreUnavailable | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HookChainPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        feed, options = local_feed(self.crawler, spider.name)
        self.chain = Chain(self.crawler.settings, self.crawler.stats, feed_path=feed)
        self.chain.open()
        trim_partial_line(quarantine_path(self.chain))  # quarantine entries are appended like feed lines
        if feed and options.get("format") in JSON_LINES:
            # Pipelines open before the feed export opens its files, so the feed is whole before it appends.
            journal = FeedJournal(feed)
            journal.recover(self.chain)
            self.chain.pm.register(journal, name="crawler.feeds.FeedJournal")
            # Connected after the feed export's own item_scraped handler, so it runs once the item is written.
            self.crawler.signals.connect(journal.written, signal=signals.item_scraped)

    def close_spider(self) -> None:
        assert self.chain is not None
        try:
            self.chain.close()
        except StoreUnavailable as exc:
            logger.error("Could not close the state store: %s", exc)
        name, stats = self.crawler.spider.name, self.crawler.stats
        logger.info(summary(name, stats))
        gap = unaccounted(stats)
        if gap:
            stats.set_value(STAT("unaccounted"), gap)
            logger.error("%s: %d article pages are unaccounted for: neither exported, quarantined nor counted "
                         "as duplicates (see the errors above)", name, gap)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Page):
            return item
        assert self.chain is not None
        try:
            outcome = self.chain.process(item)
        except StoreUnavailable as exc:
            self.stop_for(exc)
            raise  # not dropped: the page is not done, and the next run (or worker) processes it again
        if outcome.status == "exported":
            return outcome.record
        raise DropItem(f"{outcome.status}: {'; '.join(outcome.reasons or [])} <{item.url}>")

    def stop_for(self, failure: StoreUnavailable) -> None:
        """Stop the crawl, once, when the state store is gone: nothing more can be decided or exported."""
        if self.store_failure is None:
            self.store_failure = failure
            logger.error("Stopping the crawl: %s. Pages not yet exported are not lost: run the crawl again "
                         "once the store is back", failure)
            self.crawler.stats.set_value("store_unavailable", str(failure))
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="store_unavailable"))


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
