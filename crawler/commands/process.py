"""``scrapy process IN.jsonl -O OUT.jsonl``: run the hook chain over items saved earlier."""

from __future__ import annotations

import argparse
import codecs
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError

from crawler.feeds import OutputGuard
from crawler.spiders import use_default_feed
from crawler.warcinput import is_archive, pages_of_archive
from plugins.extract import CONTROL_CHARACTERS  # what the extractor removes from crawled pages too
from plugins.model import Page
from plugins.sanity import binary_content

FIELDS = ("url", "outlet", "title", "published", "fetched_at", "html", "text", "body")
# What an exported record says about itself that re-processing must not change: its identity (so a
# re-normalised archive keeps every id and cluster), when and from what it was fetched, and the metadata the
# page gave, which a record's body alone no longer shows.
KEPT = {"id": str, "canonical_url": str, "provenance": dict, "authors": list, "tags": list, "images": list}


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

    async def start(self) -> AsyncIterator[Page]:
        if is_archive(self.path):  # a WARC file or WACZ package: its article responses are the pages
            for page in pages_of_archive(self.path, self.settings):
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
                    yield self.page_from(number, line)
                else:
                    empty += 1
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
            "Without -o/-O the feed is output/process.jsonl."
        )

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
