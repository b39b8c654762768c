"""Al-Alam News Network, English edition (en.alalam.ir), Tehran.

URLs: an article is ``/news/<id>`` (2013-2014, e.g. ``/news/1550962``) or ``/news/<id>/<slug>`` (e.g.
``/news/1996676/takfiris-fight-each-other-as-assad-ouster-fades-away``); the ids are shared with the
Arabic and Persian editions. Discovery: the RSS feed (``/rss``, as on www.alalam.ir) and the news archive
(``/news``).

Markup (the selectors below; the English edition's exact class names are not documented anywhere we
could read, so the selectors are kept general): the page ``<title>`` is the bare headline, then the
``h1``, the dateline (a plain "Sun Jul 16, 2017 13:18:15" in Tehran time, no machine-readable date),
the lead photo from media.alalam.ir, the text, and the "related news" widget. That widget leaks a PHP
``var_dump()`` of its data into the page, just after the last paragraph.

Furniture (as page text): the headline printed twice (``<title>`` and ``h1``), the dateline (the
publication date), the leaked dump (``string(946) "[{"id":...,"title":...}]"``, whose titles are links
to other articles), and on some pages the editors' initials as a last line ("BA/BA").
"""

import re
from functools import partial

from plugins.cleaners import drop_run, take_dateline
from plugins.hookspecs import hookimpl
from plugins.model import Layout, Outlet

DATELINE = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w*,?\s+\w{3,9}\s+\d{1,2},?\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?")
# var_dump() output: string(N) "...", array(N) {...}; may run over several lines.
PHP_DUMP_START = re.compile(r"(?:string|array|object|int|bool)\(\d+\)")
PHP_DUMP_END = re.compile(r"(?:\]\"|\}|\")\s*$")

OUTLET = Outlet(
    name="alalam",
    title="Al-Alam",
    domains=("en.alalam.ir",),
    start_urls=("https://en.alalam.ir/rss", "https://en.alalam.ir/news"),
    article_paths=(r"^/news/\d+(?:/[^/?#]*)?$",),
    listing_paths=(r"^/(?:news|category/\d+[^?]*|page/\d+)/?(?:\?page=\d+)?$",),
    timezone="Asia/Tehran",
    layouts=(
        # Modelled: no saved HTML of the English edition was at hand (the real cases are page texts).
        Layout(
            name="news-body",
            marker=".news-body, .body-news, div[itemprop=articleBody]",
            title_selectors=("h1.news-title", "h1"),
            body_selectors=(".news-body", ".body-news", "div[itemprop=articleBody]"),
            published_selectors=(".news-date", "time[datetime]"),
            tag_selectors=(".news-tags a", ".tags a"),
            drop_selectors=(".related-news", ".news-related", ".news-share", ".news-video"),
        ),
    ),
    furniture_lines=(
        r"[A-Z]{1,4}/[A-Z]{1,4}(?:/[A-Z]{1,4})?",  # the editors' initials signing off an article: "BA/BA"
    ),
    line_cleaners=(
        partial(take_dateline, pattern=DATELINE, zone="Asia/Tehran"),
        partial(drop_run, start=PHP_DUMP_START, end=PHP_DUMP_END, reason="leaked PHP debug dump"),
    ),
)


@hookimpl
def register_outlets():
    return [OUTLET]
