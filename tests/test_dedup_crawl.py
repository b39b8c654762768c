"""Deduplication end to end: repeated crawls, edited pages, tracking URLs, reposts across outlets."""

from __future__ import annotations

import shutil
from pathlib import Path

from crawler.mirror import Mirror
from tests.conftest import FAST, SITES, read_jsonl, run_scrapy


def crawl(outlet: str, start_urls: list[str], feed: Path, store: Path):
    result = run_scrapy("crawl", outlet, "-a", "start_url=" + ",".join(start_urls), "-O", str(feed),
                        "-s", f"DEDUP_STORE={store}", *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    return read_jsonl(feed), result.stderr


def test_second_crawl_of_an_unchanged_mirror_exports_nothing(tmp_path: Path):
    store = tmp_path / "state.sqlite"
    with Mirror(SITES / "southfront") as mirror:
        first, _ = crawl("southfront", mirror.start_urls(), tmp_path / "1.jsonl", store)
        second, log = crawl("southfront", mirror.start_urls(), tmp_path / "2.jsonl", store)
    articles, bad = len(mirror.site()["articles"]), len(mirror.site()["quarantined"])
    assert len(first) == articles and second == []
    summary = f"southfront: {articles + bad} article pages -> 0 exported, {bad} quarantined, {articles} duplicates"
    assert summary in log


def test_an_edited_page_comes_back_as_revision_2_and_a_tracking_url_is_not_exported_again(tmp_path: Path):
    site = tmp_path / "site"
    shutil.copytree(SITES / "alalam", site)
    store = tmp_path / "state.sqlite"
    article = Mirror(site).site()["articles"][0]
    page = site / article["path"].strip("/") / "index.html"
    html = page.read_text(encoding="utf-8")
    sentence = next(s for s in article["expect"]["body_contains"] if s in html)
    with Mirror(site) as mirror:
        first, _ = crawl("alalam", mirror.start_urls(), tmp_path / "1.jsonl", store)
        page.write_text(html.replace(sentence, sentence + " An update added by the editors later that day."),
                        encoding="utf-8")
        second, _ = crawl("alalam", mirror.start_urls(), tmp_path / "2.jsonl", store)
        tracked, log = crawl("alalam", [f"{mirror.base_url}{article['path']}?utm_source=twitter&fbclid=abc"],
                             tmp_path / "3.jsonl", store)
    [revised] = second
    original = next(r for r in first if r["id"] == revised["id"])
    assert (original["revision"], revised["revision"]) == (1, 2)
    assert "An update added by the editors later that day." in revised["body"]
    assert tracked == [] and "1 duplicates" in log


def test_a_forum_repost_joins_the_cluster_of_the_original(tmp_path: Path):
    store = tmp_path / "state.sqlite"
    with Mirror(SITES / "presstv") as presstv, Mirror(SITES / "crowdstack") as forum:
        originals, _ = crawl("presstv", presstv.start_urls(), tmp_path / "p.jsonl", store)
        reposts, _ = crawl("crowdstack", forum.start_urls(), tmp_path / "c.jsonl", store)
    original = next(r for r in originals if r["title"].startswith("Syria militants, al-Qaeda-linked group clash"))
    repost = next(r for r in reposts if "Kamal Hamami" in r["body"])
    assert repost["cluster"] == original["cluster"]
    assert repost["duplicate_of"] == original["id"]
    assert original["duplicate_of"] is None
    # Other reports of infighting, from either outlet, are stories of their own.
    others = [r for r in originals + reposts if r["id"] not in (original["id"], repost["id"])]
    assert len({r["cluster"] for r in others}) == len(others)
    assert original["cluster"] not in {r["cluster"] for r in others}
