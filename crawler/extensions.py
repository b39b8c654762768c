"""A ``JOBDIR`` that can be resumed after the crawl was killed, not only after a clean stop.

Scrapy saves a job's request queue (``requests.queue/``) only when the crawl stops cleanly; its duplicate
filter appends every *scheduled* request to ``requests.seen`` at once. After a SIGKILL the queue's index is
missing, so the resumed crawl reads stale or no requests, while ``requests.seen`` already lists the feeds,
sitemaps and articles that were scheduled but never fetched: the resumed crawl would skip them for good.

``JobDupeFilter`` (``DUPEFILTER_CLASS``) marks a job as running while it runs. A job found still marked
as running was killed: its queue and ``requests.seen`` are discarded and the crawl starts again from the
entry points. What it does not fetch again is every article whose outcome is already kept: the filter
notes an article request in ``articles.done`` only once its record is in the feed (``item_scraped`` is
sent after the feed export wrote it), in quarantine or counted as a duplicate (``item_dropped``).

The filter never drops an article request that a redirect made (``meta["article"]`` and ``redirect_urls``):
dropped, the article would be in neither the feed, the quarantine nor the duplicate count.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.http import Request

from crawler.feeds import OutputFailed, OutputGuard, trim_partial_line

logger = logging.getLogger(__name__)

RUNNING = "crawl.running"
DONE = "articles.done"


class JobDupeFilter(RFPDupeFilter):
    """Scrapy's duplicate filter, plus the running mark and the finished articles of the job (see above)."""

    def __init__(self, path: str | None = None, debug: bool = False, **kwargs: Any) -> None:
        self.jobdir = Path(path) if path else None
        if self.jobdir and (self.jobdir / RUNNING).exists():
            forget_unfinished_run(self.jobdir)
        super().__init__(path, debug, **kwargs)
        self.done: set[bytes] = set()
        self.done_file = None
        if self.jobdir:
            trim_partial_line(self.jobdir / DONE)
            self.done_file = (self.jobdir / DONE).open("a+", encoding="ascii", buffering=1)  # a line at a time
            self.done_file.seek(0)
            self.done = {bytes.fromhex(line) for line in self.done_file.read().split()}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JobDupeFilter:
        dupefilter = super().from_crawler(crawler)
        dupefilter.crawler = crawler
        if dupefilter.jobdir:
            crawler.signals.connect(dupefilter.item_done, signal=signals.item_scraped)
            crawler.signals.connect(dupefilter.item_done, signal=signals.item_dropped)
        return dupefilter

    def request_seen(self, request: Request) -> bool:
        if request.meta.get("article") and request.meta.get("redirect_urls"):
            # An article that redirects to a page crawled already must still end as an outcome (a
            # duplicate, when the chain meets the page again), not vanish in the scheduler.
            super().request_seen(request)
            return False
        done = bool(self.done) and self.fingerprinter.fingerprint(request) in self.done
        return done or super().request_seen(request)

    def open(self) -> None:
        if self.jobdir:
            (self.jobdir / RUNNING).touch()

    def close(self, reason: str) -> None:
        super().close(reason)
        if self.jobdir:
            self.done_file.close()
            # Scrapy saved the queue before closing the filter: the job can be resumed as Scrapy resumes it.
            (self.jobdir / RUNNING).unlink(missing_ok=True)
            if reason == "finished":  # the next run is a new pass from the entry points; done articles stay done
                (self.jobdir / "requests.seen").unlink(missing_ok=True)

    def item_done(self, item: Any, response: Any, exception: Any = None) -> None:
        """The article behind ``item`` has its outcome kept: never fetch it again in this job."""
        request = getattr(response, "request", None)  # a Response, or the Failure an errback turned into a page
        if request is None or isinstance(exception, OutputFailed) or OutputGuard.of(self.crawler).failure:
            return  # the output failed: the article's outcome may not be kept
        for url in (*request.meta.get("redirect_urls", ()), request.url):
            fingerprint = self.fingerprinter.fingerprint(request.replace(url=url))
            if fingerprint not in self.done:
                self.done.add(fingerprint)
                self.done_file.write(fingerprint.hex() + "\n")


def forget_unfinished_run(jobdir: Path) -> None:
    logger.warning(
        "The last run of the job in %s did not stop cleanly: its request queue cannot be trusted, so the "
        "crawl starts again from its entry points, skipping the articles it already finished", jobdir,
    )
    shutil.rmtree(jobdir / "requests.queue", ignore_errors=True)
    (jobdir / "requests.seen").unlink(missing_ok=True)
