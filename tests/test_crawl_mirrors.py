"""End to end: the real ``scrapy crawl <outlet>`` against each outlet's mirror on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.mirror import Mirror, mirrors
from plugins.export import validator
from plugins.manager import get_plugin_manager, outlets_of
from tests.conftest import FAST, ROOT, read_jsonl, run_scrapy
from tests.expect import check_record

# Found by listing what is registered, so an outlet added as the README says (in this repository or in a
# package of its own) is crawled here with no edit to this file.
MIRRORS = mirrors()
OUTLETS = sorted(MIRRORS)


def crawl(outlet: str, mirror: Mirror, tmp_path: Path, *extra: str):
    feed = tmp_path / f"{outlet}.jsonl"
    result = run_scrapy(
        "crawl", outlet, "-a", "start_url=" + ",".join(mirror.start_urls()), "-O", str(feed),
        "-s", f"DEDUP_STORE={tmp_path / 'state.sqlite'}", *FAST, *extra,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result, feed


def test_every_outlet_has_a_mirror():
    assert set(outlets_of(get_plugin_manager())) == set(OUTLETS)


@pytest.mark.parametrize("outlet", OUTLETS)
def test_crawl_of_the_mirror_exports_every_article_clean_and_quarantines_the_rest(outlet: str, tmp_path: Path):
    with Mirror(MIRRORS[outlet]) as mirror:
        site = mirror.site()
        result, feed = crawl(outlet, mirror, tmp_path)

    records = read_jsonl(feed)
    for record in records:
        errors = [e.message for e in validator().iter_errors(record)]
        assert not errors, (record["url"], errors)
        assert record["outlet"] == outlet
    by_path = {urlsplit(r["url"]).path: r for r in records}
    assert sorted(by_path) == sorted(a["path"] for a in site["articles"]), "feed holds other articles than expected"
    assert len(records) == len(by_path), "an article was exported twice"
    for article in site["articles"]:
        check_record(by_path[article["path"]], article["expect"])

    quarantine = tmp_path / "quarantine" / f"{outlet}.jsonl"
    entries = read_jsonl(quarantine) if quarantine.exists() else []
    assert sorted(urlsplit(e["url"]).path for e in entries) == sorted(site.get("quarantined", []))
    for entry in entries:
        assert entry["reasons"] and all(isinstance(r, str) and r for r in entry["reasons"])
        assert f"Quarantined {entry['url']}" in result.stderr, "a quarantined page must be logged"
    summary = f"{outlet}: {len(records) + len(entries)} article pages -> {len(records)} exported, {len(entries)} quarantined"
    assert summary in result.stderr


def test_crawl_without_flags_writes_the_outlet_feed_under_output(tmp_path: Path):
    # Run from a copy of the project files so the real output/ stays untouched.
    root = Path(__file__).resolve().parents[1]
    (tmp_path / "scrapy.cfg").write_text((root / "scrapy.cfg").read_text())
    with Mirror(MIRRORS["sputnik"]) as mirror:
        result = run_scrapy("crawl", "sputnik", "-a", "start_url=" + ",".join(mirror.start_urls()), *FAST,
                            cwd=tmp_path, env={"PYTHONPATH": str(root)})
        expected = len(mirror.site()["articles"])
    assert result.returncode == 0, result.stderr[-3000:]
    feed = tmp_path / "output" / "sputnik.jsonl"
    assert len(read_jsonl(feed)) == expected
    assert (tmp_path / "output" / "state" / "dedup.sqlite").exists()
    # The feed is UTF-8 JSON Lines with non-ASCII characters written as they are.
    assert "\\u2019" not in feed.read_text(encoding="utf-8")
    json.loads(feed.read_text(encoding="utf-8").splitlines()[0])

    # With -O the named file is the only feed: the default one is not written as well.
    feed.unlink()
    with Mirror(MIRRORS["sputnik"]) as mirror:
        result = run_scrapy("crawl", "sputnik", "-a", "start_url=" + ",".join(mirror.start_urls()), *FAST,
                            "-O", "elsewhere.jsonl", "-s", "DEDUP_STORE=other.sqlite", cwd=tmp_path,
                            env={"PYTHONPATH": str(root)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(read_jsonl(tmp_path / "elsewhere.jsonl")) == expected
    assert not feed.exists()


def test_an_outlet_added_in_a_package_of_its_own_is_crawled_by_this_suite_with_no_other_edit(tmp_path: Path):
    """A throwaway seventh outlet, added as the README says: a module registered under the entry point and
    a copy of its site beside it (here Sputnik's rules and pages under another name). The suite finds it."""
    package = tmp_path / "site-packages"
    (package / "seventh_outlet-0.1.dist-info").mkdir(parents=True)
    (package / "seventh_outlet-0.1.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: seventh-outlet\nVersion: 0.1\n")
    (package / "seventh_outlet-0.1.dist-info" / "entry_points.txt").write_text(
        "[conflict_feeds]\nseventh = seventh_outlet\n")
    (package / "seventh_outlet.py").write_text(
        "import dataclasses\n"
        "from plugins import hookimpl\n"
        "from plugins.outlets import sputnik\n\n"
        "@hookimpl\n"
        "def register_outlets():\n"
        "    return [dataclasses.replace(sputnik.OUTLET, name='seventh', title='The Seventh')]\n"
    )
    shutil.copytree(MIRRORS["sputnik"], package / "sites" / "seventh")

    def suite() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(Path(__file__)), "-k",
             "seventh or every_outlet_has_a_mirror"],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(package)}, capture_output=True, text=True, timeout=300,
        )

    passed = suite()
    assert passed.returncode == 0 and "2 passed" in passed.stdout, passed.stdout[-3000:]

    site_file = package / "sites" / "seventh" / "site.json"
    site = json.loads(site_file.read_text(encoding="utf-8"))
    site["articles"][0]["expect"]["title"] = "A headline the page does not have"
    site_file.write_text(json.dumps(site), encoding="utf-8")
    failed = suite()
    assert failed.returncode == 1 and "1 failed" in failed.stdout, failed.stdout[-3000:]
