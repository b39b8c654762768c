"""Shaam News Network (شبكة شام الإخبارية, shaam.org), an opposition news network founded in 2011.

URLs: news is listed under ``/news`` and its sections (``/news/syria-news``, ``/news/arab-news``,
``/news/world-news``), paged with ``?page=N``. An article's own address is not shown by any stored copy;
``/news/<section>/<slug>`` (the slug in Arabic, percent-encoded) is assumed. Discovery: the section listings.

Markup: the stored page texts (search tool's ``pages`` corpus: ``/news/syria-news?page=1451``, ``?page=4698``,
``/news?page=1466``) show, on every item: the section menu ("الأخبار أخبار سورية أخبار عربية أخبار دولية"),
the date alone in Arabic-Indic digits with an Egyptian month name ("١٣ أكتوبر ٢٠٢٢"), the headline, the text,
and "اقرأ المزيد" (read more) before the next item. The article pages are assumed to open the same way; the
element classes below are a guess.

Names are printed as published: the network writes some group names broken with tatweel ("تحـ ـرير الشـ
ـام") in headlines, which the normaliser does not read as the group (the text names it in full).
"""

import re
from functools import partial

from plugins.cleaners import drop_run, take_dateline
from plugins.dates import ARABIC_DATE
from plugins.hookspecs import hookimpl
from plugins.model import Outlet

READ_MORE = re.compile(r"اقرأ المزيد")
NOTHING = re.compile(r"(?!)")

OUTLET = Outlet(
    name="shaam",
    title="Shaam News Network",
    domains=("shaam.org", "www.shaam.org"),
    start_urls=("https://shaam.org/news/syria-news",),
    article_paths=(r"^/news/(?:syria|arab|world)-news/(?!\?)[^/?#]+/?$",),
    listing_paths=(r"^/news(?:/(?:syria|arab|world)-news)?/?(?:\?page=\d+)?$",),
    day_first=True,
    title_selectors=("h1.news-title", "h1"),
    body_selectors=(".news-body", ".news-content", "article .content"),
    published_selectors=(".news-date", "time[datetime]"),
    drop_selectors=(".news-sections", ".share", ".related-news"),
    furniture_lines=(
        r"الأخبار(?: أخبار (?:سورية|عربية|دولية))+",  # the section menu
    ),
    line_cleaners=(
        partial(take_dateline, pattern=re.compile(ARABIC_DATE), zone=None),
        partial(drop_run, start=READ_MORE, end=NOTHING, reason="read more and the next items"),
    ),
)


@hookimpl
def register_outlets():
    return [OUTLET]
