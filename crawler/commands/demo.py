"""``scrapy demo``: crawl every outlet's bundled mirror over loopback and summarise each feed.

Each outlet is crawled by a real ``scrapy crawl <outlet> -a start_url=... -O output/demo/<outlet>.jsonl``
run, one after another (so a repost is always met after the original it copies). Everything the demo
writes is under ``output/demo/``: its feeds, their quarantine files (``output/demo/quarantine/``) and its
own deduplication store (``output/demo/state/dedup.sqlite``), started afresh on every run. A real crawl's
feeds, quarantine and store (``output/<outlet>.jsonl``, ``output/quarantine/``, ``output/state/``) are
never touched, so the demo cannot overwrite real records or mark real articles as seen.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.mirror import Mirror, mirrors
from crawler.pipelines import SUMMARY_LINE, remove_store
from plugins.export import read_lines


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[options] [outlet ...]"

    def short_desc(self) -> str:
        return "Crawl every outlet's bundled mirror (or those named) on 127.0.0.1 into output/demo/ and summarise"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--output-dir", default="output/demo",
                            help="where the demo's feeds, quarantine and store go (default: output/demo)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        copies = mirrors(tuple(self.settings.getlist("PLUGINS_DISABLED")))
        unknown = sorted(set(args) - set(copies))
        if unknown:
            raise UsageError(f"no mirror for {', '.join(unknown)}; outlets with one: {', '.join(sorted(copies))}",
                             print_help=False)
        copies = {name: root for name, root in copies.items() if name in args or not args}
        outdir = Path(opts.output_dir)
        real = Path(self.settings.get("DEFAULT_FEED")).parent
        if outdir.resolve() == real.resolve():
            raise UsageError(f"--output-dir {outdir} is where real crawls keep their feeds: the demo would "
                             "overwrite them; choose another folder", print_help=False)
        outdir.mkdir(parents=True, exist_ok=True)
        # One store for all outlets (a repost on one outlet is a duplicate of another's article), started
        # afresh like the feeds; each -O crawl starts its feed's quarantine file afresh itself.
        store = outdir / "state" / "dedup.sqlite"
        remove_store(store)
        failures = 0
        with ExitStack() as stack:
            for name in order_originals_first(list(copies)):
                mirror = stack.enter_context(Mirror(copies[name]))
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
                explain_quarantine(outdir / "quarantine" / feed.name, mirror)
        self.exitcode = 1 if failures else 0


def explain_quarantine(path: Path, mirror: Mirror) -> None:
    """Say why each page was quarantined, and whether the copy holds it on purpose (site.json lists the
    pages it expects to be quarantined: a video page with no text, say)."""
    expected = set(mirror.site().get("quarantined", []))
    for entry in read_lines(path):
        page = urlsplit(entry["url"]).path
        purpose = "expected, " if page in expected else ""
        print(f"{'':12} quarantined {page} ({purpose}{'; '.join(entry.get('reasons') or [])})")


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
