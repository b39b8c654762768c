"""Al-Alam News Network, Arabic edition (www.alalam.ir), the Iranian state broadcaster's Arabic channel.

The English edition is the outlet ``alalam``; the two share article ids but not their texts.

URLs: an article is ``/news/<id>`` or ``/news/<id>/<Arabic slug>``; topics are listed under ``/tag/<id>``
(``?page=N``, ``&t=<tag name>``). Discovery: the RSS feed (``/rss``) and the tag listings.

Markup: the stored page texts (search tool's ``pages`` corpus: ``/tag/18194?page=31``, ``/tag/265023``,
``/tag/1054141``) show, for each item, the headline, then the date and Tehran time in Arabic-Indic digits with
the weekday ("الإثنين ١٦ أبريل ٢٠١٨ - ١١:٤٨"), then the lead. The article page is assumed to open the same
way; the element classes below are a guess.
"""

import re
from functools import partial

from plugins.cleaners import take_dateline, take_first_line_as_headline
from plugins.dates import ARABIC_DATE
from plugins.hookspecs import hookimpl
from plugins.model import Outlet

OUTLET = Outlet(
    name="alalam_ar",
    title="Al-Alam (Arabic)",
    domains=("www.alalam.ir",),  # not alalam.ir: its subdomains en. and fa. are other editions
    start_urls=("https://www.alalam.ir/rss",),
    article_paths=(r"^/news/\d+(?:/[^/?#]*)?$",),
    listing_paths=(r"^/tag/\d+(?:\?(?:page=\d+)?(?:&?t=[^&#]*)?)?$",),
    timezone="Asia/Tehran",
    day_first=True,
    title_selectors=("h1.news-title", "h1"),
    body_selectors=(".news-body", "div[itemprop=articleBody]"),
    published_selectors=(".news-date", "time[datetime]"),
    tag_selectors=(".news-tags a", ".tags a"),
    drop_selectors=(".related-news", ".news-share", ".news-video"),
    line_cleaners=(
        partial(take_dateline, pattern=re.compile(ARABIC_DATE), zone="Asia/Tehran"),
        take_first_line_as_headline,  # headlines open with quotation marks or end with "!"
    ),
)


@hookimpl
def register_outlets():
    return [OUTLET]
