"""Extraction from HTML: structured metadata first, outlet selectors next, generic extractor last."""

from __future__ import annotations

import json

from plugins.model import Page
from tests.conftest import read_jsonl

ARTICLE = " ".join(
    ["Heavy fighting broke out on Monday between rival rebel factions in the countryside of Idlib, residents said."] * 3
)


def page(head: str = "", body: str = "") -> str:
    return f"<!doctype html><html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


def test_json_ld_then_opengraph_then_canonical(chain):
    ld = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "News Example"},
            {"@type": "NewsArticle", "headline": "Rebels clash in Idlib", "datePublished": "2017-07-16T13:18:15+04:30",
             "author": [{"@type": "Person", "name": "Jane Doe"}], "keywords": "Idlib, infighting",
             "image": {"@type": "ImageObject", "url": "https://news.example/a.jpg", "caption": "Fighters near Idlib"}},
        ],
    }
    head = (f"<script type='application/ld+json'>{json.dumps(ld)}</script>"
            "<meta property='og:title' content='Other title | News Example'>"
            "<link rel='canonical' href='https://news.example/story/1?utm_source=x'>")
    html = page(head, f"<nav>Home / World</nav><article><h1>Rebels clash in Idlib</h1><p>{ARTICLE}</p></article>")
    outcome = chain.process(Page(url="https://mirror.example/story/1", html=html))
    record = outcome.record
    assert outcome.status == "exported", outcome.reasons
    assert record["title"] == "Rebels clash in Idlib"
    assert record["published"] == "2017-07-16T13:18:15+04:30"
    assert record["authors"] == ["Jane Doe"] and record["tags"] == ["Idlib", "infighting"]
    assert record["canonical_url"] == "https://news.example/story/1"
    assert record["images"][0] == {"url": "https://news.example/a.jpg", "caption": "Fighters near Idlib", "credit": None}
    assert record["body"] == ARTICLE


def test_opengraph_when_there_is_no_json_ld(chain):
    head = ("<meta property='og:title' content='Clashes in Aleppo - News Example'><meta property='og:site_name' content='News Example'>"
            "<meta property='article:published_time' content='2014-01-05T10:00:00Z'>"
            "<meta property='article:tag' content='Aleppo'><meta property='article:tag' content='ISIL'>")
    outcome = chain.process(Page(url="https://news.example/2", html=page(head, f"<article><p>{ARTICLE}</p></article>")))
    assert outcome.record["title"] == "Clashes in Aleppo"
    assert outcome.record["published"] == "2014-01-05T10:00:00+00:00"
    assert outcome.record["tags"] == ["Aleppo", "ISIL"]


def test_outlet_selectors_take_the_body_and_captions_leave_it(chain):
    body = (
        "<div class='entry-content'><p>First paragraph of the report, about the fighting in Idlib.</p>"
        "<figure class='wp-caption'><img src='/m.jpg' alt='Fighters'><figcaption class='wp-caption-text'>"
        "Fighters drive in Aleppo (Photo: Getty Images)</figcaption></figure>"
        "<div class='sharedaddy'>Share this: Twitter Facebook</div>"
        "<p>Second paragraph<br>with a line break.</p></div>"
    )
    outcome = chain.process(Page(url="https://southfront.press/a-b-c/", outlet="southfront", html=page("", body)))
    record = outcome.record
    assert record["body"] == "First paragraph of the report, about the fighting in Idlib.\n\nSecond paragraph\n\nwith a line break."
    assert {"url": "/m.jpg", "caption": "Fighters drive in Aleppo", "credit": "Getty Images"} in record["images"]


def test_generic_extractor_when_no_selector_matches(chain):
    body = ("<header><a href='/'>Home</a> <a href='/world'>World</a></header><div class='main'><h1>Clashes</h1>"
            + "".join(f"<p>{ARTICLE} Paragraph {i}.</p>" for i in range(4))
            + "</div><footer>Copyright News Example. All rights reserved.</footer>")
    outcome = chain.process(Page(url="https://news.example/3", html=page("<title>Clashes</title>", body)))
    assert outcome.status == "exported", outcome.reasons
    assert "Paragraph 3." in outcome.record["body"]
    assert "All rights reserved" not in outcome.record["body"]


def test_a_page_without_article_text_is_quarantined_with_a_reason(chain, tmp_path):
    outcome = chain.process(Page(url="https://news.example/empty", html=page("", "<nav><a href='/'>Home</a></nav>")))
    assert outcome.status == "quarantined"
    [entry] = read_jsonl(tmp_path / "quarantine.jsonl")
    assert entry["url"] == "https://news.example/empty" and entry["stage"] in ("extract", "clean")
    assert "body" in entry["reasons"][0]


def test_a_record_that_fails_the_schema_is_quarantined_with_the_errors(chain, tmp_path):
    outcome = chain.process(Page(url="ftp://news.example/file", body=ARTICLE))
    assert outcome.status == "quarantined"
    [entry] = read_jsonl(tmp_path / "quarantine.jsonl")
    assert entry["stage"] == "validate"
    assert any(reason.startswith("url:") for reason in entry["reasons"])


def test_a_failing_plugin_costs_one_page_not_the_run(chain, tmp_path):
    from plugins.hookspecs import hookimpl

    class Broken:
        @hookimpl
        def normalise_article(self, article):
            if "boom" in article["body"]:
                raise RuntimeError("boom")

    chain.pm.register(Broken())
    bad = chain.process(Page(url="https://news.example/b", body="boom goes the plugin on this article text"))
    good = chain.process(Page(url="https://news.example/g", body=ARTICLE))
    assert (bad.status, good.status) == ("quarantined", "exported")
    assert "internal error in stage normalise" in read_jsonl(tmp_path / "quarantine.jsonl")[0]["reasons"][0]


def test_a_relative_canonical_link_is_resolved_against_the_page(chain):
    head = "<link rel='canonical' href='/story/9/?utm_medium=rss'>"
    outcome = chain.process(Page(url="https://news.example/story/9/amp", html=page(head, f"<article><p>{ARTICLE}</p></article>")))
    assert outcome.record["canonical_url"] == "https://news.example/story/9"


def test_html_comments_do_not_cut_the_generic_extractor_short(chain):
    """Comment nodes inside paragraphs once made the generic path lose the text after them."""
    paragraphs = [f"<p>{ARTICLE} Part {i}.<!-- ad slot {i} --> It went on after the marker {i}.</p>" for i in range(4)]
    html = page("<title>Clashes</title>", "<div class='main'>" + "".join(paragraphs) + "</div>")
    outcome = chain.process(Page(url="https://news.example/with-comments", html=html))
    assert outcome.status == "exported", outcome.reasons
    for i in range(4):
        assert f"It went on after the marker {i}." in outcome.record["body"]
