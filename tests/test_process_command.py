"""``scrapy process``: the same chain over saved items; malformed lines reported and kept."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import read_jsonl, run_scrapy
from tests.expect import check_record

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
