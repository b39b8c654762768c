"""Where a crawl writes: feeds alone in output/, quarantine and state beside them, the demo apart; -O a
fresh feed. Runs the real command line in a scratch project folder, so the repository's output/ is untouched."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import duckdb
import pandas
from scrapy.settings import Settings

from crawler.mirror import Mirror, mirrors
from plugins.chain import Chain, Outcome
from plugins.model import Page
from tests.conftest import FAST, ROOT, read_jsonl, run_scrapy

OUTLET = "sputnik"


def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "scrapy.cfg").write_text((ROOT / "scrapy.cfg").read_text())
    return folder


def scrapy_in(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return run_scrapy(*args, cwd=folder, env={"PYTHONPATH": str(ROOT)})


def crawl(folder: Path, mirror: Mirror, *extra: str) -> subprocess.CompletedProcess:
    result = scrapy_in(folder, "crawl", OUTLET, "-a", "start_url=" + ",".join(mirror.start_urls()), *FAST, *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_demo_between_two_real_crawls_loses_nothing_and_the_readme_recipes_read_records_only(tmp_path: Path):
    folder = project(tmp_path)
    output = folder / "output"
    feed = output / f"{OUTLET}.jsonl"
    with Mirror(mirrors()[OUTLET]) as mirror:
        site = mirror.site()
        crawl(folder, mirror)
        first = read_jsonl(feed)
        assert len(first) == len(site["articles"])

        demo = scrapy_in(folder, "demo", OUTLET)
        assert demo.returncode == 0, demo.stdout + demo.stderr
        assert read_jsonl(feed) == first, "the demo changed the real feed"

        again = crawl(folder, mirror)
    records = read_jsonl(feed)
    assert records == first, "every record of the first crawl is still there, once, and nothing else"
    assert f"{len(site['quarantined'])} quarantined, {len(first)} duplicates" in again.stderr
    # The log says what happened in a few lines; Scrapy's component lists and stats are details (-L DEBUG).
    assert "sputnik: quarantined because: 1 no article body found on the page" in again.stderr
    assert "Enabled extensions" not in again.stderr and "Dumping Scrapy stats" not in again.stderr

    # The demo wrote under output/demo/ only; the real crawl's quarantine and state are apart from the feeds.
    assert sorted(p.relative_to(output).as_posix() for p in output.glob("*.jsonl")) == [f"{OUTLET}.jsonl"]
    assert (output / "demo" / f"{OUTLET}.jsonl").is_file() and (output / "demo" / "state" / "dedup.sqlite").is_file()
    assert (output / "state" / "dedup.sqlite").is_file()
    # A quarantined page is kept once however many runs meet it, with the number of sightings.
    entries = read_jsonl(output / "quarantine" / f"{OUTLET}.jsonl")
    assert len(entries) == len(site["quarantined"])
    assert all(entry["sightings"] == 2 and entry["first_quarantined_at"] <= entry["quarantined_at"]
               for entry in entries)

    # The README's lines (section "The record") give one row per record.
    ids = sorted(record["id"] for record in records)
    rows = duckdb.connect().sql("select id from read_json_auto('output/*.jsonl')".replace("output", str(output)))
    assert sorted(row[0] for row in rows.fetchall()) == ids
    assert sorted(pandas.read_json(feed, lines=True)["id"]) == ids
    jq = subprocess.run(["jq", "-c", "[.id, [.groups[].id]]", *map(str, sorted(output.glob("*.jsonl")))],
                        capture_output=True, text=True, check=True)
    assert sorted(json.loads(line)[0] for line in jq.stdout.splitlines()) == ids


def test_dash_capital_o_twice_writes_two_equal_fresh_feeds_and_leaves_the_shared_store_alone(tmp_path: Path):
    folder = project(tmp_path)
    with Mirror(mirrors()[OUTLET]) as mirror:
        crawl(folder, mirror)  # a daily crawl first: the shared store knows every article now
        crawl(folder, mirror, "-O", "fresh.jsonl")
        one = read_jsonl(folder / "fresh.jsonl")
        crawl(folder, mirror, "-O", "fresh.jsonl", "-O", "fresh.csv")
        two = read_jsonl(folder / "fresh.jsonl")
    shared = read_jsonl(folder / "output" / f"{OUTLET}.jsonl")

    def without_fetch_time(records: list[dict]) -> list[dict]:
        return sorted(({**r, "fetched_at": None} for r in records), key=lambda r: r["id"])

    assert one and without_fetch_time(one) == without_fetch_time(two) == without_fetch_time(shared)
    # A flat export writes lists and objects as JSON, and null as an empty cell.
    with (folder / "fresh.csv").open(encoding="utf-8", newline="") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    for record in two:
        row = rows[record["id"]]
        for field in ("groups", "clashes", "authors", "tags", "images"):
            assert json.loads(row[field]) == record[field]
        assert int(row["schema_version"]) == record["schema_version"] == 2
        assert row["provenance"] == "" and record["provenance"] is None
    assert (folder / "state" / "fresh.jsonl.sqlite").is_file()  # the -O feed's own store, beside it
    # Its quarantine file started afresh with the feed: one sighting, not two.
    assert all(entry["sightings"] == 1 for entry in read_jsonl(folder / "quarantine" / "fresh.jsonl"))


def quarantine_run(tmp_path: Path, page: Page) -> Outcome:
    chain = Chain(Settings({"DEDUP_STORE": str(tmp_path / "state.sqlite"),
                            "QUARANTINE_FILE": str(tmp_path / "quarantine.jsonl")}))
    chain.open()
    try:
        return chain.process(page)
    finally:
        chain.close()


def test_a_page_quarantined_by_several_runs_is_kept_once_and_leaves_once_it_makes_a_record(tmp_path: Path):
    quarantine = tmp_path / "quarantine.jsonl"
    quarantine.write_text("{damaged by hand\n")
    url = "https://sputniknews.com/middleeast/201412301016375893/"
    down = Page(url=url, outlet=OUTLET, problem="the server answered HTTP 503 Service Unavailable")
    for _ in range(3):
        assert quarantine_run(tmp_path, down).status == "quarantined"
    damaged, entry = quarantine.read_text(encoding="utf-8").splitlines()
    assert damaged == "{damaged by hand"
    entry = json.loads(entry)
    assert entry["url"] == url and entry["sightings"] == 3 and entry["reasons"] == [down.problem]
    assert entry["first_quarantined_at"] <= entry["quarantined_at"]

    html = (mirrors()[OUTLET] / "middleeast" / "201412301016375893" / "index.html").read_text(encoding="utf-8")
    assert quarantine_run(tmp_path, Page(url=url, outlet=OUTLET, html=html)).status == "exported"
    assert quarantine.read_text(encoding="utf-8").splitlines() == ["{damaged by hand"]


def test_files_an_earlier_version_kept_beside_the_feeds_move_to_their_folders(tmp_path: Path):
    folder = project(tmp_path)
    output = folder / "output"
    with Mirror(mirrors()[OUTLET]) as mirror:
        # The layout of earlier versions: the store and the quarantine file beside the feeds.
        crawl(folder, mirror, "-s", "DEDUP_STORE=output/state.sqlite", "-s",
              f"QUARANTINE_FILE=output/{OUTLET}.quarantine.jsonl")
        first = read_jsonl(output / f"{OUTLET}.jsonl")
        quarantined = read_jsonl(output / f"{OUTLET}.quarantine.jsonl")
        again = crawl(folder, mirror)
    assert read_jsonl(output / f"{OUTLET}.jsonl") == first, "the moved store still knows every article"
    assert f"{len(first)} duplicates" in again.stderr
    assert [e["url"] for e in read_jsonl(output / "quarantine" / f"{OUTLET}.jsonl")] == [e["url"] for e in quarantined]
    assert sorted(p.name for p in output.glob("*.jsonl")) == [f"{OUTLET}.jsonl"]
    assert not (output / "state.sqlite").exists() and (output / "state" / "dedup.sqlite").is_file()
