"""Every outlet's own test cases (``plugins/outlets/<name>.cases.json``), run through the whole chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.settings import Settings

from plugins.chain import Chain
from plugins.model import Page
from tests.expect import check_record

CASES = sorted((Path(__file__).resolve().parents[1] / "plugins" / "outlets").glob("*.cases.json"))


def load_cases() -> list:
    return [
        pytest.param(path.name.split(".")[0], case, id=f"{path.name.split('.')[0]}: {case['name']}")
        for path in CASES
        for case in json.loads(path.read_text(encoding="utf-8"))
    ]


@pytest.fixture
def chain(tmp_path: Path):
    # Each case stands alone: no deduplication store shared between cases.
    chain = Chain(Settings({"PLUGINS_DISABLED": ["plugins.dedup"], "QUARANTINE_FILE": str(tmp_path / "q.jsonl")}))
    chain.open()
    yield chain
    chain.close()


def test_every_outlet_has_cases():
    chain = Chain(Settings({"PLUGINS_DISABLED": ["plugins.dedup"]}))
    assert {path.name.split(".")[0] for path in CASES} >= set(chain.outlets)


@pytest.mark.parametrize(("outlet", "case"), load_cases())
def test_case(chain: Chain, outlet: str, case: dict) -> None:
    page = Page(outlet=case["input"].get("outlet", outlet), **{k: v for k, v in case["input"].items() if k != "outlet"})
    outcome = chain.process(page)
    if case.get("quarantined"):
        assert outcome.status == "quarantined", outcome
        return
    assert outcome.status == "exported", outcome.reasons
    check_record(outcome.record, case["expect"])
