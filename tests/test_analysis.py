"""scrapy export and scrapy report on feeds made by the real chain from every outlet's test pages."""

from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler.pipelines import summary
from plugins.chain import STAT, Chain, SimpleStats
from plugins.model import Page
from tests.conftest import read_jsonl, run_scrapy
from tests.expect import page_of

OUTLETS = Path(__file__).resolve().parents[1] / "plugins" / "outlets"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
# pandas, DuckDB and Datasette run in a child process: loaded here they would grow the test process by a
# few hundred MB, which every later subprocess inherits as its starting peak RSS (tests that measure it).
PARQUET_READ = """
import datetime, json, sys
import duckdb, pandas
folder = sys.argv[1]
articles = pandas.read_parquet(f"{folder}/articles.parquet")
described = duckdb.sql(f"DESCRIBE SELECT * FROM '{folder}/articles.parquet'").fetchall()
[(mentions,)] = duckdb.sql(f"SELECT count(*) FROM '{folder}/mentions.parquet'").fetchall()
print(json.dumps({
    "articles": len(articles), "mentions": mentions,
    "quarantine": len(pandas.read_parquet(f"{folder}/quarantine.parquet")),
    "pandas": {column: str(dtype) for column, dtype in articles.dtypes.items()},
    "published_date_is_date": all(isinstance(d, datetime.date) for d in articles["published_date"].dropna()),
    "authors": list(articles.loc[0, "authors"]),
    "duckdb": {row[0]: row[1] for row in described},
}))
"""
DATASETTE_SEARCH = """
import asyncio, json, sys
from datasette.app import Datasette

async def search(path, word):
    response = await Datasette([path]).client.get(f"/feeds/articles.json?_search={word}&_shape=objects")
    assert response.status_code == 200, response.status_code
    return response.json()

print(json.dumps(asyncio.run(search(sys.argv[1], sys.argv[2]))))
"""
ERROR_PAGE = "<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>"


@pytest.fixture(scope="module")
def feeds(tmp_path_factory) -> Path:
    """output/-like folder: one feed per outlet from its cases, and one error page per outlet quarantined,
    half of them in the old layout (<outlet>.quarantine.jsonl) and half in the new (quarantine/<outlet>.jsonl)."""
    folder = tmp_path_factory.mktemp("output")
    for number, cases in enumerate(sorted(OUTLETS.glob("*.cases.json"))):
        outlet = cases.name.removesuffix(".cases.json")
        quarantine = folder / "quarantine" / f"{outlet}.jsonl" if number % 2 else folder / f"{outlet}.quarantine.jsonl"
        chain = Chain(Settings({"DEDUP_STORE": str(folder / "state.sqlite"), "QUARANTINE_FILE": str(quarantine)}))
        chain.open()
        try:
            with (folder / f"{outlet}.jsonl").open("w", encoding="utf-8") as feed:
                for case in json.loads(cases.read_text(encoding="utf-8")):
                    outcome = chain.process(page_of(outlet, case["input"]))
                    if outcome.status == "exported":
                        feed.write(json.dumps(outcome.record, ensure_ascii=False) + "\n")
            chain.process(Page(url=f"https://example.org/{outlet}/missing", outlet=outlet, html=ERROR_PAGE))
        finally:
            chain.close()
    (folder / "state.sqlite").unlink()
    return folder


def lines_of(folder: Path) -> tuple[list[dict], list[dict]]:
    records = [r for feed in folder.glob("*.jsonl") if ".quarantine" not in feed.name for r in read_jsonl(feed)]
    held = [e for path in [*folder.glob("*.quarantine.jsonl"), *(folder / "quarantine").glob("*.jsonl")]
            for e in read_jsonl(path)]
    return records, held


def in_subprocess(code: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def export(feeds: Path, target: Path) -> None:
    result = run_scrapy("export", str(feeds), "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert str(target) in result.stdout


def test_export_sqlite_counts_types_and_full_text_search_in_datasette(feeds, tmp_path):
    target = tmp_path / "feeds.sqlite"
    export(feeds, target)
    records, held = lines_of(feeds)
    assert list(feeds.glob("*.quarantine.jsonl")) and list((feeds / "quarantine").glob("*.jsonl"))  # both layouts
    db = sqlite3.connect(target)
    count = lambda table: db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]  # noqa: E731
    assert count("articles") == len(records)
    assert count("mentions") == sum(len(g["mentions"]) for r in records for g in r["groups"])
    assert count("clashes") == sum(len(r["clashes"]) for r in records) > 0
    assert count("quarantine") == len(held)
    assert count("groups") > 40
    declared = {row[1]: row[2] for row in db.execute("PRAGMA table_info(articles)")}
    assert (declared["published_date"], declared["fetched_at"], declared["latest"]) == ("DATE", "TIMESTAMP", "BOOLEAN")
    reasons = db.execute("SELECT reasons FROM quarantine LIMIT 1").fetchone()[0]
    assert "error page" in json.loads(reasons)[0]

    # The article of seed 002 (Al-Alam), found by a word of its body through Datasette's full-text search.
    found = in_subprocess(DATASETTE_SEARCH, str(target), "Touqan")["rows"]
    assert "Takfiris Fight Each Other as Assad Ouster Fades Away" in [row["title"] for row in found]
    assert all("touqan" in row["body"].lower() for row in found)
    assert len(found) < count("articles")


def test_export_parquet_loads_in_pandas_and_duckdb_with_types(feeds, tmp_path):
    target = tmp_path / "feeds.parquet"
    export(feeds, target)
    records, held = lines_of(feeds)
    seen = in_subprocess(PARQUET_READ, str(target))
    assert seen["articles"] == len(records) and seen["quarantine"] == len(held)
    assert seen["mentions"] == sum(len(g["mentions"]) for r in records for g in r["groups"])
    pandas_types = seen["pandas"]
    assert pandas_types["published_at"] == pandas_types["fetched_at"] == "datetime64[us, UTC]"
    assert (pandas_types["latest"], pandas_types["revision"]) == ("bool", "int64")
    assert seen["published_date_is_date"] and seen["authors"] == records[0]["authors"]
    duckdb_types = seen["duckdb"]
    assert duckdb_types["published_date"] == "DATE"
    assert duckdb_types["published_at"] == "TIMESTAMP WITH TIME ZONE"
    assert duckdb_types["tags"] == "VARCHAR[]"


def test_export_csv_keeps_lists_as_json(feeds, tmp_path):
    target = tmp_path / "tables"
    # No FEED: every feed in the folder of DEFAULT_FEED (output/ unless set otherwise).
    result = run_scrapy("export", "-o", str(target), "-s", f"DEFAULT_FEED={feeds}/%(name)s.jsonl")
    assert result.returncode == 0, result.stderr
    records, _ = lines_of(feeds)
    with (target / "articles.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(records)
    by_id = {(r["id"], r["revision"]): r for r in records}
    for row in rows:
        record = by_id[(row["id"], int(row["revision"]))]
        assert json.loads(row["tags"]) == record["tags"]
        assert row["body"] == record["body"]
        assert row["latest"] in ("true", "false")
        if row["published_date"]:
            date.fromisoformat(row["published_date"])
    assert sorted(p.name for p in target.iterdir()) == [
        "articles.csv", "clashes.csv", "groups.csv", "mentions.csv", "quarantine.csv"]


def test_export_refuses_to_overwrite_and_reports_bad_lines(feeds, tmp_path):
    target = tmp_path / "kept.sqlite"
    target.write_text("a user's file")
    refused = run_scrapy("export", str(feeds), "-o", str(target))
    assert refused.returncode != 0 and "--overwrite" in refused.stderr
    assert target.read_text() == "a user's file"

    broken = tmp_path / "broken.jsonl"
    good = read_jsonl(next(feeds.glob("alalam.jsonl")))
    broken.write_text(json.dumps(good[0]) + "\n" + '{"url": "cut off' + "\n", encoding="utf-8")
    result = run_scrapy("export", str(broken), "-o", str(tmp_path / "out.sqlite"))
    assert result.returncode == 1
    assert f"{broken}:2: not JSON" in result.stderr
    assert sqlite3.connect(tmp_path / "out.sqlite").execute("SELECT count(*) FROM articles").fetchone()[0] == 1


def embedded_data(page: Path) -> dict:
    html = page.read_text(encoding="utf-8")
    return json.loads(re.search(r"const DATA = (\{.*?\});\n", html, re.S).group(1).replace("<\\/", "</"))


def test_report_date_range_and_crawl_health_from_a_crawl_log(feeds, tmp_path):
    page, log = tmp_path / "report.html", tmp_path / "sputnik.log"
    stats = SimpleStats()
    for key, value in (("pages", 9), ("exported", 5), ("quarantined", 1), ("duplicates", 3)):
        stats.set_value(STAT(key), value)
    log.write_text(f"2026-01-01 00:00:00 [crawler.pipelines] INFO: {summary('sputnik', stats)}\n", encoding="utf-8")
    result = run_scrapy("report", str(feeds), "-o", str(page), "--since", "2017-01-01", "--until", "2017-12-31",
                        "--crawl-log", str(log))
    assert result.returncode == 0, result.stderr
    data = embedded_data(page)
    health = {row["outlet"]: row for row in data["health"]}
    assert (health["sputnik"]["pages"], health["sputnik"]["duplicates"]) == (9, 3)
    assert health["alalam"]["pages"] is None  # no log for it: unknown, not zero
    dates = [a["date"] for a in data["articles"]]
    assert dates and all("2017-01-01" <= d <= "2017-12-31" for d in dates)
    records, _ = lines_of(feeds)
    assert len(dates) == sum(1 for r in records if r["published"] and r["published"][:4] == "2017")
    assert run_scrapy("report", str(feeds), "-o", str(page), "--since", "July").returncode != 0


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium; .ci/run installs it)")
def test_report_opens_offline_in_chromium_with_every_chart_drawn(feeds, tmp_path):
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "report.html"
    result = run_scrapy("report", str(feeds), "-o", str(page_file))
    assert result.returncode == 0, result.stderr
    data = embedded_data(page_file)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors, requests = [], []
            page.on("console", lambda message: message.type == "error" and errors.append(message.text))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_file.as_uri())
            page.wait_for_function("document.querySelectorAll('.main-svg').length >= 6")
            assert errors == []
            assert requests == [page_file.as_uri()]  # nothing fetched: no network, no other file
            for chart in ("articles", "groups", "matrix", "network", "quarantine", "health"):
                points = page.evaluate(
                    f"document.getElementById('chart-{chart}').data.reduce((n, t) => n + (t.z || t.y || []).length, 0)")
                assert points > 0, f"the {chart} chart has no data"
            summary = page.inner_text("#summary")
            assert summary.startswith(f"{len(data['articles'])} of {len(data['articles'])} articles")

            # The articles behind a matrix cell, one click away (the click as Plotly reports it).
            page.select_option("#matrix-kind", "clashes")
            page.evaluate("""() => {
                const chart = document.getElementById('chart-matrix');
                const cells = chart.data[0].customdata, z = chart.data[0].z;
                for (let i = 0; i < z.length; i++) for (let j = 0; j < z.length; j++)
                    if (z[i][j] > 0) { chart.emit('plotly_click', {points: [{customdata: cells[i][j]}]}); return; }
            }""")
            listed = page.inner_text("#articles")
            titles = {a["title"] for a in data["articles"]}
            assert any(title in listed for title in titles)
            assert "reported fighting" in page.inner_text("#articles-title")

            # Filters: one outlet less, fewer articles.
            page.uncheck(".outlet-box[value='alalam']")
            alalam = sum(1 for a in data["articles"] if a["outlet"] == "alalam")
            assert page.inner_text("#summary").startswith(f"{len(data['articles']) - alalam} of")
            page.check(".outlet-box[value='alalam']")

            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 50_000
            text = page.inner_text("body")
            for heading in ("Articles per outlet over time", "Mentions per group over time",
                            "Quarantine reasons per outlet", "Crawl health per outlet"):
                assert heading in text
        finally:
            browser.close()


def test_tables_flag_latest_revisions_and_read_dates_honestly(tmp_path):
    from datetime import datetime, timezone

    from crawler.analysis import build_tables, read_feeds

    base = {"url": "https://example.org/a", "outlet": "alalam", "title": "t", "body": "b", "groups": []}
    lines = [
        {**base, "schema_version": "1.0", "id": "a" * 16, "revision": 1, "published": "2017-07-16"},
        {**base, "schema_version": 2, "id": "a" * 16, "revision": 2, "published": "2017-07-16T13:18:15+04:30",
         "clashes": []},
        {**base, "schema_version": 2, "id": "b" * 16, "revision": 1, "published": "2017-07-16T13:18:15"},
    ]
    feed = tmp_path / "alalam.jsonl"
    feed.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    rows = build_tables(read_feeds([feed]))["articles"]
    assert [row["latest"] for row in rows] == [False, True, True]
    assert [row["schema_version"] for row in rows] == [1, 2, 2]
    # A date alone, and a time without an offset, are no instant; each still has its calendar date.
    assert [row["published_at"] for row in rows] == [
        None, datetime(2017, 7, 16, 8, 48, 15, tzinfo=timezone.utc), None]
    assert {row["published_date"] for row in rows} == {date(2017, 7, 16)}
