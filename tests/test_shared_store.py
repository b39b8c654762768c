"""The deduplication store shared by several crawls: SQLite on one machine, PostgreSQL across machines.

PostgreSQL is a real server started for these tests (tests/servers.py); the tests skip only where it cannot
be started.
"""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest
from scrapy.settings import Settings

import plugins.dedup as dedup
from plugins.chain import Chain
from plugins.dedup import CLAIMED, SEEN, PostgresStore, SQLiteStore, open_store
from plugins.hookspecs import hookimpl
from plugins.manager import DEFAULT_PLUGINS
from plugins.model import StoreUnavailable
from tests.conftest import run_scrapy
from tests.servers import Postgres, postgres, postgres_url  # noqa: F401 (fixtures)
from tests.test_dedup import COPIES, FORUM_URL, ORIGINAL, PAGES, BodyExtractor, export, make_record

EARLIER = "2013-07-12T09:00:00+00:00"


def decisions(store) -> list:
    """What a store answers to the same sequence of records: new, seen, revision, copies, an earlier copy."""
    out = []
    records = [
        make_record(**ORIGINAL),
        make_record(**ORIGINAL),
        make_record(**ORIGINAL | {"body": ORIGINAL["body"].replace("June 5", "June 6")}),
        make_record(FORUM_URL, COPIES["forum repost, furniture and all"]),
        make_record("https://other.example/a", COPIES["a sentence added"]),
        make_record("https://other.example/b", COPIES["two sentences reworded"], published=EARLIER),
        make_record("https://other.example/c", "Something else entirely: a report of a flood in Latakia."),
    ]
    for record in records:
        reason = export(store, record)
        out.append((reason, record["id"], record["revision"], record["cluster"], record["duplicate_of"]))
    return out


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "state.sqlite")
    return request.getfixturevalue("postgres_url")


def test_postgres_keeps_and_decides_exactly_what_sqlite_does(tmp_path, postgres_url):
    sqlite_store, pg_store = SQLiteStore(tmp_path / "s.sqlite"), open_store(postgres_url)
    assert isinstance(pg_store, PostgresStore)
    expected = decisions(sqlite_store)
    assert decisions(pg_store) == expected
    assert [reason for reason, *_ in expected] == [None, SEEN, None, None, None, None, None]
    # The earlier-published copy became the cluster's earliest member: later copies point at it.
    assert expected[5][4] is None and expected[3][3] == expected[0][3]
    for table in ("articles", "revisions", "clusters", "lsh"):
        count = f"SELECT count(*) FROM {table}"
        assert pg_store.execute(count).fetchone()[0] == sqlite_store.execute(count).fetchone()[0] > 0
    sqlite_store.close()
    pg_store.close()


def claim_at_once(location, record, start, results):
    """A crawl process: opens the store with the others, checks its record, and claims it at the same moment."""
    start.wait()
    store = open_store(location)
    store.check(record)
    start.wait()
    with store.claim(record) as claimed:
        results.put((record["id"], claimed, record["cluster"]))
    store.close()


def race(location, records_per_process):
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(len(records_per_process)), context.Queue()
    processes = [context.Process(target=claim_at_once, args=(location, record, start, results))
                 for record in records_per_process]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0] * len(processes)
    return [results.get(timeout=10) for _ in processes]


def test_crawls_that_meet_one_story_at_the_same_moment_export_it_once(location):
    """Six crawls open a new store together, meet the Press TV original (three of them) or its forum
    repost (the other three) and claim it at the same moment: one export of each, in one cluster."""
    original = make_record(**ORIGINAL)
    repost = make_record(FORUM_URL, COPIES["forum repost, furniture and all"])
    outcomes = race(location, [original, repost] * 3)
    claimed = [(record_id, cluster) for record_id, ok, cluster in outcomes if ok]
    assert sorted(record_id for record_id, _ in claimed) == sorted([original["id"], repost["id"]])
    assert len({cluster for _, cluster in claimed}) == 1
    store = open_store(location)
    assert store.execute("SELECT count(*) FROM revisions").fetchone() == (2,)
    assert store.check(make_record(**ORIGINAL)) == SEEN
    store.close()


def test_a_stopped_postgres_is_a_clear_error_and_the_store_goes_on_when_it_is_back():
    server = Postgres()
    server.start()
    try:
        store = open_store(server.url)
        export(store, make_record(**ORIGINAL))
        server.stop("immediate")
        with pytest.raises(StoreUnavailable, match=r"deduplication store postgresql://postgres@127\.0\.0\.1:\d+/"):
            store.check(make_record(FORUM_URL, COPIES["forum repost, cleaned"]))
        with pytest.raises(StoreUnavailable):
            open_store(server.url)
        server.start()
        again = open_store(server.url)
        assert again.check(make_record(**ORIGINAL)) == SEEN
        again.close()
    finally:
        server.close()


def test_a_locked_sqlite_store_is_a_clear_error(tmp_path, monkeypatch):
    path = tmp_path / "s.sqlite"
    SQLiteStore(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(dedup, "BUSY_TIMEOUT_S", 0.1)  # wait a tenth of a second instead of a minute
    try:
        with pytest.raises(StoreUnavailable, match="database is locked"):
            SQLiteStore(path)
    finally:
        holder.execute("ROLLBACK")


def test_migrate_moves_a_sqlite_store_into_postgres_and_crawls_go_on_from_there(tmp_path, postgres_url):
    path = tmp_path / "state.sqlite"
    sqlite_store = SQLiteStore(path)
    original = make_record(**ORIGINAL)
    export(sqlite_store, original)
    export(sqlite_store, make_record(**ORIGINAL | {"body": ORIGINAL["body"].replace("June 5", "June 6")}))
    sqlite_store.close()
    result = run_scrapy("migrate", str(path), postgres_url)
    assert result.returncode == 0, result.stderr
    assert "1 articles, 2 revisions, 1 clusters" in result.stdout
    pg_store = open_store(postgres_url)
    assert pg_store.check(make_record(**ORIGINAL)) == SEEN
    repost = make_record(FORUM_URL, COPIES["forum repost, cleaned"])
    assert export(pg_store, repost) is None  # new rows get keys past the copied ones
    assert (repost["cluster"], repost["duplicate_of"]) == (original["id"], original["id"])
    pg_store.close()
    # A store that already holds articles is never written over.
    again = run_scrapy("migrate", str(path), postgres_url)
    assert again.returncode == 1 and "already holds articles" in again.stderr


class Interloper:
    """Between this chain's check and its export, another crawl sharing the store exports the same page."""

    def __init__(self, other, page):
        self.other, self.page, self.outcome = other, page, None

    @hookimpl
    def validate_article(self, article, chain):
        if self.outcome is None:
            self.outcome = self.other.process(self.page)
        return []


def test_a_record_another_crawl_exported_since_the_check_counts_as_a_duplicate_not_an_export(location):
    settings = {"PLUGINS_DISABLED": [name for name in DEFAULT_PLUGINS if name != "plugins.dedup"],
                "DEDUP_STORE": location}
    chains = [Chain(Settings(settings)) for _ in range(2)]
    for chain in chains:
        chain.pm.register(BodyExtractor())
        chain.open()
    late, early = chains
    interloper = Interloper(early, PAGES[0])
    late.pm.register(interloper)
    outcome = late.process(PAGES[0])
    assert interloper.outcome.status == "exported"
    assert (outcome.status, outcome.reasons) == ("duplicate", [CLAIMED])
    assert late.stats.get_value("articles/duplicates") == 1 and not late.stats.get_value("articles/exported")
    for chain in chains:
        chain.close()
