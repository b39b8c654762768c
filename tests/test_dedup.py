import logging
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings

from plugins.chain import Chain
from plugins.dedup import SEEN, SQLiteStore, published_before
from plugins.hookspecs import hookimpl
from plugins.manager import DEFAULT_PLUGINS
from plugins.model import Draft, Page
from plugins.urls import article_id, canonical_url

ROOT = Path(__file__).resolve().parent.parent

PRESSTV_URL = "https://www.presstv.ir/Detail/2013/07/13/313573/syria-militants-alqaeda-clash-in-aleppo"
PRESSTV_TITLE = "Syria militants, al-Qaeda-linked group clash in Aleppo"
# The Press TV article of seed 000, without the forum's furniture.
PRESSTV_PARAGRAPHS = [
    "Foreign-backed militants in Syria have clashed with an al-Qaeda-linked group in the northern Syrian "
    "city of Aleppo, as the infighting grows among the armed groups in the Arab country.",
    "The infighting took place on Saturday, as militants of al-Qaeda offshoot engaged in a battle with "
    "members of the so-called Free Syrian Army in the city.",
    "The battle erupted over the control of a key checkpoint earlier used by al-Qaeda militants to lay a "
    "siege on Bustan al-Qasr District.",
    "The Qaeda militants seized the checkpoint last week and closed it for several days, preventing "
    "supplies from entering the city. The blockade angered local people and sparked demonstrations against "
    "the foreign-backed militants.",
    "Similar infighting also occurred between the two groups near Bab al-Hawa crossing on the Turkish border.",
    "There are no reports on casualties from the clashes.",
    "On Thursday, al-Qaeda militants killed a senior commander of the so-called Free Syrian Army, Kamal "
    "Hamami also known by his nom de guerre, Abu Bassel al-Ladkani, following a meeting with him to discuss "
    "battle plans in the Syrian port city of Latakia.",
    "Over the past months, rivalries and infighting have been on the rise among highly-divided militants "
    "operating inside Syria.",
    "On June 5, dozens of militants were killed and wounded as violent infighting broke out between several "
    "Takfiri groups in Syria\u2019s northwestern province of Idlib, according to locals.",
    "Foreign-sponsored militancy in Syria has taken its toll on the lives of many people, including large "
    "numbers of Syrian soldiers and security personnel, since March 2011.",
    "Western powers and their regional allies including the Israeli regime, Turkey, Saudi Arabia and Qatar "
    "are partners in supporting anti-Syria militant groups, including al-Qaeda-linked terrorists, to "
    "destabilize Syria and overthrow the government of President Bashar al-Assad.",
]
PRESSTV_BODY = "\n\n".join(PRESSTV_PARAGRAPHS)
CAPTION = "File photo shows Syria foreign-backed militants in the northwestern province of Idlib."
# Seed 000 as a naive scraper got it from the forum: the same article inside the forum's furniture.
FORUM_URL = "https://forum.example.org/topic/91834-syria-militants-al-qaeda-linked-group-clash-in-aleppo/"
FORUM_TEXT = "\n\n".join(
    ["Skip to main content", "FM", "Former Member", PRESSTV_TITLE, CAPTION, CAPTION, PRESSTV_BODY, "Add Reply"]
    + ["\u00d7"] * 5
    + ["Link copied to your clipboard.", "\u00d7", "\u00d7"]
)


def edited(replacements=None, inserted=None):
    """The Press TV body with paragraphs replaced ({index: text}) and inserted ({before index: text})."""
    paragraphs = list(PRESSTV_PARAGRAPHS)
    for index, text in (replacements or {}).items():
        paragraphs[index] = text
    for index, text in sorted((inserted or {}).items(), reverse=True):
        paragraphs.insert(index, text)
    return "\n\n".join(paragraphs)


COPIES = {
    "forum repost, furniture and all": FORUM_TEXT,
    "forum repost, cleaned": PRESSTV_BODY,
    "a sentence added": edited(inserted={6: "Activists said at least five fighters from both sides were wounded "
                                            "and taken to a field hospital near the Turkish border."}),
    "two sentences reworded": edited({
        2: "The fighting broke out over who would control an important checkpoint that al-Qaeda fighters had "
           "earlier used to besiege the Bustan al-Qasr neighbourhood.",
        5: "No casualties have been reported so far.",
    }),
    "three sentences reworded, one added": edited(
        {
            2: "The fighting broke out over who would control an important checkpoint that al-Qaeda fighters "
               "had earlier used to besiege the Bustan al-Qasr neighbourhood.",
            5: "No casualties have been reported so far.",
            7: "In recent months rivalry and clashes have grown among the deeply divided militant groups "
               "fighting inside Syria.",
        },
        inserted={1: "Witnesses said gunfire could be heard across the eastern districts until the evening."},
    ),
    "last paragraph cut, furniture lines added": "\n\n".join(
        ["Share this article", *PRESSTV_PARAGRAPHS[:-1], "Read more: Syrian army retakes Homs district",
         "Follow us on Twitter @PressTV"]
    ),
}

# Independent reports of the same clashes (same names, places and dates, their own wording): written for
# these tests in the styles of a wire agency and of a monitor-based report.
WIRE_REPORT = """Rebels from the Free Syrian Army and fighters of an al-Qaeda affiliate fought in Aleppo on Saturday over a checkpoint on the edge of the Bustan al-Qasr district, opposition activists said.

The jihadists had closed the crossing last week, cutting food deliveries to the rebel-held east of the city and prompting residents to take to the streets in protest.

Activists also reported fighting between the two sides near the Bab al-Hawa border crossing with Turkey. There was no word on casualties.

The clashes come two days after gunmen from the Islamic State of Iraq and the Levant killed Kamal Hamami, a commander on the Free Syrian Army's Supreme Military Council better known as Abu Bassel al-Ladkani, in Latakia province.

Rebel officials have called the killing a declaration of war and warned that the foreign jihadists were turning their guns on the uprising instead of on the government of Bashar al-Assad.

Tension between mainstream rebels and hardline Islamists has grown for months across northern Syria, where both control territory captured from government forces since the revolt began in March 2011."""
MONITOR_REPORT = """Fighting broke out on Saturday in Aleppo between the so-called Free Syrian Army and militants linked to al-Qaeda, a monitoring group said, as rivalry among the armed groups turned violent again.

The Syrian Observatory for Human Rights said the two sides exchanged fire around a checkpoint next to Bustan al-Qasr, which the al-Qaeda fighters had used to block the passage of goods into the city for several days.

Local people had demonstrated against the blockade during the week.

Skirmishes between the groups were also reported close to Bab al-Hawa on the Turkish border.

On Thursday Abu Bassel al-Ladkani, whose real name was Kamal Hamami, was shot dead in the port province of Latakia after meeting al-Qaeda-linked commanders to plan operations, according to opposition sources.

The Observatory could not say whether anyone was killed in Saturday's clashes."""
# Another event, for variety (seed 002, Al-Alam, first paragraphs).
ALALAM_REPORT = """Raging clashes between Takfiri terrorists in Idlib are raising fears of widespread violence in the northwestern Syrian province which is held by foreign-backed militants.

The fighting between Ahrar al-Sham which is backed by Saudi Arabia,Qatar and Turkey and al-Qaeda-linked Hay'at Tahrir al-Sham is the the first major escalation of infighting among Takfiri  groups since they reached a truce in February."""


def make_record(url, body, title=PRESSTV_TITLE, published=None, fetched_at="2024-05-01T10:00:00+00:00"):
    """A record shaped like schemas/article.schema.json, as the chain builds it before deduplication."""
    canonical = canonical_url(url)
    record_id = article_id(canonical)
    return {
        "schema_version": 2, "id": record_id, "url": url, "canonical_url": canonical, "outlet": "unknown",
        "title": title, "published": published, "authors": [], "tags": [], "body": body, "images": [],
        "groups": [], "clashes": [], "fetched_at": fetched_at, "revision": 1, "cluster": record_id,
        "duplicate_of": None, "provenance": None,
    }


@pytest.fixture
def store(tmp_path):
    opened = SQLiteStore(tmp_path / "state.sqlite")
    yield opened
    opened.close()


def export(store, record):
    """What the chain does with a record: check it, and record it when it is new."""
    reason = store.check(record)
    if reason is None:
        store.record(record)
    return reason


ORIGINAL = dict(url=PRESSTV_URL, body=PRESSTV_BODY, published="2013-07-13T18:04:00+04:30")


# -- exact duplicates and revisions -----------------------------------------------------------------


def test_a_new_article_is_its_own_cluster(store):
    record = make_record(**ORIGINAL)
    assert store.check(record) is None
    assert (record["revision"], record["cluster"], record["duplicate_of"]) == (1, record["id"], None)


def test_check_records_nothing(store):
    assert store.check(make_record(**ORIGINAL)) is None
    assert store.check(make_record(**ORIGINAL)) is None
    assert store.conn.execute("SELECT count(*) FROM revisions").fetchone() == (0,)


def test_same_url_and_content_is_seen_once_recorded(store):
    assert export(store, make_record(**ORIGINAL)) is None
    assert store.check(make_record(**ORIGINAL)) == SEEN


def test_content_ignores_fetch_time_and_whitespace(store):
    export(store, make_record(**ORIGINAL))
    refetched = make_record(**ORIGINAL | {"body": PRESSTV_BODY.replace(". ", ".  ").replace("\n\n", "\n \n")})
    refetched["fetched_at"] = "2025-01-02T03:04:05+00:00"
    assert store.check(refetched) == SEEN


def test_a_tracking_parameter_url_of_a_known_page_is_seen(store):
    export(store, make_record(**ORIGINAL))
    tracked = PRESSTV_URL.replace("https://www.", "HTTPS://WWW.") + "/?utm_source=twitter&fbclid=IwAR0#top"
    assert store.check(make_record(**ORIGINAL | {"url": tracked})) == SEEN


def test_changed_content_is_the_next_revision_and_every_revision_is_kept(store):
    first = make_record(**ORIGINAL)
    export(store, first)
    corrected = make_record(**ORIGINAL | {"body": PRESSTV_BODY.replace("June 5", "June 6")})
    assert export(store, corrected) is None
    assert (corrected["id"], corrected["revision"], corrected["cluster"]) == (first["id"], 2, first["cluster"])
    retitled = make_record(**ORIGINAL, title="Militants clash with al-Qaeda group in Aleppo")
    assert export(store, retitled) is None and retitled["revision"] == 3
    # Every version seen before stays seen: a page flipping between versions is not re-exported.
    for version in (first, corrected, retitled):
        assert store.check(make_record(**ORIGINAL | {"body": version["body"]}, title=version["title"])) == SEEN
    rows = store.conn.execute("SELECT revision, content_hash FROM revisions WHERE id = ? ORDER BY revision",
                              (first["id"],)).fetchall()
    assert [revision for revision, _ in rows] == [1, 2, 3] and len({digest for _, digest in rows}) == 3


# -- near duplicates --------------------------------------------------------------------------------


@pytest.mark.parametrize("body", COPIES.values(), ids=COPIES.keys())
def test_a_copy_joins_the_original_cluster(store, body):
    original = make_record(**ORIGINAL)
    export(store, original)
    copy = make_record(FORUM_URL, body, title="Re: Syria militants clash in Aleppo", published="2013-07-14")
    assert export(store, copy) is None
    assert copy["cluster"] == original["id"]
    assert copy["duplicate_of"] == original["id"]
    assert copy["revision"] == 1 and copy["id"] != original["id"]


@pytest.mark.parametrize("body", [WIRE_REPORT, MONITOR_REPORT, ALALAM_REPORT], ids=["wire", "monitor", "other"])
def test_independent_reports_are_separate_clusters(store, body):
    export(store, make_record(**ORIGINAL))
    report = make_record(f"https://news.example.com/{len(body)}", body, title="Rebels and jihadists clash")
    assert export(store, report) is None
    assert (report["cluster"], report["duplicate_of"]) == (report["id"], None)


def test_independent_reports_of_one_event_do_not_cluster_with_each_other(store):
    wire = make_record("https://wire.example.com/syria-clashes", WIRE_REPORT)
    monitor = make_record("https://monitor.example.com/aleppo", MONITOR_REPORT)
    export(store, wire)
    export(store, monitor)
    assert monitor["cluster"] == monitor["id"]
    assert [found for found, _ in store.similar(store.fingerprint(None, MONITOR_REPORT))] == [monitor["id"]]


def test_duplicate_of_names_the_earliest_published_member(store):
    # The repost is seen first; the original, published earlier, comes later and becomes the one
    # later copies point at. The cluster keeps its first member's id.
    repost = make_record(FORUM_URL, FORUM_TEXT, published="2013-07-14T09:00:00Z")
    export(store, repost)
    original = make_record(**ORIGINAL)
    export(store, original)
    assert (original["cluster"], original["duplicate_of"]) == (repost["id"], None)
    later = make_record("https://mirror.example.net/a", COPIES["a sentence added"], published="2013-07-20")
    export(store, later)
    assert (later["cluster"], later["duplicate_of"]) == (repost["id"], original["id"])


def test_a_member_with_a_known_date_is_earlier_than_one_without(store):
    undated = make_record(FORUM_URL, FORUM_TEXT, published=None)
    export(store, undated)
    dated = make_record(**ORIGINAL)
    export(store, dated)
    assert dated["duplicate_of"] is None
    third = make_record("https://mirror.example.net/b", PRESSTV_BODY, published=None)
    export(store, third)
    assert third["duplicate_of"] == dated["id"]


def test_without_dates_the_earliest_seen_is_the_original(store):
    first = make_record(PRESSTV_URL, PRESSTV_BODY)
    second = make_record(FORUM_URL, FORUM_TEXT)
    export(store, first)
    export(store, second)
    assert second["duplicate_of"] == first["id"]


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ("2013-07-13", "2013-07-14", True),
        ("2013-07-14", "2013-07-13", False),
        ("2013-07-13", "2013-07-13", False),
        ("2013-07-13T23:30:00+04:30", "2013-07-13T20:00:00Z", True),  # 19:00 UTC before 20:00 UTC
        ("2013-07-13T20:00:00Z", "2013-07-13T23:30:00+04:30", False),
        ("2013-07-13T10:00:00", "2013-07-13T11:00:00+00:00", True),  # no offset: read as UTC
        ("2013-07-13", "2013-07-13T08:00:00+00:00", False),  # same day: neither is surely first
        ("2013-07-12", "2013-07-13T00:30:00+03:00", True),
        ("2013-07-13", None, True),
        (None, "2013-07-13", False),
        (None, None, False),
        ("not a date", "2013-07-13", False),
    ],
)
def test_published_before(a, b, expected):
    assert published_before(a, b) is expected


def test_signatures_do_not_change_between_versions(store):
    # Stores outlive the code that wrote them: the same text must keep the same signature.
    signature = store.signature("One two three four five six seven eight nine ten eleven twelve")
    assert signature[:4].tolist() == [282592249, 130556089, 851351861, 797838666]


def test_a_body_without_words_is_not_matched(store):
    record = make_record("https://ex.com/empty", "\u00d7 \u2014 !!!")
    assert export(store, record) is None and record["cluster"] == record["id"]
    assert store.check(make_record("https://ex.com/empty", "\u00d7 \u2014 !!!")) == SEEN


def test_threshold_decides_what_is_one_story(tmp_path):
    strict = SQLiteStore(tmp_path / "strict.sqlite", threshold=0.95)
    export(strict, make_record(**ORIGINAL))
    copy = make_record(FORUM_URL, COPIES["two sentences reworded"])
    export(strict, copy)
    assert copy["cluster"] == copy["id"]
    strict.close()


# -- the store ----------------------------------------------------------------------------------------


def test_state_survives_reopening(tmp_path):
    path = tmp_path / "state.sqlite"
    first = SQLiteStore(path)
    original = make_record(**ORIGINAL)
    export(first, original)
    first.close()
    again = SQLiteStore(path)
    assert again.check(make_record(**ORIGINAL)) == SEEN
    copy = make_record(FORUM_URL, FORUM_TEXT)
    assert again.check(copy) is None and copy["duplicate_of"] == original["id"]
    again.close()


def test_default_path_is_output_state_dedup_sqlite_in_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    SQLiteStore().close()
    assert (tmp_path / "output" / "state" / "dedup.sqlite").is_file()


def test_index_parameters_stay_those_the_store_was_built_with(tmp_path, caplog):
    SQLiteStore(tmp_path / "s.sqlite", shingle_size=5, num_perm=128, bands=32).close()
    with caplog.at_level(logging.WARNING, logger="plugins.dedup"):
        reopened = SQLiteStore(tmp_path / "s.sqlite", shingle_size=3, num_perm=64, bands=16, threshold=0.8)
    assert (reopened.shingle_size, reopened.num_perm, reopened.bands, reopened.threshold) == (5, 128, 32, 0.8)
    assert "shingle_size=5" in caplog.text
    reopened.close()


def test_two_stores_on_one_file_see_each_other(tmp_path):
    a, b = SQLiteStore(tmp_path / "s.sqlite"), SQLiteStore(tmp_path / "s.sqlite")
    record = make_record(**ORIGINAL)
    assert b.check(record) is None
    a.record(make_record(**ORIGINAL))
    assert b.check(make_record(**ORIGINAL)) == SEEN
    # b checked before a recorded: b's record finds it under the write lock and records nothing.
    assert b.record(record) is False
    assert b.conn.execute("SELECT count(*) FROM revisions").fetchone() == (1,)
    a.close()
    b.close()


def test_a_failed_record_leaves_the_store_unchanged_and_unlocked(tmp_path):
    store = SQLiteStore(tmp_path / "s.sqlite")
    broken = make_record(**ORIGINAL)
    del broken["canonical_url"]
    with pytest.raises(KeyError):
        store.record(broken)
    assert not store.conn.in_transaction
    other = SQLiteStore(tmp_path / "s.sqlite")
    assert other.record(make_record(**ORIGINAL)) is True
    assert store.conn.execute("SELECT count(*) FROM articles").fetchone() == (1,)
    other.close()
    store.close()


CHILD = """
import sys
from plugins.dedup import SQLiteStore

def record(i):
    return {"id": f"{i:016x}", "canonical_url": f"https://ex.com/{i}", "title": f"t{i}", "published": None,
            "body": " ".join(f"w{i}x{j}" for j in range(40))}

store = SQLiteStore(sys.argv[1], commit_every=int(sys.argv[2]))
for i in range(int(sys.argv[3]), int(sys.argv[4])):
    store.record(record(i))
    if i == int(sys.argv[5]):
        print("ready", flush=True)
store.close()
"""


def run_child(path, commit_every, start, stop, signal_at=-1):
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(commit_every), str(start), str(stop), str(signal_at)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT, env=os.environ | {"PYTHONPATH": str(ROOT)},
    )


def numbered(i):
    return {"id": f"{i:016x}", "canonical_url": f"https://ex.com/{i}", "title": f"t{i}", "published": None,
            "body": " ".join(f"w{i}x{j}" for j in range(40))}


def test_a_process_killed_mid_batch_leaves_a_consistent_store(tmp_path):
    path = tmp_path / "s.sqlite"
    assert run_child(path, 1, 0, 20).wait(timeout=60) == 0
    # Then a child records in batches of a million, so nothing after the first 20 is committed, and is
    # killed while still recording.
    child = run_child(path, 10**6, 20, 10**9, signal_at=300)
    assert child.stdout.readline() == "ready\n"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    store = SQLiteStore(path)
    assert store.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert store.conn.execute("SELECT count(*) FROM articles").fetchone() == (20,)
    assert store.conn.execute("SELECT count(DISTINCT doc) FROM lsh").fetchone() == (20,)
    assert store.check(numbered(5)) == SEEN
    assert store.check(numbered(25)) is None
    assert store.record(numbered(25)) is True
    store.close()


def test_two_processes_share_one_store(tmp_path):
    path = tmp_path / "s.sqlite"
    SQLiteStore(path).close()
    # Two processes record articles 0..399 at the same time; each also records others of its own.
    children = [run_child(path, 1, 0, 800), run_child(path, 1, 400 * 3, 400 * 3 + 400)]
    children.append(run_child(path, 1, 0, 400))
    assert [child.wait(timeout=120) for child in children] == [0, 0, 0]
    store = SQLiteStore(path)
    assert store.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert store.conn.execute("SELECT count(*), max(revision) FROM revisions").fetchone() == (1200, 1)
    store.close()


# -- through the chain -------------------------------------------------------------------------------


class BodyExtractor:
    """Stands in for plugins.extract: a page's body text, one line per paragraph."""

    @hookimpl
    def extract_article(self, page, outlet, chain):
        draft = Draft(page=page, outlet=outlet, title=page.title, published=page.published)
        draft.set_lines(page.body.split("\n\n"))
        return draft


class Rejector:
    """A validator that keeps every record out of the feed."""

    @hookimpl
    def validate_article(self, article, chain):
        return ["rejected for the test"]


def make_chain(tmp_path, **settings):
    # Only this stage and a stand-in extractor: the other built-in stages are tested on their own.
    disabled = [name for name in DEFAULT_PLUGINS if name != "plugins.dedup"]
    chain = Chain(Settings({"PLUGINS_DISABLED": disabled, "DEDUP_STORE": str(tmp_path / "state.sqlite"), **settings}))
    chain.pm.register(BodyExtractor())
    chain.open()
    return chain


PAGES = [
    Page(url=PRESSTV_URL, body=PRESSTV_BODY, title=PRESSTV_TITLE, published="2013-07-13T18:04:00+04:30",
         fetched_at="2024-05-01T10:00:00+00:00"),
    Page(url="https://wire.example.com/syria-clashes", body=WIRE_REPORT, title="Rebels fight jihadists",
         published="2013-07-13", fetched_at="2024-05-01T10:00:01+00:00"),
    Page(url="https://monitor.example.com/aleppo", body=MONITOR_REPORT, title="Clashes in Aleppo",
         published="2013-07-13", fetched_at="2024-05-01T10:00:02+00:00"),
    Page(url=FORUM_URL, body=FORUM_TEXT, title=PRESSTV_TITLE, fetched_at="2024-05-01T10:00:03+00:00"),
]


def crawl(tmp_path, pages, **settings):
    chain = make_chain(tmp_path, **settings)
    try:
        outcomes = [chain.process(page) for page in pages]
    finally:
        chain.close()
    return outcomes, chain.stats.get_stats()


def test_a_second_crawl_of_the_same_pages_exports_nothing(tmp_path):
    first, stats = crawl(tmp_path, PAGES)
    assert [o.status for o in first] == ["exported"] * 4
    assert stats["articles/near_duplicates"] == 1
    original, wire, monitor, repost = (o.record for o in first)
    assert repost["cluster"] == original["id"] and repost["duplicate_of"] == original["id"]
    assert len({original["cluster"], wire["cluster"], monitor["cluster"]}) == 3
    refetched = [Page(**vars(page) | {"fetched_at": "2024-06-01T00:00:00+00:00"}) for page in PAGES]
    second, stats = crawl(tmp_path, refetched)
    assert [o.status for o in second] == ["duplicate"] * 4
    assert second[0].reasons == [SEEN]
    assert stats["articles/duplicates"] == 4 and "articles/exported" not in stats


def test_within_one_run_the_second_identical_page_is_a_duplicate(tmp_path):
    tracked = Page(**vars(PAGES[0]) | {"url": PRESSTV_URL + "?utm_source=rss&utm_medium=feed"})
    outcomes, stats = crawl(tmp_path, [PAGES[0], tracked])
    assert [o.status for o in outcomes] == ["exported", "duplicate"]
    assert stats["articles/duplicates"] == 1


def test_an_edited_page_comes_out_as_revision_2(tmp_path):
    crawl(tmp_path, PAGES[:1])
    edited_page = Page(**vars(PAGES[0]) | {"body": COPIES["a sentence added"]})
    (outcome,), stats = crawl(tmp_path, [edited_page])
    assert outcome.status == "exported"
    assert outcome.record["revision"] == 2
    assert outcome.record["id"] == article_id(canonical_url(PRESSTV_URL))
    assert stats["articles/revisions"] == 1


def test_a_record_that_fails_validation_is_not_remembered(tmp_path):
    chain = make_chain(tmp_path)
    chain.pm.register(Rejector(), name="rejector")
    assert chain.process(PAGES[0]).status == "quarantined"
    chain.close()
    (outcome,), _ = crawl(tmp_path, PAGES[:1])
    assert outcome.status == "exported" and outcome.record["revision"] == 1


def test_settings_reach_the_store(tmp_path):
    chain = make_chain(tmp_path, DEDUP_THRESHOLD="0.9", DEDUP_SHINGLE_SIZE="3", DEDUP_NUM_PERM="64",
                       DEDUP_BANDS="16", DEDUP_COMMIT_EVERY="10")
    store = chain.state["dedup"]
    assert (store.threshold, store.shingle_size, store.num_perm, store.bands, store.commit_every) == (
        0.9, 3, 64, 16, 10)
    chain.close()
    assert "dedup" not in chain.state
    with pytest.raises(sqlite3.ProgrammingError):  # closed
        store.conn.execute("SELECT 1")
