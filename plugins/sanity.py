"""Built-in checks that keep pages which are not articles, and text that is garbled, out of the feed.

Page level (``extract_article``, called before any extractor, raising ``Unusable``): text that is not valid
Unicode (a lone surrogate, from a broken "\\ud800" escape in saved JSON), binary data served as a web
page, text whose bytes did not match the character set the page declared, and error pages served with
status 200 ("404 Not Found", "Service Unavailable", a bot check). Record level (``validate_article``):
mojibake, UTF-8 text that was read as Windows-1252 somewhere before us ("Ã©" for "é", "Ø§Ù„" for "ال").
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from plugins.hookspecs import hookimpl
from plugins.model import Page, Unusable

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
SURROGATE = re.compile("[\ud800-\udfff]")
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


@hookimpl(tryfirst=True)
def extract_article(page: Page) -> None:
    """Refuse a page that cannot hold an article; return None to let the extractors read the rest."""
    problem = invalid_unicode(page)
    if page.html is not None:
        problem = problem or binary_content(page.html) or undecodable_text(page.html) or error_page(page.html)
    if problem:
        raise Unusable(problem)
    return None


@hookimpl
def validate_article(article: dict[str, Any]) -> list[str]:
    garbled = [found for field in ("title", "body") for found in mojibake(article.get(field) or "")]
    if not garbled:
        return []
    (shown, meant), count = garbled[0], len(garbled)
    return [f"text is mojibake (UTF-8 read as Windows-1252): {count} garbled characters "
            f"such as {shown!r} for {meant!r}"]


def invalid_unicode(page: Page) -> str | None:
    for name in ("html", "text", "body", "title", "published"):
        value = getattr(page, name)
        if value and SURROGATE.search(value):
            return f"the {name} is not valid Unicode text (a lone surrogate, e.g. from a broken \\ud800 escape)"
    return None


def binary_content(text: str) -> str | None:
    head = text[:SNIFF].lstrip("\ufeff")
    for signature, kind in FILE_SIGNATURES.items():
        if signature in head[:16]:
            return f"the response is binary data ({kind}), not a web page"
    controls = sum(1 for char in head if char < " " and char not in "\t\n\r\f")
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
    return [(match.group(), meant) for match in MOJIBAKE.finditer(text) if (meant := misread_utf8(match.group()))]


def misread_utf8(sequence: str) -> str | None:
    """The character whose UTF-8 bytes, read as Windows-1252 or Latin-1, show as ``sequence``; else None."""
    try:
        return bytes(BYTE_OF[char] for char in sequence).decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return None
