"""``scrapy process IN.jsonl -O OUT.jsonl``: run the hook chain over items saved earlier."""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError

from crawler.spiders import use_default_feed
from crawler.warcinput import is_archive, pages_of_archive
from plugins.model import Page

FIELDS = ("url", "outlet", "title", "published", "fetched_at", "html", "text", "body")


class ProcessSpider(Spider):
    """Reads JSON Lines and yields each line as a page; it makes no requests."""

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
        with self.path.open(encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    yield self.page_from(number, line)

    def page_from(self, number: int, line: str) -> Page:
        where = f"{self.path}:{number}"
        try:
            data = json.loads(line)
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
        return Page(**values)

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
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
