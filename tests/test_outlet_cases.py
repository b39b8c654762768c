"""Every outlet's own test cases (``plugins/outlets/<name>.cases.json``), run through the whole chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler.pipelines import summary
from plugins.chain import Chain
from plugins.extract import layout_of, parse_html
from plugins.model import Layout, Outlet, Page
from tests.expect import OUTLETS, check_record, page_of

CASES = sorted(OUTLETS.glob("*.cases.json"))


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
    page = page_of(outlet, case["input"])
    outcome = chain.process(page)
    if case.get("quarantined"):
        assert outcome.status == "quarantined", outcome
        return
    assert outcome.status == "exported", outcome.reasons
    check_record(outcome.record, case["expect"])


SPUTNIK_2019 = {"url": "https://sputniknews.com/columnists/201911181077343476-royal-self-indicting-arrogance/",
                "html_file": "pages/sputnik-201911181077343476.html"}


def test_layout_era_is_chosen_by_the_pages_markup(chain: Chain) -> None:
    draft = chain.pm.hook.extract_article(page=page_of("sputnik", SPUTNIK_2019), outlet=chain.outlets["sputnik"],
                                          chain=chain)
    assert draft.layout.name == "b-article 2016-2021"
    assert draft.body_source == "selector"


def test_markup_of_no_known_era_goes_to_the_generic_extractor_and_is_counted(chain: Chain, caplog) -> None:
    # A Sputnik page whose text sits in markup neither era knows: the 2016-2021 era's drop list must not
    # run on it half-matching, the generic extractor reads it, and the crawl's summary counts it.
    paragraphs = "".join(
        f"<p>Fighters of two militant groups clashed near the town of Saraqib on day {n}, local sources said, "
        f"and the fighting went on into the night while residents stayed inside their homes.</p>" for n in range(8))
    html = (f"<html><head><title>Militants clash near Saraqib</title></head><body><div class='b-article__refs'>"
            f"<main class='story'><h1>Militants clash near Saraqib</h1>{paragraphs}</main></div></body></html>")
    with caplog.at_level("WARNING"):
        outcome = chain.process(Page(url="https://sputniknews.com/middleeast/202201011091234567-saraqib/",
                                     outlet="sputnik", html=html))
    assert outcome.status == "exported", outcome.reasons
    assert "Fighters of two militant groups clashed near the town of Saraqib on day 7" in outcome.record["body"]
    assert chain.stats.get_value("articles/layout_unknown") == 1
    assert "matches no layout era of sputnik" in caplog.text
    assert "(1 of an unknown layout)" in summary("sputnik", chain.stats)


def test_a_sign_off_cut_off_a_paragraph_stays_on_its_line_with_the_reason(chain: Chain) -> None:
    # The one cleaner that shortens a line must leave what it cut where `scrapy explain` can show it.
    text = ("Militants clash in Idlib\n\nThe fighting has destroyed much of the local infrastructure. NT/HGL\n\n"
            "Related Stories\n\nSyria army retakes key areas in Homs\n")
    outlet = chain.outlets["presstv"]
    draft = chain.hook.extract_article(page=Page(url="https://www.presstv.ir/Detail/2019/01/05/1/x", text=text),
                                       outlet=outlet, chain=chain)
    chain.hook.clean_lines(draft=draft, outlet=outlet, chain=chain)
    line = next(line for line in draft.lines if line.trimmed)
    assert line.text == "The fighting has destroyed much of the local infrastructure."
    assert line.trimmed == ("NT/HGL", "editors' sign-off")
    assert draft.body() == "The fighting has destroyed much of the local infrastructure."


def test_where_two_eras_match_the_pages_date_picks_the_era_in_force_then() -> None:
    outlet = Outlet(
        name="twoeras", title="Two eras", domains=("example.org",), start_urls=("https://example.org/",),
        article_paths=(r"^/a/\d+$",),
        layouts=(Layout(name="old", marker="div.text", valid_until="2021-06-01", body_selectors=("div.text",)),
                 Layout(name="new", marker="div.text", body_selectors=("div.text",))),
    )
    page = parse_html("<html><body><div class='text'><p>Text.</p></div></body></html>")
    assert layout_of(page, outlet, "2019-11-18T21:17:00+00:00", None).name == "old"
    assert layout_of(page, outlet, "2022-01-03", None).name == "new"
    assert layout_of(page, outlet, None, None).name == "old"  # undated: the first listed
    assert layout_of(parse_html("<html><body><p>Text.</p></body></html>"), outlet, None, None) is None
