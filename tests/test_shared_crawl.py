"""Several `scrapy crawl` workers of one outlet sharing a Redis queue and a PostgreSQL store (real servers,
tests/servers.py), and crawls of different outlets sharing PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import pytest


from crawler.mirror import Mirror, MirrorHandler
from crawler.queue import TAKE, Keys, SiteTurns, connect, totals, totals_line
from tests.conftest import FAST, ROOT, SITES, read_jsonl, run_scrapy
from tests.servers import Postgres, postgres, postgres_url, redis_server  # noqa: F401 (fixtures)

OUTLET = "presstv"


def worker(mirror: Mirror, feed: Path, *settings: str) -> subprocess.Popen:
    args = ["crawl", OUTLET, "-a", "start_url=" + ",".join(mirror.start_urls()), "-o", str(feed), *FAST,
            *[arg for setting in settings for arg in ("-s", setting)]]
    return subprocess.Popen([sys.executable, "-m", "scrapy", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=os.environ)


def finish(process: subprocess.Popen) -> str:
    _, log = process.communicate(timeout=240)
    assert process.returncode == 0, log[-3000:]
    return log


def article_paths(mirror: Mirror) -> list[str]:
    site = mirror.site()
    return [entry["path"] for entry in site["articles"]] + list(site["quarantined"])


def test_two_workers_share_one_crawl_each_article_fetched_once_and_exported_once(tmp_path, redis_server,
                                                                                   postgres_url):
    shared = [f"CRAWL_QUEUE={redis_server.url}", f"DEDUP_STORE={postgres_url}"]
    with Mirror(SITES / OUTLET) as mirror:
        workers = [worker(mirror, tmp_path / f"w{n}.jsonl", *shared) for n in (1, 2)]
        logs = [finish(w) for w in workers]
    site = mirror.site()
    records = [r for n in (1, 2) if (tmp_path / f"w{n}.jsonl").exists() for r in read_jsonl(tmp_path / f"w{n}.jsonl")]
    assert sorted("/" + r["url"].split("/", 3)[3] for r in records) == sorted(a["path"] for a in site["articles"])
    for path in article_paths(mirror):
        assert Counter(mirror.requested)[path] == 1, (path, Counter(mirror.requested))
    pages, exported, bad = len(article_paths(mirror)), len(site["articles"]), len(site["quarantined"])
    line = (f"{OUTLET} (all workers): {pages} article pages -> {exported} exported, {bad} quarantined, "
            f"0 duplicates, 0 owed")
    assert any(line in log for log in logs), logs[-1][-2000:]
    client = connect(redis_server.url)
    t = totals(client, OUTLET)
    assert (t["articles"], t["exported"], t["quarantined"], t["owed"], t["queued"]) == (pages, exported, bad, 0, 0)
    # Both workers closed; the shared state is still there for `scrapy totals`.
    assert client.exists(f"conflict-feeds:{OUTLET}:seen")
    result = run_scrapy("totals", OUTLET, "-s", f"CRAWL_QUEUE={redis_server.url}")
    assert line in result.stdout, result.stderr
    # The finished crawl's state goes only on request; then the next crawl starts afresh.
    assert run_scrapy("totals", OUTLET, "--clear", "-s", f"CRAWL_QUEUE={redis_server.url}").returncode == 0
    assert not client.exists(f"conflict-feeds:{OUTLET}:seen", f"conflict-feeds:{OUTLET}:counts")


def test_two_crawls_started_together_on_a_new_sqlite_store_export_each_article_once(tmp_path):
    """Issue 11: without a shared queue both crawls fetch every page; the store lets one export each."""
    store = f"DEDUP_STORE={tmp_path / 'state.sqlite'}"
    with Mirror(SITES / OUTLET) as mirror:
        crawls = [worker(mirror, tmp_path / f"w{n}.jsonl", store) for n in (1, 2)]
        logs = [finish(crawl) for crawl in crawls]
    site = mirror.site()
    records = [r for n in (1, 2) if (tmp_path / f"w{n}.jsonl").exists() for r in read_jsonl(tmp_path / f"w{n}.jsonl")]
    ids = Counter(r["id"] for r in records)
    assert len(ids) == len(site["articles"]) and set(ids.values()) == {1}, ids
    pages = len(site["articles"]) + len(site["quarantined"])
    for log, n in zip(logs, (1, 2)):
        exported = len(read_jsonl(tmp_path / f"w{n}.jsonl")) if (tmp_path / f"w{n}.jsonl").exists() else 0
        bad = len(site["quarantined"])
        assert (f"{OUTLET}: {pages} article pages -> {exported} exported, {bad} quarantined, "
                f"{pages - exported - bad} duplicates") in log
        assert "ERROR" not in log, log[-3000:]


def test_a_worker_killed_halfway_loses_nothing_and_exports_nothing_twice(tmp_path, redis_server, postgres_url):
    # A shared pace of one request per 0.4 s: the crawl lasts long enough to kill a worker halfway.
    shared = [f"CRAWL_QUEUE={redis_server.url}", f"DEDUP_STORE={postgres_url}", "CRAWL_QUEUE_LEASE=2",
              "DOWNLOAD_DELAY=0.4"]
    client = connect(redis_server.url)
    with Mirror(SITES / OUTLET) as mirror:
        # The victim gets its first article page and waits for its second: killed halfway, it surely holds a
        # request it has not finished, whatever the pace of the machine.
        articles, victims = set(article_paths(mirror)), []

        def victims_second_article(path, agent):
            if "victim" in agent and path in articles:
                victims.append(path)
                return len(victims) == 2
            return False

        hold = Hold(victims_second_article).install(mirror)
        victim_feed = tmp_path / "w1.jsonl"
        victim = worker(mirror, victim_feed, *shared, "CRAWL_QUEUE_WORKER=victim", "USER_AGENT=tests victim")
        assert hold.holding.wait(timeout=120), victim.stderr.read()[-3000:] if victim.poll() is not None else ""
        survivor = worker(mirror, tmp_path / "w2.jsonl", *shared)
        # Halfway: the other worker is fetching articles too.
        deadline = time.monotonic() + 120
        while sum(Counter(mirror.requested)[p] for p in articles) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert any(lease.startswith(b"victim:") for lease in client.hkeys(f"conflict-feeds:{OUTLET}:leases"))
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        hold.release.set()
        # A new worker takes the killed one's place (on its machine: same feed, so its journal is read).
        replacement = worker(mirror, victim_feed, *shared)
        logs = [finish(survivor), finish(replacement)]
    site = mirror.site()
    records = [r for n in (1, 2) if (tmp_path / f"w{n}.jsonl").exists() for r in read_jsonl(tmp_path / f"w{n}.jsonl")]
    ids = Counter(r["id"] for r in records)
    assert len(ids) == len(site["articles"]) and set(ids.values()) == {1}, ids
    t = totals(client, OUTLET)
    pages = len(article_paths(mirror))
    assert t["articles"] == pages and t["owed"] == 0 and t["queued"] == 0, t
    assert t["requeued"] >= 1  # the killed worker held requests: they came back and were fetched
    assert t["exported"] + t["quarantined"] + t["duplicates"] == pages
    assert t["exported"] <= len(site["articles"])  # a page exported just before the kill comes back a duplicate
    assert all("owed" in log for log in logs)


STORY = {"presstv": "/Detail/2013/07/13/313519/Syria-militants-al-Qaeda-linked-group-clash-in-Aleppo",
         "crowdstack": "/topic/in-fightings-brings-a-smile-to-assad"}  # the original and the forum's repost


class Hold:
    """Which requests a mirror holds (``holds(path, user_agent)``) until ``release`` is set; ``holding`` is set
    once it holds one."""

    def __init__(self, holds) -> None:
        self.holds = holds
        self.release, self.holding = threading.Event(), threading.Event()
        self.lock = threading.Lock()

    def install(self, mirror: Mirror) -> Hold:
        mirror.server.RequestHandlerClass = partial(HeldMirrorHandler, root=mirror.root, requested=mirror.requested,
                                                    hold=self)
        return self


class HeldMirrorHandler(MirrorHandler):
    def __init__(self, *args, hold: Hold, **kwargs) -> None:
        self.hold = hold
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        with self.hold.lock:
            held = self.hold.holds(urlsplit(self.path).path, self.headers.get("User-Agent", ""))
        if held:
            self.hold.holding.set()
            self.hold.release.wait(timeout=200)
        try:
            super().do_GET()
        except OSError:  # the crawler that asked was killed meanwhile
            pass


def hold_all_but_the_story(mirror: Mirror, name: str) -> threading.Event:
    """The crawl stores the story and is still running (its other article pages held) until the event is set."""
    others = set(article_paths(mirror)) - {STORY[name]}
    return Hold(lambda path, agent: path in others).install(mirror).release


def outlet_crawl(name: str, mirror: Mirror, feed: Path, store: str, *settings: str) -> subprocess.Popen:
    args = ["crawl", name, "-a", "start_url=" + ",".join(mirror.start_urls()), "-o", str(feed), *FAST,
            "-s", f"DEDUP_STORE={store}", *[arg for setting in settings for arg in ("-s", setting)]]
    return subprocess.Popen([sys.executable, "-m", "scrapy", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def wait_for_line(feed: Path, text: str, crawl: subprocess.Popen) -> None:
    deadline = time.monotonic() + 200
    while not (feed.exists() and text in feed.read_text(encoding="utf-8")):
        assert crawl.poll() is None, crawl.stderr.read()[-3000:]
        assert time.monotonic() < deadline, f"{feed} has no line with {text!r} after 200 s"
        time.sleep(0.05)


@pytest.mark.parametrize("first", ["crowdstack", "presstv", "crowdstack, closed before", "neither"])
def test_two_outlets_carrying_one_story_in_parallel_share_postgres_one_cluster(tmp_path, postgres_url, first):
    """One cluster, the repost marked as the copy of the Press TV original, whichever crawl stores its story
    first: the forum crawl (still running when the original is stored: it amends its feed at its end; or
    closed by then: its next run amends it) or the Press TV crawl (the repost is right the first time); or
    both started together, whatever the race gives, once `scrapy amend` has amended a feed whose crawl ended
    before the original was stored."""
    feeds = {name: tmp_path / f"{name}.jsonl" for name in STORY}
    logs = {}
    with Mirror(SITES / "presstv") as presstv, Mirror(SITES / "crowdstack") as forum:
        mirrors = {"presstv": presstv, "crowdstack": forum}
        if first == "neither":
            crawls = {name: outlet_crawl(name, mirrors[name], feeds[name], postgres_url) for name in STORY}
            logs = {name: finish(crawl) for name, crawl in crawls.items()}
            amended = run_scrapy("amend", *map(str, feeds.values()), "-s", f"DEDUP_STORE={postgres_url}")
            assert amended.returncode == 0, amended.stderr
        else:
            leader = first.split(",")[0]
            follower = next(name for name in STORY if name != leader)
            closed_before = first.endswith("closed before")
            release = hold_all_but_the_story(mirrors[leader], leader)
            if closed_before:
                release.set()
            # The held pages wait for the other crawl: room for them and the story, and no timeout meanwhile.
            patient = ("CONCURRENT_REQUESTS_PER_DOMAIN=16", "DOWNLOAD_TIMEOUT=200")
            lead = outlet_crawl(leader, mirrors[leader], feeds[leader], postgres_url, *patient)
            wait_for_line(feeds[leader], "Kamal Hamami", lead)
            if closed_before:
                logs[leader] = finish(lead)
            logs[follower] = finish(outlet_crawl(follower, mirrors[follower], feeds[follower], postgres_url))
            assert lead.poll() is None or closed_before  # the crawls ran in parallel
            release.set()
            logs[leader] = logs.get(leader) or finish(lead)
            if closed_before:
                assert "presstv: other feeds still owe 1 amending line" in logs[follower]
                # The forum's next crawl (the daily one, appending) amends its feed when it opens.
                logs["again"] = finish(outlet_crawl(leader, forum, feeds[leader], postgres_url))
                assert f"crowdstack: 1 amending line appended to {feeds[leader]}" in logs["again"]
            elif leader == "crowdstack":  # the forum crawl amended its feed at its end
                assert f"crowdstack: 1 amending line appended to {feeds[leader]}" in logs[leader]
    originals, reposts = read_jsonl(feeds["presstv"]), read_jsonl(feeds["crowdstack"])
    original = next(r for r in originals if r["title"].startswith("Syria militants, al-Qaeda-linked group clash"))
    repost_lines = [r for r in reposts if "Kamal Hamami" in r["body"]]
    # Read as the README says: per id, the highest revision and of its lines the last.
    repost = repost_lines[-1]
    assert repost["cluster"] == original["cluster"]
    assert original["duplicate_of"] is None and repost["duplicate_of"] == original["id"]
    # Exported once; a repost stored before the original has one amending line, the same record but for it.
    assert len({r["id"] for r in repost_lines}) == 1
    if first == "presstv" or (first == "neither" and repost_lines[0]["duplicate_of"] is not None):
        assert len(repost_lines) == 1
    else:
        assert repost_lines == [repost | {"duplicate_of": None}, repost]
    assert run_scrapy("amend", "-s", f"DEDUP_STORE={postgres_url}").stdout.startswith("0 records owe")
    others = [r for r in originals + reposts if r["id"] not in (original["id"], repost["id"])]
    assert len({r["cluster"] for r in others}) == len(others)
    assert all(r["duplicate_of"] is None for r in others)
    assert len(originals) == len(mirrors["presstv"].site()["articles"])
    assert len(reposts) == len(forum.site()["articles"]) + len(repost_lines) - 1


def test_postgres_stopped_mid_crawl_stops_it_clearly_and_a_new_crawl_goes_on(tmp_path):
    server = Postgres()
    server.start()
    feed = tmp_path / "feed.jsonl"
    try:
        with Mirror(SITES / OUTLET) as mirror:
            crawl = worker(mirror, feed, f"DEDUP_STORE={server.url}", "DOWNLOAD_DELAY=0.3")
            deadline = time.monotonic() + 120
            while not (feed.exists() and feed.read_text().count("\n") >= 1) and time.monotonic() < deadline:
                time.sleep(0.05)
            server.stop("immediate")
            _, log = crawl.communicate(timeout=240)
            assert crawl.returncode == 1, log[-3000:]  # stopped: a clear error and a non-zero exit
            assert "Stopping: the deduplication store postgresql://postgres@127.0.0.1" in log
            exported = read_jsonl(feed)
            assert 1 <= len(exported) < len(mirror.site()["articles"])
            server.start()
            finish(worker(mirror, feed, f"DEDUP_STORE={server.url}"))
        records = read_jsonl(feed)
        ids = Counter(r["id"] for r in records)
        assert len(ids) == len(mirror.site()["articles"]) and set(ids.values()) == {1}, ids
        # Everything the first crawl reported as exported is in the store.
        from plugins.dedup import open_store

        store = open_store(server.url)
        assert all(store.check(dict(r)) is not None for r in exported)
        store.close()
    finally:
        server.close()


def take_turns(url: str, site: str, times: int, hold: float, delay_ms: int, concurrency: int, log: list, lock):
    """A worker sending ``times`` requests to ``site``, each taking ``hold`` seconds."""
    turns = SiteTurns(connect(url), delay_ms=delay_ms, concurrency=concurrency, slot_ms=30_000)
    for n in range(times):
        slot = f"{threading.get_ident()}-{n}"
        while wait := turns.take(site, slot):
            time.sleep(wait / 1000)
        with lock:
            log.append(("start", time.monotonic()))
        time.sleep(hold)
        with lock:
            log.append(("end", time.monotonic()))
        turns.release(site, slot)


def run_workers(url, **options):
    log, lock = [], threading.Lock()
    threads = [threading.Thread(target=take_turns, args=(url, "site.example", 5), kwargs=options | {"log": log,
               "lock": lock}) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return log


def test_workers_keep_a_sites_delay_and_concurrency_together(redis_server):
    # Three workers, 0.1 s delay: fifteen requests one after the other, 0.1 s apart at least.
    log = run_workers(redis_server.url, hold=0.0, delay_ms=100, concurrency=2)
    starts = sorted(moment for kind, moment in log if kind == "start")
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert len(starts) == 15 and sum(gaps) >= 0.095 * 14 and min(gaps) >= 0.05, gaps
    # No delay, slow responses: never more than two requests to the site in flight, from all workers.
    log = run_workers(redis_server.url, hold=0.15, delay_ms=0, concurrency=2)
    in_flight, most = 0, 0
    for kind, _ in sorted(log, key=lambda entry: (entry[1], entry[0] == "start")):
        in_flight += 1 if kind == "start" else -1
        most = max(most, in_flight)
    assert most == 2


def test_a_dead_workers_requests_are_owed_until_another_worker_takes_them_back(redis_server):
    client = connect(redis_server.url)
    keys = Keys("example")
    take = client.register_script(TAKE)
    lease_keys = [keys.queue, keys.leases, keys.deadlines, keys.counts, keys.sequence]
    client.hincrby(keys.counts, "articles", 1)
    client.rpush(keys.queue, b"an article request")
    assert take(keys=lease_keys, args=[60_000, "alive"])[1] == b"an article request"
    assert (totals(client, "example")["leased"], totals(client, "example")["owed"]) == (1, 1)
    client.zadd(keys.deadlines, {client.hkeys(keys.leases)[0]: 0}, xx=True)  # its worker stopped renewing it
    t = totals(client, "example")
    assert (t["leased"], t["dead"], t["owed"]) == (0, 1, 1)
    assert "1 owed (0 requests queued, 0 leased by running workers, 1 by workers that stopped" in totals_line(
        "example", t)
    # The next worker to take a request puts it back first, and takes it.
    lease, request = take(keys=lease_keys, args=[60_000, "new"])
    assert request == b"an article request" and lease.startswith(b"new:")
    t = totals(client, "example")
    assert (t["leased"], t["dead"], t["requeued"], t["queued"]) == (1, 0, 1, 0)
