"""With the deduplication store committing in batches (DEDUP_COMMIT_EVERY > 1), a crawl killed (SIGKILL) while
a batch is open loses that batch from the store, but not from the feed, which already holds its records: the
next run must neither lose those articles nor export them a second time. The feed's journal keeps the records
of an open batch, and the next run records again in the store what the feed holds and the store lost.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import FAST, ROOT
from tests.faulty_server import FaultyServer, report_site

PAGES = 30
BATCH = 1000  # larger than the crawl: nothing is committed before the kill


def crawl(project: Path, start_url: str, log: Path, kill_at_lines: int | None = None) -> int | None:
    """One crawl appending to x.jsonl; SIGKILLed once the feed has ``kill_at_lines`` lines (None: to its end)."""
    feed = project / "x.jsonl"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", "southfront", "-a", f"start_url={start_url}", "-o", "x.jsonl",
             "-s", "DEDUP_STORE=state.sqlite", "-s", f"DEDUP_COMMIT_EVERY={BATCH}", *FAST,
             "-s", "DOWNLOAD_DELAY=0.02"],
            cwd=project, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=stderr)
        if kill_at_lines is None:
            return process.wait(timeout=120)
        while process.poll() is None and lines(feed) < kill_at_lines:
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait()
        return None


def lines(feed: Path) -> int:
    return feed.read_bytes().count(b"\n") if feed.exists() else 0


def stored_articles(project: Path) -> int:
    with sqlite3.connect(project / "state.sqlite") as db:
        return db.execute("SELECT count(*) FROM articles").fetchone()[0]


def test_a_crawl_killed_with_a_batch_open_ends_with_every_article_once_in_feed_and_store(tmp_path: Path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "scrapy.cfg").write_text((ROOT / "scrapy.cfg").read_text())
    feed = project / "x.jsonl"
    with FaultyServer(report_site(PAGES), delay=0.02) as server:
        start_url = server.base_url + "/sitemap.xml"
        crawl(project, start_url, tmp_path / "killed.log", kill_at_lines=8)
        written = lines(feed)
        assert 8 <= written < PAGES, (tmp_path / "killed.log").read_text()[-3000:]
        # The batch was open: the feed holds records the store lost with the kill.
        assert stored_articles(project) < written
        status = crawl(project, start_url, tmp_path / "resumed.log")
        assert status == 0, (tmp_path / "resumed.log").read_text()[-3000:]
        assert "Recording again" in (tmp_path / "resumed.log").read_text()
        status = crawl(project, start_url, tmp_path / "again.log")
        assert status == 0, (tmp_path / "again.log").read_text()[-3000:]

    records = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
    paths = sorted(urlsplit(r["url"]).path for r in records)
    assert paths == sorted(f"/report-number-{i}/" for i in range(1, PAGES + 1)), "an article is missing or twice"
    assert stored_articles(project) == PAGES
