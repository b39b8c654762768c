"""Snack Syrian (سناك سوري, snacksyrian.com), an independent Damascus-based news site known for its
colloquial, sarcastic standfirsts; it reports from government-held and opposition-held areas alike.

URLs: an article is ``/<Arabic slug>/`` (WordPress, percent-encoded; the slug is cut at about 40 characters,
e.g. ``/%d9%85%d9%88%d8%a7%d8%ac%d9%87%d8%a9-...-%d8%aa%d8%b1%d9%83/``). Discovery: the WordPress feed
(``/feed/``) and category archives.

Markup: the stored page texts (search tool's ``pages`` corpus) show the category links run together on one
line ("أخر الأخبارإقرأ أيضاالرئيسيةسناك ساخن"), the headline, a one-line standfirst in Syrian colloquial Arabic
(part of the article: kept), the byline-dateline "سناك سوري-حلب" or "سناك سوري-خالد عياش" (place or reporter),
the text, with "اقرأ أيضاً: <headline>" links inside it. The element classes below are WordPress's usual ones,
a guess.
"""

from plugins.hookspecs import hookimpl
from plugins.model import Outlet

OUTLET = Outlet(
    name="snacksyrian",
    title="Snack Syrian",
    domains=("snacksyrian.com", "www.snacksyrian.com"),
    start_urls=("https://snacksyrian.com/feed/",),
    article_paths=(r"^/(?!category/|tag/|page/|feed/|author/|wp-)[^/?#]*%[0-9a-fA-F]{2}[^/?#]*/?$",),
    listing_paths=(r"^/category/[^?#]+/?$", r"^/(?:category/[^?#]+/)?page/\d+/?$"),
    timezone="Asia/Damascus",
    day_first=True,
    title_selectors=("h1.entry-title", "h1.post-title", "h1"),
    body_selectors=(".entry-content", "article .post-content"),
    published_selectors=("time.entry-date[datetime]", "time[datetime]"),
    tag_selectors=("a[rel=tag]",),
    drop_selectors=(".post-categories", ".share-buttons", ".related-posts", "#comments"),
    furniture_lines=(
        r"(?:أخر الأخبار|إقرأ أيضا|الرئيسية|سناك (?:ساخن|سياسي|اقتصادي|رياضي|محلي)){2,}",  # category links
        r"سناك سوري\s*[-–]\s*[^.،]{2,30}",  # "سناك سوري-حلب": the place or the reporter
        r"[إا]قرأ أيضاً?\s*:.+",  # a link to another article inside the text
    ),
)


@hookimpl
def register_outlets():
    return [OUTLET]
