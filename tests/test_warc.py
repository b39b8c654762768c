"""WARC provenance: a crawl with WARC_DIR keeps every response; records point at the exact bytes; ``scrapy
process`` reads the WARC (or a WACZ package of it) back into the same records."""

from __future__ import annotations

import gzip
import hashlib
import json
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings
from warcio.archiveiterator import ArchiveIterator

from crawler.mirror import Mirror
from crawler.warc import OUTLET_FIELD, WarcFiles
from crawler.warcinput import pages_of_archive
from tests.conftest import FAST, SITES, read_jsonl, run_scrapy


def warc_records(path: Path) -> list[dict]:
    """Every record of a WARC file, read with warcio (which raises on a malformed file)."""
    records = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            records.append({
                "type": record.rec_type, "id": record.rec_headers.get_header("WARC-Record-ID"),
                "uri": record.rec_headers.get_header("WARC-Target-URI"),
                "version": record.rec_headers.protocol, "payload": record.raw_stream.read(),
            })
    return records


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], Path, list[str]]:
    """A crawl of the Sputnik mirror with WARC_DIR: its records, its WARC directory, the article paths."""
    tmp_path = tmp_path_factory.mktemp("crawl")
    warc_dir = tmp_path / "warc"
    feed = tmp_path / "crawl.jsonl"
    with Mirror(SITES / "sputnik") as mirror:
        result = run_scrapy(
            "crawl", "sputnik", "-a", "start_url=" + ",".join(mirror.start_urls()), "-O", str(feed),
            "-s", f"DEDUP_STORE={tmp_path / 'crawl.sqlite'}", "-s", f"WARC_DIR={warc_dir}", *FAST,
        )
        expected_paths = [a["path"] for a in mirror.site()["articles"]]
    assert result.returncode == 0, result.stderr[-3000:]
    return read_jsonl(feed), warc_dir, expected_paths


def process(tmp_path: Path, source: Path, name: str) -> list[dict]:
    out = tmp_path / f"{name}.jsonl"
    result = run_scrapy("process", str(source), "-O", str(out), "-s", f"DEDUP_STORE={tmp_path / name}.sqlite",
                        "-s", f"QUARANTINE_FILE={tmp_path / name}.quarantine.jsonl")
    assert result.returncode == 0, result.stderr[-3000:]
    return read_jsonl(out)


def test_a_crawl_with_warc_dir_keeps_every_response_and_process_gives_back_the_same_records(crawl, tmp_path: Path):
    records, warc_dir, expected_paths = crawl
    assert sorted(urlsplit(r["url"]).path for r in records) == sorted(expected_paths)

    files = sorted(warc_dir.glob("sputnik-*.warc.gz"))
    assert len(files) == 1
    kept = warc_records(files[0])
    assert kept[0]["type"] == "warcinfo"
    assert {r["version"] for r in kept} == {"WARC/1.1"}
    responses = [r for r in kept if r["type"] == "response"]
    # One response record per fetched page (robots.txt, entry points, listings, articles), each once.
    assert len({r["uri"] for r in responses}) == len(responses)
    assert sum(r["type"] == "request" for r in kept) == len(responses)
    assert {r["url"] for r in records} <= {r["uri"] for r in responses}
    assert any(r["uri"].endswith("/robots.txt") for r in responses)
    # Each record is gzipped on its own: the file is a series of gzip members.
    with gzip.open(files[0], "rb") as whole:
        assert whole.read().count(b"WARC/1.1\r\n") == len(kept)

    by_id = {r["id"]: r for r in responses}
    for record in records:
        provenance = record["provenance"]
        assert Path(provenance["warc_file"]) == files[0]
        held = by_id[provenance["warc_record_id"]]
        assert held["uri"] == record["url"]
        assert hashlib.sha256(held["payload"]).hexdigest() == provenance["payload_sha256"]

    assert process(tmp_path, files[0], "reprocessed") == records


def test_the_warc_packaged_as_wacz_gives_the_same_records(crawl, tmp_path: Path):
    records, warc_dir, _ = crawl
    wacz = tmp_path / "sputnik.wacz"
    with zipfile.ZipFile(wacz, "w") as package:
        for path in sorted(warc_dir.glob("*.warc.gz")):
            package.write(path, f"archive/{path.name}")
        package.writestr("datapackage.json", json.dumps({"profile": "data-package", "wacz_version": "1.1.1"}))
    from_wacz = process(tmp_path, wacz, "from-wacz")

    def without_file(record: dict) -> dict:
        return {**record, "provenance": {k: v for k, v in record["provenance"].items() if k != "warc_file"}}

    assert [without_file(r) for r in from_wacz] == [without_file(r) for r in records]
    for record in from_wacz:
        package_name, _, member = record["provenance"]["warc_file"].partition("#")
        assert package_name == str(wacz) and member.startswith("archive/sputnik-")


ARTICLE_URL = "https://sputniknews.com/middleeast/201707211055768723-idlib-hts-ahrar-al-sham-clashes/"


def write_exchanges(files: WarcFiles, body: bytes, headers: dict[str, str], count: int = 1) -> None:
    for _ in range(count):
        response = HtmlResponse(ARTICLE_URL, body=body, headers=headers, request=Request(ARTICLE_URL))
        files.write_exchange(response.request, response)
    files.close()


def one_exchange(directory: Path, body: bytes, headers: dict[str, str]) -> Path:
    files = WarcFiles(directory, "sputnik", 10**9, {OUTLET_FIELD: "sputnik"})
    write_exchanges(files, body, headers)
    return files.path


def test_warc_files_roll_over_at_warc_max_size_and_never_overwrite(tmp_path: Path, article_html: bytes):
    # A size of 1 byte closes every file after one exchange: rolling over, taken to the limit.
    first = WarcFiles(tmp_path, "sputnik", 1, {OUTLET_FIELD: "sputnik"})
    write_exchanges(first, article_html, {"Content-Type": "text/html"}, count=3)
    # A second crawl starting in the same second continues the numbering instead of overwriting.
    second = WarcFiles(tmp_path, "sputnik", 1, {OUTLET_FIELD: "sputnik"})
    second.started = first.started
    write_exchanges(second, article_html, {"Content-Type": "text/html"}, count=1)
    files = sorted(tmp_path.glob("sputnik-*.warc.gz"))
    assert [f.name[-13:] for f in files] == ["00000.warc.gz", "00001.warc.gz", "00002.warc.gz", "00003.warc.gz"]
    for path in files:
        assert [r["type"] for r in warc_records(path)] == ["warcinfo", "response", "request"]


@pytest.fixture
def article_html() -> bytes:
    return (SITES / "sputnik" / "middleeast" / "201707211055768723-idlib-hts-ahrar-al-sham-clashes" / "index.html").read_bytes()


def test_a_gzip_encoded_response_is_kept_as_sent_and_read_back_decoded(tmp_path: Path, article_html: bytes):
    sent = gzip.compress(article_html)
    path = one_exchange(tmp_path, sent, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"})
    pages = list(pages_of_archive(path, Settings()))
    assert len(pages) == 1
    assert pages[0].problem is None and pages[0].outlet == "sputnik"
    assert pages[0].html == article_html.decode("utf-8")
    assert pages[0].provenance["payload_sha256"] == hashlib.sha256(sent).hexdigest()


def test_a_cut_off_warc_file_gives_its_whole_records_and_a_page_that_says_where_it_broke(tmp_path: Path, article_html: bytes):
    path = one_exchange(tmp_path, article_html, {"Content-Type": "text/html; charset=utf-8"})
    data = path.read_bytes()
    # A second copy of the exchange cut in the middle, as a killed writer could leave it.
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data + data[len(data) // 3: len(data) // 3 * 2])
    pages = list(pages_of_archive(cut, Settings()))
    assert pages[0].problem is None and pages[0].html
    assert len(pages) == 2 and "is not a readable WARC file" in pages[1].problem


def test_a_file_that_is_not_a_warc_is_reported_not_skipped(tmp_path: Path):
    bogus = tmp_path / "notes.warc.gz"
    bogus.write_bytes(gzip.compress(b"just some notes\n"))
    pages = list(pages_of_archive(bogus, Settings()))
    assert len(pages) == 1 and "is not a readable WARC file" in pages[0].problem
