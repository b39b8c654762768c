"""Hawar News Agency (ANHA), English edition (hawarnews.com/en/), the news agency of the Kurdish-led
Autonomous Administration of North and East Syria: the Kurdish side's reporting, which calls the
Turkish-backed factions "mercenaries".

URLs: an article is ``/en/haber/<slug>-h<id>.html`` (2018-2023, e.g.
``/en/haber/clashes-among-turkish-mercenaries-in-afrin-claims-life-of-child-h19338.html``), earlier
``/en/<numeric id>`` (e.g. ``/en/15546960008163``), and since 2024 ``/en/<slug>``. Discovery: the RSS feed
``/en/rss`` (assumed) and the section listings ``/en/haber/...``.

Markup: the stored page texts (search tool's ``pages`` corpus) show the headline, on older pages printed twice
and followed by the date and time ("8 April 2019   01:00"), then the text, then "Other news" and its headlines.
The element classes below are a guess.
"""

import re
from functools import partial

from plugins.cleaners import drop_run, take_dateline, take_first_line_as_headline
from plugins.hookspecs import hookimpl
from plugins.model import Outlet

DATELINE = re.compile(r"\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\s+\d{1,2}:\d{2}")
OTHER_NEWS = re.compile(r"Other news\s*$")
NOTHING = re.compile(r"(?!)")

OUTLET = Outlet(
    name="hawar_en",
    title="Hawar News Agency (English)",
    domains=("hawarnews.com", "www.hawarnews.com"),
    start_urls=("https://hawarnews.com/en/rss",),
    article_paths=(r"^/en/haber/[a-z0-9-]+-h\d+\.html$", r"^/en/\d{6,}$"),
    listing_paths=(r"^/en/haber/?(?:\?page=\d+)?$",),
    timezone="Asia/Damascus",
    day_first=True,
    title_selectors=("h1.news-title", "h1"),
    body_selectors=(".news-content", ".news-text"),
    published_selectors=(".news-date", "time[datetime]"),
    drop_selectors=(".other-news", ".share"),
    line_cleaners=(
        partial(take_dateline, pattern=DATELINE, zone="Asia/Damascus"),
        partial(drop_run, start=OTHER_NEWS, end=NOTHING, reason="other news"),
        take_first_line_as_headline,
    ),
)


@hookimpl
def register_outlets():
    return [OUTLET]
