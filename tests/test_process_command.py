"""``scrapy process``: the same chain over saved items; malformed lines reported and kept."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT, read_jsonl, run_scrapy
from tests.expect import check_record
from tests.faulty_server import article_html, story

OUTLETS_DIR = Path(__file__).resolve().parents[1] / "plugins" / "outlets"


def seed_cases() -> list[tuple[str, dict]]:
    """The page-text cases built on the founding seeds, from every outlet's cases file."""
    found = []
    for path in sorted(OUTLETS_DIR.glob("*.cases.json")):
        for case in json.loads(path.read_text(encoding="utf-8")):
            if case["name"].lower().startswith("seed") and "text" in case["input"]:
                found.append((path.name.split(".")[0], case))
    return found


def test_seed_texts_come_out_clean_through_scrapy_process(tmp_path: Path):
    cases = seed_cases()
    assert len(cases) >= 5
    source = tmp_path / "in.jsonl"
    source.write_text("".join(
        json.dumps({"url": case["input"]["url"], "outlet": outlet, "text": case["input"]["text"]}) + "\n"
        for outlet, case in cases
    ), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run_scrapy("process", str(source), "-O", str(out), "-s", f"DEDUP_STORE={tmp_path / 's.sqlite'}")
    assert result.returncode == 0, result.stderr[-3000:]
    records = {r["url"]: r for r in read_jsonl(out)}
    for outlet, case in cases:
        check_record(records[case["input"]["url"]], case["expect"])


def test_malformed_lines_are_reported_with_their_number_and_the_run_goes_on(tmp_path: Path):
    source = tmp_path / "in.jsonl"
    good = {"url": "https://news.example/a/1", "body": "Clashes broke out between two rebel factions near Idlib on Monday."}
    source.write_text(
        json.dumps(good) + "\n"
        + "{not json\n"
        + json.dumps({"outlet": "sputnik", "text": "no url here"}) + "\n"
        + json.dumps({"url": "https://news.example/a/2"}) + "\n"
        + json.dumps({**good, "url": "https://news.example/a/3"}) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = run_scrapy("process", str(source), "-O", str(out), "-s", f"DEDUP_STORE={tmp_path / 's.sqlite'}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert [r["url"] for r in read_jsonl(out)] == ["https://news.example/a/1", "https://news.example/a/3"]
    for number, reason in ((2, "is not JSON"), (3, "has no url"), (4, "has none of html, text or body")):
        assert f"in.jsonl:{number}: line {number} {reason}" in result.stderr
    quarantined = read_jsonl(tmp_path / "quarantine" / "out.jsonl")
    assert len(quarantined) == 3
    assert all(entry["reasons"] for entry in quarantined)


def test_unknown_outlet_gets_generic_cleaners(tmp_path: Path):
    source = tmp_path / "in.jsonl"
    text = "Skip to main content\nRebels clash in Daraa\nFighting between two factions killed five people.\nShare\nLeave a Reply\n"
    source.write_text(json.dumps({"url": "https://news.example/x", "outlet": "nosuch", "text": text}) + "\n")
    out = tmp_path / "out.jsonl"
    result = run_scrapy("process", str(source), "-O", str(out), "-s", f"DEDUP_STORE={tmp_path / 's.sqlite'}")
    assert result.returncode == 0, result.stderr[-3000:]
    [record] = read_jsonl(out)
    assert record["outlet"] == "nosuch"  # the label the input gave, though no cleaner knows it
    assert record["title"] == "Rebels clash in Daraa"
    assert record["body"] == "Fighting between two factions killed five people."


def test_a_killed_process_run_loses_nothing_when_run_again(tmp_path: Path):
    """Killed (SIGKILL) in the middle and run again with the same command, `scrapy process -O out.jsonl`
    ends with every input line's article exactly once: the re-run appends to the feed its killed run
    wrote (the store already remembers those records) instead of overwriting it."""
    lines = 400
    source = tmp_path / "in.jsonl"
    source.write_text("".join(
        json.dumps({"url": f"https://southfront.press/report-number-{i}/", "outlet": "southfront",
                    "html": article_html(*story(i))}) + "\n" for i in range(lines)), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "scrapy", "process", str(source), "-O", str(out),
               "-s", f"DEDUP_STORE={tmp_path / 's.sqlite'}", "-s", "LOG_LEVEL=INFO"]
    with (tmp_path / "killed.log").open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
        while process.poll() is None and (not out.exists() or out.read_bytes().count(b"\n") < 100):
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert 0 < out.read_bytes().count(b"\n") < lines, "the run was not killed in the middle"
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    urls = [record["url"] for record in read_jsonl(out)]
    assert sorted(urls) == sorted(f"https://southfront.press/report-number-{i}/" for i in range(lines))
    assert "killed before it finished" in result.stderr


def test_lines_are_read_as_a_user_means_them(tmp_path: Path):
    """A BOM, CRLF line ends, a bare CR inside a value, empty lines and control characters: every good line
    exported, a value made of control characters quarantined as binary, every line number in the log the one
    an editor shows."""
    def line(i: int, **extra) -> bytes:
        body = f"Fighting broke out near Idlib on day {i}, local sources said, in report number {i}.\nMore on {i}."
        return json.dumps({"url": f"https://news.example/a/{i}", "body": body, **extra}).encode("utf-8")
    source = tmp_path / "in.jsonl"
    source.write_bytes(
        b"\xef\xbb\xbf" + line(1) + b"\r\n"  # a BOM on the first line, Windows line ends
        + b"\r\n\n"  # two empty lines (lines 2 and 3)
        + line(4).replace(b"\\n", b"\r") + b"\r\n"  # a bare carriage return inside the body
        + line(5, title="A title with a NUL\u0000 in it").replace(b"\\u0000", b"\\u0000\\u0007") + b"\n"
        + b"{not json\n"  # line 6
        + json.dumps({"url": "https://news.example/b", "body": "\u0001\u0002\u0003" * 300}).encode() + b"\n"  # binary
        + line(8)  # no line end at the end of the file
    )
    out = tmp_path / "out.jsonl"
    result = run_scrapy("process", str(source), "-O", str(out), "-s", f"DEDUP_STORE={tmp_path / 's.sqlite'}")
    assert result.returncode == 0, result.stderr[-3000:]
    records = {r["url"].rsplit("/", 1)[1]: r for r in read_jsonl(out)}
    assert sorted(records) == ["1", "4", "5", "8"]
    assert "in.jsonl:6: line 6 is not JSON" in result.stderr
    assert "in.jsonl:7: line 7: the body is not text: the response is binary data" in result.stderr
    assert "2 empty lines skipped" in result.stderr
    assert records["5"]["title"] == "A title with a NUL in it"
    assert not any(char < " " and char != "\n" for r in records.values() for char in (r["title"] or "") + r["body"])
    assert "day 4" in records["4"]["body"] and "More on 4." in records["4"]["body"]


def test_reprocessing_an_exported_feed_keeps_every_id_and_cluster(tmp_path: Path):
    """Re-normalising an archive (the README's workflow: a fresh store) changes nothing the registry does not
    decide: ids, canonical URLs, clusters, fetching times and the page's metadata stay as exported."""
    pages = []
    for i in range(6):
        title, paragraphs = story(i)
        head = (f'<link rel="canonical" href="https://southfront.press/story-{i}/?utm_source=x">'
                f'<meta name="author" content="Reporter {i}"><meta name="keywords" content="Idlib, report {i}">')
        pages.append({"url": f"https://mirror.example/southfront/{i}", "outlet": "southfront",
                      "fetched_at": f"2020-01-0{i + 1}T00:00:00+00:00", "html": article_html(title, paragraphs, head=head)})
    # A repost of story 0 with one sentence added: a near duplicate, in story 0's cluster.
    title, paragraphs = story(0)
    pages.append({**pages[0], "url": "https://southfront.press/repost-of-0/",
                  "html": article_html(title, [*paragraphs, "A reader sent us this report."])})
    source, first, second = tmp_path / "in.jsonl", tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    source.write_text("".join(json.dumps(p) + "\n" for p in pages), encoding="utf-8")
    result = run_scrapy("process", str(source), "-O", str(first), "-s", f"DEDUP_STORE={tmp_path / 'a.sqlite'}")
    assert result.returncode == 0, result.stderr[-3000:]
    exported = read_jsonl(first)
    assert len(exported) == 7 and len({r["cluster"] for r in exported}) == 6
    result = run_scrapy("process", str(first), "-O", str(second), "-s", f"DEDUP_STORE={tmp_path / 'b.sqlite'}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert read_jsonl(second) == exported


def test_deeply_nested_input_never_stops_the_run(tmp_path: Path):
    """A line of JSON nested 100,000 deep is a bad line with its reason; a saved page with 50,000 nested divs
    is still read; every line after them is processed."""
    title, paragraphs = story(9)
    deep_page = article_html(title, paragraphs).replace(
        '<div class="entry-content">', '<div class="entry-content">' + "<div>" * 50_000 + "</div>" * 50_000)
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"url": "https://news.example/deep", "body": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
        + json.dumps({"url": "https://southfront.press/nested-divs/", "outlet": "southfront", "html": deep_page}) + "\n"
        + "".join(json.dumps({"url": f"https://news.example/after/{i}", "body": f"Clashes near Idlib, report {i}. "
                              f"Fighting went on for {i} hours."}) + "\n" for i in range(3)), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run_scrapy("process", str(source), "-O", str(out), "-s", f"DEDUP_STORE={tmp_path / 's.sqlite'}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "in.jsonl:1: line 1 is JSON nested too deeply to read" in result.stderr
    records = read_jsonl(out)
    assert [r["url"] for r in records] == ["https://southfront.press/nested-divs/",
                                           *(f"https://news.example/after/{i}" for i in range(3))]
    assert paragraphs[2] in records[0]["body"]


def test_a_quarantine_file_that_cannot_be_written_stops_the_run_with_exit_status_1(tmp_path: Path):
    source = tmp_path / "in.jsonl"
    source.write_text("{not json\n" + "".join(json.dumps({"url": f"https://news.example/c/{i}", "body": f"Clashes {i}."})
                                              + "\n" for i in range(50)), encoding="utf-8")
    result = run_scrapy("process", str(source), "-O", str(tmp_path / "out.jsonl"), "-s", "QUARANTINE_FILE=/dev/full",
                        "-s", f"DEDUP_STORE={tmp_path / 's.sqlite'}")
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Stopping: cannot write the quarantine entry" in result.stderr and "Traceback" not in result.stderr
