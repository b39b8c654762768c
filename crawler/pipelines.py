"""The one item pipeline: hands every page to the hook chain and passes on what the chain exports."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DropItem
from scrapy.settings import SETTINGS_PRIORITIES, Settings
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.job import job_dir

from crawler.amendments import amend_feed
from crawler.feeds import FAILED as OUTPUT_FAILED
from crawler.feeds import (
    JOB_FEEDS,
    FeedJournal,
    OutputFailed,
    OutputGuard,
    is_json_lines,
    last_run_killed,
    trim_partial_line,
)
from crawler.items import ArticleItem
from crawler.spiders import FAILED
from crawler.workers import ChainPool, InOrder, PoolFailed, Window
from plugins.chain import STAT, Chain, Outcome, Prepared, StorageFailed
from plugins.dedup import store_from_settings
from plugins.export import quarantine_path
from plugins.model import Page, StoreUnavailable

logger = logging.getLogger(__name__)

# Pages on their way through the chain per worker process (sent, prepared or waiting for their turn to be
# decided): a worker's own few and room for the pages that wait in order behind a slow one.
WINDOW_PER_PROCESS = 16


class HookChainPipeline:
    """Hands every page to the chain: with ``CHAIN_PROCESSES`` > 0 its pure stages run on that many worker
    processes (``crawler.workers``) while the reactor keeps the downloads moving, and the stages that keep
    state run here, on the reactor thread, in the order the pages came in."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.chain: Chain | None = None
        self.amended_feed: str | None = None  # the JSON Lines feed this run amends (crawler.amendments)
        self.pool: ChainPool | None = None
        self.order: InOrder | None = None
        self.quarantine: Path | None = None
        # Quarantine reasons, as kinds ("the server answered HTTP 500 ..."), for the closing summary.
        self.reasons: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HookChainPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        feed, options = local_feed(self.crawler, spider.name)
        try:
            if feed:
                adopt_earlier_layout(self.crawler.settings, feed)
            self.chain = Chain(run_settings(self.crawler, feed, options), self.crawler.stats, feed_path=feed)
            self.chain.open()
            self.quarantine = quarantine_path(self.chain.settings, feed)
            trim_partial_line(self.quarantine)  # quarantine entries are appended like feed lines
            journal = None
            if feed and is_json_lines(options, self.crawler.settings):
                # Pipelines open before the feed export opens its files, so the feed is whole before it appends.
                journal = FeedJournal(feed, OutputGuard.of(self.crawler))
                journal.recover(self.chain)
                if "dedup" in self.chain.state:
                    self.amended_feed = feed
                    if not options.get("overwrite") or last_run_killed(feed):  # a feed that is appended to
                        self.amend(self.chain.state["dedup"])
        except (OSError, sqlite3.Error) as exc:  # a store or a folder that cannot be written: stop at once
            self.chain = None
            OutputGuard.of(self.crawler).fail(f"cannot open the crawl's output or state: {exc}", close=False)
            raise CloseSpider(OUTPUT_FAILED) from exc
        if journal:
            self.chain.pm.register(journal, name="crawler.feeds.FeedJournal")
            # Connected after the feed export's own item_scraped handler, so it runs once the item is written.
            self.crawler.signals.connect(journal.written, signal=signals.item_scraped)
        processes = self.crawler.settings.getint("CHAIN_PROCESSES")
        if processes > 0:
            from twisted.internet import reactor  # the running one (importing it earlier would install another)

            self.pool = ChainPool(self.chain.settings, processes, deliver=reactor.callFromThread)
            self.order = InOrder(self.decide_in_turn)
            Window.of(self.crawler).size = processes * WINDOW_PER_PROCESS
        if self.amended_feed:
            # Once the feed export has closed the feed: nothing else writes to it then.
            self.crawler.signals.connect(self.amend_at_close, signal=signals.feed_exporter_closed)

    def amend(self, store: Any) -> None:
        """Append the amending lines this run's feed owes (crawler.amendments); log what other feeds owe."""
        done = amend_feed(self.amended_feed, store)
        name = self.crawler.spider.name
        if done.appended:
            logger.info("%s: %s appended to %s: each marks a record as a copy of an article published before it "
                        "and exported after it", name, plural(done.appended, "amending line"), self.amended_feed)
        self.crawler.stats.set_value(STAT("amendments_owed_elsewhere"), done.owed_elsewhere)
        self.crawler.stats.inc_value(STAT("amended"), done.appended)

    def amend_at_close(self) -> None:
        if OutputGuard.of(self.crawler).failure:  # the next run amends, once the output can be written
            return
        try:
            store = store_from_settings(self.chain.settings)
            try:
                self.amend(store)
            finally:
                store.close()
        except OSError as exc:  # a store gone, a feed that cannot be written: what is owed stays owed
            logger.error("%s: could not amend %s: %s. The next crawl writing it, or scrapy amend, does it",
                         self.crawler.spider.name, self.amended_feed, exc)
            return
        owed = self.crawler.stats.get_value(STAT("amendments_owed_elsewhere"))
        if owed:
            logger.info("%s: other feeds still owe %s (scrapy amend lists them; scrapy amend FEED appends them)",
                        self.crawler.spider.name, plural(owed, "amending line"))

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.close()
        if self.chain is None:  # it could not open
            return
        try:
            self.chain.close()
        except StoreUnavailable as exc:
            logger.error("Could not close the state store: %s", exc)
        name, stats = self.crawler.spider.name, self.crawler.stats
        logger.info(summary(name, stats))
        if self.reasons:
            top = ", ".join(f"{count} {reason}" for reason, count in self.reasons.most_common(3))
            logger.info("%s: quarantined because: %s%s (all reasons in %s)", name, top,
                        ", ..." if len(self.reasons) > 3 else "", self.quarantine)
        if self.chain.feed_path:
            logger.info("%s: feed %s", name, self.chain.feed_path)
        gap = unaccounted(stats)
        if gap and not OutputGuard.of(self.crawler).failure:  # after a failure, its error says what happened
            line = (f"{name}: {gap} article pages are unaccounted for: neither exported, quarantined nor "
                    "counted as duplicates (see the errors above)")
            stats.set_value(STAT("unaccounted"), gap)
            stats.set_value(FAILED, line)
            logger.error(line)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Page):
            return item
        if self.pool is None:
            return self.process_now(item)
        assert self.chain is not None and self.order is not None
        guard = self.check_guard(item)
        window = Window.of(self.crawler)
        window.enter()
        try:
            number, decided = self.order.hand_over()
            self.pool.submit(item, lambda prepared: self.order.prepared(number, prepared))
            outcome = await maybe_deferred_to_future(decided)
        except StorageFailed as exc:
            guard.fail(str(exc))
            raise OutputFailed(f"not kept: {exc}") from exc
        except PoolFailed as exc:
            guard.fail(str(exc))
            raise OutputFailed(f"not processed: {exc}") from exc
        finally:
            window.leave()
            from twisted.internet import reactor

            reactor.callLater(0, self.maybe_closed)
        return self.passed_on(item, outcome)

    def process_now(self, item: Page) -> ArticleItem:
        """The whole chain on ``item`` in this process: the record to pass on, or DropItem saying why not."""
        assert self.chain is not None
        guard = self.check_guard(item)
        try:
            outcome = self.chain.process(item)
        except StorageFailed as exc:
            guard.fail(str(exc))
            raise OutputFailed(f"not kept: {exc}") from exc
        return self.passed_on(item, outcome)

    def check_guard(self, item: Page) -> OutputGuard:
        guard = OutputGuard.of(self.crawler)
        if guard.failure:
            raise OutputFailed(f"not processed: the run is stopping ({guard.failure}) <{item.url}>")
        return guard

    def passed_on(self, item: Page, outcome: Outcome) -> ArticleItem:
        if outcome.status == "exported":
            return ArticleItem(outcome.record)
        if outcome.status == "quarantined":
            self.reasons.update(reason_kind(reason) for reason in outcome.reasons or [])
        raise DropItem(f"{outcome.status}: {'; '.join(outcome.reasons or [])} <{item.url}>")

    def maybe_closed(self) -> None:
        """Let a closing engine finish once the last page is done. Scrapy's scraper checks whether it may
        close after a response's items, not after an item from ``start()`` (``scrapy process``'s pages),
        and with the chain on workers such items are still on their way when the run stops early."""
        scraper = getattr(getattr(self.crawler, "engine", None), "scraper", None)
        check = getattr(scraper, "_check_if_closing", None)
        slot = getattr(scraper, "slot", None)
        if check is None or slot is None or slot.closing is None or slot.closing.called:
            return
        if slot.is_idle():
            check()
        else:  # the item is counted until Scrapy has sent its signals, a few turns of the loop later
            from twisted.internet import reactor

            reactor.callLater(0.05, self.maybe_closed)

    def decide_in_turn(self, prepared: Prepared) -> Outcome:
        """``Chain.decide`` on a page back from the workers, unless the run stopped since it was handed over."""
        assert self.chain is not None
        failure = OutputGuard.of(self.crawler).failure
        if failure:
            raise OutputFailed(f"not processed: the run is stopping ({failure}) <{prepared.page.url}>")
        return self.chain.decide(prepared)


def local_feed(crawler: Crawler, name: str) -> tuple[str | None, dict[str, Any]]:
    """Path (with %(name)s filled in) and options of the first feed written to a local file."""
    for uri, options in crawler.settings.getdict("FEEDS").items():
        uri = str(uri)
        parts = urlsplit(uri)
        if parts.scheme in ("", "file") or len(parts.scheme) == 1:  # a Windows drive letter is no scheme
            path = parts.path if parts.scheme == "file" else uri
            return path.replace("%(name)s", name).replace("%(time)s", "run"), options or {}
    return None, {}


def run_settings(crawler: Crawler, feed: str | None, options: dict[str, Any]) -> Any:
    """The settings the chain runs with. ``-O`` (a feed that overwrites) means a fresh feed, as in any Scrapy
    project: its run gets a deduplication store of its own, ``state/<feed name>.sqlite`` beside the feed,
    started afresh, so every record of the run is written (duplicates within the run still marked); the
    quarantine file of that feed starts afresh too. The shared ``DEDUP_STORE`` is for crawls that append
    (the default feed, ``-o``). A ``DEDUP_STORE`` given on the command line wins, and a ``JOBDIR`` job
    that resumes, or a run after one that was killed writing the same feed, keeps what was started."""
    settings = crawler.settings
    if not feed or not options.get("overwrite") or job_resumes(settings, feed) or last_run_killed(feed):
        return settings
    fresh = settings.copy_to_dict()
    if settings.getpriority("DEDUP_STORE") <= SETTINGS_PRIORITIES["project"]:
        store = Path(feed).parent / "state" / (Path(feed).name + ".sqlite")
        remove_store(store)
        fresh["DEDUP_STORE"] = str(store)
    if not settings.get("QUARANTINE_FILE"):
        quarantine_path(settings, feed).unlink(missing_ok=True)
    return Settings(fresh)


# Where earlier versions kept the shared store: beside the feeds.
EARLIER_STORE = Path("output/state.sqlite")


def adopt_earlier_layout(settings: Any, feed: str) -> None:
    """Move what an earlier version kept beside the feeds into its own folder, once: the quarantine file
    ``<feed>.quarantine.jsonl`` (which a glob of feeds would read as records), the journal
    ``<feed>.pending`` and the default store ``output/state.sqlite``. Without the store, a crawl would
    export every article it had exported before a second time. Nothing is overwritten: where both the
    earlier and the new file exist, the earlier one stays and a warning names both."""
    path = Path(feed)
    moves = [(path.with_name(path.name + ".pending"), path.parent / "state" / (path.name + ".pending"), ())]
    if not settings.get("QUARANTINE_FILE"):
        earlier = path.with_name(path.name.removesuffix(".jsonl").removesuffix(".json") + ".quarantine.jsonl")
        moves.append((earlier, quarantine_path(settings, feed), ()))
    store = Path(settings.get("DEDUP_STORE"))
    if settings.getpriority("DEDUP_STORE") <= SETTINGS_PRIORITIES["project"] and store != EARLIER_STORE:
        moves.append((EARLIER_STORE, store, ("-wal", "-shm")))  # the store moves with its write-ahead log
    for earlier, new, companions in moves:
        if not earlier.is_file():
            continue
        if new.exists():
            logger.warning("%s is from an earlier version of this project and %s exists too: left both as they "
                           "are; merge or remove the earlier one", earlier, new)
            continue
        new.parent.mkdir(parents=True, exist_ok=True)
        for end in companions:
            if earlier.with_name(earlier.name + end).is_file():
                os.replace(earlier.with_name(earlier.name + end), new.with_name(new.name + end))
        os.replace(earlier, new)
        logger.warning("Moved %s to %s, where this version keeps it", earlier, new)


def remove_store(store: Path) -> None:
    """Delete a SQLite deduplication store with its write-ahead log, so that it starts afresh."""
    for part in (store, store.with_name(store.name + "-wal"), store.with_name(store.name + "-shm")):
        part.unlink(missing_ok=True)


def job_resumes(settings: Any, feed: str) -> bool:
    """Whether a JOBDIR job opened this feed in an earlier run (crawler.feeds keeps the list)."""
    jobdir = job_dir(settings)
    started = Path(jobdir, JOB_FEEDS) if jobdir else None
    return bool(started and started.is_file()
                and str(Path(feed).resolve()) in started.read_text(encoding="utf-8").splitlines())


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def reason_kind(reason: str) -> str:
    """A quarantine reason without its particulars: the text before the first colon or parenthesis."""
    return re.split(r"[:(]", reason, maxsplit=1)[0].strip() or reason


COUNTS = ("pages", "exported", "quarantined", "duplicates")


def unaccounted(stats: Any) -> int:
    """Article pages that reached the chain but are neither exported, quarantined nor duplicates."""
    pages, *outcomes = (stats.get_value(STAT(key), 0) for key in COUNTS)
    return pages - sum(outcomes)


# The summary line as `scrapy demo` reads it back from a crawl's log; written by summary() below.
SUMMARY_LINE = re.compile(r"(\w+): (\d+) article pages -> (\d+) exported, (\d+) quarantined, (\d+) duplicates")


def summary(name: str, stats: Any) -> str:
    count = {key: stats.get_value(STAT(key), 0) for key in COUNTS}
    line = (
        f"{name}: {count['pages']} article pages -> {count['exported']} exported, "
        f"{count['quarantined']} quarantined, {count['duplicates']} duplicates"
    )
    # Pages read by the generic extractor because their markup matched no layout era of the outlet.
    unknown = stats.get_value(STAT("layout_unknown"), 0)
    return line + (f" ({unknown} of an unknown layout)" if unknown else "")
