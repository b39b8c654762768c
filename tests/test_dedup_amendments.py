"""A copy exported before its original: the store remembers the late decision, and the feed holding the copy
gets an amending line (crawler/amendments.py). Read with the README's rule (per id, the highest revision and
of its lines the last), a feed says the same whatever order the copies and the original came in."""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import permutations

import pytest

from crawler.amendments import amend_feed
from plugins.dedup import SQLiteStore, open_store
from tests.servers import postgres, postgres_url  # noqa: F401 (fixtures)
from tests.test_dedup import COPIES, FORUM_URL, ORIGINAL, ROOT, export, make_record

REPOST = dict(url=FORUM_URL, body=COPIES["forum repost, furniture and all"], published="2013-07-14T09:00:00Z")
MIRROR = dict(url="https://mirror.example.net/a", body=COPIES["a sentence added"], published="2013-07-20")


def write(feed, *records):
    with feed.open("a", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def lines(feed):
    return [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]


def as_read(*feeds):
    """Each id's record as the README says to read feeds: the highest revision, and of its lines the last."""
    latest = {}
    for feed in feeds:
        for record in lines(feed):
            if record["id"] not in latest or record["revision"] >= latest[record["id"]]["revision"]:
                latest[record["id"]] = record
    return latest


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "state.sqlite")
    return request.getfixturevalue("postgres_url")


@pytest.mark.parametrize("order", list(permutations(["original", "repost", "mirror"])), ids="-then-".join)
def test_any_export_order_reads_as_one_cluster_with_both_copies_naming_the_original(tmp_path, order):
    """Each record goes to its own feed (its outlet's); the feeds are amended after all three exports."""
    store = SQLiteStore(tmp_path / "state.sqlite")
    made = {"original": ORIGINAL, "repost": REPOST, "mirror": MIRROR}
    feeds = {}
    for name in order:
        record = make_record(**made[name])
        assert export(store, record) is None
        feeds[name] = tmp_path / f"{name}.jsonl"
        write(feeds[name], record)
    for feed in feeds.values():
        amend_feed(feed, store)
    assert store.amendments() == []
    read = as_read(*feeds.values())
    original, repost, mirror = (make_record(**made[name])["id"] for name in ("original", "repost", "mirror"))
    assert len({record["cluster"] for record in read.values()}) == 1
    assert (read[original]["duplicate_of"], read[repost]["duplicate_of"], read[mirror]["duplicate_of"]) == (
        None, original, original)
    # A line is added only to a record whose line said otherwise; nothing else changes in it.
    for name, feed in feeds.items():
        written = lines(feed)
        assert len(written) == 1 + (name != "original" and order.index(name) < order.index("original"))
        if len(written) == 2:
            assert written[1] == written[0] | {"duplicate_of": original}


def test_the_store_remembers_what_a_copy_owes_until_its_feed_holds_it(tmp_path, location):
    store = open_store(location)
    repost, original = make_record(**REPOST), make_record(**ORIGINAL)
    export(store, repost)
    assert store.amendments() == []
    export(store, original)
    (owed,) = store.amendments()
    assert (owed.id, owed.duplicate_of, owed.revision, owed.canonical_url) == (
        repost["id"], original["id"], 1, repost["canonical_url"])
    # A feed without the copy amends nothing and leaves it owed.
    other = tmp_path / "other.jsonl"
    write(other, original)
    done = amend_feed(other, store)
    assert (done.appended, done.settled, done.owed_elsewhere) == (0, 0, 1)
    assert lines(other) == [original]
    forum = tmp_path / "forum.jsonl"
    write(forum, repost)
    done = amend_feed(forum, store)
    assert (done.appended, done.settled, done.owed_elsewhere) == (1, 1, 0)
    assert store.amendments() == []
    assert amend_feed(forum, store).appended == 0  # amending again writes nothing
    assert len(lines(forum)) == 2
    store.close()


def test_a_run_killed_between_appending_and_settling_appends_nothing_twice(tmp_path):
    store = SQLiteStore(tmp_path / "state.sqlite")
    repost, original = make_record(**REPOST), make_record(**ORIGINAL)
    export(store, repost)
    export(store, original)
    forum = tmp_path / "forum.jsonl"
    write(forum, repost)
    # What a kill after the append leaves: the amending line in the feed, the amendment still owed.
    write(forum, repost | {"duplicate_of": original["id"]})
    assert len(store.amendments()) == 1
    done = amend_feed(forum, store)
    assert (done.appended, done.settled) == (0, 1) and len(lines(forum)) == 2
    assert store.amendments() == []
    store.close()


def test_an_unfinished_last_line_is_cut_off_before_the_amending_line(tmp_path):
    store = SQLiteStore(tmp_path / "state.sqlite")
    repost, original = make_record(**REPOST), make_record(**ORIGINAL)
    export(store, repost)
    export(store, original)
    forum = tmp_path / "forum.jsonl"
    write(forum, repost)
    with forum.open("a", encoding="utf-8") as handle:
        handle.write('{"schema_version": 2, "id": "0123')  # a killed writer's half line
    assert amend_feed(forum, store).appended == 1
    assert [record["duplicate_of"] for record in lines(forum)] == [None, original["id"]]
    store.close()


def test_a_later_revision_of_the_copy_settles_what_its_older_line_owed(tmp_path):
    store = SQLiteStore(tmp_path / "state.sqlite")
    repost, original = make_record(**REPOST), make_record(**ORIGINAL)
    export(store, repost)
    export(store, original)
    edited = make_record(**REPOST | {"body": REPOST["body"] + "\n\nEdited: a link to the original added."})
    export(store, edited)
    assert (edited["revision"], edited["duplicate_of"]) == (2, original["id"])
    assert store.amendments() == []
    store.close()


def test_scrapy_amend_appends_what_a_closed_feed_owes_and_says_what_others_owe(tmp_path):
    location = tmp_path / "state.sqlite"
    store = SQLiteStore(location)
    repost, mirror, original = make_record(**REPOST), make_record(**MIRROR), make_record(**ORIGINAL)
    export(store, repost)
    export(store, mirror)
    export(store, original)  # published before both: the other two owe an amendment naming it
    store.close()
    forum = tmp_path / "forum.jsonl"
    write(forum, repost)

    def amend(*args):
        return subprocess.run([sys.executable, "-m", "scrapy", "amend", *args, "-s", f"DEDUP_STORE={location}"],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)

    listed = amend()
    assert listed.returncode == 0, listed.stderr
    assert f"2 records owe an amending line in {location}" in listed.stdout
    assert mirror["canonical_url"] in listed.stdout and repost["canonical_url"] in listed.stdout
    done = amend(str(forum))
    assert done.returncode == 0, done.stderr
    assert f"{forum}: 1 amending line appended" in done.stdout
    assert "1 record owes an amending line in another feed" in done.stdout
    assert lines(forum)[-1] == repost | {"duplicate_of": original["id"]}
    # A feed a run is writing (or a killed run left) is not touched: that run's next start amends it.
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "other.jsonl.running").touch()
    write(tmp_path / "other.jsonl", original)
    refused = amend(str(tmp_path / "other.jsonl"))
    assert refused.returncode == 1 and "a crawl is writing it" in refused.stderr
    assert len(lines(tmp_path / "other.jsonl")) == 1


def test_the_analysis_tables_read_an_amended_feed_as_one_row_per_revision(tmp_path):
    from crawler.analysis import build_tables, read_feeds

    store = SQLiteStore(tmp_path / "state.sqlite")
    repost, original = make_record(**REPOST), make_record(**ORIGINAL)
    export(store, repost)
    export(store, original)
    forum = tmp_path / "forum.jsonl"
    write(forum, repost)
    amend_feed(forum, store)
    store.close()
    (row,) = build_tables(read_feeds([forum]))["articles"]
    assert (row["id"], row["revision"], row["latest"], row["duplicate_of"], row["line"]) == (
        repost["id"], 1, True, original["id"], 2)
