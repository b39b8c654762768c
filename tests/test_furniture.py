"""Furniture no outlet's pattern names is still caught, on the generic path and on known outlets; stock
background paragraphs an outlet repeats on purpose stay; a breadcrumb or a caption is never the title."""

from __future__ import annotations

import pytest

from plugins.model import Page

IDLIB = "Syrian government forces advanced on Sunday against Hayat Tahrir al-Sham in the south of Idlib province, local sources said."
SHELLING = "The fighting around the town of Khan Shaykhun went on through the night, with heavy shelling on both sides of the front."
# Press TV closes many Syria reports with the same background paragraph, on purpose: it is article text.
STOCK = ("Foreign-sponsored militancy in Syria has taken its toll on the Arab country's infrastructure and has left "
         "hundreds of thousands of people dead.")


def html_page(body: str, head: str = "") -> str:
    return f"<!doctype html><html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


# Lines from real pages (SouthFront's donation appeal and file-image label as the issue quotes them; the
# "FILE IMAGE: AP Photo/..." line from https://southfront.press/us-military-strikes-killed-over-100-syrian-troops-msm,
# stored page text) and the usual see-also, follow and subscribe lines.
FURNITURE = [
    "Do you like this content? Consider helping us!",
    "File Image",
    "Syrian Arab Army soldiers near Palmyra, Illustrative image",
    "FILE IMAGE: AP Photo/Petr David Josek",
    "Read more: Turkey sends more troops to Idlib as talks stall",
    "READ ALSO: Russian Military Police Deploy In Manbij",
    "Follow us on Telegram and Twitter for the latest updates.",
    "Click here to subscribe to our newsletter",
    # Sputnik's p.b-disclaimer on the real 2016-2021 page of the extraction benchmark (sputniknews.com/columnists/...)
    "The views and opinions expressed in the article do not necessarily reflect those of Sputnik.",
    "We use cookies to improve your experience on our website. By continuing to use it you agree to our use of cookies.",
    # headings of link lists under a real Tasnim page's text (tasnimnews.com/en/news/2013/12/08/214943/..., stored copy)
    "Most Visited in World",
    "Top World stories",
    # page chrome in the stored texts of syriatimes.sy/index.php/news/local/45361-... and
    # islamicinvitationturkey.com/us-israeli-backed-terrorists-target-mosque-in-syrians-idlib/
    "Breaking News",
    "Back to top button",
]


@pytest.mark.parametrize("outlet", [None, "southfront", "presstv"])
def test_unnamed_furniture_lines_go_and_stock_background_stays(chain, outlet):
    text = "\n".join(["Army Advances In Southern Idlib", IDLIB, FURNITURE[1], FURNITURE[2], SHELLING,
                      *FURNITURE[4:], STOCK, FURNITURE[0], FURNITURE[3]])
    outcome = chain.process(Page(url="https://news.example/syria/idlib-advance", outlet=outlet, text=text))
    assert outcome.status == "exported", outcome.reasons
    assert outcome.record["body"] == "\n\n".join([IDLIB, SHELLING, STOCK])
    captions = {image["caption"] for image in outcome.record["images"]}
    assert "Syrian Arab Army soldiers near Palmyra" in captions


def test_link_only_blocks_leave_the_outlet_body(chain):
    """A related-headline block and a tag list inside the body container: nearly all their text is links."""
    body = (f"<div class='entry-content'><p>{IDLIB}</p>"
            "<p><a href='/turkey-sends-troops'>Turkey Sends More Troops To Idlib As Talks Stall</a></p>"
            "<ul><li><a href='/tag/idlib'>Idlib</a></li><li><a href='/tag/hts'>HTS</a></li></ul>"
            f"<p>{SHELLING} <a href='/map'>See the map</a>.</p><p>{STOCK}</p></div>")
    outcome = chain.process(Page(url="https://southfront.press/army-advances-in-idlib/", outlet="southfront",
                                 html=html_page(body)))
    assert outcome.record["body"] == "\n\n".join([IDLIB, f"{SHELLING} See the map.", STOCK])


def test_breadcrumb_is_not_the_title_of_page_text(chain):
    text = "\n".join(["News / #PressTV / Reports", "Syrian army retakes villages in Idlib", IDLIB, SHELLING])
    outcome = chain.process(Page(url="https://news.example/reports/1", text=text))
    assert outcome.record["title"] == "Syrian army retakes villages in Idlib"
    assert outcome.record["body"] == "\n\n".join([IDLIB, SHELLING])


def test_caption_is_not_the_title_of_page_text(chain):
    text = "\n".join(["File photo shows Syrian troops in the northwestern province of Idlib.",
                      "Syrian army retakes villages in Idlib", IDLIB, SHELLING])
    outcome = chain.process(Page(url="https://news.example/reports/2", text=text))
    assert outcome.record["title"] == "Syrian army retakes villages in Idlib"
    assert outcome.record["body"] == "\n\n".join([IDLIB, SHELLING])


def test_breadcrumb_heading_is_not_the_title_of_a_page(chain):
    """No structured metadata, and the first <h1> is a breadcrumb trail: the page's <title> is the headline."""
    body = ("<h1><a href='/news'>News</a> / <a href='/presstv'>#PressTV</a> / <a href='/reports'>Reports</a></h1>"
            f"<article><h2>Syrian army retakes villages in Idlib</h2><p>{IDLIB}</p><p>{SHELLING}</p></article>")
    html = html_page(body, "<title>Syrian army retakes villages in Idlib</title>")
    outcome = chain.process(Page(url="https://news.example/reports/3", html=html))
    assert outcome.record["title"] == "Syrian army retakes villages in Idlib"


def test_article_sentences_that_look_like_furniture_stay(chain):
    """Sentences near the furniture patterns: none starts as an appeal, a label or a comment heading."""
    sentences = [
        "Follow-up reports on Telegram channels said militants of Hayat Tahrir al-Sham withdrew from the town.",
        "The ministry released a file photo of the damaged hospital on Monday, without saying when it was taken.",
        "Responses to the attack poured in from Ankara and Tehran within hours, both condemning the shelling.",
        "More than 100 fighters were killed in the clashes, according to the Syrian Observatory for Human Rights.",
        "Supporters of the Free Syrian Army rallied in Azaz after the announcement.",
        "Join talks in Astana, the Russian envoy urged the armed opposition groups on Friday.",
    ]
    text = "\n".join(["Clashes In Northern Syria", IDLIB, *sentences, SHELLING])
    outcome = chain.process(Page(url="https://news.example/syria/look-alikes", text=text))
    assert outcome.record["body"] == "\n\n".join([IDLIB, *sentences, SHELLING])


def test_badges_above_the_headline_are_not_the_title_of_page_text(chain):
    """The Press TV seed's shape (a forum copy): a poster's badge "FM" / "Former Member" above the headline."""
    text = "\n".join(["Skip to main content", "FM", "Former Member", "Syria militants, al-Qaeda-linked group clash in Aleppo",
                      IDLIB, SHELLING])
    outcome = chain.process(Page(url="https://news.example/forum/1", text=text))
    assert outcome.record["title"] == "Syria militants, al-Qaeda-linked group clash in Aleppo"
