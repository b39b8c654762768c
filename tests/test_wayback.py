"""``scrapy crawl <outlet> -a archive=wayback``: an outlet's past from a Wayback Machine on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.spiders import archive_range
from crawler.wayback import ARCHIVE_REQUEST, WaybackPolitenessMiddleware, cdx_rows
from plugins.export import validator
from tests.conftest import FAST, ROOT, SITES, read_jsonl, run_scrapy
from tests.expect import check_record
from tests.faulty_server import article_html, story
from tests.wayback_server import Capture, WaybackServer

# Tests run fast against the local archive; the real archive's rates and waits are the settings' defaults.
QUICK = ["-s", "WAYBACK_CDX_PER_MINUTE=6000", "-s", "WAYBACK_SNAPSHOTS_PER_MINUTE=6000"]
BACKOFF = 1.0


def sputnik_pages() -> dict[str, tuple[str, bytes, dict]]:
    """Sputnik articles of both layout eras: path -> (original URL, page, expectations). The mirror's
    pages (2014-2017, b-article era) and the HTML cases of the b-article and the 2021- era."""
    site = json.loads((SITES / "sputnik" / "site.json").read_text(encoding="utf-8"))
    pages = {}
    for article in site["articles"]:
        path = article["path"]
        html = (SITES / "sputnik" / path.strip("/") / "index.html").read_bytes()
        pages[path] = ("http://sputniknews.com" + path, html, article["expect"])
    cases = json.loads((ROOT / "plugins" / "outlets" / "sputnik.cases.json").read_text(encoding="utf-8"))
    for case in cases:
        if "html" in case["input"]:
            url = case["input"]["url"]
            path = url.split(".com", 1)[1]
            # The 2022 article is kept under the outlet's later domain: the index is searched per domain.
            original = url.replace("sputniknews.com", "sputnikglobe.com") if path.startswith("/2022") else url
            pages[path] = (original, case["input"]["html"].encode("utf-8"), case["expect"])
    return pages


PAGES = sputnik_pages()
ERA_2019 = "/middleeast/201901021071148225-hts-zenki-clashes-aleppo/"
ERA_2022 = "/20221013/hts-fighters-advance-on-afrin-as-turkey-backed-factions-clash-1101769942.html"
IN_RANGE = {  # path -> timestamp of the capture the crawl must take (the first in the range)
    "/middleeast/201610091046173456/": "20161010093000",
    "/middleeast/201707211055768723-idlib-hts-ahrar-al-sham-clashes/": "20170722101500",
    ERA_2019: "20190103120000",
    ERA_2022: "20221014080000",
}


def archive() -> list[Capture]:
    captures = [Capture(IN_RANGE[path], PAGES[path][0], PAGES[path][1]) for path in IN_RANGE]
    old_original, old_html, _ = PAGES["/middleeast/201412301016375893/"]
    return captures + [
        Capture("20150105000000", old_original, old_html),  # captured before the range
        Capture("20180301000000", PAGES["/middleeast/201610091046173456/"][0], PAGES["/middleeast/201610091046173456/"][1]),
        Capture("20230105000000", PAGES[ERA_2019][0].replace("201901021071148225", "202301051108000000"), PAGES[ERA_2019][1]),
        Capture("20170101000000", "http://sputniknews.com/middleeast/", b"<html><body>section</body></html>"),
        Capture("20170101000000", "http://sputniknews.com/images/101/60/1016075.jpg", b"\xff\xd8", mimetype="image/jpeg"),
        Capture("20170301000000", "http://sputniknews.com/middleeast/201703011051000000/", b"gone", statuscode="404"),
        Capture("20170301000000", "http://example.org/middleeast/201703011051000001/", old_html),  # another site
    ]


@pytest.fixture(scope="module")
def archive_crawl(tmp_path_factory: pytest.TempPathFactory):
    tmp_path = tmp_path_factory.mktemp("wayback")
    feed = tmp_path / "sputnik.jsonl"
    # The first two snapshot requests are refused with 429: the crawl must back off, then get them.
    with WaybackServer(archive(), refuse=2) as server:
        result = run_scrapy(
            "crawl", "sputnik", "-a", "archive=wayback", "-a", "since=2016-01-01", "-a", "until=2022-12-31",
            "-O", str(feed), "-s", f"WAYBACK_URL={server.base_url}", "-s", f"DEDUP_STORE={tmp_path / 'state.sqlite'}",
            "-s", f"WAYBACK_BACKOFF={BACKOFF}", "-s", "WAYBACK_CDX_PAGE_SIZE=2", "-s", f"WARC_DIR={tmp_path / 'warc'}",
            *FAST, *QUICK,

        )
    assert result.returncode == 0, result.stderr[-3000:]
    return read_jsonl(feed), server, result, tmp_path


def test_an_archive_crawl_exports_every_article_in_range_once_with_its_original_url(archive_crawl):
    records, server, _, _ = archive_crawl
    by_url = {r["url"]: r for r in records}
    assert len(by_url) == len(records), "an article was exported twice"
    assert sorted(by_url) == sorted(PAGES[path][0] for path in IN_RANGE)
    for path, timestamp in IN_RANGE.items():
        original, _, expect = PAGES[path]
        record = by_url[original]
        assert not list(validator().iter_errors(record))
        check_record(record, expect)  # read by the selectors of its own layout era
        provenance = record["provenance"]
        assert provenance["snapshot_url"] == f"{server.base_url}/web/{timestamp}id_/{original}"
        assert provenance["snapshot_timestamp"] == timestamp
    # The index was read page by page (2 captures a page) for each of the outlet's domains.
    searches = [path for _, path, _ in server.log if path.startswith("/cdx/")]
    assert any("resumeKey=" in path for path in searches)
    assert any("url=sputnikglobe.com" in path for path in searches)


def test_an_archive_crawl_backs_off_after_429_and_sends_nothing_meanwhile(archive_crawl):
    _, server, result, _ = archive_crawl
    snapshots = server.snapshot_requests()
    refused = [i for i, (_, _, status) in enumerate(snapshots) if status == 429]
    assert refused == [0, 1], snapshots
    # After a refusal the archive hears nothing for the backoff, but from the one other request
    # (WAYBACK_CONCURRENCY 2) that may have been on its way; the second refusal in a row doubles it.
    archive_log = [t for t, path, _ in server.log if not path.startswith("/robots.txt")]
    for (refused_at, _, _), wait in zip(snapshots[:2], (BACKOFF, 2 * BACKOFF)):
        assert len([t for t in archive_log if refused_at < t < refused_at + wait * 0.9]) <= 1, (refused_at, archive_log)
    assert archive_log[-1] >= snapshots[1][0] + 2 * BACKOFF * 0.9
    assert "The archive answered HTTP 429" in result.stderr
    assert all(status != 429 for _, _, status in snapshots[2:])


def test_process_over_the_archive_crawls_warc_gives_the_same_records(archive_crawl):
    records, _, _, tmp_path = archive_crawl
    [warc] = (tmp_path / "warc").glob("*.warc.gz")
    out = tmp_path / "reprocessed.jsonl"
    result = run_scrapy("process", str(warc), "-O", str(out), "-s", f"DEDUP_STORE={tmp_path / 'again.sqlite'}",
                        "-s", f"QUARANTINE_FILE={tmp_path / 'again.quarantine.jsonl'}")
    assert result.returncode == 0, result.stderr[-3000:]
    # The refused (429) answers in the WARC give way to the good answers that followed them.
    assert not (tmp_path / "again.quarantine.jsonl").exists()
    assert sorted(read_jsonl(out), key=lambda r: r["url"]) == sorted(records, key=lambda r: r["url"])


def test_archive_arguments_are_checked():
    assert archive_range(None, None, None, None) is None
    assert archive_range("wayback", "2014-01-01", "2017-12-31", None) == ("20140101", "20171231")
    for args in (("wayback", "2014/01/01", None, None), ("archive.today", None, None, None),
                 (None, "2014-01-01", None, None), ("wayback", None, None, "http://example.org/"),
                 ("wayback", "2018-01-01", "2017-12-31", None)):
        with pytest.raises(ValueError):
            archive_range(*args)


def test_cdx_rows_read_the_json_answer_and_its_resume_key():
    body = b'[["timestamp","original"],["20170101000000","http://a.example/x"],[],["key 1"]]'
    assert cdx_rows(body) == ([{"timestamp": "20170101000000", "original": "http://a.example/x"}], "key 1")
    assert cdx_rows(b"[]") == ([], None)


def politeness() -> WaybackPolitenessMiddleware:
    project = {name: value for name, value in vars(project_settings).items() if name.isupper()}
    crawler = get_crawler(Spider, {**project, "WAYBACK_BACKOFF": 60, "WAYBACK_MAX_BACKOFFS": 2})
    return WaybackPolitenessMiddleware.from_crawler(crawler)


def snapshot_request() -> Request:
    return Request("https://web.archive.org/web/20170101000000id_/https://southfront.org/a-b-c/",
                   meta={ARCHIVE_REQUEST: "snapshot"})


def test_a_refusal_is_asked_again_after_retry_after_then_given_up_after_wayback_max_backoffs():
    middleware = politeness()
    request = snapshot_request()
    for refusal, headers, wait in ((1, {"Retry-After": "120"}, 120), (2, {}, 240)):
        before = time.monotonic()
        answer = middleware.process_response(request, HtmlResponse(request.url, status=429, headers=headers))
        assert isinstance(answer, Request) and answer.url == request.url and answer.dont_filter
        assert answer.meta["wayback_refusals"] == refusal
        assert middleware.paused_until - before == pytest.approx(wait, abs=1)
        request = answer
    # The third refusal in a row is more than WAYBACK_MAX_BACKOFFS (2): the 503 goes on, with no retry at once.
    given_up = middleware.process_response(request, HtmlResponse(request.url, status=503))
    assert isinstance(given_up, HtmlResponse) and given_up.status == 503 and request.meta["dont_retry"]
    # A good answer ends the doubling; requests to the outlet's own site are not the archive's business.
    assert middleware.process_response(request, HtmlResponse(request.url, status=200)).status == 200
    assert not any(middleware.backoff.values())
    site = Request("https://southfront.org/a-b-c/")
    assert middleware.process_response(site, HtmlResponse(site.url, status=429)).status == 429


RESUME_PAGES = 30


def feed_lines(feed: Path) -> int:
    return feed.read_bytes().count(b"\n") if feed.exists() else 0


def test_a_killed_archive_crawl_resumes_with_its_jobdir_and_exports_every_article_once(tmp_path: Path):
    captures = [
        Capture(f"2017{i:02d}01000000", f"https://southfront.org/report-number-{i}/", article_html(*story(i)).encode())
        for i in range(1, RESUME_PAGES + 1)
    ]
    feed = tmp_path / "southfront.jsonl"
    with WaybackServer(captures, delay=0.05) as server:
        command = [
            sys.executable, "-m", "scrapy", "crawl", "southfront", "-a", "archive=wayback", "-a", "since=2017-01-01",
            "-o", str(feed), "-s", f"WAYBACK_URL={server.base_url}", "-s", f"DEDUP_STORE={tmp_path / 'state.sqlite'}",
            "-s", f"JOBDIR={tmp_path / 'job'}", *FAST, *QUICK,
        ]
        killed = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while killed.poll() is None and feed_lines(feed) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert killed.poll() is None, "the crawl ended before it could be killed"
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        before = feed_lines(feed)
        assert 5 <= before < RESUME_PAGES
        resumed = run_scrapy(*command[3:])
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "did not stop cleanly" in resumed.stderr
    records = read_jsonl(feed)
    assert sorted(r["url"] for r in records) == sorted(c.original for c in captures), "an article is missing or twice"
    fetched = [path for _, path, status in server.snapshot_requests() if status == 200]
    assert len(fetched) < RESUME_PAGES + 5, "the resumed crawl fetched again articles the feed already held"

