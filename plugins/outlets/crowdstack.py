"""Crowdstack community forums (*.crowdstack.io, formerly Hoop.la: *.hoop.la), where members repost news.

Seed 000 is a "Former Member" reposting a Press TV article on guyana.crowdstack.io (the forum that was
guyana.hoop.la). URL scheme: a topic is ``/topic/<slug>``, its further pages of replies
``/topic/<slug>?page=2`` (replies only, not followed), a print view ``/printer-friendly-topic/<slug>``;
forums are listed at ``/forums`` and ``/forum/<slug>``; uploaded images are served from
``/fileSendAction/fcType/0/fcOid/.../inlineImage/true/<name>``.

A topic page holds the opening post (the article) and the replies (comments, not article text).
Furniture: "Skip to main content", the poster's badge (avatar initials "FM", then the name; "Former
Member" stands for a deleted account and is no author), a relative time ("10 hrs ·"), a pasted photo's
caption printed twice (alt text of a broken image, then the caption), "Replies sorted oldest to newest"
and everything after it up to "Add Reply" (replies, their "Nehru posted:" quote lines, "Last edited by
..."), the "×" close buttons of the share dialogs and "Link copied to your clipboard.".

Markup: not seen (only pages' text and URLs). The selectors assume the opening post in ``.post-first``
with ``.post-author .name``, ``.post-date time`` and ``.post-content``, the replies in ``.replies``; a
caption line that repeats a pasted image's alt text is dropped, as the text version prints both.
"""

import re

from plugins.cleaners import drop_run, fold, take_repeated_captions
from plugins.hookspecs import hookimpl
from plugins.model import Draft, Outlet

INITIALS = re.compile(r"[A-Z]{1,3}")
# "10 hrs ·", "3 days ago", "just now": when the post was made, relative to when the page was fetched.
RELATIVE_TIME = re.compile(
    r"(?i)(?:\d{1,2} (?:mins?|minutes?|hrs?|hours?|days?|weeks?)(?: ago)?|just now|yesterday)\s*·?\s*"
)
PLACEHOLDER_AUTHORS = {"former member", "guest", "anonymous"}
REPLIES = re.compile(r"(?i)replies sorted (?:oldest to newest|newest to oldest)\s*$")
REPLIES_END = re.compile(r"(?i)^add (?:a )?reply$")


def drop_poster_badge(draft: Draft) -> None:
    """The poster's badge above the post: avatar initials then name ("FM" / "Former Member"), or a
    name then the post's relative time ("Kari" / "10 hrs ·") when the avatar is a photo."""
    lines = draft.lines[:6]
    for index, line in enumerate(lines[:-1]):
        name = lines[index + 1].text
        initials = "".join(w[0] for w in name.split() if w[:1].isalpha()).upper()
        if INITIALS.fullmatch(line.text) and (initials.startswith(line.text) or len(name.split()) <= 3):
            draft.drop(index, "poster badge")
            draft.drop(index + 1, "poster badge")
            return
        if RELATIVE_TIME.fullmatch(name) and 0 < len(line.text.split()) <= 3:
            draft.drop(index, "poster badge")
            draft.drop(index + 1, "post time")
            return


def drop_replies(draft: Draft) -> None:
    """The replies under the opening post: from "Replies sorted oldest to newest" to "Add Reply"."""
    drop_run(draft, REPLIES, REPLIES_END, "replies")


def drop_caption_lines(draft: Draft, before_body: int = 8) -> None:
    """In a post's HTML, a pasted photo's caption line repeats the image's alt text: it is the caption."""
    captions = {fold(image["caption"]) for image in draft.images if image.get("caption")}
    for index, text in draft.kept()[:before_body]:
        if fold(text) in captions:
            draft.drop(index, "image caption")


def drop_placeholder_authors(draft: Draft) -> None:
    """ "Former Member" is what the forum shows for a deleted account: not a name."""
    draft.authors = [a for a in draft.authors if a.strip().casefold() not in PLACEHOLDER_AUTHORS]


OUTLET = Outlet(
    name="crowdstack",
    title="Crowdstack forum",
    domains=("crowdstack.io", "hoop.la"),
    start_urls=("https://guyana.crowdstack.io/forums",),
    article_paths=(r"^/topic/[\w-]+/?$",),
    listing_paths=(r"^/forums/?$", r"^/forum/[\w-]+/?(?:\?page=\d+)?$"),
    title_selectors=("h1.topic-title", "h1"),
    body_selectors=(".post-first .post-content", ".post-content"),
    published_selectors=(".post-first .post-date time[datetime]", "time[datetime]"),
    author_selectors=(".post-first .post-author .name", ".post-author .name"),
    tag_selectors=(".topic-tags a[rel=tag]",),
    drop_selectors=(
        ".post-author", ".post-date", ".post-actions", ".post-signature", ".last-edited", ".replies", ".reply-box",
        ".topic-tags", ".breadcrumb", ".pagination", ".share-popup", ".modal", ".skip-link", "header", "footer",
    ),
    furniture_lines=(
        r"(?i)former member",
        RELATIVE_TIME.pattern,
        r"·",
        r"(?i)last edited by .{1,60}",
        r"(?i)posted (?:on )?.{4,40}",
        # A quoted post's attribution: "Nehru posted:".
        r"[\w .'’-]{1,40} posted:",
    ),
    line_cleaners=(
        drop_poster_badge, drop_replies, take_repeated_captions, drop_caption_lines, drop_placeholder_authors,
    ),
)


@hookimpl
def register_outlets():
    return [OUTLET]
