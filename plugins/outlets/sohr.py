"""The Syrian Observatory for Human Rights (المرصد السوري لحقوق الإنسان), Arabic edition (www.syriahr.com).

The London-based monitor cited by nearly every outlet; its own site carries the first report of most clashes
between factions. The English edition on the same host is the outlet ``sohr_en``.

URLs: an article is ``/<Arabic slug>/<id>/`` (the slug percent-encoded, e.g.
``/%D8%A7%D9%82%D8%AA%D8%AA%D8%A7%D9%84-.../402323/``) or the short form ``/?p=<id>``; the ids are
WordPress post ids. Discovery: the WordPress feed (``/feed/``) and category archives (``/category/.../``,
``/page/2/``). Paths under ``/en/`` belong to the English edition.

Markup: WordPress. The stored page texts (search tool's ``pages`` corpus) show the headline, then a bare
number (the post's view counter), then the text, which often opens with a dateline "محافظة حلب – المرصد
السوري لحقوق الإنسان:" that is part of the report. The element classes below are WordPress's usual ones
(``h1.entry-title``/``h1.post-title``, ``.entry-content``, ``article:published_time``): a guess, as no stored
copy of the HTML was found.

Furniture (as page text): the site name as a line of its own ("المرصد السوري لحقوق الانسان"), the view
counter, the sharing and cookie lines.
"""

import re

from plugins.hookspecs import hookimpl
from plugins.model import Draft, Layout, Outlet

VIEW_COUNTER = re.compile(r"\d{1,7}")


def take_headline_above_counter(draft: Draft, before_body: int = 4) -> None:
    """The view counter stands just under the headline: drop it; the line above it is the title, whatever it
    ends with (some headlines end with a full stop, which the generic headline test refuses)."""
    kept = draft.kept()[:before_body]
    for position, (index, text) in enumerate(kept):
        if VIEW_COUNTER.fullmatch(text):
            draft.drop(index, "view counter")
            if position > 0:
                draft.title = draft.title or kept[position - 1][1]
            return


# The WordPress markup both editions of the Observatory share (``sohr_en`` uses it too). The element classes
# are WordPress's usual ones: no stored HTML of the site was found, so they are a guess.
WORDPRESS = Layout(
    name="WordPress",
    marker=".entry-content, article .post-content",
    title_selectors=("h1.entry-title", "h1.post-title", "h1"),
    body_selectors=(".entry-content", "article .post-content"),
    published_selectors=("time.entry-date[datetime]", "time[datetime]", ".entry-date"),
    tag_selectors=(".tagcloud a", "a[rel=tag]"),
    drop_selectors=(".post-views", ".share-buttons", ".post-share", ".related-posts", "#comments", ".cookie-notice"),
)

OUTLET = Outlet(
    name="sohr",
    title="Syrian Observatory for Human Rights (Arabic)",
    domains=("www.syriahr.com", "syriahr.com"),
    start_urls=("https://www.syriahr.com/feed/",),
    article_paths=(r"^/(?!en/|category/|tag/|page/|feed/|wp-)[^/?#]+/\d+/?$", r"^/\?p=\d+$"),
    listing_paths=(r"^/category/(?!.*/feed/)[^?#]+/?$", r"^/(?!en/)(?:category/[^?#]+/)?page/\d+/?$"),
    day_first=True,
    layouts=(WORDPRESS,),
    furniture_lines=(
        r"المرصد السوري لحقوق ال[إا]نسان",  # the site's name as a line of its own
        r"شارك(?:وا)?(?: هذا المقال| الخبر)?",
    ),
    line_cleaners=(take_headline_above_counter,),
)


@hookimpl
def register_outlets():
    return [OUTLET]
