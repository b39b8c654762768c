"""Syria is Here (syriaishere.com), English news pages under /en/, section "News / Syrian Crisis".

URL scheme: seed 001's page is
http://syriaishere.com/en/article/6078/spectrum-of-opposition-militants-battle-al-qaeda-linked-fighters.html,
so articles are ``/en/article/<id>/<slug>.html`` (plain http, no www). The section listings the breadcrumb
links to are assumed to follow the same scheme, ``/en/category/<id>/<slug>.html`` with further pages
``/en/category/<id>/<slug>/<n>.html``, and the home page is ``/en/``; no feed or sitemap is known.

Furniture: the headline printed twice (page banner and article heading), the breadcrumb
("News   /   Syrian Crisis", spaced with no-break spaces), share buttons, the comment form and its note
"Leave a comment: Comments represent their owners and does not represent `Syia is Here` necessarily."
(the site's own typo), related articles. The article text shows no date.

Markup: not seen. The selectors follow the layout this text implies (a banner ``h1``, then
``h2.article-title`` and ``.article-body``); the date is read from the head (``article:published_time``)
or a ``<time>`` element when a page has one.
"""

from plugins.hookspecs import hookimpl
from plugins.model import Outlet

OUTLET = Outlet(
    name="syriaishere",
    title="Syria is Here",
    domains=("syriaishere.com",),
    start_urls=("http://syriaishere.com/en/category/12/syrian-crisis.html", "http://syriaishere.com/en/"),
    article_paths=(r"^/en/article/\d+(?:/[^/?#]*)?$",),
    listing_paths=(r"^/en/?$", r"^/en/index\.html$", r"^/en/category/\d+/[\w%-]+(?:/\d+)?\.html$"),
    timezone="Asia/Damascus",
    title_selectors=("h2.article-title", "h1"),
    body_selectors=(".article-body", ".article-content", "div[itemprop=articleBody]"),
    published_selectors=(".article-date time[datetime]", "time[datetime]"),
    drop_selectors=(
        ".breadcrumb", ".comments-note", ".article-share", ".comment-form", ".related-articles", "header", "footer",
        ".sidebar", ".page-title", ".article-image .caption",
    ),
    furniture_lines=(
        # Breadcrumb: "News / Syrian Crisis", separated by spaces and no-break spaces.
        r"(?:News|Opinion|Reports?|Analysis|Articles|Interviews?|Videos?|Home)(?:\s*/\s*[^/]{1,40}){1,3}",
        r"(?i)leave a comment:.*",
        r"(?i)comments represent their owners.*",
    ),
)


@hookimpl
def register_outlets():
    return [OUTLET]
