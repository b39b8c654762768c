"""Built-in checks that keep pages which are not articles, and text that is garbled, out of the feed.

Page level (``extract_article``, called before any extractor, raising ``Unusable``): text that is not valid
Unicode (a lone surrogate, from a broken "\\ud800" escape in saved JSON), binary data served as a web
page, text whose bytes did not match the character set the page declared, and error pages served with
status 200 ("404 Not Found", "Service Unavailable", a bot check). A page nested deeper than lxml parses
(libxml2 stops at 256 levels, 2,048 with huge_tree, and drops the rest of the page) is parsed again with
the excess nesting tags left out, so its article is still read. Record level (``validate_article``):
mojibake, UTF-8 text that was read as Windows-1252 somewhere before us ("Ã©" for "é", "Ø§Ù„" for "ال");
walls (a login, paywall, captcha, bot check or cookie consent page) that stand where the article should
be; and fields beyond any real article's size (a hostile or broken JSON-LD block can claim 50,000 tags).
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from http import HTTPStatus
from typing import Any

from plugins.extract import parse_html
from plugins.hookspecs import hookimpl
from plugins.model import Draft, Page, Unusable

logger = logging.getLogger(__name__)

# Share of a page's first characters that may be control characters (NUL and the like) before it is
# taken for binary data: text never has them, binary formats are full of them.
MAX_CONTROL_SHARE = 0.01
# Undecodable bytes turn into U+FFFD. A stray one is harmless; more than this share of the text means the
# page's bytes do not follow the character set it declares, and its letters are lost.
MAX_REPLACEMENT_SHARE = 0.01
SNIFF = 4096
FILE_SIGNATURES = {"%PDF-": "a PDF document", "PNG\r\n\x1a\n": "a PNG image", "GIF8": "a GIF image",
                   "JFIF": "a JPEG image", "Exif": "a JPEG image", "PK\x03\x04": "a ZIP archive"}

ERROR_PHRASES = "|".join(sorted({re.escape(s.phrase) for s in HTTPStatus if s >= 400}, key=len, reverse=True))
# Reason phrases that are never a headline on their own ("Gone" or "Conflict" could be).
BARE_ERROR_PHRASES = ("Bad Request|Unauthorized|Forbidden|Not Found|Request Timeout|Too Many Requests"
                      "|Internal Server Error|Bad Gateway|Service (?:Temporarily )?Unavailable|Gateway Time-?out")
# A whole title or headline (or one part of "Page not found | Site") that only says the page is an error.
ERROR_TITLE = re.compile(
    rf"""(?:(?:error|http)\s*)?[45]\d\d(?:\s*[-:–—]?\s*(?:{ERROR_PHRASES}|error|page\s+not\s+found))?[\s.!]*
    | (?:error\s*[-:]?\s*)?(?:{BARE_ERROR_PHRASES})[\s.!]*
    | (?:oops!?\s*)?(?:sorry,?\s*)?(?:(?:the|this|that)\s+)?(?:page|article|content)\s+
      (?:you\s+(?:requested|are\s+looking\s+for)\s+)?(?:was\s+)?
      (?:not\s+found|(?:can[’']?t|cannot|could\s+not)\s+be\s+found|does\s+not\s+exist|doesn[’']?t\s+exist|is\s+no\s+longer\s+available)[\s.!]*
    | access\s+denied[\s.!]* | server\s+error[\s.!]*
    | just\s+a\s+moment\.* | attention\s+required!?(?:\s*\|\s*cloudflare)? | are\s+you\s+(?:a\s+)?(?:robot|human)\??""",
    re.IGNORECASE | re.VERBOSE,
)
# Phrases a wall puts where the article should be. A wall's page has little else: only a short body
# (fewer than WALL_MAX_WORDS words) that says one of them is taken for a wall, so an article that merely
# quotes "subscribe to continue reading" at its end is not.
WALLS = {
    "a login wall": r"(?:sign|log)\s*in\s+to\s+(?:continue|read|keep\s+reading|view|access)|you\s+must\s+be\s+"
                    r"(?:logged|signed)\s+in|(?:create|register)\s+(?:a\s+)?(?:free\s+)?account\s+to\s+(?:continue|read)"
                    r"|register\s+to\s+continue\s+reading|please\s+(?:log|sign)\s*in\s+to",
    "a paywall": r"subscribe\s+(?:now\s+)?to\s+(?:continue\s+reading|read|unlock|keep\s+reading)|(?:for|to)\s+"
                 r"(?:paying\s+)?subscribers\s+only|(?:already\s+a\s+subscriber|become\s+a\s+(?:member|subscriber))\b"
                 r"|reached\s+your\s+(?:free\s+|monthly\s+)?(?:article|story)\s+limit|this\s+(?:article|content|story)"
                 r"\s+is\s+(?:for|available\s+to)\s+(?:subscribers|members)",
    "a captcha or bot check": r"verify\s+(?:that\s+)?you\s+are\s+(?:a\s+)?human|are\s+you\s+a\s+(?:robot|human)|"
                              r"complete\s+the\s+(?:captcha|security\s+check)|checking\s+(?:if\s+the\s+site\s+connection"
                              r"\s+is\s+secure|your\s+browser)|enable\s+javascript\s+and\s+cookies\s+to\s+continue|"
                              r"unusual\s+traffic\s+from\s+your|press\s+(?:&|and)\s+hold|i[’']?m\s+not\s+a\s+robot",
    "a cookie consent page": r"we\s+value\s+your\s+privacy|(?:we|we\s+and\s+our\s+(?:\d+\s+)?partners)\s+(?:use|store)"
                             r"\s+cookies|accept\s+all\s+cookies|(?:manage|customi[sz]e)\s+(?:your\s+)?(?:cookie|consent|privacy)"
                             r"\s+(?:preferences|settings|choices)|before\s+you\s+continue\s+to",
}
WALL = re.compile("|".join(f"(?P<w{i}>{pattern})" for i, pattern in enumerate(WALLS.values())), re.IGNORECASE)
WALL_KINDS = list(WALLS)
WALL_MAX_WORDS = 150
# A wall's words that a cleaner dropped as furniture ("Subscribe to continue reading", a cookie banner) make
# a page a wall only when what is left is a teaser: a real article beside a banner is longer than this.
TEASER_MAX_WORDS = 40
# No real article comes near these; a record beyond them was made from metadata that cannot be trusted.
MAX_TITLE_CHARS = 500
MAX_AUTHORS = 50
MAX_TAGS = 100
MAX_IMAGES = 500
MAX_BODY_CHARS = 1_000_000
# libxml2 stops parsing at this depth (256; 2,048 with huge_tree, as Scrapy parses) and drops the rest of the
# page; markup nested deeper than MAX_NESTING is left out (its text kept) when such a page is parsed again.
PARSER_DEPTH_LIMIT = 255
MAX_NESTING = 200
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                 "track", "wbr", "keygen", "command"}
MARKUP_TAG = re.compile(r"<(/?)([a-zA-Z][^\s/>]*)[^>]*?(/?)>")
# A character below " " other than tab, newline, carriage return and form feed: text never has them, binary
# formats are full of them.
CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f]")
TITLE_PARTS = re.compile(r"\s+[|–—-]\s+")
TITLE_OR_H1 = re.compile(r"<(title|h1)\b[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
TAG = re.compile(r"<[^>]*>")

# Mojibake: a UTF-8 multi-byte sequence shown as the Windows-1252 (or Latin-1) characters of its bytes,
# a lead byte (Â..ô) and then as many continuation bytes (0x80..0xBF) as the lead announces.
BYTE_OF = {char: byte for codec in ("latin-1", "cp1252") for byte in range(0x80, 0x100)
           if (char := bytes([byte]).decode(codec, "ignore"))}
CONTINUATION = "[" + re.escape("".join(sorted(char for char, byte in BYTE_OF.items() if byte < 0xC0))) + "]"
MOJIBAKE = re.compile(
    f"[\u00c2-\u00df]{CONTINUATION}|[\u00e0-\u00ef]{CONTINUATION}{{2}}|[\u00f0-\u00f4]{CONTINUATION}{{3}}"
)
# The lead bytes alone: one character class finds in a fifth of the time that a text has none (most have none).
MOJIBAKE_LEAD = re.compile("[\u00c2-\u00f4]")


@hookimpl(tryfirst=True)
def extract_article(page: Page) -> None:
    """Refuse a page that cannot hold an article; return None to let the extractors read the rest."""
    problem = invalid_unicode(page)
    if page.html is not None:
        problem = problem or binary_content(page.html) or undecodable_text(page.html) or error_page(page.html)
    if problem:
        raise Unusable(problem)
    if page.html is not None and not page.problem:
        tree = page.tree if page.tree is not None else parse_html(page.html)
        if parse_stopped_deep(tree):
            logger.info("%s is nested deeper than the HTML parser reads: parsing it again without the excess "
                        "nesting", page.url)
            tree = parse_html(flatten_nesting(page.html))
        page.tree = tree  # parsed once: the extractor reads this tree
    return None


@hookimpl(wrapper=True, specname="extract_article")
def reread_without_deep_nesting(page: Page, outlet: Any, chain: Any) -> Any:
    """A page whose tree is too deep for a recursive walk (a cleaner, the generic extractor: Python stops at
    about 1,000 levels, lxml parses up to 2,048) is read again without the excess nesting."""
    try:
        return (yield)
    except RecursionError:
        flat = flatten_nesting(page.html) if page.html is not None else None
        if flat is None or flat == page.html:
            raise
        logger.info("%s is nested too deeply to walk: reading it again without the excess nesting", page.url)
        return chain.hook.extract_article(page=replace(page, html=flat, tree=None), outlet=outlet, chain=chain)


@hookimpl
def validate_article(article: dict[str, Any]) -> list[str]:
    problems = oversized(article)
    garbled = [found for field in ("title", "body") for found in mojibake(article.get(field) or "")]
    if garbled:
        (shown, meant), count = garbled[0], len(garbled)
        problems.append(f"text is mojibake (UTF-8 read as Windows-1252): {count} garbled characters "
                        f"such as {shown!r} for {meant!r}")
    return problems


def oversized(article: dict[str, Any]) -> list[str]:
    """A field longer than any real article's: its source (usually a JSON-LD block) is not to be trusted."""
    problems = []
    for field, limit, unit in (("title", MAX_TITLE_CHARS, "characters"), ("body", MAX_BODY_CHARS, "characters"),
                               ("authors", MAX_AUTHORS, "entries"), ("tags", MAX_TAGS, "entries"),
                               ("images", MAX_IMAGES, "entries")):
        size = len(article.get(field) or ())
        if size > limit:
            problems.append(f"the {field} has {size} {unit}, more than any real article's ({limit}, "
                            f"plugins/sanity.py): the page's metadata is not to be trusted")
    return problems


@hookimpl(trylast=True)
def clean_lines(draft: Draft) -> None:
    """After every cleaner: a page that is a wall instead of an article is quarantined. The wall's words are
    looked for in the lines the cleaners kept and, when those are only a teaser, in the furniture they
    dropped too (a cleaner drops "Subscribe to continue reading" as an appeal; what it leaves is no article)."""
    kept = [text for _, text in draft.kept()]
    words = sum(len(text.split()) for text in kept)
    searched = kept if words >= TEASER_MAX_WORDS else [line.text for line in draft.lines]
    problem = wall(draft.title, words, "\n".join(searched))
    if problem:
        raise Unusable(problem)


def wall(title: str | None, words: int, text: str) -> str | None:
    """What kind of wall (login, paywall, captcha, bot check, consent) a page whose article has ``words``
    words is instead of an article, by what its ``text`` (or title) says."""
    if words >= WALL_MAX_WORDS:
        return None
    found = WALL.search(f"{title or ''}\n{text}")
    if not found:
        return None
    kind = WALL_KINDS[int(found.lastgroup[1:])]
    return f"the page is {kind}, not an article: it says {' '.join(found.group().split())!r}"


def parse_stopped_deep(tree: Any) -> bool:
    """Whether lxml stopped parsing at its nesting limit: the last element it made is that deep (the
    last-child chain is a few levels deep on any page it read to the end)."""
    depth, element = 0, tree
    while len(element) and depth < PARSER_DEPTH_LIMIT:
        element = element[-1]
        depth += 1
    return depth >= PARSER_DEPTH_LIMIT


def flatten_nesting(html: str) -> str:
    """``html`` without the opening and closing tags nested deeper than MAX_NESTING (their text stays).
    One pass over the tags, no recursion."""
    parts, depth, last = [], 0, 0
    for tag in MARKUP_TAG.finditer(html):
        closing, name, self_closing = tag.group(1), tag.group(2).lower(), tag.group(3)
        if name in VOID_ELEMENTS or self_closing:
            continue
        if closing:
            keep, depth = depth <= MAX_NESTING, max(depth - 1, 0)
        else:
            depth += 1
            keep = depth <= MAX_NESTING
        if not keep:
            parts.append(html[last:tag.start()])
            last = tag.end()
    parts.append(html[last:])
    return "".join(parts)


def invalid_unicode(page: Page) -> str | None:
    for name in ("html", "text", "body", "title", "published"):
        value = getattr(page, name)
        if value and has_surrogate(value):
            return f"the {name} is not valid Unicode text (a lone surrogate, e.g. from a broken \\ud800 escape)"
    return None


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate: the only characters strict UTF-8 cannot encode (the encoder
    runs in C at memory speed, where a regex over a page's 60,000 characters costs a tenth of a millisecond)."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def binary_content(text: str) -> str | None:
    head = text[:SNIFF].lstrip("\ufeff")
    for signature, kind in FILE_SIGNATURES.items():
        if signature in head[:16]:
            return f"the response is binary data ({kind}), not a web page"
    controls = len(CONTROL.findall(head))
    if head and controls > MAX_CONTROL_SHARE * len(head):
        return "the response is binary data, not a web page"
    return None


def undecodable_text(text: str) -> str | None:
    count = text.count("\ufffd")
    if count and count > MAX_REPLACEMENT_SHARE * len(text):
        return (f"{count} characters of the page could not be decoded: its bytes do not follow the "
                "character set it declares")
    return None


def error_page(html: str) -> str | None:
    """The title or first headline of an error page served as if it were content."""
    seen = set()
    for tag, inner in TITLE_OR_H1.findall(html[:200_000]):
        tag = tag.lower()
        if tag in seen:
            continue
        seen.add(tag)
        text = " ".join(TAG.sub(" ", inner).split())
        if any(ERROR_TITLE.fullmatch(part) for part in TITLE_PARTS.split(text) if part):
            return f"the page is an error page served as content (its {tag} says {text!r})"
    return None


def mojibake(text: str) -> list[tuple[str, str]]:
    """Each garbled sequence in ``text`` with the character it stands for."""
    if not MOJIBAKE_LEAD.search(text):
        return []
    return [(match.group(), meant) for match in MOJIBAKE.finditer(text) if (meant := misread_utf8(match.group()))]


def misread_utf8(sequence: str) -> str | None:
    """The character whose UTF-8 bytes, read as Windows-1252 or Latin-1, show as ``sequence``; else None."""
    try:
        return bytes(BYTE_OF[char] for char in sequence).decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return None
