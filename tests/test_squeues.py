"""The scheduler's spilling queues (crawler/squeues.py): a crawl's waiting requests beyond
SCHEDULER_SPILL_AFTER go to an anonymous temporary file, in Scrapy's own order, and come back whole."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from queuelib.queue import FifoMemoryQueue, LifoMemoryQueue
from scrapy import Request

from crawler.spiders import OutletSpider
from crawler.squeues import FifoSpillingQueue, LifoSpillingQueue
from plugins.outlets.southfront import OUTLET
from tests.conftest import FAST, ROOT
from tests.faulty_server import FaultyServer, article_html, page, story


class Spider(OutletSpider):
    name = "southfront"
    outlet = OUTLET


def request(spider: Spider, number: int) -> Request:
    if number % 7 == 0:  # a listing: the spider's parse, no errback, another priority
        return Request(f"https://southfront.press/category/syria/page/{number}/", callback=spider.parse, priority=-1)
    return spider.article_request(f"https://southfront.press/report-{number}/", note=[number, "ü"])


@pytest.mark.parametrize(("spilling", "reference"), [(LifoSpillingQueue, LifoMemoryQueue),
                                                     (FifoSpillingQueue, FifoMemoryQueue)])
def test_a_spilling_queue_gives_back_every_request_whole_in_scrapys_order(spilling, reference):
    spider = Spider()
    queue, expected = spilling(spider, limit=3), reference()
    rng = random.Random(5)
    number = 0
    for _ in range(400):
        if rng.random() < 0.6:
            number += 1
            queue.push(request(spider, number))
            expected.push(request(spider, number))
        else:
            got, want = queue.pop(), expected.pop()
            assert (got and got.to_dict(spider=spider)) == (want and want.to_dict(spider=spider))
        assert len(queue) == len(expected)
        assert len(queue.memory) <= 3  # the rest is on disk
    assert queue.spilled is not None and len(queue.spilled) > 0
    while expected:
        got = queue.pop()
        assert got.to_dict(spider=spider) == expected.pop().to_dict(spider=spider)
        assert got.callback in (spider.parse, spider.parse_article)  # bound to the crawl's own spider
    assert queue.pop() is None and len(queue) == 0
    queue.close()


@pytest.mark.parametrize("spilling", [LifoSpillingQueue, FifoSpillingQueue])
def test_a_request_that_cannot_be_written_to_disk_stays_in_memory(spilling):
    spider = Spider()
    queue = spilling(spider, limit=1)
    callback = lambda response: None  # noqa: E731 - not a spider method: it has no name to write down
    urls = [f"https://southfront.press/report-{n}/" for n in range(5)]
    for url in urls:
        queue.push(Request(url, callback=callback))
    assert len(queue) == 5
    popped = [queue.pop() for _ in urls]
    assert sorted(r.url for r in popped) == urls and all(r.callback is callback for r in popped)
    assert queue.pop() is None
    queue.close()


def stat(log: str, name: str) -> int:
    found = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(found.group(1)) if found else 0


def test_a_crawl_that_spills_its_queue_fetches_every_page_once_and_leaves_no_file(tmp_path: Path):
    pages = 40
    paths = [f"/report-number-{i}/" for i in range(1, pages + 1)]
    routes = {path: page(article_html(*story(i))) for i, path in enumerate(paths, start=1)}
    routes["/robots.txt"] = page("User-agent: *\nAllow: /\n", content_type="text/plain")
    routes["/sitemap.xml"] = page('<?xml version="1.0"?><urlset>' + "".join(f"<url><loc>{p}</loc></url>" for p in paths)
                                  + "</urlset>", content_type="application/xml")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    with FaultyServer(routes) as server:
        done = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "southfront", "-a", f"start_url={server.base_url}/sitemap.xml",
             "-O", str(tmp_path / "feed.jsonl"), "-s", f"DEDUP_STORE={tmp_path / 'state.sqlite'}", *FAST,
             "-s", "SCHEDULER_SPILL_AFTER=4", "-s", "LOG_DETAILS=True"],
            cwd=ROOT, env={**os.environ, "TMPDIR": str(temporary)}, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        assert all(server.requested(path) == 1 for path in paths), "a page was fetched twice or never"
    records = [json.loads(line) for line in (tmp_path / "feed.jsonl").read_text().splitlines()]
    assert sorted(urlsplit(r["url"]).path for r in records) == sorted(paths)
    assert stat(done.stderr, "scheduler/spilled") >= pages - 4 * 2  # (a queue per priority may keep 4)
    assert not list(temporary.iterdir()), "the spilled queue left a file behind"
