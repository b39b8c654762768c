"""``scrapy process IN.jsonl -O OUT.jsonl``: run the hook chain over items saved earlier."""

from __future__ import annotations

import argparse
import codecs
import json
import logging
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError

from crawler.feeds import OutputGuard
from crawler.spiders import use_default_feed
from crawler.warcinput import is_archive, pages_of_archive
from crawler.workers import Window
from plugins.extract import CONTROL_CHARACTERS  # what the extractor removes from crawled pages too
from plugins.model import Page
from plugins.sanity import binary_content

FIELDS = ("url", "outlet", "title", "published", "fetched_at", "html", "text", "body")
# What an exported record says about itself that re-processing must not change: its identity (so a
# re-normalised archive keeps every id and cluster), when and from what it was fetched, and the metadata the
# page gave, which a record's body alone no longer shows.
KEPT = {"id": str, "canonical_url": str, "provenance": dict, "authors": list, "tags": list, "images": list}


logger = logging.getLogger(__name__)

# Seconds between two progress lines in the log when no terminal shows the bar.
PROGRESS_EVERY_S = 10.0


def count_lines(path: Path) -> int:
    """Lines in a file (a last line without its newline counts), read in blocks: a second per few GB."""
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


class Progress:
    """How far a run is: on a terminal, one line rewritten in place a few times a second (a bar, pages done,
    the rate and the time left); otherwise a log line every ``PROGRESS_EVERY_S`` seconds. A page counts once
    the chain is done with it (exported, a duplicate, or quarantined); ``total`` is the input's lines (None
    for an archive: count and rate only)."""

    BAR = 24

    def __init__(self, total: int | None, terminal: bool) -> None:
        self.total = total
        self.done = 0
        self.started = self.said = self.last = time.monotonic()
        self.terminal = terminal
        self.every = 0.2 if terminal else PROGRESS_EVERY_S

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = self.last = time.monotonic()
        if now - self.said >= self.every:
            self.said = now
            self.show(now)

    def show(self, now: float, end: str = "") -> None:
        if self.terminal:
            filled = int(self.BAR * self.done / self.total) if self.total else 0
            bar = f"|{'#' * filled}{' ' * (self.BAR - filled)}| " if self.total else ""
            sys.stderr.write(f"\r{bar}{self.line(now)}\033[K{end}")
            sys.stderr.flush()
        else:
            logger.info(self.line(now))

    def line(self, now: float) -> str:
        rate = self.done / max(now - self.started, 1e-9)
        if not self.total:
            return f"{self.done:,} pages done, {rate:,.0f} pages/s"
        left = (self.total - self.done) / rate if rate else float("inf")
        return (f"{self.done:,} of {self.total:,} lines done ({100 * self.done / self.total:.0f} %), "
                f"{rate:,.0f} pages/s, about {left:,.0f} s left")

    def close(self) -> None:
        self.show(self.last, end="\n")  # the rate up to the last page, not to the end of the run


class ProcessSpider(Spider):
    """Reads JSON Lines and yields each line as a page; it makes no requests.

    Lines are read as a person means them, whatever wrote the file: a byte-order mark is ignored, CRLF and
    LF both end a line, a carriage return alone does not (JSON escapes its own line breaks, so a bare CR
    can only be inside a value) and empty lines are skipped but counted, so every line number in the log is
    the one an editor shows. Control characters in the text are dropped as in crawled pages; a value that
    is mostly control characters is binary data and the line is quarantined.
    """

    name = "process"

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        use_default_feed(settings)

    def __init__(self, *args: Any, path: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.path = Path(path)
        self.progress: Progress | None = None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ProcessSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(spider.page_done, signal=signal)
        crawler.signals.connect(spider.closed_progress, signal=signals.spider_closed)
        return spider

    def page_done(self) -> None:
        if self.progress is not None:
            self.progress.advance()

    def closed_progress(self) -> None:
        if self.progress is not None:
            self.progress.close()

    async def start(self) -> AsyncIterator[Page]:
        archive = is_archive(self.path)  # a WARC file or WACZ package: its article responses are the pages
        self.progress = Progress(None if archive else count_lines(self.path), terminal=sys.stderr.isatty())
        # The engine takes items from start() without waiting for the pipeline: with the chain on worker
        # processes, pages would pile up in memory ahead of them. So each page waits for room first.
        window = Window.of(self.crawler)
        if archive:
            for page in pages_of_archive(self.path, self.settings):
                await window.room()
                yield page
            return
        empty = 0
        with self.path.open("rb") as lines:
            for number, raw in enumerate(lines, start=1):
                OutputGuard.of(self.crawler).check()
                if number == 1:
                    raw = raw.removeprefix(codecs.BOM_UTF8)
                line = raw.decode("utf-8", errors="replace")
                if line.strip():
                    await window.room()
                    yield self.page_from(number, line)
                else:
                    empty += 1
                    self.progress.advance()
        if empty:
            self.logger.info("%s: %d empty lines skipped", self.path, empty)

    def page_from(self, number: int, line: str) -> Page:
        where = f"{self.path}:{number}"
        try:
            data = json.loads(line, strict=False)  # strict=False: raw control characters inside strings
        except RecursionError:
            return self.bad_line(where, f"line {number} is JSON nested too deeply to read")
        except ValueError as exc:
            return self.bad_line(where, f"line {number} is not JSON ({exc})")
        if not isinstance(data, dict):
            return self.bad_line(where, f"line {number} is not a JSON object")
        url = data.get("url")
        if not isinstance(url, str) or not url.strip():
            return self.bad_line(where, f"line {number} has no url")
        values = {k: data[k] for k in FIELDS if isinstance(data.get(k), str)}
        if not any(k in values for k in ("html", "text", "body")):
            return self.bad_line(where, f"line {number} has none of html, text or body", url=url)
        # The richest form wins: a saved page's HTML, then its visible text, then bare article text.
        for richer, poorer in (("html", "text"), ("html", "body"), ("text", "body")):
            if richer in values:
                values.pop(poorer, None)
        for key in ("text", "body"):  # HTML gets the crawled pages' treatment in the chain itself
            if key in values:
                problem = binary_content(values[key])
                if problem:
                    return self.bad_line(where, f"line {number}: the {key} is not text: {problem}", url=url)
        values = {k: v if k == "html" else CONTROL_CHARACTERS.sub("", v) for k, v in values.items()}
        kept = {k: data[k] for k, kind in KEPT.items() if isinstance(data.get(k), kind)}
        return Page(**values, kept=kept or None)

    def bad_line(self, where: str, reason: str, url: str | None = None) -> Page:
        self.logger.error("%s: %s", where, reason)
        return Page(url=url or where, problem=reason)


class Command(BaseRunSpiderCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] IN.jsonl|IN.warc.gz|IN.wacz"

    def short_desc(self) -> str:
        return "Run the hook chain over saved items (JSON Lines) or archived pages (WARC, WACZ) and write a feed"

    def long_desc(self) -> str:
        return (
            "Each input line is a JSON object with url and optionally outlet, title, published, fetched_at, "
            "and one of html (a saved page), text (a page's visible text) or body (extracted article text). "
            "A WARC file (.warc, .warc.gz) or WACZ package (.wacz) gives its article responses instead. "
            "A line from an exported feed keeps its id, canonical_url, fetched_at, provenance, authors, tags "
            "and images. "
            "Without -o/-O the feed is output/process.jsonl. "
            "-j N runs the chain's extraction, cleaning and normalising on N worker processes (default: one "
            "per core); deduplication and the feed stay in this process, in input order, so the records are "
            "those of -j 1. A progress bar shows on a terminal, a progress line every few seconds otherwise."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                            help="worker processes for the chain (default: the machine's cores, "
                                 "%(default)s here); 1: all in this process")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if opts.jobs < 1:
            raise UsageError("-j/--jobs must be at least 1")
        assert self.settings is not None
        self.settings.set("CHAIN_PROCESSES", opts.jobs if opts.jobs > 1 else 0, priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one input file")
        if not Path(args[0]).is_file():
            raise UsageError(f"no such file: {args[0]}", print_help=False)
        assert self.crawler_process is not None
        self.crawler_process.crawl(ProcessSpider, path=args[0])
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed or OutputGuard.failures:
            self.exitcode = 1
