"""``scrapy crawl``, as Scrapy's, with what a person running it relies on:

- it exits non-zero when the crawl failed without an exception: it reached no article page, article
  pages went unaccounted for (the spider's ``FAILED`` stat says why, in one line), or its output could not
  be written (a full disk, a read-only folder, a dead store: ``crawler.feeds.OutputGuard``);
- at INFO the log says what happened (per outlet: pages reached, exported, quarantined with the top
  reasons, duplicates; quarantined pages one line each); Scrapy's lists of components, overridden settings
  and stats dump, trafilatura's "discarding data" warnings and the traceback of a robots.txt that could not
  be fetched appear with ``-L DEBUG``.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler

from crawler.feeds import OutputGuard
from crawler.spiders import FAILED

# Loggers whose INFO lines are details for a developer, not news for the person running the crawl.
DETAIL_LOGGERS = ("scrapy.utils.log", "scrapy.addons", "scrapy.middleware", "scrapy.crawler",
                  "scrapy.statscollectors")
# trafilatura warns "discarding data: None" for every page it finds no text in; the chain quarantines such
# a page with its own reason, so the warning is a detail too.
EXTRACTOR_LOGGER = "trafilatura.core"
# A robots.txt that cannot be fetched (no network, a host that does not resolve) is logged with a
# traceback; its one-line message says all a person needs.
ROBOTS_LOGGER = "scrapy.downloadermiddlewares.robotstxt"


class Command(ScrapyCrawlCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        details_at_debug_only(self.settings)

    def _create_crawler(self, spidercls: Any) -> Crawler:
        self.crawler = super()._create_crawler(spidercls)
        return self.crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        if self.crawler.stats.get_value(FAILED) or OutputGuard.failures:
            self.exitcode = 1


def details_at_debug_only(settings: Any) -> None:
    """Unless LOG_LEVEL is DEBUG or LOG_DETAILS is set, keep the detail loggers' INFO lines (and
    trafilatura's warnings, and robots.txt tracebacks) out."""
    level = settings.get("LOG_LEVEL")
    level = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
    if isinstance(level, int) and level > logging.DEBUG and not settings.getbool("LOG_DETAILS"):
        # Filters, not levels: Scrapy's logging set-up resets the levels of existing loggers.
        for name in DETAIL_LOGGERS:
            logging.getLogger(name).addFilter(at_least(logging.WARNING))
        logging.getLogger(EXTRACTOR_LOGGER).addFilter(at_least(logging.ERROR))
        logging.getLogger(ROBOTS_LOGGER).addFilter(without_traceback)


def at_least(level: int) -> logging.Filter:
    class AtLeast(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return record.levelno >= level

    return AtLeast()


def without_traceback(record: logging.LogRecord) -> bool:
    """A logging filter that keeps the record and drops its traceback."""
    record.exc_info = None
    record.exc_text = None
    return True
