"""``scrapy explain`` on each of its inputs: a saved page, a ``scrapy process`` JSON line, a URL on a mirror."""

from __future__ import annotations

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler.commands.explain import explain, read_page
from tests.conftest import SITES, run_scrapy

ARTICLE = SITES / "southfront/hayat-tahrir-al-sham-takes-control-of-bab-al-hawa-border-crossing/index.html"
ARTICLE_URL = "https://southfront.org/hayat-tahrir-al-sham-takes-control-of-bab-al-hawa-border-crossing/"
PAGE_TEXT = "\n".join([
    "News / #PressTV / Reports",
    "Syrian army retakes villages in Idlib",
    "Syrian government forces advanced on Sunday against Hayat Tahrir al-Sham in the south of Idlib province, local sources said.",
    "File Image",
    "Do you like this content? Consider helping us!",
    "The fighting around the town of Khan Shaykhun went on through the night, with heavy shelling on both sides.",
    "Notify of",
    "Abu Omar",
    "Daesh will be back in Raqqa soon enough, mark my words.",
])


def dropped_lines(output: str) -> list[tuple[str, str]]:
    """(line, "by <cleaner>: <why>") for every DROP in the report."""
    rows = output.splitlines()
    return [(row.strip(), rows[i + 1].strip()) for i, row in enumerate(rows) if row.startswith("  DROP")]


def assert_every_drop_names_its_cleaner(output: str) -> None:
    drops = dropped_lines(output)
    assert drops
    for line, by in drops:
        assert by.startswith("by plugins."), (line, by)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings({"DEDUP_STORE": str(tmp_path / "state.sqlite"), "QUARANTINE_FILE": str(tmp_path / "q.jsonl")})


def test_a_json_line_shows_every_line_kept_or_dropped_and_by_which_cleaner(settings, tmp_path):
    line = json.dumps({"url": "https://news.example/reports/1", "text": PAGE_TEXT})
    output = explain(settings, read_page(line, None, settings))
    assert "outlet:    none known" in output
    assert 'title:     "Syrian army retakes villages in Idlib"  <- the first line of the page text' in output
    drops = dict(dropped_lines(output))
    assert drops["DROP  News / #PressTV / Reports"] == "by plugins.cleaners.clean_lines > plugins.cleaners.drop_breadcrumbs: breadcrumb"
    assert drops["DROP  File Image"].endswith("take_labelled_captions: image caption (labelled as a file or illustrative picture)")
    assert drops["DROP  Do you like this content? Consider helping us!"].startswith("by plugins.cleaners.clean_lines > plugins.cleaners.drop_matching: appeal")
    assert drops["DROP  Abu Omar"].endswith("drop_comment_thread: reader comments")
    assert "KEEP  The fighting around the town of Khan Shaykhun" in output
    assert "groups:    hts (1)" in output  # the comment's "Daesh" is not the article's
    assert_every_drop_names_its_cleaner(output)
    # The same line in a file: the first line of it is explained.
    path = tmp_path / "item.jsonl"
    path.write_text(line + "\n" + json.dumps({"url": "https://news.example/2", "body": "x"}) + "\n", encoding="utf-8")
    assert explain(settings, read_page(str(path), None, settings)) == output
    assert not (tmp_path / "state.sqlite").exists() and not (tmp_path / "q.jsonl").exists()  # explain writes nothing


def test_a_saved_page_names_selectors_sources_and_removed_elements(tmp_path):
    html = Path(ARTICLE).read_text(encoding="utf-8").replace(  # a comment list inside the body container
        "<div class=\"sharedaddy", "<div id='comments'><p>Reader: HTS are heroes.</p></div><div class=\"sharedaddy", 1)
    page_file = tmp_path / "saved.html"
    page_file.write_text(html, encoding="utf-8")
    result = run_scrapy("explain", str(page_file), "--url", ARTICLE_URL)
    assert result.returncode == 0, result.stderr
    output = result.stdout
    assert "outlet:    southfront" in output
    assert "body:      selector .entry-content of outlet southfront" in output
    assert 'title:     "Hay’at Tahrir al-Sham Takes Control Of Bab al-Hawa Border Crossing"  <- <meta> og:title' in output
    assert '<- <meta> "article:published_time"' in output
    assert 'authors:   "South Front"  <- selector .author a[rel=author]' in output
    assert "<div.support-southfront> page furniture (drop selectors): Support SouthFront" in output
    assert "<div#comments> page furniture (drop selectors): Reader: HTS are heroes." in output  # southfront names it
    assert "KEEP  Hay’at Tahrir al-Sham (HTS) has taken over the Bab al-Hawa border crossing" in output
    assert "Reader: HTS are heroes." not in output.split("lines of the body")[1]


@pytest.fixture
def mirror():
    """The SouthFront mirror served on 127.0.0.1 (a free port), for the length of one test."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(SITES / "southfront"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_url_on_a_mirror_is_fetched_and_explained(mirror):
    result = run_scrapy("explain", f"{mirror}/hayat-tahrir-al-sham-takes-control-of-bab-al-hawa-border-crossing/",
                        "--outlet", "southfront")
    assert result.returncode == 0, result.stderr
    assert "outlet:    southfront" in result.stdout
    assert "KEEP  Hay’at Tahrir al-Sham (HTS) has taken over the Bab al-Hawa border crossing" in result.stdout
    assert "groups:    hts" in result.stdout


def test_an_unreachable_url_is_a_clear_error():
    result = run_scrapy("explain", "http://127.0.0.1:9/nothing-here/")
    assert result.returncode != 0
    assert "could not fetch http://127.0.0.1:9/nothing-here/" in result.stderr + result.stdout
