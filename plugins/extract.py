"""Built-in extractor: page → draft. Structured metadata first, then the outlet's selectors, then a
generic main-text extractor (trafilatura) when no selector finds the body."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

import lxml.etree
import lxml.html
import trafilatura
from lxml.cssselect import CSSSelector

from plugins.dates import to_iso
from plugins.hookspecs import hookimpl
from plugins.model import Draft, Layout, Outlet, Page, Unusable

logger = logging.getLogger(__name__)

ARTICLE_TYPES = {
    "Article", "NewsArticle", "ReportageNews", "AnalysisNewsArticle", "BackgroundNewsArticle",
    "OpinionNewsArticle", "BlogPosting", "Report", "LiveBlogPosting",
}
BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre",
    "section", "table", "td", "th", "tr", "ul",
}
SKIP_TAGS = {"script", "style", "noscript", "template", "head"}
BODY_SOURCES = {"text": "the page text given (lines)", "body": "the article text given (lines)"}
BREADCRUMB_SEPARATOR = re.compile(r"\s+[/›»>]\s+")
# The generic extractor's strict reading of a page normally keeps most of its lenient one (on the 181
# pages of the extraction benchmark, 28% at the least, on every page but one); below a fifth, the strict
# reading found something else than the article.
STRICT_SHARE_MIN = 0.2
# Every page a news site serves ends its document; one that stops before </body> and </html> was cut
# off (a dropped connection, a server that died while writing it) and may hold part of an article only.
_DOCUMENT_END = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)
# Control characters (and U+FFFE, U+FFFF) are no text: HTML forbids them, broken CMS exports leave them.
# lxml keeps some while parsing but refuses them when a cleaner edits the tree, so they go before parsing.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CONTROL_CHARACTERS = "".join(map(chr, (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF)))
# Where a page that was not cut off ends its document: in its last few kilobytes.
_DOCUMENT_TAIL = 4096


def has_control_characters(text: str) -> bool:
    """Whether ``CONTROL_CHARACTERS`` occur in ``text``: 31 scans for one character each (memchr-like, in C)
    cost a third of one regex scan on a long page."""
    return any(char in text for char in _CONTROL_CHARACTERS)


def ends_document(html: str) -> bool:
    """Whether ``html`` closes its document (</body> or </html>), looked for in its tail first."""
    return bool(_DOCUMENT_END.search(html, max(0, len(html) - _DOCUMENT_TAIL)) or _DOCUMENT_END.search(html))


@hookimpl
def extract_article(page: Page, outlet: Outlet | None, chain: Any) -> Draft:
    draft = Draft(page=page, outlet=outlet)
    if page.problem:
        raise Unusable(page.problem)
    if page.html is not None and not ends_document(page.html) and page.html.strip():
        raise Unusable("the page is cut off: its HTML ends before </body></html>, so the article may be incomplete")
    if page.html is not None or page.tree is not None:
        read_html(draft, chain)
    elif page.text is not None:
        draft.set_lines(page.text.splitlines())
        draft.body_source = "text"
    elif page.body is not None:
        draft.set_lines(page.body.splitlines())
        draft.body_source = "body"
    else:
        raise Unusable("the input has none of html, text or body")
    draft.sources["body"] = BODY_SOURCES.get(draft.body_source, draft.sources.get("body", ""))
    # What the input itself states about the page wins over what we inferred from the page.
    if page.title and page.title.strip():
        draft.title = " ".join(page.title.split())
        draft.sources["title"] = "the input's title"
    day_first = bool(outlet and outlet.day_first)
    if page.published and (published := to_iso(page.published, outlet.timezone if outlet else None, day_first)):
        draft.published = published
        draft.sources["published"] = "the input's published"
    return draft


def parse_html(html: str | bytes) -> lxml.html.HtmlElement:
    """Parse a page leniently; raise Unusable when there is nothing to parse."""
    data = html.encode("utf-8") if isinstance(html, str) else html
    if not data.strip():
        raise Unusable("the page is empty")
    try:
        return lxml.html.document_fromstring(data, parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (lxml.etree.ParserError, ValueError) as exc:
        raise Unusable(f"the page is not parseable HTML ({exc})") from exc


def read_html(draft: Draft, chain: Any) -> None:
    page, outlet = draft.page, draft.outlet
    # A tree parsed with characters lxml refuses to write back breaks the first cleaner that edits it:
    # such a page is parsed again without them. One scan of the page decides.
    if page.html and has_control_characters(page.html):
        tree = parse_html(CONTROL_CHARACTERS.sub("", page.html))
    else:
        tree = page.tree if page.tree is not None else parse_html(page.html)
    # HTML comments and processing instructions are no text; left in the tree, they cut the generic
    # extractor's paragraphs short (it expects a tree parsed without them, as its own parser does).
    lxml.etree.strip_elements(tree, lxml.etree.Comment, lxml.etree.ProcessingInstruction, with_tail=False)
    zone, day_first = (outlet.timezone, outlet.day_first) if outlet else (None, False)
    meta = read_metadata(tree)

    # A relative <link rel=canonical> is relative to the page it is on.
    draft.canonical_url = urljoin(page.url, meta["canonical"]) if meta.get("canonical") else None
    draft.published = to_iso(meta.get("published"), zone, day_first)
    if draft.published is not None:
        draft.sources["published"] = meta["published_source"]
    layout = draft.layout = layout_of(tree, outlet, draft.published, zone) if outlet else None
    if outlet and layout is None:
        logger.warning("%s: the page's markup matches no layout era of %s (%s); reading it with the generic "
                       "extractor only", page.url, outlet.name, ", ".join(era.name for era in outlet.eras))
        chain.stats.inc_value("articles/layout_unknown")
    if layout is not None:
        draft.sources["era"] = f"layout era {layout.name!r} of {outlet.name}" + (
            f" (its marker {layout.marker!r} matched)" if layout.marker else "")
    draft.title, draft.sources["title"] = first_title(tree, meta, layout.title_selectors if layout else ("h1",), outlet)
    if draft.published is None and layout:
        draft.published = to_iso(first_date(tree, layout.published_selectors), zone, day_first)
        draft.sources["published"] = "selector " + ", ".join(layout.published_selectors)
    draft.authors = meta.get("authors") or (all_texts(tree, layout.author_selectors) if layout else [])
    if draft.authors:
        draft.sources["authors"] = meta["authors_source"] if meta.get("authors") else (
            "selector " + ", ".join(layout.author_selectors) if layout else "")
    draft.tags = meta.get("tags") or (all_texts(tree, layout.tag_selectors) if layout else [])
    for image in meta.get("images", []):
        draft.add_image(**image)

    selector, container = first_match_of(tree, layout.body_selectors) if layout else (None, None)
    if container is not None:
        chain.hook.clean_tree(tree=container, draft=draft, outlet=outlet, chain=chain)
        draft.set_lines(block_texts(container))
        draft.body_source = "selector"
        draft.sources["body"] = f"selector {selector} of outlet {outlet.name}"
    if not draft.lines:
        body = tree.find("body")
        if body is None:
            raise Unusable("the page has no <body>")
        chain.hook.clean_tree(tree=body, draft=draft, outlet=outlet, chain=chain)
        text, reading = generic_text(body)
        draft.set_lines(text.splitlines())
        draft.body_source = "generic"
        draft.sources["body"] = f"generic extractor (trafilatura, {reading} reading)" + (
            f"; no body selector of outlet {outlet.name} matched" if outlet else "")
    if not draft.lines:
        raise Unusable("no article body found on the page")


def layout_of(tree: lxml.html.HtmlElement, outlet: Outlet, published: str | None, zone: str | None) -> Layout | None:
    """The outlet's layout era this page's markup belongs to, or None when it matches none.

    The eras whose marker the page matches are the candidates; where several match, the page's date
    (from its metadata, else from the candidates' own date selectors) picks the first era still valid
    then, and an undated page takes the first listed.
    """
    candidates = [era for era in outlet.eras if not era.marker or select(tree, era.marker)]
    if len(candidates) < 2:
        return candidates[0] if candidates else None
    date = published or next(filter(None, (to_iso(first_date(tree, era.published_selectors), zone)
                                           for era in candidates)), None)
    if date:
        for era in candidates:
            if era.valid_until is None or date[:10] < era.valid_until:
                return era
    return candidates[0]


def generic_text(body: lxml.html.HtmlElement) -> tuple[str, str]:
    """The main text as the generic extractor finds it, and which reading: the strict one, unless that kept
    so little of what the lenient one finds that it must have locked onto the wrong block (a reprint
    notice, a teaser) and missed the article; then the lenient one, whose furniture the line cleaners
    still see."""
    strict = trafilatura.extract(body, include_comments=False, include_tables=True, favor_precision=True) or ""
    lenient = trafilatura.extract(body, include_comments=False, include_tables=True) or ""
    if strict and len(strict) < STRICT_SHARE_MIN * len(lenient):
        return lenient, "lenient"
    return strict, "strict"  # nothing at all in the strict reading: the page holds no article


# --- structured metadata -------------------------------------------------------------------------

def read_metadata(tree: lxml.html.HtmlElement) -> dict[str, Any]:
    """Title, dates, authors, tags, canonical URL and images from JSON-LD, OpenGraph and <meta>."""
    meta: dict[str, Any] = {}
    article = next(json_ld_articles(tree), None)
    if article:
        meta["title"] = text_of(article.get("headline") or article.get("name"))
        meta["title_source"] = "JSON-LD headline"
        meta["published"] = text_of(article.get("datePublished"))
        meta["published_source"] = "JSON-LD datePublished"
        meta["authors"] = names_of(article.get("author"))
        meta["authors_source"] = "JSON-LD author"
        meta["tags"] = split_keywords(article.get("keywords"))
        meta["canonical"] = url_of(article.get("mainEntityOfPage")) or url_of(article.get("url"))
        meta["images"] = [i for i in (image_of(x) for x in as_list(article.get("image"))) if i]
    props = meta_properties(tree)
    meta.setdefault("title", None)
    if not meta["title"]:
        meta["title"] = first(props, "og:title", "twitter:title")
        meta["title_source"] = "<meta> og:title / twitter:title"
    meta["site_name"] = first(props, "og:site_name")
    if not meta.get("published"):
        meta["published"], meta["published_source"] = first_of(
            props, "article:published_time", "og:article:published_time", "datePublished", "pubdate",
            "publishdate", "dc.date.issued", "dcterms.created", "parsely-pub-date", "sailthru.date",
        )
    if not meta.get("authors"):
        meta["authors"] = [a for a in props.get("author", []) if not a.startswith("http")]
        meta["authors_source"] = '<meta name="author">'
    meta["tags"] = meta.get("tags") or props.get("article:tag") or split_keywords(
        first(props, "news_keywords", "keywords"))
    canonical = tree.xpath('//link[translate(@rel, "CANONICAL", "canonical")="canonical"]/@href')
    meta["canonical"] = (canonical[0].strip() if canonical else None) or meta.get("canonical") or first(props, "og:url")
    if not meta.get("images") and first(props, "og:image"):
        meta["images"] = [{"url": first(props, "og:image"), "caption": first(props, "og:image:alt"), "credit": None}]
    # Absolute or root-relative (resolved by the caller); any other scheme is not a page address.
    if meta["canonical"] and not meta["canonical"].startswith(("http://", "https://", "/")):
        meta["canonical"] = None
    return meta


def json_ld_articles(tree: lxml.html.HtmlElement) -> Iterator[dict[str, Any]]:
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):  # RecursionError: nested deeper than any real metadata
            continue  # broken JSON-LD is common; the other sources still count
        yield from (obj for obj in walk_json_ld(data) if ARTICLE_TYPES & set(as_list(obj.get("@type"))))


def walk_json_ld(data: Any) -> Iterator[dict[str, Any]]:
    """The objects of a JSON-LD value, lists and ``@graph`` unfolded in order (iteratively: any depth)."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, list):
            pending.extend(reversed(value))
        elif isinstance(value, dict):
            yield value
            pending.append(value.get("@graph", []))


def meta_properties(tree: lxml.html.HtmlElement) -> dict[str, list[str]]:
    props: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        value = (el.get("content") or "").strip()
        if key and value:
            props.setdefault(key, []).append(value)
    return props


def first(props: dict[str, list[str]], *keys: str) -> str | None:
    return first_of(props, *keys)[0]


def first_of(props: dict[str, list[str]], *keys: str) -> tuple[str | None, str]:
    """The first of ``keys`` the page's <meta> gives, and where it came from."""
    for key in keys:
        if props.get(key.lower()):
            return props[key.lower()][0], f'<meta> "{key}"'
    return None, ""


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text_of(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return " ".join(str(value).split()) if isinstance(value, str | int | float) and str(value).strip() else None


def names_of(value: Any) -> list[str]:
    names = []
    for item in as_list(value):
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip() and not name.startswith("http"):
            names.append(" ".join(name.split()))
    return names


def split_keywords(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else [v for v in as_list(value) if isinstance(v, str)]
    return [" ".join(i.split()) for i in items if i.strip()]


def url_of(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    return value if isinstance(value, str) and value.startswith(("http://", "https://")) else None


def image_of(value: Any) -> dict[str, str | None] | None:
    if isinstance(value, str):
        return {"url": value, "caption": None, "credit": None}
    if isinstance(value, dict) and url_of(value):
        return {"url": url_of(value), "caption": text_of(value.get("caption")),
                "credit": text_of(value.get("creditText") or value.get("copyrightHolder"))}
    return None


def first_title(
    tree: lxml.html.HtmlElement, meta: dict[str, Any], selectors: tuple[str, ...], outlet: Outlet | None
) -> tuple[str | None, str]:
    """The headline and where it came from: structured metadata, the title ``selectors`` (of the page's
    layout era; the first <h1> on an unknown site), then the page's <title>; a breadcrumb trail is never
    the headline."""
    candidates = (
        (meta.get("title"), meta.get("title_source", "")),
        (first_text(tree, selectors), "selector " + ", ".join(selectors)),
        (first_text(tree, ("title",)), "the page's <title>"),
    )
    for text, source in candidates:
        title = strip_site_name(text, meta.get("site_name"), outlet)
        if title and not is_breadcrumb(title):
            return title, source
    return None, "none found"


def is_breadcrumb(text: str) -> bool:
    """A trail of section names ("News / #PressTV / Reports", "Home › World › Middle East")."""
    parts = BREADCRUMB_SEPARATOR.split(text)
    return len(parts) >= 2 and all(0 < len(p.split()) <= 4 and not p.endswith((".", "?", "!")) for p in parts)


def strip_site_name(title: str | None, site_name: str | None, outlet: Outlet | None) -> str | None:
    """Drop a trailing " - Site" or " | Site" that OpenGraph titles often carry."""
    if not title:
        return None
    title = " ".join(title.split())
    # Padded, so that a title that is only " - Site" (a page whose headline is empty) is no title at all.
    padded = " " + title
    for name in filter(None, (site_name, outlet.title if outlet else None)):
        for sep in (" | ", " - ", " – ", " — "):
            if padded.lower().endswith((sep + name).lower()):
                return padded[: -len(sep + name)].strip() or None
    return title


# --- outlet selectors ----------------------------------------------------------------------------

@lru_cache(maxsize=1024)
def css(selector: str) -> CSSSelector:
    """A CSS selector compiled once (lxml's ``cssselect()`` translates it to XPath on every call)."""
    return CSSSelector(selector, translator="html")


def select(tree: lxml.html.HtmlElement, selector: str) -> list[lxml.html.HtmlElement]:
    return css(selector)(tree)


def first_match(tree: lxml.html.HtmlElement, selectors: tuple[str, ...]) -> lxml.html.HtmlElement | None:
    return first_match_of(tree, selectors)[1]


def first_match_of(tree: lxml.html.HtmlElement, selectors: tuple[str, ...]) -> tuple[str | None, lxml.html.HtmlElement | None]:
    """The first selector that matches, and its first element."""
    for selector in selectors:
        found = select(tree, selector)
        if found:
            return selector, found[0]
    return None, None


def first_text(tree: lxml.html.HtmlElement, selectors: tuple[str, ...]) -> str | None:
    element = first_match(tree, selectors)
    return inline_text(element) or None if element is not None else None


def all_texts(tree: lxml.html.HtmlElement, selectors: tuple[str, ...]) -> list[str]:
    for selector in selectors:
        texts = [t for t in (inline_text(el) for el in select(tree, selector)) if t]
        if texts:
            return list(dict.fromkeys(texts))
    return []


def first_date(tree: lxml.html.HtmlElement, selectors: tuple[str, ...]) -> str | None:
    element = first_match(tree, selectors)
    if element is None:
        return None
    return element.get("datetime") or element.get("content") or inline_text(element)


def fold_spaces(text: str) -> str:
    """``text`` with every run of whitespace one space, none at the ends (str.split's whitespace is the
    regex ``\\s``'s, and splitting is several times faster than substituting)."""
    return " ".join(text.split())


def inline_text(element: lxml.html.HtmlElement) -> str:
    return fold_spaces(element.text_content())


def block_texts(container: lxml.html.HtmlElement) -> list[str]:
    """The container's text as paragraphs: one per block element or <br>-separated run, whitespace folded."""
    paragraphs: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = fold_spaces("".join(buffer))
        if text:
            paragraphs.append(text)
        buffer.clear()

    def walk(element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else None
        if tag is None or tag in SKIP_TAGS:  # comments, processing instructions, scripts
            buffer.append(element.tail or "")
            return
        block = tag in BLOCK_TAGS or tag == "br"
        if block:
            flush()
        buffer.append(element.text or "")
        for child in element:
            walk(child)
        if block:
            flush()
        buffer.append(element.tail or "")

    buffer.append(container.text or "")
    for child in container:
        walk(child)
    flush()
    return paragraphs
