"""``scrapy mirror FOLDER``: serve a saved copy of a site on 127.0.0.1 until interrupted, and say how to
crawl it."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.mirror import SITE_FILE, Mirror


class Command(ScrapyCommand):
    requires_project = False
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[options] FOLDER"

    def short_desc(self) -> str:
        return "Serve a saved copy of a site (e.g. tests/sites/sputnik) on 127.0.0.1 until interrupted"

    def long_desc(self) -> str:
        return (
            "URL path P is answered with FOLDER/P, else FOLDER/P/index.html, else FOLDER/P/index.xml. With a "
            f"{SITE_FILE} in FOLDER (see README, 'Adding an outlet'), prints the crawl command for its entry points."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
        parser.add_argument("--outlet", help="outlet to name in the printed crawl command (default: FOLDER's name)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one folder")
        folder = Path(args[0])
        if not folder.is_dir():
            raise UsageError(f"no such folder: {folder}", print_help=False)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with Mirror(folder, port=opts.port) as mirror:
            print(f"Serving {folder} at {mirror.base_url}/ (Ctrl-C stops)", flush=True)
            if (folder / SITE_FILE).is_file():
                outlet = opts.outlet or folder.resolve().name
                print(f"Crawl it: scrapy crawl {outlet} -a start_url={','.join(mirror.start_urls())}", flush=True)
            try:
                stop.wait()
            except KeyboardInterrupt:
                pass
