"""Built-in extractor: page → draft. Structured metadata first, then the outlet's selectors, then a
generic main-text extractor (trafilatura) when no selector finds the body."""

from __future__ import annotations

import json
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
from plugins.model import Draft, Outlet, Page, Unusable

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
_SPACE = re.compile(r"\s+")
# Every page a news site serves ends its document; one that stops before </body> and </html> was cut
# off (a dropped connection, a server that died while writing it) and may hold part of an article only.
_DOCUMENT_END = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)
# Control characters (and U+FFFE, U+FFFF) are no text: HTML forbids them, broken CMS exports leave them.
# lxml keeps some while parsing but refuses them when a cleaner edits the tree, so they go before parsing.
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@hookimpl
def extract_article(page: Page, outlet: Outlet | None, chain: Any) -> Draft:
    draft = Draft(page=page, outlet=outlet)
    if page.problem:
        raise Unusable(page.problem)
    if page.html is not None and page.html.strip() and not _DOCUMENT_END.search(page.html):
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
    # What the input itself states about the page wins over what we inferred from the page.
    if page.title and page.title.strip():
        draft.title = " ".join(page.title.split())
    if page.published:
        draft.published = to_iso(page.published, outlet.timezone if outlet else None) or draft.published
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
    if page.html and _NOT_XML_TEXT.search(page.html):
        tree = parse_html(_NOT_XML_TEXT.sub("", page.html))
    else:
        tree = page.tree if page.tree is not None else parse_html(page.html)
    zone = outlet.timezone if outlet else None
    meta = read_metadata(tree)

    # A relative <link rel=canonical> is relative to the page it is on.
    draft.canonical_url = urljoin(page.url, meta["canonical"]) if meta.get("canonical") else None
    draft.title = strip_site_name(meta.get("title") or first_text(tree, outlet and outlet.title_selectors or ("h1",)),
                                  meta.get("site_name"), outlet)
    draft.published = to_iso(meta.get("published"), zone)
    if draft.published is None and outlet:
        draft.published = to_iso(first_date(tree, outlet.published_selectors), zone)
    draft.authors = meta.get("authors") or (all_texts(tree, outlet.author_selectors) if outlet else [])
    draft.tags = meta.get("tags") or (all_texts(tree, outlet.tag_selectors) if outlet else [])
    for image in meta.get("images", []):
        draft.add_image(**image)

    container = first_match(tree, outlet.body_selectors) if outlet else None
    if container is not None:
        chain.hook.clean_tree(tree=container, draft=draft, outlet=outlet, chain=chain)
        draft.set_lines(block_texts(container))
        draft.body_source = "selector"
    if not draft.lines:
        body = tree.find("body")
        if body is None:
            raise Unusable("the page has no <body>")
        chain.hook.clean_tree(tree=body, draft=draft, outlet=outlet, chain=chain)
        text = trafilatura.extract(body, include_comments=False, include_tables=False, favor_precision=True)
        draft.set_lines((text or "").splitlines())
        draft.body_source = "generic"
    if not draft.lines:
        raise Unusable("no article body found on the page")


# --- structured metadata -------------------------------------------------------------------------

def read_metadata(tree: lxml.html.HtmlElement) -> dict[str, Any]:
    """Title, dates, authors, tags, canonical URL and images from JSON-LD, OpenGraph and <meta>."""
    meta: dict[str, Any] = {}
    article = next(json_ld_articles(tree), None)
    if article:
        meta["title"] = text_of(article.get("headline") or article.get("name"))
        meta["published"] = text_of(article.get("datePublished"))
        meta["authors"] = names_of(article.get("author"))
        meta["tags"] = split_keywords(article.get("keywords"))
        meta["canonical"] = url_of(article.get("mainEntityOfPage")) or url_of(article.get("url"))
        meta["images"] = [i for i in (image_of(x) for x in as_list(article.get("image"))) if i]
    props = meta_properties(tree)
    meta.setdefault("title", None)
    meta["title"] = meta["title"] or first(props, "og:title", "twitter:title")
    meta["site_name"] = first(props, "og:site_name")
    meta["published"] = meta.get("published") or first(
        props, "article:published_time", "og:article:published_time", "datePublished", "pubdate",
        "publishdate", "dc.date.issued", "dcterms.created", "parsely-pub-date", "sailthru.date",
    )
    meta["authors"] = meta.get("authors") or [a for a in props.get("author", []) if not a.startswith("http")]
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
    for key in keys:
        if props.get(key.lower()):
            return props[key.lower()][0]
    return None


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


def strip_site_name(title: str | None, site_name: str | None, outlet: Outlet | None) -> str | None:
    """Drop a trailing " - Site" or " | Site" that OpenGraph titles often carry."""
    if not title:
        return None
    title = " ".join(title.split())
    for name in filter(None, (site_name, outlet.title if outlet else None)):
        for sep in (" | ", " - ", " – ", " — "):
            if title.lower().endswith((sep + name).lower()):
                return title[: -len(sep + name)].strip()
    return title


# --- outlet selectors ----------------------------------------------------------------------------

@lru_cache(maxsize=1024)
def css(selector: str) -> CSSSelector:
    """A CSS selector compiled once (lxml's ``cssselect()`` translates it to XPath on every call)."""
    return CSSSelector(selector, translator="html")


def select(tree: lxml.html.HtmlElement, selector: str) -> list[lxml.html.HtmlElement]:
    return css(selector)(tree)


def first_match(tree: lxml.html.HtmlElement, selectors: tuple[str, ...]) -> lxml.html.HtmlElement | None:
    for selector in selectors:
        found = select(tree, selector)
        if found:
            return found[0]
    return None


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


def inline_text(element: lxml.html.HtmlElement) -> str:
    return _SPACE.sub(" ", element.text_content()).strip()


def block_texts(container: lxml.html.HtmlElement) -> list[str]:
    """The container's text as paragraphs: one per block element or <br>-separated run, whitespace folded."""
    paragraphs: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = _SPACE.sub(" ", "".join(buffer)).strip()
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
