"""The Syrian Observatory for Human Rights, English edition (www.syriahr.com/en/).

The Observatory's own translations of its Arabic reports (outlet ``sohr``), often published hours later and
worded differently, so the two editions are separate outlets with their own feeds.

URLs: an article is ``/en/<id>/`` or ``/en/?p=<id>`` (WordPress post ids of the English site). Discovery: the
feed (``/en/feed/``) and category archives (``/en/category/.../``, ``/en/page/2/``).

Markup: WordPress. The stored page texts (search tool's ``pages`` corpus) open with the site's name ("The
Syrian Observatory For Human Rights") or with the page title ("<headline> • The Syrian Observatory For Human
Rights"), then the headline, often longer than thirty words, then the text; they end with "You might also
like" (related posts) and the cookie notice. The element classes are WordPress's usual ones, a guess.
"""

import re
from functools import partial

from plugins.cleaners import drop_run, take_first_line_as_headline
from plugins.hookspecs import hookimpl
from plugins.model import Outlet
from plugins.outlets.sohr import WORDPRESS

SITE_NAME = r"The Syrian Observatory For Human Rights"
RELATED = re.compile(r"You might also like\s*$")
NOTHING = re.compile(r"(?!)")


OUTLET = Outlet(
    name="sohr_en",
    title="Syrian Observatory for Human Rights (English)",
    domains=("www.syriahr.com", "syriahr.com"),
    start_urls=("https://www.syriahr.com/en/feed/",),
    article_paths=(r"^/en/\d+/?$", r"^/en/\?p=\d+$"),
    listing_paths=(r"^/en/category/(?!.*/feed/)[^?#]+/?$", r"^/en/(?:category/[^?#]+/)?page/\d+/?$"),
    day_first=True,
    layouts=(WORDPRESS,),  # the Arabic edition's markup
    furniture_lines=(
        SITE_NAME,
        r".+ • " + SITE_NAME,  # the page title printed above the headline
        r"(?i)this website uses cookies to improve your experience\..*",
    ),
    line_cleaners=(
        partial(drop_run, start=RELATED, end=NOTHING, reason="related posts"),
        take_first_line_as_headline,
    ),
)


@hookimpl
def register_outlets():
    return [OUTLET]
