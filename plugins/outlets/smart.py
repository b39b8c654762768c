"""SMART News Agency (وكالة سمارت للأنباء), an opposition news agency with correspondents across
opposition-held Syria, as republished in full on microsyria.com (the copy the stored pages come from).

URLs: an article is ``/YYYY/MM/DD/<Arabic slug>`` (WordPress, percent-encoded, e.g.
``/2017/11/08/%d8%aa%d9%88%d8%aa%d8%b1-...``); tags ``/tag/<name>/page/N``. Discovery: the WordPress feed
(``/feed/``) and the tag listings.

Markup: the stored page texts (search tool's ``pages`` corpus) show the headline, then a "latest news" sidebar
printed as text: one headline alone, then each further headline glued to the date of the one before
("2 حزيران (يونيو - جوان)، 2018اعتقالات متبادلة ..."), the last sidebar date glued to the article's own date
("2 حزيران (يونيو - جوان)، 20188 تشرين الثاني (نوفمبر - نونبر)، 2017"); dates give the Syriac month with
its Egyptian and Maghrebi names in brackets. Then, on some pages, the reporter's name, then the agency's
dateline "سمارت-حلب" or byline "سمارت-أمنة رياض", then the text. The element classes are WordPress's usual
ones, a guess.
"""

import re

from plugins.cleaners import take_first_line_as_headline
from plugins.dates import ARABIC_DATE, to_iso
from plugins.hookspecs import hookimpl
from plugins.model import Draft, Outlet

DATED_SIDEBAR_LINE = re.compile(rf"(?P<date>{ARABIC_DATE})(?P<rest>.+)")
ARABIC_DATE_RE = re.compile(ARABIC_DATE)
AGENCY_LINE = re.compile(r"سمارت\s*[-–]\s*[^.،]{2,30}")


def drop_sidebar_take_date(draft: Draft, before_body: int = 14) -> None:
    """Up to the agency's dateline: the sidebar after the headline (dropped), the article's date glued to the
    last sidebar line (read as published), and the reporter's name on a line of its own (an author)."""
    kept = draft.kept()[:before_body]
    agency = next((pos for pos, (_, text) in enumerate(kept) if AGENCY_LINE.fullmatch(text)), None)
    if agency is None:
        return
    draft.drop(kept[agency][0], "agency dateline")
    for position in range(1, agency):
        index, text = kept[position]
        glued = DATED_SIDEBAR_LINE.fullmatch(text)
        if glued and ARABIC_DATE_RE.fullmatch(glued["rest"]):
            draft.published = draft.published or to_iso(glued["rest"], day_first=True)
        elif not glued and position > 1 and DATED_SIDEBAR_LINE.fullmatch(kept[position - 1][1]):
            draft.authors = draft.authors or [text]  # the reporter's name, after the dates
        draft.drop(index, "latest-news sidebar")


OUTLET = Outlet(
    name="smart",
    title="SMART News Agency",
    domains=("microsyria.com", "www.microsyria.com"),
    start_urls=("https://microsyria.com/feed/",),
    article_paths=(r"^/\d{4}/\d{2}/\d{2}/[^/?#]+/?$",),
    listing_paths=(r"^/tag/[^/?#]+(?:/page/\d+)?/?$",),
    day_first=True,
    title_selectors=("h1.entry-title", "h1"),
    body_selectors=(".entry-content", "article .post-content"),
    published_selectors=("time.entry-date[datetime]", "time[datetime]", ".entry-date"),
    author_selectors=(".entry-author",),
    drop_selectors=(".latest-news", ".widget", ".share-buttons", "#comments"),
    line_cleaners=(drop_sidebar_take_date, take_first_line_as_headline),
)


@hookimpl
def register_outlets():
    return [OUTLET]
