"""Nothing silently empty: a crawl that reaches no article page says why in one line and exits non-zero;
copies of a site under a path prefix are crawled; a finished job run again makes a new pass; unknown
names in PLUGINS_DISABLED are an error."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.mirror import Mirror, mirrors
from plugins.manager import UnknownPluginError, get_plugin_manager
from tests.conftest import FAST, ROOT, read_jsonl, run_scrapy

OUTLET = "sputnik"


def crawl_in(folder: Path, *args: str):
    (folder / "scrapy.cfg").write_text((ROOT / "scrapy.cfg").read_text())
    return run_scrapy("crawl", OUTLET, *FAST, *args, cwd=folder, env={"PYTHONPATH": str(ROOT)})


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_entry_points_that_all_fail_end_with_one_line_and_a_non_zero_exit(tmp_path: Path):
    port = closed_port()
    result = crawl_in(tmp_path, "-a", f"start_url=http://127.0.0.1:{port}/middleeast/", "-s", "RETRY_TIMES=0")
    assert result.returncode == 1
    assert (f"sputnik: the crawl reached no article page: every entry point failed: "
            f"http://127.0.0.1:{port}/middleeast/: the server refused the connection") in result.stderr
    assert "Traceback" not in result.stderr


def copy_under_prefix(tmp_path: Path, prefix: str) -> Path:
    """The sputnik mirror as an archive keeps it: below a folder, its root-relative links rewritten."""
    root = tmp_path / "archive"
    shutil.copytree(mirrors()[OUTLET], root / prefix)
    for page in (root / prefix).rglob("*"):
        if page.suffix in (".html", ".xml"):
            text = page.read_text(encoding="utf-8")
            page.write_text(text.replace('href="/', f'href="/{prefix}/').replace("<link>/", f"<link>/{prefix}/"),
                            encoding="utf-8")
    return root


def test_a_copy_under_a_path_prefix_is_crawled_as_the_site(tmp_path: Path):
    with Mirror(copy_under_prefix(tmp_path, "sputnik")) as mirror:
        site = json.loads((mirrors()[OUTLET] / "site.json").read_text(encoding="utf-8"))
        starts = ",".join(f"{mirror.base_url}/sputnik{path}" for path in ("/export/rss2/archive/index.xml",
                                                                          "/middleeast/"))
        result = crawl_in(tmp_path, "-a", f"start_url={starts}")
    assert result.returncode == 0, result.stderr[-3000:]
    records = read_jsonl(tmp_path / "output" / f"{OUTLET}.jsonl")
    expected = sorted(f"/sputnik{a['path']}" for a in site["articles"])
    assert sorted(urlsplit(r["url"]).path for r in records) == expected


def test_links_that_fit_no_pattern_below_the_prefix_end_with_one_line_and_a_non_zero_exit(tmp_path: Path):
    root = tmp_path / "archive"
    (root / "copy").mkdir(parents=True)
    (root / "copy" / "index.html").write_text('<a href="/copy/news/2017/07/21/clashes.html">Clashes</a>')
    with Mirror(root) as mirror:
        result = crawl_in(tmp_path, "-a", f"start_url={mirror.base_url}/copy/")
    assert result.returncode == 1
    assert ("sputnik: the crawl reached no article page: none of the 1 links found on its host fits the "
            "outlet's article or listing patterns (the first: /news/2017/07/21/clashes.html below the prefix "
            "/copy)") in result.stderr


def test_a_finished_job_run_again_fetches_its_entry_points_and_skips_the_articles_it_has(tmp_path: Path):
    with Mirror(mirrors()[OUTLET]) as mirror:
        start = ",".join(mirror.start_urls())
        first = crawl_in(tmp_path, "-a", f"start_url={start}", "-s", "JOBDIR=job")
        assert first.returncode == 0, first.stderr[-3000:]
        fetched_first = list(mirror.requested)
        mirror.requested.clear()
        second = crawl_in(tmp_path, "-a", f"start_url={start}", "-s", "JOBDIR=job")
        assert second.returncode == 0, second.stderr[-3000:]
        articles = {a["path"] for a in mirror.site()["articles"]}
    entry_points = {urlsplit(url).path for url in mirror.start_urls()}
    assert entry_points <= set(mirror.requested), "the second pass did not start from the entry points"
    assert articles <= set(fetched_first)
    assert not articles & set(mirror.requested), "the second pass fetched articles the job already has"
    assert len(read_jsonl(tmp_path / "output" / f"{OUTLET}.jsonl")) == len(articles)


def test_plugins_disabled_takes_short_names_and_refuses_unknown_ones(tmp_path: Path):
    assert get_plugin_manager(("dedup",)).get_plugin("plugins.dedup") is None
    assert get_plugin_manager(("plugins.dedup",)).get_plugin("plugins.dedup") is None
    with pytest.raises(UnknownPluginError, match="dedupe.*Valid names: .*dedup"):
        get_plugin_manager(("dedupe",))
    result = crawl_in(tmp_path, "-s", "PLUGINS_DISABLED=dedupe")
    assert result.returncode == 2
    assert "PLUGINS_DISABLED names no registered plugin: dedupe. Valid names:" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "output").exists()
