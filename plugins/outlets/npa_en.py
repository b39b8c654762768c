"""North Press Agency, English edition (npasyria.com/en/), Qamishli: the north-east under the Autonomous
Administration, and its reporting on the Turkish-backed factions of the Syrian National Army.

URLs: an article is ``/en/<id>`` or ``/en/<id>/`` (e.g. ``/en/80580``, ``/en/85483/``); the Arabic edition uses
``/<id>`` at the root (not crawled here). Discovery: the feed ``/en/feed/`` (assumed: no stored copy of it was
found) and the news listing ``/en/news/`` with ``/page/N/``.

Markup: the stored page texts (search tool's ``pages`` corpus) show the headline, then the text, whose first
paragraph opens with the dateline "ALEPPO, Syria (North Press) –" (part of the report, kept), and end with the
credit "Reporting by <name>" or "By <name>" (the author). The element classes below are a guess.
"""

import re

from plugins.cleaners import take_first_line_as_headline
from plugins.hookspecs import hookimpl
from plugins.model import Draft, Outlet

# "Reporting by Farouq Hamo", "By Mo’ayed al-Sheikh": a name or two, never a sentence ("By Sunday, ...").
CREDIT = re.compile(r"(?:(?:Reporting|Reported|Written) by|By) (?P<names>[^,.;:!?]{3,60}?)\.?")


def take_reporting_credit(draft: Draft) -> None:
    """A last line "Reporting by Farouq Hamo" names the author: it leaves the body for ``authors``."""
    kept = draft.kept()
    for index, text in kept[-3:]:
        match = CREDIT.fullmatch(text)
        if match:
            names = [n.strip() for n in re.split(r",| and ", match["names"]) if n.strip()]
            draft.authors = draft.authors or names
            draft.drop(index, "byline")


OUTLET = Outlet(
    name="npa_en",
    title="North Press Agency (English)",
    domains=("npasyria.com", "www.npasyria.com"),
    start_urls=("https://npasyria.com/en/feed/",),
    article_paths=(r"^/en/\d+/?$",),
    listing_paths=(r"^/en/news/?(?:page/\d+/?)?$",),
    timezone="Asia/Damascus",
    day_first=True,
    title_selectors=("h1.post-title", "h1"),
    body_selectors=(".post-content", ".entry-content"),
    published_selectors=("time[datetime]", ".post-date"),
    author_selectors=(".post-author a",),
    tag_selectors=(".post-tags a",),
    drop_selectors=(".share", ".related-posts", ".post-tags"),
    line_cleaners=(take_reporting_credit, take_first_line_as_headline),
)


@hookimpl
def register_outlets():
    return [OUTLET]
