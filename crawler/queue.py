"""One outlet's crawl split across processes and machines: a request queue shared in Redis.

``-s CRAWL_QUEUE=redis://host:6379/0`` replaces Scrapy's scheduler and duplicate filter with state in Redis,
under ``conflict-feeds:<outlet>:``, so every worker crawling the outlet takes its next request from one queue
and a page discovered by any worker is scheduled once. Without ``CRAWL_QUEUE`` Scrapy's own scheduler runs.

A thin scheduler on redis-py rather than scrapy-redis, whose ``pop`` removes a request before it is fetched
(a worker killed then loses it for good, its fingerprint being recorded already) and whose closing worker may
flush the shared queue. Here:

- **Leases.** Taking a request leases it: it moves from ``queue`` into ``leases`` with a deadline
  (``CRAWL_QUEUE_LEASE`` seconds, renewed every third of that while the worker lives). The lease ends when
  the request is done: its page's outcome is kept (the item was exported, quarantined or counted as a
  duplicate), a listing's links are all queued, a retry or redirect is queued in its place, or it finally
  failed. A page that could not be kept (the store or the output failed) is handed back at once. Any worker
  that takes a request first puts every lease past its deadline back at the head of the queue: the requests
  of a worker that was killed are fetched again by another, never lost. (A page whose outcome was kept just
  before the kill comes back as a duplicate.)
- **Closing** never removes shared state. A worker closes when the queue is empty and no lease is out (it
  waits while other workers may still find pages). ``scrapy totals OUTLET`` prints the outlet's accounting
  and, with ``--clear``, removes a finished crawl's state so that the next crawl starts afresh.
- **Politeness across workers.** ``DOWNLOAD_DELAY`` holds for all workers together: before each request a
  worker takes the site's next-allowed-time token in Redis (an atomic script), waiting its turn; and
  ``CONCURRENT_REQUESTS_PER_DOMAIN`` counts the requests in flight to a site from every worker (slots with a
  deadline, so that a killed worker's slots free themselves).
- **Accounting.** Each lease that ends with a page's outcome adds that outcome to the outlet's counts in the
  same transaction, and each new article request adds one to ``articles``; so at any moment
  ``articles = exported + quarantined + duplicates + owed`` (owed: queued, or leased by a live or dead worker).
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from scrapy.utils.request import request_from_dict
from twisted.internet import task

from crawler.pipelines import COUNTS

logger = logging.getLogger(__name__)

PREFIX = "conflict-feeds"
DEFAULT_LEASE_S = 60.0
LEASE = "queue_lease"  # request.meta key of the lease a worker holds on the request
OWED = "owed"

# Times are Redis's own clock (TIME), the one clock every worker on every machine agrees on.
CLOCK = """
local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
"""

# Put back every lease past its deadline, then lease the head of the queue.
# KEYS: queue, leases, deadlines, counts, sequence. ARGV: lease length (ms), worker id.
TAKE = CLOCK + """
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for _, lease in ipairs(expired) do
    local request = redis.call('HGET', KEYS[2], lease)
    if request then
        redis.call('LPUSH', KEYS[1], request)
        redis.call('HINCRBY', KEYS[4], 'requeued', 1)
    end
    redis.call('HDEL', KEYS[2], lease)
    redis.call('ZREM', KEYS[3], lease)
end
local request = redis.call('LPOP', KEYS[1])
if not request then
    return false
end
local lease = ARGV[2] .. ':' .. redis.call('INCR', KEYS[5])
redis.call('HSET', KEYS[2], lease, request)
redis.call('ZADD', KEYS[3], now + ARGV[1], lease)
return {lease, request}
"""

# Queue a request unless it was seen, ending the lease of the request it replaces (a retry, a redirect), in
# one step: a worker killed at any moment leaves the request either queued or still leased.
# KEYS: seen, queue, counts, leases, deadlines. ARGV: fingerprint ('' for a request never filtered),
# request, 1 for an article request, the lease it replaces ('' for none). Returns 1 when queued.
PUT = """
local queued = 1
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then
    queued = 0
    -- an article redirected to a page already crawled is a duplicate of it
    if ARGV[3] == '1' and ARGV[4] ~= '' then
        redis.call('HINCRBY', KEYS[3], 'duplicates', 1)
    end
else
    -- a redirect or retry is the same article, counted when it was first found
    if ARGV[3] == '1' and ARGV[4] == '' then
        redis.call('HINCRBY', KEYS[3], 'articles', 1)
    end
    redis.call('RPUSH', KEYS[2], ARGV[2])
end
if ARGV[4] ~= '' then
    redis.call('HDEL', KEYS[4], ARGV[4])
    redis.call('ZREM', KEYS[5], ARGV[4])
end
return queued
"""

# Wait for a site's turn. KEYS: the site's next-allowed time, its slots. ARGV: delay (ms), concurrency,
# slot id, slot lifetime (ms). Returns 0 when the request may go (its slot taken), else the milliseconds to
# wait.
TURN = CLOCK + """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then
    return 50
end
local next_allowed = tonumber(redis.call('GET', KEYS[1]) or '0')
if next_allowed > now then
    return next_allowed - now
end
redis.call('SET', KEYS[1], now + ARGV[1], 'PX', ARGV[1] + 60000)
redis.call('ZADD', KEYS[2], now + ARGV[4], ARGV[3])
return 0
"""

# Renew leases. KEYS: deadlines. ARGV: lease length (ms), the leases.
RENEW = CLOCK + """
for i = 2, #ARGV do
    redis.call('ZADD', KEYS[1], 'XX', now + ARGV[1], ARGV[i])
end
"""


def redis_now_ms(client: Any) -> int:
    seconds, microseconds = client.time()
    return seconds * 1000 + microseconds // 1000


class Keys:
    """The Redis keys of one outlet's shared crawl."""

    def __init__(self, outlet: str) -> None:
        base = f"{PREFIX}:{outlet}"
        self.queue, self.seen = f"{base}:queue", f"{base}:seen"
        self.leases, self.deadlines = f"{base}:leases", f"{base}:deadlines"
        self.counts, self.sequence = f"{base}:counts", f"{base}:lease-sequence"
        self.all = (self.queue, self.seen, self.leases, self.deadlines, self.counts, self.sequence)

    @staticmethod
    def site(host: str) -> tuple[str, str]:
        return f"{PREFIX}:site:{host}:next", f"{PREFIX}:site:{host}:slots"


def connect(url: str) -> Any:
    try:
        import redis  # only a shared crawl needs the client
    except ImportError as exc:
        raise RuntimeError(f"CRAWL_QUEUE is set but redis-py is not installed: pip install -e '.[cluster]' "
                           f"({exc})") from exc
    return redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10, health_check_interval=30)


def totals(client: Any, outlet: str) -> dict[str, int]:
    """The outlet's accounting: article pages reached (``articles``), each outcome, and what is owed."""
    keys = Keys(outlet)
    counts = {k.decode(): int(v) for k, v in client.hgetall(keys.counts).items()}
    queued = client.llen(keys.queue)
    deadlines = client.zrange(keys.deadlines, 0, -1, withscores=True)
    now = redis_now_ms(client)
    expired = sum(1 for _, deadline in deadlines if deadline <= now)
    result = {"articles": counts.get("articles", 0), **{k: counts.get(k, 0) for k in COUNTS[1:]},
              "queued": queued, "leased": len(deadlines) - expired, "dead": expired,
              "requeued": counts.get("requeued", 0)}
    result[OWED] = result["articles"] - sum(result[k] for k in COUNTS[1:])
    return result


def totals_line(outlet: str, t: dict[str, int]) -> str:
    return (f"{outlet} (all workers): {t['articles']} article pages -> {t['exported']} exported, "
            f"{t['quarantined']} quarantined, {t['duplicates']} duplicates, {t[OWED]} owed "
            f"({t['queued']} requests queued, {t['leased']} leased by running workers, {t['dead']} by workers that "
            f"stopped without finishing them)")


def page_outcome(dropped: BaseException | None, failure: Any) -> str | None:
    """The count a page's item signal adds to: ``exported`` (scraped), ``duplicates`` or ``quarantined``
    (dropped by HookChainPipeline, whose message begins with the outcome), or None for a page not kept (an
    error, or a drop for any other reason)."""
    if failure is not None:
        return None
    if dropped is None:
        return "exported"
    return {"duplicate": "duplicates", "quarantined": "quarantined"}.get(str(dropped).partition(":")[0])


def is_article_request(request: Request) -> bool:
    """Article requests say so (``meta["article"]``, set by the spider): they end as exactly one page."""
    return bool(request.meta.get("article"))


class SharedScheduler(Scheduler):
    """``SCHEDULER``: the Redis queue when ``CRAWL_QUEUE`` is set, Scrapy's own scheduler otherwise."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Scheduler:
        if not crawler.settings.get("CRAWL_QUEUE"):
            return Scheduler.from_crawler(crawler)
        return RedisScheduler(crawler)


class RedisScheduler:
    """The shared queue (see the module's docstring). Scrapy's ``BaseScheduler`` interface."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.settings = crawler.settings
        self.url = self.settings.get("CRAWL_QUEUE")
        self.lease_ms = int(self.settings.getfloat("CRAWL_QUEUE_LEASE", DEFAULT_LEASE_S) * 1000)
        # Requests a worker holds at once: Scrapy would pull up to CONCURRENT_REQUESTS into its downloader,
        # where they wait out the site's delay while other workers have nothing to do.
        self.prefetch = max(1, self.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
        # Names the worker in its leases (who holds what): the machine and process by default.
        self.worker = self.settings.get("CRAWL_QUEUE_WORKER") or f"{socket.gethostname()}-{os.getpid()}"
        self.held: set[str] = set()
        self.read_listings: dict[str, Request] = {}  # lease -> listing whose output has been read
        self.client: Any = None
        self.lost: Exception | None = None  # the error that made Redis unreachable
        self.spider: Any = None
        self.renewal: task.LoopingCall | None = None
        for ended in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self.item_ended, signal=ended)

    # -- BaseScheduler ------------------------------------------------------------------------------

    def open(self, spider: Any) -> None:
        self.spider = spider
        self.keys = Keys(spider.name)
        self.client = connect(self.url)
        self.client.ping()
        self.take = self.client.register_script(TAKE)
        self.put = self.client.register_script(PUT)
        self.renew_leases = self.client.register_script(RENEW)
        self.fingerprinter = self.crawler.request_fingerprinter
        self.renewal = task.LoopingCall(self.renew)
        self.renewal.start(self.lease_ms / 3000, now=False)
        logger.info("Worker %s crawls %s from the shared queue %s", self.worker, spider.name, self.keys.queue)

    def close(self, reason: str) -> None:
        if self.renewal and self.renewal.running:
            self.renewal.stop()
        if self.lost is None:
            # Nothing shared is removed: other workers go on. Leases still held (a crawl stopped early) are
            # handed back at once rather than at their deadline.
            with self.reachable():
                if self.held:
                    self.client.zadd(self.keys.deadlines, {lease: 0 for lease in self.held}, xx=True)
                    logger.info("Handed %d unfinished requests back to the shared queue", len(self.held))
                logger.info(totals_line(self.spider.name, totals(self.client, self.spider.name)))
        self.client.close()

    @contextmanager
    def reachable(self) -> Iterator[None]:
        """Redis gone: stop the crawl, once, with a clear error. What this worker holds stays in Redis and
        comes back at its lease's end; what it exported is in the store and the feed."""
        import redis

        try:
            yield
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            if self.lost is None:
                self.lost = exc
                logger.error("Stopping the crawl: the crawl queue %s cannot be reached: %s", self.url, exc)
                self.crawler.stats.set_value("queue_unavailable", str(exc))
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="queue_unavailable"))

    def has_pending_requests(self) -> bool:
        self.end_read_listings()
        if self.lost:
            return False
        with self.reachable():
            # Requests leased by other workers may still lead to more pages (or come back at their deadline).
            return bool(self.client.llen(self.keys.queue) or self.client.zcard(self.keys.deadlines))
        return False

    def enqueue_request(self, request: Request) -> bool:
        if self.lost:
            return False  # the request it came from is still leased, and comes back
        with self.reachable():
            return self.push(request)
        return False

    def push(self, request: Request) -> bool:
        previous = request.meta.pop(LEASE, None)  # a retry or redirect replaces the request it came from
        self.held.discard(previous)
        fingerprint = b"" if request.dont_filter else self.fingerprinter.fingerprint(request)
        queued = self.put(
            keys=[self.keys.seen, self.keys.queue, self.keys.counts, self.keys.leases, self.keys.deadlines],
            args=[fingerprint, pickle.dumps(request.to_dict(spider=self.spider), protocol=4),
                  int(is_article_request(request)), previous or ""],
        )
        self.crawler.stats.inc_value("scheduler/enqueued/redis" if queued else "scheduler/dupefiltered")
        return bool(queued)

    def next_request(self) -> Request | None:
        self.end_read_listings()
        if self.lost or len(self.held) >= self.prefetch:
            return None
        with self.reachable():
            return self.pop()
        return None

    def pop(self) -> Request | None:
        taken = self.take(keys=[self.keys.queue, self.keys.leases, self.keys.deadlines, self.keys.counts,
                                self.keys.sequence], args=[self.lease_ms, self.worker])
        if not taken:
            return None
        lease, data = taken[0].decode(), taken[1]
        request = request_from_dict(pickle.loads(data), spider=self.spider)
        request.meta[LEASE] = lease
        self.held.add(lease)
        self.crawler.stats.inc_value("scheduler/dequeued/redis")
        return request

    def __len__(self) -> int:
        return 0 if self.lost else self.client.llen(self.keys.queue)

    # -- leases -------------------------------------------------------------------------------------

    def renew(self) -> None:
        if self.held and not self.lost:
            with self.reachable():
                self.renew_leases(keys=[self.keys.deadlines], args=[self.lease_ms, *self.held])

    def end_lease(self, pipe: Any, lease: str) -> None:
        pipe.hdel(self.keys.leases, lease)
        pipe.zrem(self.keys.deadlines, lease)
        self.held.discard(lease)

    def finish(self, lease: str) -> None:
        pipe = self.client.pipeline(transaction=True)
        self.end_lease(pipe, lease)
        pipe.execute()

    def item_ended(self, item: Any, response: Any, exception: BaseException | None = None, **kwargs: Any) -> None:
        """``item_scraped`` / ``item_dropped`` / ``item_error`` of a page. When the chain kept an outcome for
        it (exported and in the feed, quarantined, or counted as a duplicate), its lease ends and the outcome
        joins the outlet's counts in one transaction. Otherwise (the run's output or store failed) the page is
        not done: its request is handed back to the queue at once, for a worker that can keep it."""
        request = getattr(response, "request", None)  # a Response, or the Failure an errback turned into a page
        lease = request.meta.get(LEASE) if request is not None else None
        if not lease or self.lost:
            return
        outcome = page_outcome(exception, kwargs.get("failure"))
        with self.reachable():
            if outcome is None:
                logger.warning("Handing %s back to the shared queue: its page was not kept", request.url)
                self.client.zadd(self.keys.deadlines, {lease: 0}, xx=True)
                self.held.discard(lease)
                return
            pipe = self.client.pipeline(transaction=True)
            self.end_lease(pipe, lease)
            pipe.hincrby(self.keys.counts, outcome, 1)
            pipe.execute()

    def listing_read(self, request: Request) -> None:
        """A listing's output has been read; Scrapy queues the requests it yielded a moment later, so its
        lease ends once the scraper is done with its response (``end_read_listings``)."""
        lease = request.meta.get(LEASE)
        if lease and not is_article_request(request):
            self.read_listings[lease] = request

    def end_read_listings(self) -> None:
        """End the leases of read listings whose responses the scraper has finished: all their requests
        are in the queue by then."""
        active = self.crawler.engine.scraper.slot.active
        for lease, request in list(self.read_listings.items()):
            if request not in active:
                del self.read_listings[lease]
                if not self.lost:
                    with self.reachable():
                        self.finish(lease)

    def request_finished(self, request: Request) -> None:
        """A request that yields no page (a listing) is done: its links are queued, or it failed."""
        lease = request.meta.get(LEASE)
        if lease and not is_article_request(request) and not self.lost:
            with self.reachable():
                self.finish(lease)


def shared_scheduler(crawler: Crawler) -> RedisScheduler | None:
    scheduler = crawler.engine.scheduler if crawler.engine else None
    return scheduler if isinstance(scheduler, RedisScheduler) else None


class ListingDoneMiddleware:
    """Spider middleware (outermost): tells the scheduler when a listing's callback output has been read, or
    its response failed in the spider middlewares (an HTTP error status)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ListingDoneMiddleware:
        return cls(crawler)

    def finished(self, response: Response) -> None:
        scheduler = shared_scheduler(self.crawler)
        if scheduler is not None and response.request is not None:
            scheduler.listing_read(response.request)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        yield from result
        self.finished(response)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for element in result:
            yield element
        self.finished(response)

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        self.finished(response)


class FailedListingMiddleware:
    """Downloader middleware (outermost, so that it sees only failures no retry took over): a listing
    request that finally failed ends its lease. (An article request's failure becomes a page instead.)"""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailedListingMiddleware:
        return cls(crawler)

    def process_exception(self, request: Request, exception: Exception) -> None:
        scheduler = shared_scheduler(self.crawler)
        if scheduler is not None:
            scheduler.request_finished(request)


class SiteTurns:
    """Politeness shared in Redis: one site's requests, from every worker, ``delay_ms`` apart and at most
    ``concurrency`` at a time. A slot not released (its worker died) frees itself after ``slot_ms``."""

    def __init__(self, client: Any, delay_ms: int, concurrency: int, slot_ms: int) -> None:
        self.script = client.register_script(TURN)
        self.client = client
        self.delay_ms, self.concurrency, self.slot_ms = delay_ms, concurrency, slot_ms

    def take(self, site: str, slot: str) -> int:
        """0 when a request may go to ``site`` now (holding ``slot``), else the milliseconds to wait first."""
        return int(self.script(keys=list(Keys.site(site)), args=[self.delay_ms, self.concurrency, slot, self.slot_ms]))

    def release(self, site: str, slot: str) -> None:
        self.client.zrem(Keys.site(site)[1], slot)


class SharedPolitenessMiddleware:
    """Downloader middleware (innermost, right before the download): with a shared queue, ``DOWNLOAD_DELAY``
    and ``CONCURRENT_REQUESTS_PER_DOMAIN`` hold for all workers together (``SiteTurns``)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.turns: SiteTurns | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPolitenessMiddleware:
        return cls(crawler)

    def site_turns(self, scheduler: RedisScheduler) -> SiteTurns:
        if self.turns is None:
            settings = self.crawler.settings
            self.turns = SiteTurns(
                scheduler.client,
                delay_ms=int(settings.getfloat("DOWNLOAD_DELAY") * 1000),
                concurrency=settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") or settings.getint("CONCURRENT_REQUESTS"),
                slot_ms=int(settings.getfloat("DOWNLOAD_TIMEOUT") * 1000) + 10_000,
            )
        return self.turns

    async def process_request(self, request: Request) -> None:
        scheduler = shared_scheduler(self.crawler)
        if scheduler is None:
            return None
        turns = self.site_turns(scheduler)
        site, slot = urlsplit(request.url).netloc.lower(), uuid.uuid4().hex
        request.meta["shared_slot"] = (site, slot)
        while not scheduler.lost:  # without Redis the crawl is stopping: in-flight requests go at this worker's pace
            wait = 0
            with scheduler.reachable():
                wait = turns.take(site, slot)
            if not wait:
                return None
            from twisted.internet import reactor  # the one Scrapy installed, once it has

            await maybe_deferred_to_future(task.deferLater(reactor, wait / 1000, lambda: None))

    def release(self, request: Request) -> None:
        scheduler = shared_scheduler(self.crawler)
        held = request.meta.pop("shared_slot", None)
        if scheduler is not None and held and not scheduler.lost:
            with scheduler.reachable():
                self.site_turns(scheduler).release(*held)

    def process_response(self, request: Request, response: Response) -> Response:
        self.release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.release(request)
