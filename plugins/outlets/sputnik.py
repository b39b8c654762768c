"""Sputnik News, English edition (sputniknews.com, since 2023 sputnikglobe.com): its Middle East section.

URLs: around 2014-2016 ``/middleeast/20150102/1016459432.html``; 2016-2021 ``/middleeast/201501021016459432/``
(the same date and id run together, later with a slug: ``/middleeast/201803151062548055-some-slug/``);
since 2021 ``/20230308/some-slug-1108023456.html``. Discovery: the RSS feed
(``/export/rss2/archive/index.xml``, all sections), the Middle East section page (``/middleeast/``) and
its day archives (``/middleeast/20141230/``); other sections are not followed.

Markup, 2016-2021 (the layout of the seed page): the article is ``div.b-article``: a header with the
``h1`` (``.b-article__header-title``) and photo, ``.b-article__refs`` (``time.b-article__refs-date``,
the section link, the author, "Get short URL"), the lead ``.b-article__lead``, the text
``.b-article__text`` (``itemprop=articleBody``) with in-text photos and ``.b-inject`` boxes (a related
article's photo, credit and headline), then the tags, likes, related headlines and ``.b-comments``.
Since 2021: ``div.article`` with ``h1.article__title``, ``.article__announce-text`` (the lead),
``.article__info-date``, ``.article__body`` made of ``.article__block[data-type]`` (``text``, ``media``,
``article`` = an inline related article; photos are ``.media`` with a ``.media__copyright`` line), and
``ul.tags``.

Furniture (as page text): a live clock ("09:53 GMT20 January 2021"; in 2017-2018 "08:17 GMT +315 March
2018"): the time the page was fetched, never the publication date; "Listen Live"; the section name;
"Get short URL"; now and then a story link with its count ("Violence Erupts as Islamic State Rises
(1881)") and view/comment counters; photo captions followed by a "© Photo : ..." / "© AFP 2018/ ..."
credit; "READ MORE: <headline>" links in the text; the related headlines and the tag line at the end;
"Community standards" / "Discussion". Since 2021 the page text runs the article's blocks together on one
line, after a shortened announce that ends in the date and the site ("... said... 17.08.2022, Sputnik
International"), and the text ends with the note on groups banned in Russia; readers' comments follow it.
"""

import re
from functools import partial

from plugins.cleaners import (
    drop_after,
    drop_headlines_before,
    drop_matching,
    is_headline,
    take_credited_captions,
    take_tag_line,
)
from plugins.dates import to_iso
from plugins.hookspecs import hookimpl
from plugins.model import Draft, Layout, Outlet

# "09:53 GMT20 January 2021" (clock and date in two elements, no space between), "08:17 GMT +315 March 2018"
# (the offset "+3" runs into the day "15").
LIVE_CLOCK = re.compile(r"\d{1,2}:\d{2}\s*GMT\s*(?:[+-]\d)?\s*\d{1,2}\s+[A-Z][a-z]+\s+\d{4}")
CREDIT_LINE = re.compile(r"©\s*(?:Photo\s*:\s*)?(?P<credit>.+)")
COMMUNITY = re.compile(r"Community standards\s*(?:Discussion)?|Discussion", re.IGNORECASE)
# A story ("trend") link under "Get short URL": its title and the number of articles in it.
STORY_LINK = re.compile(r".{3,120}\s\(\d+\)")
HEADER_LINES = 8
# <meta name="author"> adds the site to the person: "Finian Cunningham. Sputnik International".
SITE_AFTER_AUTHOR = re.compile(r"\.?\s*Sputnik(?: International)?\s*$")
# The note Sputnik appends to the text when it names a group banned in Russia: "*Daesh (also known as
# ISIS/ISIL/IS) is a terrorist group banned in Russia". It closes the article: what follows on a page's
# text is readers' comments and links. A sentence of the article saying the same has no asterisk.
# Written "*Jabhat al-Nusra is a terrorist group* banned in Russia" too.
BAN_NOTE = re.compile(r"\*[^*]{3,200}?(?:\*\s*)?\b(?:banned|outlawed|prohibited)\b[^*]{0,40}\bRussia\.?\s*$")
# Since 2021 the page text opens with the shortened announce, its date and the site: "MOSCOW (Sputnik) -
# ... said... 17.08.2022, Sputnik International". The date is the publication date (day first).
ANNOUNCE = re.compile(r".{10,400}\.\.\.\s*(\d{2})\.(\d{2})\.(\d{4}),\s*Sputnik International")


def drop_header(draft: Draft) -> None:
    """The section name stands just above "Get short URL" (below "Listen Live"), a story link with its
    article count sometimes just below it; the live clock is dropped wherever it is."""
    lines = draft.lines[:HEADER_LINES]
    for index, line in enumerate(lines):
        if line.text != "Get short URL":
            continue
        if index > 0 and len(lines[index - 1].text.split()) <= 4:
            draft.drop(index - 1, "section name")
        after = lines[index + 1] if index + 1 < len(lines) else None
        if after is not None and STORY_LINK.fullmatch(after.text) and is_headline(after.text):
            draft.drop(index + 1, "story link")
    drop_matching(draft, LIVE_CLOCK, "live clock (time of fetching, not of publication)")


def authors_without_site(draft: Draft) -> None:
    """The author is the person the metadata names, not the site it appends (nor the site alone)."""
    draft.authors = [name for name in (SITE_AFTER_AUTHOR.sub("", a) for a in draft.authors) if name]


def take_announce_date(draft: Draft) -> None:
    """The shortened announce near the top is a teaser of the text, not the text: its date is kept."""
    for index, text in draft.kept()[:HEADER_LINES]:
        match = ANNOUNCE.fullmatch(text)
        if match:
            day, month, year = match.groups()
            draft.published = draft.published or to_iso(f"{year}-{month}-{day}")
            draft.drop(index, "announce teaser with the publication date")
            return


def drop_footer(draft: Draft) -> None:
    """Tags sit just above "Community standards"; the related headlines just above the tags."""
    tag_position = take_tag_line(draft, COMMUNITY)
    if tag_position is not None:
        drop_headlines_before(draft, tag_position)
    drop_matching(draft, COMMUNITY, "sputnik furniture")


OUTLET = Outlet(
    name="sputnik",
    title="Sputnik",
    domains=("sputniknews.com", "sputnikglobe.com"),
    start_urls=("https://sputniknews.com/export/rss2/archive/index.xml", "https://sputniknews.com/middleeast/"),
    article_paths=(
        r"^/(?:[a-z_]+/)?\d{8}/[\w-]+\.html$",  # /middleeast/20150102/1016459432.html, /20230308/slug-1108023456.html
        r"^/[a-z_]+/\d{12,}(?:-[\w-]+)?/?$",  # /middleeast/201501021016459432/, /middleeast/201803151062548055-slug/
    ),
    # The Middle East section and its day archives only: the rest of the site seldom reports on Syria.
    listing_paths=(r"^/middleeast/?(?:\?page=\d+)?$", r"^/middleeast/\d{8}/?$"),
    timezone="Europe/Moscow",
    layouts=(
        # The layout of the real page in the article-extraction benchmark (../shared/eval/, 1f765c48...,
        # sputniknews.com/columnists/201911181077343476-...), 2016-2021: the byline block
        # ``.b-article__refs-text`` (section, time, "Get short URL", author, counters), the Google News
        # box, the lead and ``.b-article__text`` (ending in a ``p.b-disclaimer``), then the share pane,
        # likes, Taboola, the related lists ``.b-article__refs`` and ``section.comments`` (Facebook
        # comments plugin). The end of the era is a guess from the URL scheme change of 2021.
        Layout(
            name="b-article 2016-2021",
            marker=".b-article .b-article__text",
            valid_until="2021-06-01",
            title_selectors=(".b-article__header-title h1", "h1"),
            # The whole article block, so the lead (outside the text element) is kept.
            body_selectors=(".b-article",),
            published_selectors=("time.b-article__refs-date[datetime]", "time[datetime]"),
            author_selectors=(".b-article__refs-author a", "[itemprop=author] [itemprop=name]"),
            tag_selectors=(".b-article__tags a", "ul.b-tags a"),
            drop_selectors=(
                ".b-article__header-title", ".b-article__refs-text", ".b-article__refs", ".article__google-news",
                ".b-counters", ".b-article__tags", ".b-article__likes", ".b-article__meta", ".b-article__related",
                ".b-inject", ".b-comments", "section.comments", ".b-share", ".social-likes-pane",
                ".social-likes-pane__holder", "p.b-disclaimer", ".b-banner", ".b-banner-container",
                ".taboola-banner",
            ),
        ),
        # Since 2021: the text is ``.article__body`` made of ``.article__block[data-type]``.
        Layout(
            name="article 2021-",
            marker=".article .article__body",
            title_selectors=("h1.article__title", "h1"),
            body_selectors=(".article",),
            published_selectors=(".article__info-date time[datetime]", "time[datetime]"),
            author_selectors=(".article__author-name", "[itemprop=author] [itemprop=name]"),
            tag_selectors=(".tags .tag a", ".tags a"),
            drop_selectors=(
                ".article__title", ".article__info", ".article__block[data-type=article]", ".article__footer",
                ".article__userbar", ".media__copyright", ".m-buttons",
            ),
        ),
    ),
    furniture_lines=(
        r"Listen Live",
        r"Get short URL",
        r"All materials",
        r"Subscribe",
        r"Search",
        r"Register",
        r"\d+(?:\s+\d+)?",  # view and comment counters
        r"READ MORE:.*",  # a link to another article inside the text
        r"Sputnik(?: International)?",  # the site's name alone, under the lead of an AMP page
    ),
    line_cleaners=(
        authors_without_site,
        drop_header,
        take_announce_date,
        partial(take_credited_captions, credit_line=CREDIT_LINE),
        drop_footer,
        partial(drop_after, last_line=BAN_NOTE, reason="after the end of the article (readers' comments)"),
    ),
)


@hookimpl
def register_outlets():
    return [OUTLET]
