"""The chain's pure stages on other processes: a pool of workers, each with a chain of its own, that run
``Chain.prepare`` (extract, clean, the record, normalise) on pages the main process sends them.

The main process keeps what has state: it hands each page to the pool, gets the ``Prepared`` page back and
runs ``Chain.decide`` (deduplicate, validate, export or quarantine) itself, in the order the pages came in
(``InOrder``), so the store decides under its lock and the feed is written as with one process.

- Workers are forked. Measured on the 2-core machine (two workers, busy machine, time to their first
  results): ``fork`` 0.14 s, ``spawn`` 4.2 s, ``forkserver`` 5.4 s, since a forked worker inherits the
  imported plugins and the compiled group registry, where the others import and compile them again. A
  crawl's process runs the reactor when the pool starts, so a worker first cuts itself off from it: it
  drops the signal wake-up descriptor and handlers it inherited (a signal to a worker must not wake the
  crawl's loop) and never touches the reactor, the store connection or the feed it inherited.
- Each worker builds its own chain from the settings as a plain dict, with the built-in and installed
  (entry-point) plugins, and with ``chain.in_worker`` set: a plugin opens no store or output file there.
- Each worker holds at most ``PER_WORKER`` pages; the rest wait in the main process. Callers bound how many
  pages are on their way in all (``Window``), so memory does not grow with the input.
- A worker that dies (killed, out of memory, a crash in a C extension) is reported as an error and replaced;
  the pages it held are quarantined, with the exit status in the reason, never lost: running them again
  in the main process could take the main process down the same way.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import queue as queue_module
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from typing import Any

from scrapy.settings import Settings
from twisted.internet.defer import Deferred

from plugins.chain import Chain, Prepared
from plugins.model import Page

logger = logging.getLogger(__name__)

START_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
# Pages sent to one worker at a time: enough that it never waits for the next one, few enough that a
# worker that dies takes little with it.
PER_WORKER = 4
# Workers that may die in one run before the pool gives up (a plugin that kills every worker it runs in).
MOST_DEATHS = 8
STAGE = "prepare"  # the quarantine stage of a page whose worker died: it was somewhere in prepare


class PoolFailed(RuntimeError):
    """The workers keep dying: the run cannot go on."""


def worker_settings(settings: Any) -> dict[str, Any]:
    """The settings as a plain dict that crosses to another process: only the values pickle can carry (a
    crawl's settings may hold objects of the running process, which no plugin reads)."""
    values = settings.copy_to_dict() if hasattr(settings, "copy_to_dict") else dict(settings)
    plain = {}
    for key, value in values.items():
        try:
            pickle.dumps(value)
        except Exception:
            continue
        plain[key] = value
    return plain


def _work(settings: dict[str, Any], pages: Any, results: Connection) -> None:
    """A worker: prepare each page it is sent and send the result back, until it is sent None."""
    signal.set_wakeup_fd(-1)  # the crawl's event loop listens there
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    level = settings.get("LOG_LEVEL") or "INFO"
    logging.basicConfig(level=level, format=settings.get("LOG_FORMAT") or "%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    # A forked worker holds copies of the main process's descriptors, its page queue's writing end among
    # them, so the queue never reads as closed: it watches the main process instead, and goes with it.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=lambda: (parent.join(), os._exit(0)), name="parent-watch", daemon=True).start()
    chain = Chain(Settings(settings), in_worker=True)
    chain.open()
    try:
        while True:
            try:
                task = pages.get()
            except (EOFError, OSError):  # the main process is gone (killed): nothing to send results to
                break
            if task is None:
                break
            number, page = task
            prepared = chain.prepare(page)
            prepared.stats = dict(chain.stats.values)
            chain.stats.values.clear()
            prepared.page = None  # the main process has it
            try:
                results.send((number, prepared))
            except OSError:  # the main process is gone
                break
            except Exception as exc:  # a plugin put something in the record that cannot cross processes
                results.send((number, Prepared(None, None, prepared.stage, [  # type: ignore[arg-type]
                    f"internal error in stage {prepared.stage}: its result cannot be passed between processes "
                    f"({exc!r})"])))
    finally:
        chain.close()


@dataclass
class Worker:
    process: Any
    pages: Any  # a multiprocessing.Queue: put() never blocks the main process
    results: Connection
    held: dict[int, tuple[Page, Callable[[Prepared], None]]] = field(default_factory=dict)


class ChainPool:
    """``processes`` workers preparing pages; ``submit`` a page with a function to call with its ``Prepared``
    (called through ``deliver``: ``reactor.callFromThread`` in a crawl, so it runs on the reactor thread)."""

    def __init__(self, settings: Any, processes: int, deliver: Callable[..., Any]) -> None:
        self.settings = worker_settings(settings)
        self.deliver = deliver
        self.context = multiprocessing.get_context(START_METHOD)
        self.lock = threading.Lock()
        self.waiting: deque[tuple[int, Page, Callable[[Prepared], None]]] = deque()
        self.numbers = 0
        self.deaths = 0
        self.failure: str | None = None
        self.closing = False
        self.workers = [self._start() for _ in range(processes)]
        self.reader = threading.Thread(target=self._read, name="chain-pool-reader", daemon=True)
        self.reader.start()

    def _start(self) -> Worker:
        pages = self.context.Queue()
        receiving, sending = self.context.Pipe(duplex=False)
        process = self.context.Process(target=_work, args=(self.settings, pages, sending), daemon=True,
                                       name="chain-worker")
        process.start()
        sending.close()  # the worker's end: with it closed here, a dead worker reads as end of file
        return Worker(process, pages, receiving)

    def submit(self, page: Page, done: Callable[[Prepared], None]) -> None:
        """Prepare ``page`` on a worker; ``done(prepared)`` follows, with ``prepared.page`` the page given."""
        with self.lock:
            if self.failure:
                raise PoolFailed(self.failure)
            self.numbers += 1
            self.waiting.append((self.numbers, page, done))
            self._dispatch()

    def _dispatch(self) -> None:
        """Send waiting pages to the workers with room (under the lock)."""
        while self.waiting and self.workers:
            worker = min(self.workers, key=lambda w: len(w.held))
            if len(worker.held) >= PER_WORKER:
                return
            number, page, done = self.waiting.popleft()
            worker.held[number] = (page, done)
            worker.pages.put((number, replace(page, tree=None)))  # a parsed tree does not cross processes

    def _read(self) -> None:
        """The reader thread: results and deaths of workers, as they come."""
        while not self.closing:
            with self.lock:
                by_handle: dict[Any, Worker] = {}
                for worker in self.workers:
                    by_handle[worker.results] = by_handle[worker.process.sentinel] = worker
            for ready in wait(list(by_handle), timeout=0.1):
                worker = by_handle[ready]
                if ready is worker.results:
                    try:
                        number, prepared = worker.results.recv()
                    except (EOFError, OSError):
                        continue  # the worker is gone: its sentinel says so
                    with self.lock:
                        page, done = worker.held.pop(number)
                        self._dispatch()
                    prepared.page = page
                    self.deliver(done, prepared)
                elif not self.closing:
                    self._replace(worker)
                    break  # the list of handles changed

    def _replace(self, dead: Worker) -> None:
        dead.process.join()
        code = dead.process.exitcode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
        with self.lock:
            if dead not in self.workers:
                return
            # Results it sent before it died are still in the pipe.
            while dead.results.poll():
                try:
                    number, prepared = dead.results.recv()
                except (EOFError, OSError):
                    break
                page, done = dead.held.pop(number)
                prepared.page = page
                self.deliver(done, prepared)
            lost = dead.held
            self.deaths += 1
            logger.error("A chain worker process died (%s) holding %d pages: they are quarantined with this reason; "
                         "a new worker takes its place", how, len(lost))
            dead.pages.cancel_join_thread()
            dead.pages.close()
            dead.results.close()
            index = self.workers.index(dead)
            if self.deaths > MOST_DEATHS:
                self.failure = f"{self.deaths} chain worker processes died (the last: {how}); giving up"
                self.workers.pop(index)
            else:
                self.workers[index] = self._start()
            for page, done in lost.values():
                reason = f"the worker process preparing this page died ({how}); run the same command again to retry it"
                self.deliver(done, Prepared(page, None, STAGE, [reason]))
            if self.failure:
                failure = self.failure
                waiting, self.waiting = self.waiting, deque()
                for worker in self.workers:
                    waiting.extend((n, page, done) for n, (page, done) in worker.held.items())
                for _, page, done in waiting:
                    self.deliver(done, PoolFailed(failure))
            else:
                self._dispatch()

    def close(self) -> None:
        """Stop the workers (each closes its chain) once they are done with what they hold."""
        self.closing = True
        self.reader.join()
        for worker in self.workers:
            worker.pages.put(None)
        deadline = time.monotonic() + 10
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join()
            worker.pages.close()
            worker.results.close()


class Window:
    """How many pages may be on their way through the chain (handed over and not decided) at once: a
    reader of pages (``scrapy process``'s spider) waits for ``room`` before handing over the next one, so
    a large input does not pile up in memory ahead of the workers."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.open = 0
        self.sleepers: deque[Deferred[None]] = deque()

    @classmethod
    def of(cls, crawler: Any) -> Window:
        window = getattr(crawler, "chain_window", None)
        if window is None:
            window = crawler.chain_window = cls(0)
        return window

    async def room(self) -> None:
        from scrapy.utils.defer import maybe_deferred_to_future

        while self.size and self.open >= self.size:
            sleeper: Deferred[None] = Deferred()
            self.sleepers.append(sleeper)
            await maybe_deferred_to_future(sleeper)

    def enter(self) -> None:
        self.open += 1

    def leave(self) -> None:
        self.open -= 1
        if self.sleepers:
            self.sleepers.popleft().callback(None)


class InOrder:
    """A reorder buffer: prepared pages come back from the workers in any order; ``decide`` runs on them in
    the order they were handed over."""

    def __init__(self, decide: Callable[[Prepared], Any]) -> None:
        self.decide = decide
        self.handed = 0
        self.next = 0
        self.ready: dict[int, tuple[Prepared | Exception, Deferred[Any]]] = {}
        self.pending: dict[int, Deferred[Any]] = {}

    def hand_over(self) -> tuple[int, Deferred[Any]]:
        """A place in the order, and the Deferred that fires with the page's outcome."""
        number, outcome = self.handed, Deferred()
        self.handed += 1
        self.pending[number] = outcome
        return number, outcome

    def prepared(self, number: int, prepared: Prepared | Exception) -> None:
        self.ready[number] = (prepared, self.pending.pop(number))
        while self.next in self.ready:
            prepared, outcome = self.ready.pop(self.next)
            self.next += 1
            try:
                if isinstance(prepared, Exception):
                    raise prepared
                result = self.decide(prepared)
            except Exception as exc:
                outcome.errback(exc)
            else:
                outcome.callback(result)
