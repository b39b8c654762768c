"""``scrapy demo``: crawl every outlet's bundled mirror over loopback and summarise each feed.

Each outlet is crawled by a real ``scrapy crawl <outlet> -a start_url=...`` run, one after another
(so a repost is always met after the original it copies), into ``output/<outlet>.jsonl``. The demo
keeps its own deduplication store, ``output/demo-state.sqlite``, started afresh on every run, so it
never marks real articles as seen for later real crawls.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.spiderloader import get_spider_loader

from crawler.mirror import SITES, Mirror
from crawler.pipelines import SUMMARY_LINE


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def short_desc(self) -> str:
        return "Crawl every outlet's bundled mirror on 127.0.0.1 into output/ and print a summary"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--output-dir", default="output", help="where feeds go (default: output)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        names = [n for n in get_spider_loader(self.settings).list() if (SITES / n / "site.json").is_file()]
        outdir = Path(opts.output_dir)
        outdir.mkdir(parents=True, exist_ok=True)
        store = outdir / "demo-state.sqlite"
        # Like the feeds (written with -O), the demo's store and quarantine files start afresh.
        for stale in (store, *(outdir / f"{name}.quarantine.jsonl" for name in names)):
            stale.unlink(missing_ok=True)
        failures = 0
        with ExitStack() as stack:
            for name in order_originals_first(names):
                mirror = stack.enter_context(Mirror(SITES / name))
                feed = outdir / f"{name}.jsonl"
                log = crawl(name, mirror.start_urls(), feed, store)
                found = SUMMARY_LINE.search(log)
                if found is None:
                    failures += 1
                    print(f"{name:12} FAILED; the crawl's log ends with:\n{log[-2000:]}", file=sys.stderr)
                    continue
                pages, exported, quarantined, duplicates = map(int, found.groups()[1:])
                lines = sum(1 for _ in feed.open(encoding="utf-8")) if feed.exists() else 0
                gap = pages - exported - quarantined - duplicates
                failures += bool(gap) or lines != exported
                print(
                    f"{name:12} {exported:3} exported, {quarantined:2} quarantined, {duplicates:2} duplicates"
                    f" of {pages:3} article pages -> {feed}" + (f"  (UNACCOUNTED: {gap})" if gap else "")
                )
        self.exitcode = 1 if failures else 0


def order_originals_first(names: list[str]) -> list[str]:
    """Outlets whose articles others repost are crawled first (Press TV before the forum)."""
    return sorted(names, key=lambda name: (name == "crowdstack", name))


def crawl(name: str, start_urls: list[str], feed: Path, store: Path) -> str:
    command = [
        sys.executable, "-m", "scrapy", "crawl", name, "-a", "start_url=" + ",".join(start_urls),
        "-O", str(feed), "-s", f"DEDUP_STORE={store}", "-s", "LOG_LEVEL=INFO",
        # A loopback mirror needs no politeness delays.
        "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    return result.stderr
