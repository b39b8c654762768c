"""Built-in cleaners, and the helpers outlets compose into their own.

Element level: drop furniture nodes, moving figures' captions and credits into ``draft.images``.
Text level: mark furniture lines as dropped (never edit a kept line), recording what a line tells
(the headline, a dateline, tags, a caption) in the draft.
"""

from __future__ import annotations

import re

import lxml.html

from plugins.dates import to_iso
from plugins.extract import is_breadcrumb, select
from plugins.hookspecs import hookimpl
from plugins.model import Draft, Outlet

# Elements that never hold article text. Not <form>: ASP.NET pages wrap the whole page in one.
GENERIC_DROP = (
    "script, style, noscript, template, iframe, button, input, select, textarea, nav, aside, svg, canvas, "
    "object, embed"
)
# Whole lines that are furniture on any site: skip links, share widgets, comment forms.
GENERIC_FURNITURE = re.compile(
    r"(?i:skip to (?:main )?content|skip to navigation|(?:back|scroll) to top(?: button)?|breaking news|"
    r"link copied to (?:your )?clipboard\.?|"
    r"add (?:a )?reply|reply|quote|share(?: this(?: article| post| story)?)?|tweet|print|e-?mail|"
    r"comments?|loading\s*\.*|advertisement|read more|related(?: articles| news| stories| posts)?|"
    r"leave a (?:reply|comment)|cancel reply|post comment|"
    r"your email address will not be published\.?(?: required fields are marked \*)?|"
    r"required fields are marked \*|name \*|email \*|website|comment \*|"
    r"save my name, email, and website in this browser for the next time i comment\.|"
    r"you must be logged in to post a comment\.)"
    r"|[×✕✖✗]+"
)
# A credit at the end of a caption: "(Photo: Getty Images)", "© Photo : Ministry of defence", "Photo: AP".
CREDIT = re.compile(
    r"\s*(?:\((?:photo|image|picture|credit|source)\s*:\s*(?P<paren>[^()]+)\)|"
    r"©\s*(?:photo\s*:\s*)?(?P<copy>.+)|(?:photo|image|credit)\s*:\s*(?P<plain>[^.]+))\s*$",
    re.IGNORECASE,
)
HEADLINE_MAX_WORDS = 30
HEADLINE_MIN_WORDS = 4

# --- furniture no outlet names ------------------------------------------------------------------
# A pointer to another page: a see-also label alone, or with the headline it links ("Read more: Tencent
# profit falls", "[Related: ...]", "Also on rt.com ..."). Not "More than 100 people ...": a label needs its colon.
CROSS_REFERENCE = re.compile(
    r"\[?(?i:(?:related|read|see|watch|listen)(?:\s+(?:more|also|post|story|article|coverage|next))?|also(?:\s+read|\s+see)?|"
    r"more|recommended|don[’']?t miss|editor[’']?s picks?|trending|more from [\w ]{1,30}|"
    r"(?:top|latest)(?: \w+){0,2} (?:stories|news|headlines)|"
    r"you (?:may|might) also (?:like|be interested in)|most (?:read|popular|viewed|visited|shared)(?: in [\w ]{1,30})?|"
    r"popular on [\w.]{1,30}|explore further)(?:\s*(?:[:|…]|\.\.\.)\s*(?P<headline>.*?))?\]?"
    r"|(?i:also on [\w-]+\.[a-z]{2,})\s+(?P<linked>.+)"
)
# A video or audio story's headline, which reads like a see-also pointer: "WATCH: Syrian Army Surrounds ...".
MEDIA_HEADLINE = re.compile(r"(?i:watch|listen|video|audio)\s*:\s*\S.*")
# Appeals and notices to the reader: to donate, to follow the outlet, to subscribe, to get its app ("Do you
# like this content? Consider helping us!", "Follow Newsbeat on Instagram, Facebook, Twitter and YouTube."),
# the cookie banner, the publisher's disclaimer.
# Each starts as an imperative to the reader, so an article's "Follow-up reports on Telegram channels said
# ..." or "Supporters of the group ..." stays.
CALL_TO_ACTION = re.compile(
    r"(?i:(?:do you like|like|enjoy(?:ed)?) this (?:content|article|story|post)\?.{0,100}|"
    r"(?:please\s+)?(?:consider\s+)?(?:helping|supporting|support|donate to|donating to)\s+(?:us|our work|independent journalism)\b.{0,100}|"
    r"(?:please\s+)?(?:follow|like)\s+(?:us|[\w.@’' ]{1,40}?)\s+on\s+(?:facebook|twitter|instagram|telegram|youtube|vk)\b.{0,100}|"
    r"(?:please\s+)?(?:subscribe|sign up)\b.{0,150}|(?:join|download|get)\s+(?:us|our|the [\w ]{1,30}? app)\b.{0,150}|"
    r"get\b.{0,80}\b(?:in|to) your inbox\b.{0,80}|click here\b.{0,100}|(?:thanks|thank you) for (?:signing up|subscribing)!?|"
    r"(?:we|this (?:web)?site|our (?:web)?site) uses? cookies\b.{0,300}|"  # the cookie consent banner
    # the publisher's disclaimer under an opinion piece ("... do not necessarily reflect those of Sputnik.")
    r"(?:the\s+)?(?:views|opinions)(?:\s+and\s+(?:views|opinions))?\s+expressed\b.{0,120}?"
    r"\b(?:do not|don[’']t|does not)\s+necessarily\s+(?:reflect|represent)\b.{0,120})"
)
# A caption no credit marks: "File Image", "... , Illustrative image", "File photo shows ...", "FILE IMAGE: AP Photo/...".
# The label stands alone or after a separator: "The ministry released a file photo." is a sentence.
CAPTION_LABEL = re.compile(
    r"(?i:(?:(?P<caption>.{1,300}?)\s*[,(:–—|-]\s*)?(?:file|archive|illustrative|illustration|representational|representative|stock)"
    r"\s+(?:image|photo|picture|pic|photograph)\)?\.?(?:\s*:\s*(?P<credit>.{1,100}))?"
    r"|(?P<described>(?:file|archive)\s+(?:photo|image|picture)\s+(?:shows|of)\b.{0,300}))"
)
# Link density: a block whose text is (almost) all links is a menu, a tag list or a related headline.
LINK_DENSITY_MAX = 0.8
LINK_BLOCKS = "p, li, ul, ol, div, section, h2, h3, h4, h5, h6, table"

# --- reader comments ----------------------------------------------------------------------------
# Comment systems: WordPress (comment list, form), wpDiscuz, Disqus, Facebook's comments plugin, schema.org
# comments, and the usual containers ("#comments", "section.comments", Sputnik's 2016-2021 widget).
COMMENT_SYSTEMS = (
    "#comments, .comments, #respond, .comment-respond, .comment-list, .commentlist, .comments-area, "
    ".comments-section, .comment-section, .article-comments, li.comment, article.comment, .comment-body, "
    "#disqus_thread, .disqus, .fb-comments, .fb_comments, #wpdcom, .wpdiscuz_top_clearing, .wpd-thread-list, "
    "[itemprop=comment], [itemtype*='schema.org/Comment'], [id^=comment-], [class*=comments__]"
)
_NAME = r"[^\W\d_][\w.'’-]*(?:\s+[\w.'’-]+){0,4}"
_AGO = r"\d+\s+(?:second|minute|min|hour|hr|day|week|month|year)s?\s+ago"
_WHEN = (r"(?:on\s+)?(?:[A-Z][a-z]+\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+[A-Z][a-z]+\.?\s+\d{4}|\d{1,2}[./]\d{1,2}[./]\d{2,4})"
         r"(?:\s+(?:at\s+)?\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?)?")
# A line that opens one reader's comment: "1. Name says:", "• Name", "Name / 3 days ago", "Name says: May 2, 2018 at 10:12 pm".
COMMENT_AUTHOR = re.compile(
    rf"(?:\d+\.\s*)?{_NAME}\s+says:?(?:\s+{_WHEN})?"
    rf"|[•·]\s*{_NAME}"
    rf"|(?:{_NAME}\s*(?:/|·|•|\||-)\s*)?{_AGO}|{_NAME}\s*(?:/|·|•|\||-)\s*{_WHEN}"
)
# When a comment was posted, on a line of its own below the author: "May 2, 2018 at 10:12 pm", "3 days ago".
COMMENT_TIME = re.compile(rf"{_AGO}|{_WHEN}")
# Lines of a comment widget that mean nothing else, wherever they stand: headings, sorting and paging
# controls, the commenting prompts of Facebook's plugin and of wpDiscuz, Sputnik's and others' tabs.
COMMENT_WIDGET = re.compile(
    r"(?i:\d+\s+(?:comments?|responses?|replies)|comments?\s*\(\d+\)|"
    r"(?:log\s*in|sign\s*in|register)\s+to\s+(?:reply|comment)|"
    r"(?:load|show|view)\s+(?:more|all|new|older|newer|previous)?\s*(?:comments?|replies)(?:\s*\(\d+\))?|"
    r"all comments(?:\s*\(\d+\))?|top rated comments|(?:newest\s+|oldest\s+)+most voted|inline feedbacks|notify of|comment via [\w ]{1,30}|"
    r".{0,40}?community (?:standards|guidelines|rules)(?:\s*discussion)?|join the (?:discussion|conversation)|"
    r"no comments:?|post a comment|add (?:a )?comment)"
)
# What else stands between comments: buttons and vote counters, the commenter's badge.
COMMENT_CONTROLS = re.compile(
    r"(?i:reply|report(?: abuse)?|flag|like|dislike|vote(?: up| down)?|upvote|downvote|guest|member|\(?view all\)?|edited)"
    r"|[+-]\d+|\d+\s*(?:[▲▼↑↓👍👎]|points?|votes?|likes?)|[▲▼↑↓👍👎]\s*\d*"
)
# Headings that open a comment section: everything below them is readers' text or the form.
COMMENT_SECTION = re.compile(
    r"(?i:(?:\d+\s+|all\s+)?(?:reader(?:s'|s’)?\s+)?comments?(?:\s*\(\d+\))?:?|leave a (?:reply|comment)|notify of|"
    r"top rated comments|\d+\s+(?:thoughts? on|responses? to)\s+[“\"].+[”\"]|join the (?:discussion|conversation)|"
    r"comment via [\w ]{1,30}|.{0,40}?community (?:standards|guidelines|rules)(?:\s*discussion)?|no comments:?|post a comment)"
)
# Below a comment's author line come its time or the comment itself, then the next comment mark: a
# thread shows a mark within this many lines.
THREAD_WINDOW = 2
# A line this long is prose: the article has begun, and a comment section can only follow it.
PARAGRAPH_MIN_WORDS = 15


@hookimpl
def clean_tree(tree: lxml.html.HtmlElement, draft: Draft, outlet: Outlet | None) -> None:
    # Only the furniture selectors of the layout era the page matched: another era's may half-match.
    selectors = ", ".join(filter(None, (GENERIC_DROP, *(draft.layout.drop_selectors if draft.layout else ()))))
    drop_elements(tree, select(tree, selectors), draft, "page furniture (drop selectors)")
    drop_elements(tree, select(tree, COMMENT_SYSTEMS), draft, "reader comments (comment system markup)")
    drop_link_blocks(tree, draft)
    for figure in select(tree, "figure, .wp-caption"):
        take_figure(figure, draft)
    for image in tree.iter("img"):
        draft.add_image(url=image_url(image), caption=(image.get("alt") or "").strip() or None)


@hookimpl
def clean_lines(draft: Draft, outlet: Outlet | None) -> None:
    if outlet:
        if outlet.furniture_re:
            drop_matching(draft, outlet.furniture_re, f"{outlet.name} furniture")
        for cleaner in outlet.line_cleaners:
            cleaner(draft)
    drop_matching(draft, GENERIC_FURNITURE, "generic furniture")
    drop_comment_thread(draft)
    drop_cross_references(draft)
    drop_matching(draft, CALL_TO_ACTION, "appeal or notice to the reader (donate, follow, subscribe, cookies, disclaimer)")
    take_labelled_captions(draft)
    drop_breadcrumbs(draft)
    if draft.title is None and draft.body_source == "text":
        take_headline(draft)
    drop_copies_of_title(draft)


def drop_elements(tree: lxml.html.HtmlElement, elements: list[lxml.html.HtmlElement], draft: Draft, why: str) -> None:
    """Remove ``elements`` (never ``tree`` itself, nor what an earlier removal already took away)."""
    for element in elements:
        if element is not tree and element.getparent() is not None and tree in element.iterancestors():
            element.drop_tree()
            draft.removed.append((why, element))


def drop_link_blocks(tree: lxml.html.HtmlElement, draft: Draft) -> None:
    """A block whose text is (almost) all link text is no paragraph of the article: a menu, a tag list, a
    related headline. Article paragraphs link a few words at most. Outermost blocks first."""
    for element in select(tree, LINK_BLOCKS):
        if element is tree or tree not in element.iterancestors() or next(element.iter("a"), None) is None:
            continue  # gone with a block dropped before it, or no link in it
        text = "".join(element.itertext()).strip()
        if not text:
            continue
        linked = sum(len("".join(a.itertext()).strip()) for a in element.iter("a"))
        if linked >= LINK_DENSITY_MAX * len(text):
            element.drop_tree()
            draft.removed.append((f"links only ({linked} of its {len(text)} characters are link text)", element))


def drop_cross_references(draft: Draft) -> None:
    """Pointers to other pages: a see-also label alone or with the headline it links to. Above the text's
    first paragraph, "WATCH: <headline>" or "LISTEN: <headline>" is the headline of a video or audio story
    (Sputnik's "WATCH: Syrian Army Surrounds ..."), left for the title."""
    kept = draft.kept()
    first_paragraph = first_paragraph_of(kept)
    for position, (index, text) in enumerate(kept):
        match = CROSS_REFERENCE.fullmatch(text)
        if not match or not is_pointer(match.group("headline") or match.group("linked") or ""):
            continue
        if first_paragraph is not None and position < first_paragraph and MEDIA_HEADLINE.fullmatch(text):
            continue
        draft.drop(index, "pointer to other articles (see-also)")


def is_pointer(headline: str) -> bool:
    """What follows a see-also label is a headline, not a sentence of the article."""
    return not headline or (len(headline.split()) <= HEADLINE_MAX_WORDS and not headline.endswith((".", ";", ",")))


def take_labelled_captions(draft: Draft) -> None:
    """A line labelled as a file, archive or illustrative picture is its caption: it goes to the images."""
    for index, text in draft.kept():
        match = CAPTION_LABEL.fullmatch(text) if len(text.split()) <= 60 else None
        if match:
            caption = text if match.group("described") else match.group("caption")
            draft.add_image(caption=caption, credit=match.group("credit"))
            draft.drop(index, "image caption (labelled as a file or illustrative picture)")


def drop_comment_thread(draft: Draft) -> None:
    """Readers' comments are never article text: from the first line that opens a comment thread, below
    the article's first paragraph, to the end of the page. A thread opens with a comment section heading
    ("3 Comments", "Leave a Reply", "Notify of") or with an author line ("1. Name says:", "• Name",
    "Name / 2 days ago") that more comment marks (another author, a timestamp, "Reply", a vote counter)
    follow within a few lines; a lone "Lavrov says:" above a quotation is no thread. Comment widget lines
    elsewhere ("Show more comments (20)", "5 Comments" under the headline) go too."""
    kept = draft.kept()
    first_paragraph = first_paragraph_of(kept)
    if first_paragraph is not None:
        start = next((p for p in range(first_paragraph + 1, len(kept)) if opens_thread(kept, p)), None)
        for index, _ in kept[start:] if start is not None else ():
            draft.drop(index, "reader comments")
    drop_matching(draft, COMMENT_WIDGET, "comment widget")


def first_paragraph_of(kept: list[tuple[int, str]]) -> int | None:
    """The position of the first line long enough to be prose."""
    return next((p for p, (_, text) in enumerate(kept) if len(text.split()) >= PARAGRAPH_MIN_WORDS), None)


def opens_thread(kept: list[tuple[int, str]], position: int) -> bool:
    text = kept[position][1]
    if COMMENT_SECTION.fullmatch(text):
        return True
    if len(text.split()) > 12 or not COMMENT_AUTHOR.fullmatch(text):
        return False
    following = [t for _, t in kept[position + 1 : position + 1 + THREAD_WINDOW]]
    # A bulleted list of names is no thread: below a comment's author line comes the comment itself.
    if not following or (text[:1] in "•·" and following[0][:1] in "•·"):
        return False
    return any(COMMENT_AUTHOR.fullmatch(t) or COMMENT_TIME.fullmatch(t) or COMMENT_CONTROLS.fullmatch(t)
               or COMMENT_WIDGET.fullmatch(t) for t in following)


# --- element-level helpers ----------------------------------------------------------------------

def image_url(image: lxml.html.HtmlElement) -> str | None:
    return image.get("src") or image.get("data-src") or image.get("data-lazy-src")


def take_figure(figure: lxml.html.HtmlElement, draft: Draft) -> None:
    """Record a figure's image, caption and credit, then remove it from the body."""
    image = next(figure.iter("img"), None)
    caption_el = next(iter(select(figure, "figcaption, .wp-caption-text, .caption")), None)
    credit_el = next(iter(select(figure, ".credit, .copyright, .photo-credit, .source")), None)
    credit = None
    if credit_el is not None:
        text = " ".join(credit_el.text_content().split())
        credit = split_credit(text)[1] or text
    if credit_el is not None:
        credit_el.drop_tree()
    caption = " ".join(caption_el.text_content().split()) if caption_el is not None else None
    if caption and not credit:
        caption, credit = split_credit(caption)
    if caption is None and image is not None:
        caption = (image.get("alt") or "").strip() or None
    draft.add_image(url=image_url(image) if image is not None else None, caption=caption or None, credit=credit)
    if figure.getparent() is not None:
        figure.drop_tree()


def split_credit(text: str) -> tuple[str, str | None]:
    """Split "Caption text (Photo: Agency)" into ("Caption text", "Agency")."""
    match = CREDIT.search(text)
    if not match:
        return text, None
    credit = next(g for g in match.group("paren", "copy", "plain") if g)
    return text[: match.start()].strip(), " ".join(credit.split())


# --- text-level helpers, shared by outlets ------------------------------------------------------

def drop_matching(draft: Draft, pattern: re.Pattern[str], reason: str) -> None:
    for index, text in draft.kept():
        if pattern.fullmatch(text):
            draft.drop(index, reason)


# Words a sentence broken at a link can end in ("... terrorist groups, including" / "al-Nusra Front"),
# and a headline does not.
CONTINUES = {"and", "or", "of", "the", "a", "an", "to", "in", "including", "with", "by", "for", "from", "as"}


def is_headline(text: str) -> bool:
    """Looks like a headline rather than a sentence of the article."""
    words = text.split()
    return (
        not text.rstrip().endswith((".", ":", ";", ","))
        and len(words) <= HEADLINE_MAX_WORDS
        and (text[:1].isupper() or text[:1].isdigit() or _caseless_letter(text[:1]))  # "7 Militant Groups ... Create Unified Command"
        and bool(words) and words[-1] not in CONTINUES
    )


def _caseless_letter(char: str) -> bool:
    """A letter of a script without capitals (Arabic, Persian, ...), where no case marks a headline."""
    return char.isalpha() and char.lower() == char.upper()


def take_headline(draft: Draft, before_body: int = 8) -> None:
    """Saved page text: the first line near the top that reads as a headline is the title. Shorter lines
    above it are badges and section names ("FM", "Former Member", "World"): they go with it, unless they
    hold a digit (a date is not a badge). Once a paragraph has begun there is no headline."""
    above = []
    for index, text in draft.kept()[:before_body]:
        if len(text.split()) >= PARAGRAPH_MIN_WORDS and not is_headline(text):
            return
        if len(text.split()) >= HEADLINE_MIN_WORDS and is_headline(text):
            draft.title = text
            draft.sources["title"] = "the first line of the page text that reads as a headline"
            for badge, badge_text in above:
                if len(badge_text.split()) < HEADLINE_MIN_WORDS and not any(c.isdigit() for c in badge_text):
                    draft.drop(badge, "section name or badge above the headline")
            return
        above.append((index, text))


def drop_breadcrumbs(draft: Draft, before_body: int = 8) -> None:
    """A trail of section links near the top ("News / #PressTV / Reports") is no headline and no text."""
    for index, text in draft.kept()[:before_body]:
        if is_breadcrumb(text):
            draft.drop(index, "breadcrumb")


def take_first_line_as_headline(draft: Draft) -> None:
    """Saved page text of an outlet whose text starts with the headline, whatever it looks like (a digit
    first, more than thirty words, a full stop): once furniture is gone, the first line is the title."""
    kept = draft.kept()
    if kept and draft.title is None and draft.body_source == "text":
        draft.title = kept[0][1]


def drop_copies_of_title(draft: Draft) -> None:
    if not draft.title:
        return
    title = fold(draft.title)
    for index, text in draft.kept():
        if fold(text) == title:
            draft.drop(index, "headline")


def fold(text: str) -> str:
    # The same headline is printed with typographic and plain apostrophes on one page (title and alt text).
    return " ".join(text.split()).casefold().replace("’", "'").replace("‘", "'")


def take_dateline(
    draft: Draft, pattern: re.Pattern[str], zone: str | None, before_body: int = 6, not_date: re.Pattern[str] | None = None
) -> None:
    """A line near the top that is only a date is the dateline: record it as published, drop it.
    ``not_date`` matches what the line may add that is not the publication date ("[ Last Update: ... ]")."""
    for index, text in draft.kept()[:before_body]:
        if pattern.fullmatch(text):
            if draft.published is None:
                day_first = bool(draft.outlet and draft.outlet.day_first)
                draft.published = to_iso(not_date.sub("", text) if not_date else text, zone, day_first)
                draft.sources["published"] = f"the dateline {text!r}"
            draft.drop(index, "dateline")
            return


def take_credited_captions(draft: Draft, credit_line: re.Pattern[str]) -> None:
    """A credit line ("© Photo : ...") and the caption line just above it become an image."""
    kept = draft.kept()
    for position, (index, text) in enumerate(kept):
        match = credit_line.fullmatch(text)
        if not match:
            continue
        caption = None
        if position > 0 and is_caption(kept[position - 1][1]):
            caption_index, caption = kept[position - 1]
            draft.drop(caption_index, "image caption")
        draft.add_image(caption=caption, credit=" ".join(match.group("credit").split()))
        draft.drop(index, "image credit")


def is_caption(text: str) -> bool:
    return len(text.split()) <= 60


def take_inline_credited_captions(draft: Draft) -> None:
    """A whole line ending in "(Photo: Agency)" is a photo caption, not article text."""
    for index, text in draft.kept():
        match = CREDIT.search(text) if text.endswith(")") else None  # the credit closes the line
        if match and match.group("paren"):
            caption, credit = split_credit(text)
            draft.add_image(caption=caption or None, credit=credit)
            draft.drop(index, "image caption")


def take_repeated_captions(draft: Draft, before_body: int = 8) -> None:
    """Near the top, a line printed twice (image alt text, then caption) is a photo caption."""
    kept = draft.kept()[:before_body]
    title = fold(draft.title or "")
    seen: dict[str, int] = {}
    for index, text in kept:
        key = fold(text)
        if key == title or len(key.split()) < 3:  # a caption says something; "×" twice is two buttons
            continue
        if key in seen:
            draft.add_image(caption=text)
            draft.drop(seen[key], "image caption")
            draft.drop(index, "image caption")
        else:
            seen[key] = index


def take_tag_line(draft: Draft, marker: re.Pattern[str]) -> int | None:
    """The comma-separated line just before ``marker`` (e.g. "Community standards") holds the tags.

    Returns the position in ``draft.kept()`` of the tag line, or None.
    """
    kept = draft.kept()
    for position, (index, text) in enumerate(kept):
        if marker.fullmatch(text) and position > 0:
            tag_index, tag_text = kept[position - 1]
            tags = [" ".join(t.split()) for t in tag_text.split(",")]
            if "," in tag_text and all(0 < len(t.split()) <= 5 for t in tags):
                draft.tags = draft.tags or tags
                draft.drop(tag_index, "tags")
                return position - 1
    return None


def drop_headlines_before(draft: Draft, position: int, reason: str = "related headline") -> None:
    """Drop the run of headline-like lines that ends just before kept line ``position``."""
    kept = draft.kept()
    for index, text in reversed(kept[:position]):
        if not is_headline(text) or not is_title_case(text):
            return
        draft.drop(index, reason)


def is_title_case(text: str) -> bool:
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", text) if len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) / len(words) >= 0.6


def drop_run(draft: Draft, start: re.Pattern[str], end: re.Pattern[str], reason: str) -> None:
    """Drop every line from one matching ``start`` through the first one matching ``end``."""
    kept = draft.kept()
    position = 0
    while position < len(kept):
        if start.match(kept[position][1]):
            while position < len(kept):
                draft.drop(kept[position][0], reason)
                if end.search(kept[position][1]):
                    break
                position += 1
        position += 1


# --- bylines, sign-offs and comment threads: helpers outlets compose -----------------------------

def take_byline(draft: Draft, desk_line: re.Pattern[str], before_body: int = 8) -> None:
    """A reporter's name on the line above the outlet's desk line ("Yusef Jalali" / "Press TV, Tehran")
    goes to ``authors``; both lines leave the body."""
    kept = draft.kept()[:before_body]
    for position, (index, text) in enumerate(kept):
        if not desk_line.fullmatch(text):
            continue
        draft.drop(index, "byline (desk)")
        if position > 0 and is_person_name(kept[position - 1][1]):
            name_index, name = kept[position - 1]
            draft.authors = draft.authors or [name]
            draft.drop(name_index, "byline (reporter)")
        return


# A name as bylines and comment threads print it: two to four words, each capitalised or an initial
# ("Zahraa al-Derzi", "Richard M"), particles allowed ("al-", "bin", "de").
PERSON_NAME = re.compile(
    r"(?:(?:al-|el-|ad-|as-|ash-|ibn |bin |de |van |von )?[A-Z][\w'’.-]*\s+){1,3}"
    r"(?:al-|el-|ad-|as-|ash-)?[A-Z][\w'’-]*\.?"
)


def is_person_name(text: str) -> bool:
    return len(text) <= 40 and bool(PERSON_NAME.fullmatch(text))


def cut_sign_off(draft: Draft, sign_off: re.Pattern[str], reason: str = "editors' sign-off") -> None:
    """Editors' initials glued to the end of the last paragraph ("... infrastructure. NT/HGL", "... S/SH 11")
    are cut off it: the one case where a cleaner shortens a line instead of dropping it whole.
    ``sign_off`` matches the initials alone; they count only after the end of a sentence."""
    kept = draft.kept()
    if not kept:
        return
    index, text = kept[-1]
    match = re.search(rf"(?<=[.!?”\"’)])\s+(?:{sign_off.pattern})\s*$", text)
    if match:
        draft.trim_end(index, len(text) - match.start(), reason)


def drop_after(draft: Draft, last_line: re.Pattern[str], reason: str) -> None:
    """Everything after the first line that ``last_line`` finds the end of the article in is dropped."""
    kept = draft.kept()
    for position, (_, text) in enumerate(kept):
        if last_line.search(text):
            for index, _ in kept[position + 1:]:
                draft.drop(index, reason)
            return


# Signs that a line is a reader talking, not a report: a question or exclamation, first or second person.
READER_VOICE = re.compile(r"[!?]|\b(?:I|I'm|I’m|my|me|you|your|we|us|our)\b")
# Abuse, which a report prints only inside quotation marks: "The sohr scum ...", "Scumbags.".
ABUSE = re.compile(r"(?i)\b(?:scum\w*|fuck\w*|shit\w*|idiot\w*|moron\w*|bastard\w*|lol|lmao)\b")
# A quotation inside a paragraph: a report's first person and abuse stand there.
QUOTATION = re.compile(r"[“\"][^”\"]*[”\"]")
# A commenter's screen name: a few words with no sentence punctuation ("Liberal guy", "klove and light").
SCREEN_NAME = re.compile(r"[^\W_][\w.'’-]*(?:\s+[\w'’-]+){0,3}")


def drop_unheaded_comments(draft: Draft, min_paragraphs: int = 2) -> None:
    """Readers' comments printed straight after the text without a heading: a commenter's name on a line
    of its own (or bulleted), then a comment in a reader's voice or quoting the article back. A screen
    name that is no person's name ("Liberal guy", "klove and light") could be a subheading: the comment
    under it must speak as a reader outside any quotation (first or second person, a question, abuse).
    From that name on, everything is comments."""
    kept = draft.kept()
    paragraphs = 0
    for position, (index, text) in enumerate(kept[:-1]):
        name = text.removeprefix("•").strip()  # a bulleted thread: "• Ivan Petrov"
        if paragraphs >= min_paragraphs and not is_part_of_title(name, draft):
            comment = kept[position + 1][1]
            if (is_person_name(name) and (READER_VOICE.search(comment) or quotes_earlier_text(comment, kept[:position]))
                    or SCREEN_NAME.fullmatch(name) and speaks_as_reader(comment)):
                for later, _ in kept[position:]:
                    draft.drop(later, "readers' comments")
                return
        if text.endswith((".", "”", '"')) and len(text.split()) > 8:
            paragraphs += 1


def speaks_as_reader(comment: str) -> bool:
    unquoted = QUOTATION.sub("", comment)
    return bool(READER_VOICE.search(unquoted) or ABUSE.search(unquoted))


def is_part_of_title(text: str, draft: Draft) -> bool:
    return bool(draft.title) and fold(text) in fold(draft.title)


def quotes_earlier_text(comment: str, earlier: list[tuple[int, str]]) -> bool:
    """The comment opens by quoting a sentence of the article: “This will mean ...” No. ..."""
    match = re.match(r"[“\"](.{20,}?)[”\"]", comment)
    return bool(match) and any(match.group(1) in text for _, text in earlier)
