"""The one item pipeline: hands every page to the hook chain and passes on what the chain exports."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from plugins.chain import STAT, Chain
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
        self.chain = Chain(self.crawler.settings, self.crawler.stats, feed_path=local_feed(self.crawler, spider.name))
        self.chain.open()

    def close_spider(self) -> None:
        assert self.chain is not None
        self.chain.close()
        logger.info(summary(self.crawler.spider.name, self.crawler.stats))

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Page):
            return item
        assert self.chain is not None
        outcome = self.chain.process(item)
        if outcome.status == "exported":
            return outcome.record
        raise DropItem(f"{outcome.status}: {'; '.join(outcome.reasons or [])} <{item.url}>")


def local_feed(crawler: Crawler, name: str) -> str | None:
    """Path of the first feed written to a local file, with %(name)s filled in."""
    for uri in crawler.settings.getdict("FEEDS"):
        uri = str(uri)
        parts = urlsplit(uri)
        if parts.scheme in ("", "file") or len(parts.scheme) == 1:  # a Windows drive letter is no scheme
            path = parts.path if parts.scheme == "file" else uri
            return path.replace("%(name)s", name).replace("%(time)s", "run")
    return None


def summary(name: str, stats: Any) -> str:
    count = {key: stats.get_value(STAT(key), 0) for key in ("pages", "exported", "quarantined", "duplicates")}
    return (
        f"{name}: {count['pages']} article pages -> {count['exported']} exported, "
        f"{count['quarantined']} quarantined, {count['duplicates']} duplicates"
    )
