"""Readers' comments never become article text, on any outlet, known or not: comment systems in HTML and
comment threads in page text. Cases from real pages (tests/data/comments_cases.json names each source)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugins.model import Page

DATA = Path(__file__).parent / "data"
CASES = json.loads((DATA / "comments_cases.json").read_text(encoding="utf-8"))
ARTICLE = [
    "Syrian government forces and their allies advanced on Sunday against Hayat Tahrir al-Sham in the south of Idlib province.",
    "Local sources said the fighting around the town of Khan Shaykhun went on through the night, with heavy shelling.",
    "Turkey, which backs other armed groups in the area, called for an immediate return to the ceasefire agreed in Sochi.",
]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_comment_threads_in_page_text_are_dropped_generically(chain, case):
    outcome = chain.process(Page(url=case["url"], outlet="no-such-outlet", text=case["text"]))
    assert outcome.status == "exported", outcome.reasons
    body = outcome.record["body"]
    for sentence in case["article"]:
        assert sentence in body, f"article text lost: {sentence!r}"
    for comment in case["comments"]:
        assert comment not in body, f"comment text kept: {comment!r}"


def html_page(body: str) -> str:
    return f"<!doctype html><html><head><meta charset='utf-8'><title>Clashes in Idlib</title></head><body>{body}</body></html>"


COMMENT_SYSTEMS = {
    "sputnik (real widget)": (DATA / "sputnik_comments_section.html").read_text(encoding="utf-8"),
    "wordpress": "<div id='comments' class='comments-area'><h2 class='comments-title'>2 thoughts on “Clashes”</h2>"
                 "<ol class='comment-list'><li id='comment-12' class='comment'><article class='comment-body'>"
                 "<footer><b class='fn'>Abu Omar</b> <span class='says'>says:</span></footer>"
                 "<div class='comment-content'><p>Daesh will return to Raqqa and punish every traitor, this is only the start of it.</p></div>"
                 "<div class='reply'><a class='comment-reply-link'>Reply</a></div></article></li></ol></div>",
    "wpdiscuz": "<div id='wpdcom' class='wpdiscuz_unauth'><div class='wpd-thread-list'><div class='wpd-comment'>"
                "<div class='wpd-comment-author'>Stepan</div><div class='wpd-comment-text'><p>The coalition does nothing but protect the "
                "militants of the Islamic State in the desert, everyone knows it by now.</p></div></div></div></div>",
    "disqus": "<div id='disqus_thread'><p>Jabhat al-Nusra fighters are heroes of the revolution and deserve every support the world can give.</p></div>",
    "facebook": "<div class='fb-comments' data-href='https://news.example/a'><p>Hezbollah should have finished the job in Qusayr years ago, said nobody sensible.</p></div>",
    "schema.org": "<div itemscope itemtype='https://schema.org/Comment' itemprop='comment'><span itemprop='author'>Reader</span>"
                  "<p itemprop='text'>The Free Syrian Army never existed as an army, it was a brand for foreign money.</p></div>",
}


@pytest.mark.parametrize("system", COMMENT_SYSTEMS, ids=list(COMMENT_SYSTEMS))
@pytest.mark.parametrize("outlet", [None, "southfront"])
def test_comment_systems_in_html_are_removed(chain, system, outlet):
    article = "<article><h1>Clashes in Idlib</h1><div class='entry-content'>" + "".join(f"<p>{p}</p>" for p in ARTICLE) + "</div>"
    html = html_page(article + COMMENT_SYSTEMS[system] + "</article>")
    outcome = chain.process(Page(url="https://southfront.press/clashes-in-idlib-now/", outlet=outlet, html=html))
    assert outcome.status == "exported", outcome.reasons
    assert outcome.record["body"] == "\n\n".join(ARTICLE)
    names = {group["id"] for group in outcome.record["groups"]}
    assert "islamic-state" not in names and "hezbollah" not in names  # the readers' group names are not the outlet's


def test_sputnik_widget_as_page_text_is_dropped(chain):
    """The same real widget saved as visible text: its tabs, counters and prompts are no article lines."""
    from plugins.extract import block_texts, parse_html

    widget = block_texts(parse_html(html_page(COMMENT_SYSTEMS["sputnik (real widget)"])).find("body"))
    text = "\n".join([*ARTICLE, *widget])
    outcome = chain.process(Page(url="https://news.example/syria/1", text=text))
    assert outcome.record["body"] == "\n\n".join(ARTICLE)
