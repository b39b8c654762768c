"""The chain on worker processes (``scrapy process -j N``, ``CHAIN_PROCESSES``): the same records as in one
process, in input order, and nothing lost when a run or a worker is killed."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from scrapy.settings import Settings

from crawler.workers import ChainPool
from plugins.chain import Prepared
from plugins.model import Page
from tests.conftest import FAST, ROOT, read_jsonl, run_scrapy
from tests.faulty_server import FaultyServer, article_html, page, story

SUMMARY = re.compile(r"process: (\d+) article pages -> (\d+) exported, (\d+) quarantined, (\d+) duplicates")


def saved(i: int, url: str | None = None, paragraphs: list[str] | None = None) -> str:
    title, text = story(i)
    return json.dumps({"url": url or f"https://southfront.press/report-number-{i}/", "outlet": "southfront",
                       "fetched_at": "2024-05-01T00:00:00+00:00", "html": article_html(title, paragraphs or text)})


def mixed_input() -> list[str]:
    """Stories, with every kind of page the store and the quarantine tell apart."""
    lines = [saved(i) for i in range(40)]
    lines[10] = saved(3)  # the same page again: a duplicate
    lines[20] = saved(5, url="https://southfront.press/repost/", paragraphs=[*story(5)[1], "A reader sent this."])
    lines[25] = saved(7, paragraphs=[*story(7)[1], "Update: the ceasefire held."])  # a revision of story 7
    lines[30] = "{not json"
    lines[35] = json.dumps({"url": "https://southfront.press/empty/", "outlet": "southfront",
                            "html": "<html><body><nav>Home</nav></body></html>"})
    return lines


def without_times(entries: list[dict]) -> list[dict]:
    return [{k: v for k, v in entry.items() if not k.endswith("quarantined_at")} for entry in entries]


def test_two_processes_write_the_feed_and_quarantine_of_one(tmp_path: Path):
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(mixed_input()) + "\n", encoding="utf-8")
    runs = {}
    for jobs in ("1", "2"):
        out = tmp_path / jobs / "out.jsonl"
        result = run_scrapy("process", str(source), "-O", str(out), "-j", jobs,
                            "-s", f"DEDUP_STORE={tmp_path / jobs / 's.sqlite'}")
        assert result.returncode == 0, result.stderr[-3000:]
        runs[jobs] = (read_jsonl(out), without_times(read_jsonl(tmp_path / jobs / "quarantine" / "out.jsonl")),
                      SUMMARY.search(result.stderr).groups())
    (feed, quarantine, summary) = runs["2"]
    assert runs["1"] == runs["2"]
    assert summary == ("40", "37", "2", "1")
    by_url = {}
    for record in feed:
        by_url.setdefault(record["url"], []).append(record)
    assert [r["revision"] for r in by_url["https://southfront.press/report-number-7/"]] == [1, 2]
    repost = by_url["https://southfront.press/repost/"][0]
    assert repost["cluster"] == by_url["https://southfront.press/report-number-5/"][0]["id"]
    assert [r["url"] for r in feed if r["revision"] == 1][:5] == [f"https://southfront.press/report-number-{i}/"
                                                                  for i in range(5)]  # input order
    assert [(entry["url"], entry["stage"]) for entry in quarantine] == [
        (f"{source}:31", "extract"), ("https://southfront.press/empty/", "extract")]


def test_a_killed_parallel_run_run_again_keeps_every_article_exactly_once(tmp_path: Path):
    lines = [saved(i) for i in range(300)]
    lines[150] = "{not json"
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "scrapy", "process", str(source), "-O", str(out), "-j", "2",
               "-s", f"DEDUP_STORE={tmp_path / 's.sqlite'}", "-s", "LOG_LEVEL=INFO"]
    with (tmp_path / "killed.log").open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        while process.poll() is None and (not out.exists() or out.read_bytes().count(b"\n") < 60):
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)  # the main process only: its workers must go by themselves
        process.wait()
    written = out.read_bytes().count(b"\n")
    assert 0 < written < len(lines) - 1, "the run was not killed in the middle"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and orphans(process.pid):
        time.sleep(0.1)
    assert not orphans(process.pid), "a worker outlived its killed run"
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    urls = [record["url"] for record in read_jsonl(out)]
    assert sorted(urls) == sorted(f"https://southfront.press/report-number-{i}/" for i in range(300) if i != 150)
    [entry] = read_jsonl(tmp_path / "quarantine" / "out.jsonl")
    assert entry["url"].endswith("in.jsonl:151")
    pages, exported, quarantined, duplicates = map(int, SUMMARY.search(result.stderr).groups())
    assert pages == exported + quarantined + duplicates == len(lines)
    assert "unaccounted" not in result.stderr


def orphans(pid: int) -> list[int]:
    """Processes still in the session of the killed run (its workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == pid:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_a_worker_that_dies_loses_none_of_its_pages(tmp_path: Path):
    pages = [Page(url=f"https://southfront.press/report-number-{i}/", outlet="southfront",
                  html=article_html(*story(i))) for i in range(30)]
    results: dict[str, Prepared] = {}
    done = threading.Event()

    def deliver(callback, prepared):
        callback(prepared)

    def keep(prepared: Prepared) -> None:
        results[prepared.page.url] = prepared
        if len(results) == len(pages):
            done.set()

    pool = ChainPool(Settings({"PLUGINS_DISABLED": ["plugins.dedup"]}), 2, deliver)
    try:
        for item in pages:
            pool.submit(item, keep)
        held = list(pool.workers[0].held.values())
        assert held, "the first worker holds no page"
        os.kill(pool.workers[0].process.pid, signal.SIGKILL)
        assert done.wait(60), f"{len(pages) - len(results)} pages never came back"
        lost = {page.url for page, _ in held} - {url for url, p in results.items() if p.record}
        for url in lost:
            assert results[url].stage == "prepare"
            assert results[url].reasons == [f"the worker process preparing this page died (killed by signal 9); "
                                            "run the same command again to retry it"]
        assert len(lost) < len(pages) and all(p.record or p.reasons for p in results.values())
        assert len(pool.workers) == 2 and all(w.process.is_alive() for w in pool.workers)  # replaced
    finally:
        pool.close()


def test_a_crawl_with_the_chain_on_workers_exports_the_same_records(tmp_path: Path):
    # One story per town: stories of one town are near-duplicates, whose clusters depend on the order the
    # crawl meets them in, which no two crawls share.
    paths = [f"/report-number-{i}/" for i in range(1, 8)]
    routes = {path: page(article_html(*story(i))) for i, path in enumerate(paths, start=1)}
    routes["/robots.txt"] = page("User-agent: *\nAllow: /\n", content_type="text/plain")
    routes["/sitemap.xml"] = page('<?xml version="1.0"?><urlset>' + "".join(f"<url><loc>{p}</loc></url>" for p in paths)
                                  + "</urlset>", content_type="application/xml")
    records = {}
    with FaultyServer(routes) as server:
        for processes in ("0", "2"):
            out = tmp_path / processes / "southfront.jsonl"
            result = run_scrapy("crawl", "southfront", "-a", f"start_url={server.base_url}/sitemap.xml", "-O", str(out),
                                "-s", f"CHAIN_PROCESSES={processes}", "-s", f"DEDUP_STORE={tmp_path / processes / 's'}",
                                *FAST)
            assert result.returncode == 0, result.stderr[-3000:]
            assert "southfront: 7 article pages -> 7 exported, 0 quarantined, 0 duplicates" in result.stderr
            records[processes] = sorted(({k: v for k, v in r.items() if k != "fetched_at"} for r in read_jsonl(out)),
                                        key=lambda r: r["url"])
    assert records["0"] == records["2"]
