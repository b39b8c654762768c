"""Property: whatever page comes in, the chain neither raises nor exports an invalid record.

Random HTML (built from tags, attributes, entities and any Unicode text, control characters
included), random page text and random article text go through the whole chain, with its own
deduplication store. Every outcome is an exported record that validates against the schema, a duplicate,
or a quarantine entry whose reasons a user can read, never an internal error.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scrapy.settings import Settings

from plugins.chain import Chain
from plugins.export import validator
from plugins.model import Page

TAGS = ["p", "div", "article", "section", "span", "a", "h1", "h2", "br", "script", "style", "figure",
        "figcaption", "nav", "footer", "main", "ul", "li", "table", "td", "time", "meta", "link", "title"]
ATTRIBUTES = ["class", "id", "href", "rel", "property", "content", "name", "datetime", "type", "itemprop"]
URLS = st.sampled_from(["https://southfront.press/a-b-c/", "https://sputniknews.com/middleeast/x/",
                        "https://news.example/story", "http://127.0.0.1:8000/x-y-z/"])
OUTLETS = st.sampled_from([None, "southfront", "sputnik", "presstv", "alalam", "crowdstack", "syriaishere", "nosuch"])

# Any code point but lone surrogates (see the last test), control characters and noncharacters included.
text = st.text(st.characters(codec="utf-8"), max_size=200)
words = st.text(st.characters(min_codepoint=32, max_codepoint=0x6FF), max_size=120)  # Latin and Arabic


@st.composite
def element(draw, depth: int = 0) -> str:
    tag = draw(st.sampled_from(TAGS))
    attributes = "".join(
        f' {name}="{draw(st.sampled_from(["", "entry-content", "canonical", "og:title", "application/ld+json"]) | words)}"'
        for name in draw(st.lists(st.sampled_from(ATTRIBUTES), max_size=3))
    )
    children = draw(st.lists(st.one_of(words, text, st.sampled_from(["&amp;", "&nbsp;", "&#0;", "&bogus;", "<!--", "]]>"]),
                                       element(depth + 1) if depth < 3 else words), max_size=4))
    closed = draw(st.booleans())
    return f"<{tag}{attributes}>{''.join(children)}" + (f"</{tag}>" if closed else "")


@st.composite
def html_page(draw) -> str:
    head = "".join(draw(st.lists(element(2), max_size=3)))
    body = "".join(draw(st.lists(element(), min_size=0, max_size=5)))
    ld = draw(st.sampled_from(["", '<script type="application/ld+json">{"@type": "NewsArticle", "headline": 5}</script>',
                               '<script type="application/ld+json">[{"@graph": {}}, null, "x"]</script>']))
    ending = draw(st.sampled_from(["</body></html>", "", "</html>"]))
    return f"<!DOCTYPE html><html><head>{ld}{head}</head><body>{body}{ending}"


pages = st.one_of(
    st.builds(lambda url, outlet, html: Page(url=url, outlet=outlet, html=html), URLS, OUTLETS, html_page()),
    st.builds(lambda url, outlet, html: Page(url=url, outlet=outlet, html=html), URLS, OUTLETS, text),
    st.builds(lambda url, outlet, value: Page(url=url, outlet=outlet, text=value), URLS, OUTLETS, st.one_of(text, words)),
    st.builds(lambda url, outlet, value, title, published: Page(url=url, outlet=outlet, body=value, title=title,
                                                                published=published),
              URLS, OUTLETS, st.one_of(text, words), st.none() | words, st.none() | text),
)


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("property")
    chain = Chain(Settings({"DEDUP_STORE": str(tmp / "state.sqlite"), "QUARANTINE_FILE": str(tmp / "q.jsonl")}))
    chain.open()
    yield chain
    chain.close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(page=pages)
def test_any_page_is_exported_valid_or_quarantined_with_a_reason(chain: Chain, page: Page):
    outcome = chain.process(page)
    event(outcome.status)  # shown by --hypothesis-show-statistics: every outcome must occur
    assert outcome.status in ("exported", "duplicate", "quarantined")
    if outcome.status == "exported":
        assert not [e.message for e in validator().iter_errors(outcome.record)]
        json.dumps(outcome.record, ensure_ascii=False).encode("utf-8")  # it can be written to the feed
    if outcome.status == "quarantined":
        assert outcome.reasons and all(isinstance(r, str) and r for r in outcome.reasons)
        assert not any(r.startswith("internal error") for r in outcome.reasons), outcome.reasons


def test_a_page_with_a_lone_surrogate_is_quarantined(chain: Chain):
    outcome = chain.process(Page(url="https://news.example/s", body="Clashes in Idlib \ud800 on Monday."))
    assert outcome.status == "quarantined" and "not valid Unicode" in outcome.reasons[0]
