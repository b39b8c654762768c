"""The objects that travel through the hook chain: pages in, drafts in the middle, records out."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 2


class Unusable(Exception):
    """A page that holds no article (no body, only furniture, an error page): its message is the
    quarantine reason, so write it for a user."""


class Duplicate(Exception):
    """Raised by an exporter for a record it found already exported (by another crawl sharing the store,
    since the record was checked): the page counts as a duplicate. Its message says why."""


class StoreUnavailable(OSError):
    """The state store cannot be reached or written: no page can be decided, so the run must stop (the
    page is not counted as done, and is processed again by the next run). An OSError, as a disk that cannot
    be written is: to whoever stops a run on failed output, a store gone is the same kind of failure."""


@dataclass
class Page:
    """One page to process: fetched by a spider or read back by ``scrapy process``.

    Exactly one of ``html`` (a saved page), ``text`` (a page's visible text) or ``body`` (article text
    already extracted) is set. ``title`` and ``published`` are hints from the source, used when the
    page itself says nothing better.
    """

    url: str
    outlet: str | None = None
    html: str | None = field(default=None, repr=False)
    text: str | None = field(default=None, repr=False)
    body: str | None = field(default=None, repr=False)
    title: str | None = None
    published: str | None = None
    fetched_at: str | None = None
    # Why the fetched response cannot hold an article (binary content, ...), found before extraction.
    problem: str | None = None
    # An already parsed lxml document, so a page the spider parsed is not parsed twice.
    tree: Any = field(default=None, repr=False)
    # Where the exact bytes of the page are kept (a WARC record, an archived snapshot): the record's
    # ``provenance``; None when they were not kept.
    provenance: dict[str, str] | None = None
    # Fields of an exported record read back by ``scrapy process`` that the record keeps as they were (its
    # id, canonical_url, provenance, authors, tags, images): re-processing changes only what the chain decides.
    kept: dict[str, Any] | None = field(default=None, repr=False)


@dataclass
class Line:
    """One paragraph-sized line of text; ``dropped`` names the cleaner that found it to be furniture."""

    text: str
    dropped: str | None = None
    # A sign-off a cleaner cut off the end of this line, and which cleaner: (removed text, reason).
    trimmed: tuple[str, str] | None = None
    # The cleaner that dropped it, as the call path from the hook implementation to ``Draft.drop``.
    dropped_by: str | None = None


# A text-level cleaner of one outlet: marks furniture in the draft, may record metadata from it.
LineCleaner = Callable[["Draft"], None]


@dataclass(frozen=True)
class Layout:
    """One era of an outlet's page markup, as fundus keeps one parser version per era of a site.

    ``marker`` is a CSS selector that the article pages of this era match and pages of its other eras
    do not (the element holding the text, usually). The selectors below are used only on a page whose
    markup matched the marker, so an era's selectors never half-match a page of another era.
    ``valid_until`` (an ISO date, exclusive; None for the current era) decides between eras whose
    markers both match a page: the page's own date picks the era in force then, so an outlet lists its
    eras oldest first.
    """

    name: str
    marker: str
    valid_until: str | None = None
    title_selectors: tuple[str, ...] = ("h1",)
    body_selectors: tuple[str, ...] = ()
    published_selectors: tuple[str, ...] = ()
    author_selectors: tuple[str, ...] = ()
    tag_selectors: tuple[str, ...] = ()
    drop_selectors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outlet:
    """Everything the framework needs to crawl and clean one news outlet.

    Discovery: the spider starts at ``start_urls`` (a sitemap, an RSS/Atom feed or a section page; the
    kind is recognised from the response) and follows links on the same host whose path matches
    ``listing_paths`` (more listings) or ``article_paths`` (articles). Patterns match the URL path and
    query only, never the host, so the same rules crawl a mirror given with ``-a start_url=``.

    Extraction: structured metadata first, then the CSS selectors of the page's layout era, then the
    generic extractor. An outlet whose markup changed over the years lists its eras in ``layouts``
    (see ``Layout``); an outlet with one markup may give its selectors here instead, and they form its
    one era, marked by its ``body_selectors``. A page that matches no era's marker is read by the
    generic extractor alone (and counted as ``articles/layout_unknown``).
    Cleaning: ``drop_selectors`` remove furniture elements; ``furniture_lines`` (regular expressions
    matched against a whole stripped line) and ``line_cleaners`` remove furniture lines.
    """

    name: str
    title: str
    domains: tuple[str, ...]
    start_urls: tuple[str, ...]
    article_paths: tuple[str, ...]
    listing_paths: tuple[str, ...] = ()
    timezone: str | None = None
    # The site writes numeric dates day first ("02/01/2019" is 2 January), as most Arabic and European sites do.
    day_first: bool = False
    title_selectors: tuple[str, ...] = ("h1",)
    body_selectors: tuple[str, ...] = ()
    published_selectors: tuple[str, ...] = ()
    author_selectors: tuple[str, ...] = ()
    tag_selectors: tuple[str, ...] = ()
    drop_selectors: tuple[str, ...] = ()
    furniture_lines: tuple[str, ...] = ()
    line_cleaners: tuple[LineCleaner, ...] = ()
    layouts: tuple[Layout, ...] = ()

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name):
            raise ValueError(f"outlet name {self.name!r}: use lower-case letters, digits and _ only")
        # Compile now, so a bad pattern fails when the outlet registers, not on its first page.
        for patterns in (self.article_paths, self.listing_paths, self.furniture_lines):
            _any_of(patterns)

    @property
    def eras(self) -> tuple[Layout, ...]:
        """The outlet's layout eras: ``layouts``, or the one era its own selectors describe."""
        if self.layouts:
            return self.layouts
        return (Layout(
            name="default", marker=", ".join(self.body_selectors), title_selectors=self.title_selectors,
            body_selectors=self.body_selectors, published_selectors=self.published_selectors,
            author_selectors=self.author_selectors, tag_selectors=self.tag_selectors,
            drop_selectors=self.drop_selectors,
        ),)

    @property
    def article_re(self) -> re.Pattern[str]:
        return _any_of(self.article_paths)

    @property
    def listing_re(self) -> re.Pattern[str]:
        return _any_of(self.listing_paths)

    @property
    def furniture_re(self) -> re.Pattern[str] | None:
        return _any_of(self.furniture_lines) if self.furniture_lines else None


_compiled: dict[tuple[str, ...], re.Pattern[str]] = {}


def _any_of(patterns: Sequence[str]) -> re.Pattern[str]:
    key = tuple(patterns)
    if key not in _compiled:
        # A leading "(?i)" applies to its own pattern only once the patterns are joined.
        scoped = (f"(?i:{p[4:]})" if p.startswith("(?i)") else f"(?:{p})" for p in patterns)
        joined = "|".join(scoped) or r"(?!)"
        _compiled[key] = re.compile(joined)
    return _compiled[key]


@dataclass
class Draft:
    """An article being built: metadata found so far and the body as lines, furniture still marked."""

    page: Page
    outlet: Outlet | None
    canonical_url: str | None = None
    title: str | None = None
    published: str | None = None
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    images: list[dict[str, str | None]] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    # How the body was found: "selector", "generic", "text" or "body" (for debugging and stats).
    body_source: str = ""
    # The layout era whose selectors read the page; None for text input, an unknown outlet or markup
    # that matches no era of the outlet.
    layout: Layout | None = None
    # Where each field came from, for ``scrapy explain``: {"title": "JSON-LD headline", "body": "selector
    # .entry-content", ...}; extractors and cleaners that set a field say where they found it.
    sources: dict[str, str] = field(default_factory=dict)
    # Elements the element-level cleaners removed before the text was read: (why, element), in order.
    removed: list[tuple[str, Any]] = field(default_factory=list, repr=False)

    def set_lines(self, texts: Sequence[str]) -> None:
        self.lines = [Line(t.strip()) for t in texts if t and t.strip()]

    def drop(self, index: int, reason: str) -> None:
        line = self.lines[index]
        if line.dropped is None:
            line.dropped = reason
            line.dropped_by = _cleaner_path(sys._getframe(1))

    def trim_end(self, index: int, length: int, reason: str) -> None:
        """Cut the last ``length`` characters (a sign-off glued to the paragraph) off line ``index``.

        The one exception to dropping whole lines: only a cleaner that recognised a sign-off at the
        very end of a line may call it, and the cut text is kept on the line for explaining."""
        line = self.lines[index]
        if length <= 0 or length >= len(line.text) or line.trimmed is not None:
            return
        line.trimmed = (line.text[-length:].strip(), reason)
        line.text = line.text[:-length].rstrip()

    def kept(self) -> list[tuple[int, str]]:
        """(index, text) of the lines no cleaner has dropped, in order."""
        return [(i, line.text) for i, line in enumerate(self.lines) if line.dropped is None]

    def body(self) -> str:
        return "\n\n".join(text for _, text in self.kept())

    def add_image(self, url: str | None = None, caption: str | None = None, credit: str | None = None) -> None:
        """Record an image; the same photo met again (by URL, or by caption: alt text and caption line)
        fills in what the first sighting lacked instead of adding a second entry."""
        for image in self.images:
            if (url and image["url"] == url) or (caption and image["caption"] == caption):
                image["url"] = image["url"] or url
                image["caption"] = image["caption"] or caption
                image["credit"] = image["credit"] or credit
                return
        self.images.append({"url": url, "caption": caption, "credit": credit})


def _cleaner_path(frame: Any) -> str:
    """"plugins.outlets.sputnik.drop_header > plugins.cleaners.drop_matching": the functions between the
    hook call (pluggy) and the drop, outermost first, so ``scrapy explain`` can name who dropped a line."""
    path: list[str] = []
    while frame is not None and not frame.f_globals.get("__name__", "").startswith("pluggy"):
        path.append(f"{frame.f_globals.get('__name__', '?')}.{frame.f_code.co_name}")
        frame = frame.f_back
    return " > ".join(reversed(path[:4]))
