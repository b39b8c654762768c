"""A crawl killed (SIGKILL) several times and resumed with the same JOBDIR ends with every article once,
whatever its feed: the default one, ``-O``/``-o`` with a ``.jsonl`` or ``.jl`` name.

``RESUME_RUNS=10 pytest tests/test_resume.py`` repeats the whole scenario ten times for each of the four kinds
of feed, with other kill points; by default the suite runs it once for ``-O x.jsonl`` and the default feed.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from plugins.export import validator
from tests.conftest import FAST, ROOT
from tests.faulty_server import FaultyServer, report_site

OUTLET = "southfront"
PAGES = 60
KILLS = 3
RUNS = int(os.environ.get("RESUME_RUNS", "1"))
# How the feed is given, and where it lands (relative to the project folder).
FEEDS = {"-O x.jsonl": (["-O", "x.jsonl"], "x.jsonl"), "-o x.jsonl": (["-o", "x.jsonl"], "x.jsonl"),
         "-O x.jl": (["-O", "x.jl"], "x.jl"), "default": ([], f"output/{OUTLET}.jsonl")}
SCENARIOS = [(name, attempt) for attempt in range(RUNS) for name in FEEDS
             if RUNS > 1 or name in ("-O x.jsonl", "default")]


def feed_lines(feed: Path) -> int:
    return feed.read_bytes().count(b"\n") if feed.exists() else 0


def run(project: Path, feed_args: list[str], feed: Path, start_url: str, log: Path, kill_after_lines: int | None,
        rng: random.Random) -> int | None:
    """One run of the job; SIGKILL it once the feed has grown by ``kill_after_lines`` lines (and a random
    moment more). Return its exit status, or None when it was killed."""
    target = feed_lines(feed) + (kill_after_lines or 0)
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", OUTLET, "-a", f"start_url={start_url}",
             *feed_args, "-s", "JOBDIR=job", "-s", "DEDUP_STORE=state.sqlite", *FAST,
             # A little delay keeps the per-site limit of 2 requests in force, and the crawl a few seconds long.
             "-s", "DOWNLOAD_DELAY=0.05"],
            cwd=project, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=stderr)
        if kill_after_lines is None:
            return process.wait(timeout=120)
        while process.poll() is None and feed_lines(feed) < target:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.2))
        if process.poll() is not None:
            return process.returncode
        process.send_signal(signal.SIGKILL)
        process.wait()
        return None


@pytest.mark.parametrize(("feed_kind", "attempt"), SCENARIOS)
def test_a_killed_and_resumed_crawl_exports_every_article_exactly_once(tmp_path: Path, feed_kind: str, attempt: int):
    rng = random.Random(attempt)
    project = tmp_path / "project"
    project.mkdir()
    (project / "scrapy.cfg").write_text((ROOT / "scrapy.cfg").read_text())
    feed_args, feed_name = FEEDS[feed_kind]
    feed = project / feed_name
    logs = []
    with FaultyServer(report_site(PAGES), delay=0.05) as server:
        start_url = server.base_url + "/sitemap.xml"
        for number in range(KILLS + 1):
            log = tmp_path / f"run{number}.log"
            logs.append(log)
            written_before = feed_lines(feed)
            status = run(project, feed_args, feed, start_url, log, rng.randint(0, 12) if number < KILLS else None, rng)
            if status is not None:
                break
        assert status == 0, log.read_text()[-3000:]
        fetched = sum(server.requested(f"/report-number-{i}/") for i in range(1, PAGES + 1))
        # Politeness holds: CONCURRENT_REQUESTS_PER_DOMAIN (2). (Scrapy 2.19 on the asyncio reactor enforces
        # it only with a DOWNLOAD_DELAY; the project's is 0.5 s.)
        assert server.peak <= 2, server.peak

    data = feed.read_bytes()
    assert data.endswith(b"\n"), "the feed ends in a half-written line"
    records = [json.loads(line) for line in data.decode("utf-8").splitlines()]
    for record in records:
        assert not list(validator().iter_errors(record)), record["url"]
    paths = sorted(urlsplit(r["url"]).path for r in records)
    assert paths == sorted(f"/report-number-{i}/" for i in range(1, PAGES + 1)), "an article is missing or twice"
    assert len({r["id"] for r in records}) == PAGES
    assert not list(project.rglob("*quarantine*")), "a good article was quarantined"

    final = logs[-1].read_text()
    assert re.search(r"southfront: \d+ article pages -> \d+ exported", final) and "unaccounted" not in final
    killed = len(logs) - 1
    if written_before:  # a run was killed after its job had started
        assert "did not stop cleanly" in final
    # A resumed run fetches again only the articles that were in flight when it was killed.
    assert fetched <= PAGES + 12 * killed, fetched
