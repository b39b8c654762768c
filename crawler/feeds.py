"""Feed files that survive a crawl killed at any moment: every line whole, every exported record in the feed.

Three pieces, each for one way a kill (SIGKILL, power loss, OOM killer) can damage a JSON Lines feed:

- ``DurableFileFeedStorage`` (``FEED_STORAGES``) writes each item straight to the file, so a record Scrapy's
  feed export has written outlives the process (and syncs the file to disk every ``SYNC_EVERY_S``); and
  before appending it cuts off a half-written last line left by a killed crawl.
- ``FeedJournal`` closes the gap between the deduplication store and the feed: ``plugins.dedup`` remembers
  a record as exported in ``export_article``, *before* the feed export writes it (on ``item_scraped``). A
  kill between the two would leave a record that the store calls seen and no feed holds, and no later crawl
  would export it again. The journal keeps each record from just before the store remembers it until the
  feed holds it; the next crawl appends to the feed what the store knows and the feed lacks.
- A feed given with ``-O`` is appended to instead of overwritten when the run writing it before was
  killed (its ``<feed>.running`` mark is still there) or, with a ``JOBDIR`` (see ``crawler.extensions``),
  when the job resumes: the deduplication store remembers what that run exported, so overwriting the feed
  would lose those records for good.

A failure to write (a full disk, a read-only folder, a dead store) stops the run at once with one clear error
and a non-zero exit status (``OutputGuard``): the journal then keeps every record the feed may lack, and
the next run, once the output can be written, completes the feed.

What a feed is comes from its Scrapy format (``-o x.jsonl``, ``x.jl``, ``-s FEEDS=...`` with ``format``),
never from its file name: every format Scrapy writes with its JSON Lines exporter is line based.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DropItem
from scrapy.exporters import JsonLinesItemExporter
from scrapy.extensions.feedexport import FileFeedStorage
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.job import job_dir
from scrapy.utils.misc import load_object

from plugins.hookspecs import hookimpl

logger = logging.getLogger(__name__)

# The file in a job directory that lists the feeds the job has started (one path a line).
JOB_FEEDS = "feeds.started"


# The stat that says why a run stopped before its end; `scrapy crawl` and `scrapy process` exit non-zero with it.
FAILURE_STAT = "failure"
# The reason the spider closes with.
FAILED = "output_failed"


class OutputFailed(DropItem):
    """An item that could not be kept because the run's output cannot be written; the run is stopping."""


class OutputGuard:
    """Stops a crawl at the first failure to write its output or state, with one clear error.

    Every writer of the crawl reports to the one guard of its crawler (``OutputGuard.of(crawler)``). After
    the failure, the feed takes no more items (they stay in the journal) and no article counts as done in a
    ``JOBDIR`` job, so nothing the log or the store reports as exported goes missing.
    """

    # Every failure of this process's runs, for the commands' exit status (their crawlers are gone by then).
    failures: ClassVar[list[str]] = []

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.failure: str | None = None

    @classmethod
    def of(cls, crawler: Any) -> OutputGuard:
        guard = getattr(crawler, "output_guard", None)
        if guard is None:
            guard = crawler.output_guard = cls(crawler)
        return guard

    def fail(self, problem: str, close: bool = True) -> None:
        """Record the failure, log it and (``close``) close the spider: once, for the first failure."""
        if self.failure:
            return
        self.failure = problem
        self.failures.append(problem)
        logger.error("Stopping: %s. Everything written so far is kept whole; run the same command again once "
                     "the output can be written, and it completes the feed from its journal.", problem)
        self.crawler.stats.set_value(FAILURE_STAT, problem)
        engine = getattr(self.crawler, "engine", None)
        # While the spider's start() still yields (scrapy process reads its whole input there), closing the
        # engine from outside never completes: start() raises CloseSpider at its next item instead.
        if close and engine is not None and getattr(engine, "spider", None) is not None \
                and getattr(engine, "_start", None) is None:
            from twisted.internet import reactor  # the running one (importing it earlier would install another)

            # On the next turn of the loop, not inside the item being processed, which the close waits for.
            reactor.callLater(0, lambda: deferred_from_coro(engine.close_spider_async(reason=FAILED)))

    def check(self) -> None:
        """For a spider's start(): stop reading the input once the output failed."""
        if self.failure:
            raise CloseSpider(FAILED)


def is_json_lines(options: dict[str, Any] | None, settings: Any) -> bool:
    """Whether a feed with these options is written by Scrapy's JSON Lines exporter (formats ``jsonlines``,
    ``jsonl``, ``jl``, or any a project maps to it in ``FEED_EXPORTERS``)."""
    name = (options or {}).get("format")
    exporter = settings.getwithbase("FEED_EXPORTERS").get(name) if name else None
    if exporter is None:
        return False
    exporter = load_object(exporter) if isinstance(exporter, str) else exporter
    return isinstance(exporter, type) and issubclass(exporter, JsonLinesItemExporter)


def companion(feed: str | Path, suffix: str) -> Path:
    """A file that belongs to a feed (its journal, its running mark): ``state/<feed><suffix>`` in the feed's
    folder, out of any glob of feeds."""
    feed = Path(feed)
    return feed.parent / "state" / (feed.name + suffix)


def last_run_killed(feed: str | Path) -> bool:
    """Whether the last run writing ``feed`` was killed before it finished (its running mark is still there)."""
    return companion(feed, ".running").exists() and Path(feed).exists()


def trim_partial_line(path: Path) -> int:
    """Cut an unfinished last line (the write a killed process left half done) off a line-based file;
    return how many bytes were cut."""
    if not path.is_file():
        return 0
    with path.open("r+b") as handle:
        size = handle.seek(0, os.SEEK_END)
        end = size
        while end > 0:  # back to the last newline, a block at a time: a feed can be large
            start = max(0, end - 65536)
            handle.seek(start)
            newline = handle.read(end - start).rfind(b"\n")
            if newline >= 0:
                end = start + newline + 1
                break
            end = start
        if end == size:
            return 0
        handle.truncate(end)
        handle.flush()
        os.fsync(handle.fileno())
    logger.warning("%s ended in an unfinished line (%d bytes) from an interrupted run: removed it", path, size - end)
    return size - end


# Seconds between two syncs of a feed file to disk. Every record reaches the operating system when it is
# written, so a killed process loses none; a sync per record cost a disk flush per article (4.6 ms measured on
# the 2-core benchmark machine, more than the chain's own work on it), so a feed is synced at most this often
# and when it closes. A power cut may lose the last fraction of a second, as the deduplication store's
# write-ahead log (synchronous=NORMAL) may lose its last commits.
SYNC_EVERY_S = 0.1


class SyncedFile(io.FileIO):
    """An unbuffered file whose every ``write`` is complete when it returns, synced to disk at most every
    ``SYNC_EVERY_S`` seconds and when it closes. Item exporters write one item per call, so a killed crawl
    loses at most the item being written. With a ``guard``, a failed write stops the crawl and every later
    write to the file is refused quietly (the journal keeps those items)."""

    def __init__(self, path: Any, mode: str, guard: OutputGuard | None = None) -> None:
        super().__init__(path, mode)
        self.guard = guard
        self.failed = False
        self.synced = time.monotonic()

    def write(self, data: Any) -> int:
        if self.failed:
            return 0
        view = memoryview(data).cast("B")
        done = 0
        try:
            while done < len(view):  # a raw write may be partial
                done += super().write(view[done:])
            if time.monotonic() - self.synced >= SYNC_EVERY_S:
                os.fsync(self.fileno())
                self.synced = time.monotonic()
        except OSError as exc:
            self.refuse(exc)
        return done

    def close(self) -> None:
        if not self.closed and not self.failed:
            try:
                os.fsync(self.fileno())
            except OSError as exc:
                self.refuse(exc)
        super().close()

    def refuse(self, exc: OSError) -> None:
        if not self.guard:
            raise exc
        self.failed = True
        self.guard.fail(f"cannot write the feed {self.name}: {exc}")


class DurableFileFeedStorage(FileFeedStorage):
    """Scrapy's local file storage, with items synced to disk as they are written, an unfinished last
    line trimmed before appending, and ``-O`` turned into appending when a ``JOBDIR`` job resumes."""

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None, jobdir: str | None = None,
                 line_based: bool | None = None, guard: OutputGuard | None = None) -> None:
        super().__init__(uri, feed_options=feed_options)
        self.line_based = is_json_lines(feed_options, Settings()) if line_based is None else line_based
        self.jobdir = Path(jobdir) if jobdir else None
        self.running = companion(self.path, ".running")
        self.guard = guard

    @classmethod
    def from_crawler(cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None):
        return cls(uri, feed_options=feed_options, jobdir=job_dir(crawler.settings),
                   line_based=is_json_lines(feed_options, crawler.settings), guard=OutputGuard.of(crawler))

    def resumed(self, jobdir: Path) -> bool:
        """Whether this job opened this feed before; records that it does now. (Asked when the file is
        opened: the feed export also builds a storage just to check that it can.)"""
        record = jobdir / JOB_FEEDS
        target = str(Path(self.path).resolve())
        if record.is_file() and target in record.read_text(encoding="utf-8").splitlines():
            return True
        with record.open("a", encoding="utf-8") as handle:
            handle.write(target + "\n")
        return False

    def open(self, spider: Any) -> SyncedFile | io.BytesIO:
        try:
            return self.open_file()
        except OSError as exc:
            if not self.guard:
                raise
            self.guard.fail(f"cannot open the feed {self.path}: {exc}")
            # Nothing reaches the feed now: the journal keeps every record the store remembers.
            return io.BytesIO()

    def open_file(self) -> SyncedFile:
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.jobdir and self.write_mode == "wb" and self.resumed(self.jobdir):
            logger.info("Resuming the job in %s: appending to %s instead of overwriting it", self.jobdir, path)
            self.write_mode = "ab"
        elif self.write_mode == "wb" and last_run_killed(path):
            logger.warning("The last run writing %s was killed before it finished: appending to it instead of "
                           "overwriting what it exported", path)
            self.write_mode = "ab"
        if self.write_mode == "ab" and self.line_based:
            trim_partial_line(path)
        self.running.parent.mkdir(parents=True, exist_ok=True)
        self.running.touch()
        return SyncedFile(path, self.write_mode, self.guard)

    def store(self, file: Any) -> None:
        super().store(file)  # closes the file
        if not (self.guard and self.guard.failure):  # every item is in it
            self.running.unlink(missing_ok=True)


def record_key(record: dict[str, Any]) -> tuple[Any, Any, Any]:
    """What tells exported records apart: the deduplication store exports an id with the same content once.
    (Not the revision: the store may still change it when it records the record.)"""
    return record.get("id"), record.get("title"), record.get("body")


def read_lines(path: Path, offset: int = 0) -> Iterator[dict[str, Any]]:
    """The JSON objects of a JSON Lines file from byte ``offset`` on; unreadable lines are skipped."""
    if not path.is_file():
        return
    with path.open("rb") as handle:
        handle.seek(offset)
        for line in handle:
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                yield value


class FeedJournal:
    """Records between the deduplication store and the feed file, in ``state/<feed name>.pending`` in the
    feed's folder.

    A plugin of the chain: its ``export_article`` runs first (``tryfirst``), before ``plugins.dedup``
    remembers the record, and appends it to the journal with the feed's size at that moment. ``written``
    (on ``item_scraped``, after the feed export wrote the item) lets it go; the journal file is emptied
    whenever nothing is on its way. ``recover`` (when the next crawl opens) appends to the feed each
    journalled record that the feed does not hold after that size but the store knows as exported.
    """

    def __init__(self, feed: str | Path, guard: OutputGuard | None = None) -> None:
        self.feed = Path(feed)
        self.path = companion(self.feed, ".pending")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.waiting: set[tuple[Any, Any, Any]] = set()
        self.guard = guard
        self.store: Any = None  # the deduplication store, when it commits in batches (DEDUP_COMMIT_EVERY)

    def recover(self, chain: Any) -> int:
        """Append to the feed what an interrupted crawl recorded but never wrote; record again in the store
        what the feed holds but the store lost with an uncommitted batch; return how many were appended."""
        store = chain.state.get("dedup")
        if store is not None and hasattr(store, "commit_listeners"):
            # The journal keeps the records of an open batch until the store commits them.
            self.store = store
            store.commit_listeners.append(self.committed)
        entries = list(read_lines(self.path))  # an unfinished last entry was never recorded either
        owed, recorded_again = [], False
        if entries:
            trim_partial_line(self.feed)
            offset = min(entry.get("offset", 0) for entry in entries)
            in_feed = {record_key(record) for record in read_lines(self.feed, offset)}
            for entry in entries:
                record = entry.get("record") or {}
                if record_key(record) in in_feed:
                    if self.store is not None and not self.store_knows(chain, record):
                        logger.warning("Recording again %s in the deduplication store: the last crawl wrote it "
                                       "to %s and was stopped before the store committed it", record.get("url"),
                                       self.feed)
                        self.store.record(copy.deepcopy(record))
                        recorded_again = True
                    continue
                # The store answers "seen" only for a record it remembers as exported (same id and content).
                if self.store_knows(chain, record):
                    owed.append(record)
        if owed:
            with SyncedFile(self.feed, "ab") as handle:
                for record in owed:
                    logger.warning("Re-exporting %s to %s: the last crawl stopped after recording it as "
                                   "exported and before writing it", record.get("url"), self.feed)
                    handle.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
        if recorded_again:
            self.store.commit()  # before the journal goes: a second kill must not lose them again
        self.path.unlink(missing_ok=True)
        return len(owed)

    @staticmethod
    def store_knows(chain: Any, record: dict[str, Any]) -> bool:
        # A copy: a deduplicator sets revision and cluster on a record it does not know.
        return bool(chain.hook.deduplicate_article(article=copy.deepcopy(record), chain=chain))

    @hookimpl(tryfirst=True)
    def export_article(self, article: dict[str, Any]) -> None:
        offset = self.feed.stat().st_size if self.feed.is_file() else 0
        line = json.dumps({"offset": offset, "record": article}, ensure_ascii=False) + "\n"
        # Flushed, not synced: it must outlive a killed process, as the store's commits do
        # (plugins.dedup runs SQLite with synchronous=NORMAL); the feed itself is synced.
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
        self.waiting.add(record_key(article))

    def written(self, item: Any) -> None:
        """``item_scraped`` handler, connected after the feed export's: the feed holds ``item`` now (unless
        writing the feed failed: then the journal keeps everything for the next run)."""
        if self.guard and self.guard.failure:
            return
        if ItemAdapter.is_item(item):
            self.waiting.discard(record_key(ItemAdapter(item)))
        if not self.waiting and not (self.store is not None and self.store.batch_open):
            self.path.unlink(missing_ok=True)

    def committed(self) -> None:
        """The store committed its batch: the records the feed holds need the journal no more."""
        if not self.waiting:
            self.path.unlink(missing_ok=True)
