"""Press TV (www.presstv.ir; also presstv.com, presstv.co.uk, presstv.tv), Tehran's English-language news channel.

URL scheme: articles are ``/Detail/YYYY/MM/DD/<id>/<Slug>`` (the id governs, the slug varies); links from
2012-2014 are written ``/detail/YYYY/MM/DD/<id>/<slug>/`` (lower case, trailing slash) and earlier ones
``/detail/<id>.html`` or ``/detail.aspx?id=<id>``. Section listings are ``/Section/<id>`` with further pages
``/Section/<id>/<n>`` (``/Default/Section/<id>`` on the 2015-2019 site); the feed is ``/RSS``. Many Detail
pages are video reports with no text: they end in quarantine.

Markup (2020- site): the headline in ``h1.news-title-container``, the date in ``div.news-detail``, the text
in ``div.news-body-container``; ``<meta name="DC.Date.Created" content="7/13/2013 5:52:00 PM">`` (month
first) and OpenGraph in the head (no JSON-LD article is known). Dates are GMT ("Thu Jan 9, 2014 4:32PM GMT").

Furniture: the section breadcrumb ("News / West Asia / Syria"), the dateline ("Sat Jul 13, 2013 5:52PM",
on newer pages "Saturday, 13 July 2013 5:52 PM [ Last Update: ... ]"), a photo caption printed once
("File photo shows ...", "... (file photo)"), the editors' initials closing the text ("MAL/MP/PR"),
share buttons, "Related stories" with their headlines, and the footer naming the site's alternate
addresses ("Press TV's website can also be accessed at the following alternate addresses:",
"Press TV News Roku").
"""

import re
from functools import partial

from plugins.cleaners import (
    cut_sign_off,
    drop_run,
    is_caption,
    split_credit,
    take_byline,
    take_dateline,
    take_repeated_captions,
)
from plugins.hookspecs import hookimpl
from plugins.model import Draft, Layout, Outlet

DATELINE = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w*,?\s+)?(?:\w{3,9}\s+\d{1,2}|\d{1,2}\s+\w{3,9}),?\s+\d{4}"
    r"(?:\s*,?\s*\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AP]M)?(?:\s*(?:GMT|UTC|IRST|Tehran time))?)?"
    r"(?:\s*\[?\s*Last Update:.*)?"
)
LAST_UPDATE = re.compile(r"\s*\[?\s*Last Update:.*")
# Press TV captions: "File photo shows ...", "This picture taken on May 2, 2014 shows ...",
# "Foreign-backed militants in Syria (file photo)", "... (Photo by AFP)", "... on July 3, 2015. (AFP photo)".
# Agency captions that say what a picture shows and end in its date: "The website of ... is seen with a
# notice ..., in a screenshot taken on June 23, 2021."
CAPTION = re.compile(
    r"(?i:(?:an? |the |this )?(?:file )?(?:photo|picture|image)(?: taken (?:on|in) [^,]{3,40},?)? shows\b.+"
    r"|.+\((?:file |[a-z]{2,10} )?(?:photo|picture|image)(?:\s*(?:by|:)\s*[^()]{2,60})?\))"
    r"|.+\b(?:photo|picture|image|screenshot|is seen|are seen|pictured)\b.*\b(?:on|in) "
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}\."
)
# The desk line under a reporter's name: "Press TV, Tehran", "Press TV, Damascus".
DESK = re.compile(r"Press ?TV,\s+[A-Z][\w' -]{1,30}")
# Editors' initials signing off a text: "MAL/MP/PR", "NT/HGL", "S/SH 11".
INITIALS = re.compile(r"[A-Z]{1,5}(?:/[A-Z]{1,5}){1,5}(?:\s+\d{1,3})?")
RELATED = re.compile(r"(?i)related (?:stories|news|viewpoints|articles)\s*:?\s*$")
FOOTER = re.compile(r"(?i)press ?tv[’']?s website can also be accessed")


def take_photo_caption(draft: Draft, before_body: int = 6) -> None:
    """A caption line near the top ("File photo shows ...", "... (file photo)") becomes an image."""
    for index, text in draft.kept()[:before_body]:
        if CAPTION.fullmatch(text) and is_caption(text):
            caption, credit = split_credit(text)
            draft.add_image(caption=caption or None, credit=credit)
            draft.drop(index, "image caption")


def drop_related_stories(draft: Draft) -> None:
    """ "Related stories" and the headlines under it, up to the footer."""
    drop_run(draft, RELATED, FOOTER, "related stories")


OUTLET = Outlet(
    name="presstv",
    title="Press TV",
    domains=("presstv.ir", "presstv.com", "presstv.co.uk", "presstv.tv"),
    start_urls=("https://www.presstv.ir/RSS", "https://www.presstv.ir/Section/102"),
    article_paths=(
        r"(?i)^/detail/\d{4}/\d{2}/\d{2}/\d+(?:/[^?#]*)?$",
        r"(?i)^/detail/\d+\.html$",
        r"(?i)^/detail\.aspx\?id=\d+(?:&sectionid=\d+)?$",
    ),
    listing_paths=(r"(?i)^/(?:default/)?section/\d+(?:/\d+)?/?$",),
    timezone="UTC",
    layouts=(
        # The site since 2020 (see above). No saved HTML of earlier eras was at hand: their pages go to
        # the generic extractor, counted as of an unknown layout.
        Layout(
            name="2020-",
            marker=".news-body-container",
            title_selectors=("h1.news-title-container", "h1"),
            body_selectors=(".news-body-container",),
            published_selectors=('meta[name="DC.Date.Created"]', ".news-detail time[datetime]", "time[datetime]"),
            tag_selectors=(".news-tags a", ".tags a"),
            drop_selectors=(
                ".news-share", ".related-news", ".news-related", ".breadcrumb", ".news-path", ".news-detail",
                ".ticker", ".alternate-addresses", ".skip-link", "header", "footer", "#sidebar", ".most-viewed",
            ),
        ),
    ),
    furniture_lines=(
        # The breadcrumb: "News / West Asia / Syria", "Home › Middle East".
        r"(?:News|Home)(?:\s*(?:/|›|>)\s*[#\w][\w\s&#'-]{1,30}){1,3}",
        # The editors' initials closing every text on a line of their own: "MAL/MP/PR", "SAB/AB", "S/SH 11".
        INITIALS.pattern,
        # The video player's "Embed" button.
        r"•?\s*Embed",
        r"(?i)press ?tv[’']?s website can also be accessed at the following alternate addresses:.*",
        r"(?i)press ?tv news roku",
        # Share buttons, when their labels show: "Facebook", "Twitter", "Telegram", "Short link: ...".
        r"(?i)facebook|twitter|telegram|whatsapp|instagram|youtube|reddit|linkedin|vk|email|short (?:link|url)\b.*",
        r"(?i)(?:https?://)?www\.presstv\.(?:ir|com|co\.uk|tv)/?",
        r"(?i)©.{0,20}press ?tv.*",
    ),
    line_cleaners=(
        partial(take_dateline, pattern=DATELINE, zone="UTC", not_date=LAST_UPDATE),
        partial(take_byline, desk_line=DESK),
        take_photo_caption,
        take_repeated_captions,
        drop_related_stories,
        partial(cut_sign_off, sign_off=INITIALS),
    ),
)


@hookimpl
def register_outlets():
    return [OUTLET]
