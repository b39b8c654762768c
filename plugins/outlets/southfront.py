"""SouthFront (southfront.press, formerly southfront.org and maps.southfront.org), a WordPress site.

URLs: a post is the slug under the root, ``/al-nusra-front-launches-large-scale-offensive-against-rival-
groups-in-aleppo-idlib/`` (southfront.org, with the trailing slash) or without it (southfront.press).
Discovery: the WordPress feed (``/feed/``) and the Yoast sitemap index (``/sitemap.xml`` →
``/post-sitemap.xml``, ``/post-sitemap2.xml``, ...); category and tag archives (``/category/.../``,
``/page/2/``) are listings too.

Markup: WordPress with Yoast SEO (OpenGraph, ``article:published_time``, ``article:tag``): the post is
``article.post`` with ``h1.entry-title``, ``time.entry-date`` and the byline, the text in
``div.entry-content``: a "Support SouthFront" button before and after the text, a bold lead paragraph,
the photo as ``div.wp-caption`` (its ``alt`` is the headline, its caption ends in a credit "(Photo:
Getty Images)" or reads "Illustrative image"), maps with a "Click to see the full-size map" line, the
sharing buttons; then the tags, the comments and the WordPress comment form. Since about 2020 a
donation progress bar ("0 $ / 2,500 $ / 5,000 $ / 1,360 $ / JUNE 2021") heads the page and the comments
are wpDiscuz ("Notify of", "Newest Most Voted", "Inline Feedbacks", "View all comments").

Furniture (as page text): all of the above; the headline printed again inside the text (the photo's alt
text); everything from the comment section's heading on is comments, never article text.
"""

import re
from functools import partial

from plugins.cleaners import drop_run, drop_unheaded_comments, take_inline_credited_captions
from plugins.hookspecs import hookimpl
from plugins.model import Layout, Outlet

MONTHS = r"(?:JANUARY|FEBRUARY|MARCH|APRIL|MAY|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|NOVEMBER|DECEMBER)"
# The heading of the comment section: what follows is the form and readers' comments.
# A numbered thread has no heading either: "1. Jens Holm says:".
COMMENTS_START = re.compile(
    r"(?:Leave a Reply|Notify of|\d+ (?:thoughts? on|[Rr]esponses? to) [“\"].+[”\"]|\d+ [Cc]omments?"
    r"|\d+\.\s+\S.{0,40}\s+says:)\s*$"
)
NOTHING = re.compile(r"(?!)")

OUTLET = Outlet(
    name="southfront",
    title="SouthFront",
    domains=("southfront.press", "southfront.org"),
    start_urls=("https://southfront.press/feed/", "https://southfront.press/sitemap.xml"),
    article_paths=(r"^/(?!category/|tag/|author/|page/|feed/|wp-)[a-z0-9]+(?:-[a-z0-9]+){2,}/?$",),
    listing_paths=(r"^/(?:category|tag)/[\w/-]+/?$", r"/page/\d+/?$"),
    layouts=(
        # WordPress (southfront.org, then southfront.press): the post text is .entry-content in every era
        # seen; comments are WordPress's list (#comments) or, since about 2020, wpDiscuz (#wpdcom).
        Layout(
            name="wordpress",
            marker=".entry-content, article .post-content",
            title_selectors=("h1.entry-title", "h1"),
            body_selectors=(".entry-content", "article .post-content"),
            published_selectors=("time.entry-date[datetime]", "time[datetime]"),
            author_selectors=(".author a[rel=author]", ".byline .author"),
            tag_selectors=(".tags-links a[rel=tag]", "a[rel=tag]"),
            drop_selectors=(".support-southfront", ".sf-donation", ".sharedaddy", ".jp-relatedposts", "#comments",
                            ".comment-respond", "#wpdcom"),
        ),
    ),
    furniture_lines=(
        r"Support SouthFront",
        r"(?i)click (?:here )?to see the full-size (?:map|image|version)\.?",
        r"(?i)(?:SouthFront|South Front) (?:needs your support|team)\.?",
        r"(?i)(?:illustrative|file) (?:image|photo|picture)\.?",
        r"[\d,]+ \$",  # the donation progress bar: "0 $", "2,500 $", ...
        MONTHS + r" \d{4}(?: .{1,30})?",  # ... and its month: "JUNE 2021", "AUGUST 2025 <days left>"
        r"Newest Most Voted|Inline Feedbacks|View all comments",
        r"SouthFront|Subscribe|guest",  # the site's own name box and wpDiscuz's subscribe bar
    ),
    line_cleaners=(
        take_inline_credited_captions,
        partial(drop_run, start=COMMENTS_START, end=NOTHING, reason="comment section"),
        drop_unheaded_comments,
    ),
)


@hookimpl
def register_outlets():
    return [OUTLET]
