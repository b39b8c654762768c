"""Scheduler queues that keep a crawl's memory flat however many requests it has found.

A sitemap lists thousands of articles at once (WordPress: 1,000 to 50,000 per file), and a crawl fetches a
handful at a time, so Scrapy's memory queues hold every request found and not yet fetched: about 1.3 kB each
(the request, its meta and headers, its cached fingerprint), growing with the size of the site. These queues
(``SCHEDULER_MEMORY_QUEUE``) keep the first ``SCHEDULER_SPILL_AFTER`` requests of each queue in memory, as
Scrapy's do, and the rest in an anonymous temporary file (``tempfile.TemporaryFile``: deleted when closed,
and by the system when the process ends, even killed). The order of Scrapy's queues is kept exactly.

The file holds each request as a pickled ``Request.to_dict`` (the format of Scrapy's disk queues); a
request that cannot be serialised (a callback that is not a spider method, a meta value that does not
pickle) stays in memory. With a ``JOBDIR``, Scrapy's own disk queues take every request that can be
serialised and these queues only the rest, so a resumable job works as before.
"""

from __future__ import annotations

import pickle
import struct
import tempfile
from collections import deque
from typing import IO, Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from scrapy.utils.request import request_from_dict

# Requests each queue keeps in memory before the rest go to its temporary file.
DEFAULT_SPILL_AFTER = 1000
LENGTH = struct.Struct(">I")
# Stat: requests written to a temporary file (each counted once, however often it is read back).
SPILLED = "scheduler/spilled"


def request_record(request: Request, spider: Spider) -> bytes:
    """``request`` as Scrapy's disk queues keep it. Its callbacks are named directly when they are the spider's
    own methods (Scrapy's ``to_dict`` looks for them among every member of the spider: ~1 ms a request)."""
    names = {}
    for role in ("callback", "errback"):
        method = getattr(request, role)
        name = getattr(method, "__name__", None)
        if name and getattr(method, "__self__", None) is spider and getattr(spider, name, None) == method:
            names[role] = name
    try:
        record = request.replace(**dict.fromkeys(names)).to_dict(spider=spider)
        record.update(names)
        return pickle.dumps(record, protocol=5)
    except (ValueError, TypeError, AttributeError, pickle.PicklingError) as exc:
        raise ValueError(f"the request cannot be written to disk: {exc}") from exc


class SpillFile:
    """Length-prefixed records in an anonymous temporary file, read back from the front or from the back."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile(prefix="conflict-feeds-queue-")
        self.ends: deque[int] = deque()  # where each record ends, in file order
        self.start = 0  # records before this offset were read from the front

    def __len__(self) -> int:
        return len(self.ends)

    def append(self, record: bytes) -> None:
        end = self.ends[-1] if self.ends else self.start
        self.file.seek(end)
        self.file.write(LENGTH.pack(len(record)) + record)
        self.ends.append(end + LENGTH.size + len(record))

    def pop_back(self) -> bytes:
        end = self.ends.pop()
        begin = self.ends[-1] if self.ends else self.start
        record = self.read(begin, end)
        self.file.truncate(begin)
        return record

    def pop_front(self) -> bytes:
        end = self.ends.popleft()
        record = self.read(self.start, end)
        self.start = end
        if not self.ends:  # the file is empty: reuse its space
            self.start = 0
            self.file.truncate(0)
        return record

    def read(self, begin: int, end: int) -> bytes:
        self.file.seek(begin)
        data = self.file.read(end - begin)
        return data[LENGTH.size:]

    def close(self) -> None:
        self.file.close()


class SpillingQueue:
    """A request queue that keeps at most ``limit`` requests in memory and the rest in a ``SpillFile``."""

    def __init__(self, spider: Spider, limit: int, stats: StatsCollector | None = None) -> None:
        self.spider = spider
        self.limit = limit
        self.stats = stats
        self.memory: deque[Request] = deque()
        self.spilled: SpillFile | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SpillingQueue:
        return cls(crawler.spider, crawler.settings.getint("SCHEDULER_SPILL_AFTER", DEFAULT_SPILL_AFTER), crawler.stats)

    def __len__(self) -> int:
        return len(self.memory) + (len(self.spilled) if self.spilled else 0)

    def spill(self, request: Request) -> bool:
        """Write ``request`` at the back of the file; False when it cannot be serialised."""
        try:
            record = request_record(request, self.spider)
        except ValueError:
            return False
        if self.spilled is None:
            self.spilled = SpillFile()
        self.spilled.append(record)
        if self.stats is not None:
            self.stats.inc_value(SPILLED)
        return True

    def unspill(self, front: bool) -> Request:
        assert self.spilled is not None
        record = self.spilled.pop_front() if front else self.spilled.pop_back()
        return request_from_dict(pickle.loads(record), spider=self.spider)

    def close(self) -> None:
        if self.spilled is not None:
            self.spilled.close()
            self.spilled = None


class FifoSpillingQueue(SpillingQueue):
    """First in, first out: the oldest requests in memory, the newest in the file."""

    def push(self, request: Request) -> None:
        full = len(self.memory) >= self.limit > 0 or bool(self.spilled)
        if not (full and self.spill(request)):
            self.memory.append(request)  # (one that cannot be serialised comes out before older spilled ones)

    def pop(self) -> Request | None:
        if self.memory:
            return self.memory.popleft()
        return self.unspill(front=True) if self.spilled else None

    def peek(self) -> Request | None:
        if not self.memory and self.spilled:
            self.memory.append(self.unspill(front=True))
        return self.memory[0] if self.memory else None


class LifoSpillingQueue(SpillingQueue):
    """Last in, first out (Scrapy's default order): the newest requests in memory, the oldest in the file."""

    def __init__(self, spider: Spider, limit: int, stats: StatsCollector | None = None) -> None:
        super().__init__(spider, limit, stats)
        # Requests pushed out of memory that cannot be serialised (each is tried once); they come out
        # before the spilled ones, as Scrapy takes its memory queues before its disk queues.
        self.unserialisable: list[Request] = []

    def __len__(self) -> int:
        return super().__len__() + len(self.unserialisable)

    def push(self, request: Request) -> None:
        self.memory.append(request)
        if len(self.memory) > self.limit > 0:
            oldest = self.memory.popleft()
            if not self.spill(oldest):
                self.unserialisable.append(oldest)

    def pop(self) -> Request | None:
        if self.memory:
            return self.memory.pop()
        if self.unserialisable:
            return self.unserialisable.pop()
        return self.unspill(front=False) if self.spilled else None

    def peek(self) -> Request | None:
        if not self.memory and not self.unserialisable and self.spilled:
            self.memory.append(self.unspill(front=False))
        return (self.memory or self.unserialisable or [None])[-1]
