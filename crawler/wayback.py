"""Crawling an outlet's past from the Wayback Machine: ``scrapy crawl <outlet> -a archive=wayback``.

The outlet's article URLs are found in the archive's CDX index (``WAYBACK_URL`` + ``/cdx/search/cdx``),
one query per domain the outlet ever had, each capture with status 200 and HTML content in the date
range, one per URL (``collapse=urlkey``: its first capture in the range), paged with the index's resume
key; the spider keeps those whose path matches the outlet's article patterns. Each is fetched raw, as
the outlet served it (``/web/<timestamp>id_/<original url>``, without the archive's toolbar or
rewritten links).

The CDX protocol is a query string and JSON rows, spoken here through Scrapy's own requests: the
kept Python clients (``wayback``, ``cdx_toolkit``) send their own blocking HTTP requests to the real
archive's fixed address, outside Scrapy's scheduler, so their queries would escape the rate limit and
backoff below, a ``JOBDIR`` job, and a test's local archive.

``WaybackPolitenessMiddleware`` keeps to the rates the Internet Archive publishes (CDX searches 30 a
minute, snapshots 600 a minute; by default 80 % of each, as the ``wayback`` package does) for every
request to the archive, whatever outlet domain it is about, and backs off on 429 and 503: it honours
``Retry-After``, else waits ``WAYBACK_BACKOFF`` seconds, doubled at each refusal in a row, and sends
nothing to the archive meanwhile; the archive blocks clients that keep asking after a 429.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Iterator
from datetime import date
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

CDX_PATH = "/cdx/search/cdx"
# The meta key that marks a request to the archive: "cdx" or "snapshot".
ARCHIVE_REQUEST = "wayback"
# The meta key holding the original URL of a snapshot request: the article's own address.
ORIGINAL_URL = "original_url"
SNAPSHOT = re.compile(r"/web/(?P<timestamp>\d{14})(?P<mode>[a-z_]*)/(?P<original>https?://.+)$")
CDX_FIELDS = ("timestamp", "original", "statuscode", "mimetype")
BACKOFF_STATUSES = {429, 503}


def archive_date(value: str, name: str) -> str:
    """An ISO date given as ``-a since``/``-a until``, as the CDX index's 8-digit date."""
    try:
        return date.fromisoformat(value).strftime("%Y%m%d")
    except ValueError:
        raise ValueError(f"-a {name}={value!r}: give a date as YYYY-MM-DD") from None


def cdx_query_url(base: str, domain: str, since: str | None, until: str | None, page_size: int,
                  resume_key: str | None = None) -> str:
    """The CDX search for the HTML captures of ``domain`` (and its subdomains) between the 8-digit dates
    ``since`` and ``until`` (both days included), one per URL."""
    query: list[tuple[str, str]] = [
        ("url", domain), ("matchType", "domain"), ("output", "json"), ("fl", ",".join(CDX_FIELDS)),
        ("filter", "statuscode:200"), ("filter", "mimetype:text/html"), ("collapse", "urlkey"),
        ("limit", str(page_size)), ("showResumeKey", "true"),
    ]
    if since:
        query.append(("from", since))
    if until:
        query.append(("to", until))
    url = f"{base.rstrip('/')}{CDX_PATH}?{urlencode(query)}"
    # The index gives the key already percent-encoded ("org%2Carchive%29%2F+19980109140106%21") and
    # takes it back as it was given: encoding it again would make it a different key.
    return url + f"&resumeKey={resume_key}" if resume_key else url


def cdx_rows(body: bytes) -> tuple[list[dict[str, str]], str | None]:
    """The captures of a JSON CDX answer, and the resume key for the next page (None on the last).

    The answer is a list of rows: the field names first, then one row per capture; with
    ``showResumeKey`` an empty row and a one-item row holding the key end it when more remain
    (as the CDX server's documentation shows: internetarchive/wayback, wayback-cdx-server/README.md)."""
    rows = json.loads(body or b"[]")
    if not rows:
        return [], None
    resume_key = None
    if len(rows) >= 2 and rows[-2] == [] and len(rows[-1]) == 1:
        resume_key = rows[-1][0]
        rows = rows[:-2]
    header, captures = rows[0], rows[1:]
    return [dict(zip(header, row)) for row in captures if row], resume_key


def snapshot_url(base: str, timestamp: str, original: str) -> str:
    """The raw capture: the bytes the site served, without the archive's toolbar or rewritten links."""
    return f"{base.rstrip('/')}/web/{timestamp}id_/{original}"


def snapshot_provenance(url: str) -> dict[str, str]:
    """Which capture the snapshot at ``url`` is (the archive may have redirected to the nearest one)."""
    found = SNAPSHOT.search(url)
    provenance = {"snapshot_url": url}
    if found:
        provenance["snapshot_timestamp"] = found.group("timestamp")
    return provenance


def original_of_snapshot(url: str) -> str | None:
    """The original address of a raw snapshot's URL (``.../web/<timestamp>id_/<original>``)."""
    found = SNAPSHOT.search(url)
    return found.group("original") if found and found.group("mode") == "id_" else None


class WaybackSearch:
    """The archive requests of one outlet crawl: CDX searches and snapshot fetches (see the module)."""

    def __init__(self, base: str, domains: tuple[str, ...], since: str | None, until: str | None,
                 page_size: int) -> None:
        self.base = base
        self.domains = domains
        self.since = since
        self.until = until
        self.page_size = page_size
        self.seen: set[str] = set()  # original URLs already requested in this run

    def searches(self, callback: Any) -> Iterator[Request]:
        for domain in self.domains:
            yield self.search(domain, callback)

    def search(self, domain: str, callback: Any, resume_key: str | None = None) -> Request:
        url = cdx_query_url(self.base, domain, self.since, self.until, self.page_size, resume_key)
        return Request(url, callback=callback, meta={ARCHIVE_REQUEST: "cdx", "domain": domain}, dont_filter=True)

    def snapshots(self, response: Response, is_article: Any, callback: Any, errback: Any) -> Iterator[Request]:
        """Snapshot requests for the article captures of one CDX answer, then the next page's search."""
        try:
            captures, resume_key = cdx_rows(response.body)
        except (ValueError, TypeError, IndexError) as exc:
            logger.error("The CDX answer %s is not the JSON the index gives (%s): its captures are skipped",
                         response.url, exc)
            return
        for capture in captures:
            original = capture.get("original", "")
            timestamp = capture.get("timestamp", "")
            if not re.fullmatch(r"\d{14}", timestamp) or not is_article(original) or original in self.seen:
                continue
            self.seen.add(original)
            yield Request(
                snapshot_url(self.base, timestamp, original), callback=callback, errback=errback,
                meta={ARCHIVE_REQUEST: "snapshot", ORIGINAL_URL: original, "article": True},
            )
        if resume_key:
            yield self.search(response.meta["domain"], response.request.callback, resume_key)


class WaybackPolitenessMiddleware:
    """A shared rate limit for every request to the archive, and backoff on 429/503 (see the module).

    A request to the archive passes ``process_request`` only when fewer than ``WAYBACK_CONCURRENCY``
    others are on their way, its kind's interval has passed and no backoff is in force; it is on its
    way until its response (or failure) comes back here. So once a 429 arrives, nothing more is sent
    until the backoff ends, except requests already on their way then.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.intervals = {}
        for kind, name in (("cdx", "WAYBACK_CDX_PER_MINUTE"), ("snapshot", "WAYBACK_SNAPSHOTS_PER_MINUTE")):
            if settings.getfloat(name) <= 0:
                raise ValueError(f"{name} must be a number of requests a minute above 0")
            self.intervals[kind] = 60.0 / settings.getfloat(name)
        self.concurrency = settings.getint("WAYBACK_CONCURRENCY")
        self.first_backoff = settings.getfloat("WAYBACK_BACKOFF")
        self.max_backoffs = settings.getint("WAYBACK_MAX_BACKOFFS")
        self.next_slot = {kind: 0.0 for kind in self.intervals}
        self.paused_until = 0.0
        # The last wait after a refusal of each kind of request (the archive limits searches and snapshots
        # apart), doubled at the next refusal of that kind in a row; the pause itself holds every request.
        self.backoff = {kind: 0.0 for kind in self.intervals}
        self.on_their_way: set[int] = set()  # id() of the archive requests sent and not yet answered
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WaybackPolitenessMiddleware:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.request_left_downloader, signal=signals.request_left_downloader)
        return middleware

    async def process_request(self, request: Request) -> None:
        kind = request.meta.get(ARCHIVE_REQUEST)
        if kind not in self.intervals:
            return
        while True:  # conditions change while a request waits: look again after each wait
            now = time.monotonic()
            start = max(now, self.next_slot[kind], self.paused_until)
            # After a refusal, one request at a time until one gets through: an answer still on its way may
            # be another refusal, which doubles the wait.
            probing = bool(any(self.backoff.values()) and self.on_their_way)
            if start <= now and len(self.on_their_way) < self.concurrency and not probing:
                break
            await asyncio.sleep(max(start - now, 0.01))
        self.next_slot[kind] = now + self.intervals[kind]
        self.on_their_way.add(id(request))

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.on_their_way.discard(id(request))

    def request_left_downloader(self, request: Request) -> None:
        # A response that a middleware nearer the downloader fails on never reaches process_response:
        # let its request go a moment later, so that the concurrency limit cannot leak away.
        if id(request) in self.on_their_way:
            asyncio.get_event_loop().call_later(1.0, self.on_their_way.discard, id(request))

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get(ARCHIVE_REQUEST) not in self.intervals:
            return response
        try:
            return self.answered(request, response)
        finally:
            self.on_their_way.discard(id(request))

    def answered(self, request: Request, response: Response) -> Request | Response:
        kind = request.meta[ARCHIVE_REQUEST]
        if response.status not in BACKOFF_STATUSES:
            self.backoff[kind] = 0.0
            return response
        refusals = request.meta.get("wayback_refusals", 0) + 1
        last = self.backoff[kind]
        wait = retry_after(response) or (last * 2 if last else self.first_backoff)
        self.backoff[kind] = wait
        self.paused_until = max(self.paused_until, time.monotonic() + wait)
        self.stats.inc_value("wayback/backoffs")
        if refusals > self.max_backoffs:
            logger.error("The archive refused %s %d times (HTTP %d): giving up on it (WAYBACK_MAX_BACKOFFS)",
                         request.url, refusals, response.status)
            request.meta["dont_retry"] = True  # Scrapy's retries would ask again at once
            return response
        logger.warning("The archive answered HTTP %d to %s: sending it nothing for %.0f s", response.status,
                       request.url, wait)
        retry = request.replace(dont_filter=True)
        retry.meta["wayback_refusals"] = refusals
        return retry


def retry_after(response: Response) -> float | None:
    """The seconds a ``Retry-After`` header asks for (a number or an HTTP date), if it asks."""
    value = response.headers.get("Retry-After", b"").decode("latin-1").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
