"""The project at home in Scrapy: items through itemadapter, `scrapy parse` shows the record and writes
nothing, the installed `conflict-feeds` command works from any folder, `scrapy mirror` serves a copy."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from itemadapter import ItemAdapter

from crawler.items import ArticleItem
from crawler.mirror import Mirror, mirrors
from plugins.chain import Chain
from plugins.model import Page
from tests.conftest import FAST, ROOT, read_jsonl, run_scrapy


def test_an_exported_record_is_a_scrapy_item_with_the_schema_fields(chain: Chain):
    site = mirrors()["sputnik"]
    article = json.loads((site / "site.json").read_text(encoding="utf-8"))["articles"][0]
    html = (site / article["path"].strip("/") / "index.html").read_text(encoding="utf-8")
    record = chain.process(Page(url="https://sputniknews.com" + article["path"], outlet="sputnik", html=html)).record
    item = ArticleItem(record)
    assert ItemAdapter.is_item(item)
    assert ItemAdapter(item).asdict() == record
    assert set(ItemAdapter(item).field_names()) >= set(record)


def test_scrapy_parse_shows_the_record_and_touches_no_file(tmp_path: Path):
    (tmp_path / "scrapy.cfg").write_text((ROOT / "scrapy.cfg").read_text())
    with Mirror(mirrors()["sputnik"]) as mirror:
        article = mirror.site()["articles"][0]
        url = mirror.base_url + article["path"]
        result = run_scrapy("parse", "--spider", "sputnik", "-c", "parse_article", "-a", f"start_url={url}", url,
                            cwd=tmp_path, env={"PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"'title': {article['expect']['title']!r}" in result.stdout
    assert "'canonical_url':" in result.stdout and "<html" not in result.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["scrapy.cfg"]


def test_the_installed_command_works_from_any_folder(tmp_path: Path):
    command = Path(sys.executable).with_name("conflict-feeds")
    listed = subprocess.run([str(command), "list"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert "sputnik" in listed.stdout.split()
    # Relative paths are the folder's own: a feed given with -O lands there.
    with Mirror(mirrors()["sputnik"]) as mirror:
        crawl = subprocess.run([str(command), "crawl", "sputnik", "-a", "start_url=" + ",".join(mirror.start_urls()),
                                "-O", "feed.jsonl", *FAST], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert len(read_jsonl(tmp_path / "feed.jsonl")) == len(mirror.site()["articles"])


def test_scrapy_mirror_serves_a_folder_and_prints_the_crawl_command(tmp_path: Path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "page.html").write_text("<p>saved</p>")
    (tmp_path / "site" / "site.json").write_text('{"start_paths": ["/page.html"], "articles": []}')
    process = subprocess.Popen([sys.executable, "-m", "scrapy", "mirror", str(tmp_path / "site"), "--outlet", "x"],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        serving = process.stdout.readline()
        crawl_line = process.stdout.readline()
        base = serving.split(" at ")[1].split()[0].rstrip("/")
        assert urllib.request.urlopen(base + "/page.html", timeout=10).read() == b"<p>saved</p>"
        assert crawl_line.strip() == f"Crawl it: scrapy crawl x -a start_url={base}/page.html"
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode == 0


def copy_of_case_pages(root: Path, outlet: str) -> list[tuple[dict, Path]]:
    """A copy of the site holding the pages the outlet's HTML cases were saved from, at their paths."""
    cases = [c for c in json.loads((ROOT / "plugins" / "outlets" / f"{outlet}.cases.json").read_text(encoding="utf-8"))
             if "html" in c["input"]]
    saved = []
    for case in cases:
        path = urlsplit(case["input"]["url"]).path.lstrip("/")
        target = root / path / "index.html" if path.endswith("/") or not path else root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(case["input"]["html"], encoding="utf-8")
        saved.append((case, target))
    return saved


def test_scrapy_check_runs_a_contract_per_html_case_and_fails_when_the_page_changes(tmp_path: Path):
    saved = copy_of_case_pages(tmp_path / "site", "sputnik")
    with Mirror(tmp_path / "site") as mirror:
        passed = run_scrapy("check", "sputnik", "-a", f"start_url={mirror.base_url}/")
        case, page = saved[0]
        page.write_text(page.read_text(encoding="utf-8").replace(case["expect"]["title"], "Another headline"),
                        encoding="utf-8")
        failed = run_scrapy("check", "sputnik", "-a", f"start_url={mirror.base_url}/")
    assert passed.returncode == 0, passed.stderr[-3000:]
    assert f"Ran {len(saved)} contracts" in passed.stderr and "OK" in passed.stderr
    assert failed.returncode == 1
    assert "FAILED (failures=1)" in failed.stderr and "title: 'Another headline'" in failed.stderr
