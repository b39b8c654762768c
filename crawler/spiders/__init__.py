"""The one spider class every outlet uses; an ``Outlet`` says where to start and which links to follow."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import lxml.etree
from scrapy import Spider
from scrapy.http import Request, Response, TextResponse
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from plugins.model import Outlet, Page
from plugins.urls import TRACKING_PARAMS

_FEED_ROOTS = {"rss", "feed", "rdf", "RDF"}
# The root element's name, past a byte-order mark, the XML declaration, stylesheet instructions and comments.
_XML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*)*<(?P<root>[\w:]+)", re.DOTALL)
# Feeds are parsed without entity resolution or network access: feeds are untrusted input.
_FEED_PARSER = lxml.etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)


def use_default_feed(settings: Any) -> None:
    """Without -o/-O or FEEDS, write JSON Lines to DEFAULT_FEED (appending)."""
    if not settings.getdict("FEEDS") and settings.get("DEFAULT_FEED"):
        feed = {"format": "jsonlines", "encoding": "utf-8", "overwrite": False}
        settings.set("FEEDS", {settings.get("DEFAULT_FEED"): feed}, priority="spider")


def split_urls(value: str) -> list[str]:
    return [u for u in re.split(r"[\s,]+", value.strip()) if u]


class OutletSpider(Spider):
    """Crawls one outlet: sitemaps, RSS/Atom feeds and section pages lead to article pages.

    ``-a start_url=URL[,URL...]`` replaces the outlet's entry points and crawls that host (an archive
    or a test mirror) with the same rules.
    """

    outlet: ClassVar[Outlet]

    def __init__(self, *args: Any, start_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_urls = split_urls(start_url) if start_url else list(self.outlet.start_urls)
        for url in self.start_urls:
            if urlsplit(url).scheme not in ("http", "https"):
                raise ValueError(f"start_url must be an http(s) URL, not {url!r}")
        hosts = {urlsplit(u).hostname for u in self.start_urls}
        if not start_url:
            hosts |= set(self.outlet.domains)
        self.allowed_hosts = {h for h in hosts if h}
        self.allowed_domains = sorted(self.allowed_hosts)

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        use_default_feed(settings)

    @classmethod
    def handles_request(cls, request: Request) -> bool:
        host = urlsplit(request.url).hostname or ""
        return any(host == d or host.endswith("." + d) for d in cls.outlet.domains)

    async def start(self) -> AsyncIterator[Request]:
        for url in self.start_urls:
            yield Request(url, callback=self.parse)

    def parse(self, response: Response) -> Iterator[Request | Page]:
        """An entry point or listing: a sitemap, a feed or an HTML page of links."""
        body = gunzip(response.body) if response.body[:2] == b"\x1f\x8b" else response.body
        root = _XML_START.match(body[:2048])
        root_name = root.group("root").split(b":")[-1].decode("ascii", "replace") if root else ""
        if root_name in ("urlset", "sitemapindex"):
            sitemap = Sitemap(body)
            for entry in sitemap:
                if sitemap.type == "sitemapindex":
                    yield from self.follow_url(response, entry["loc"], listing=True)
                else:
                    yield from self.follow_url(response, entry["loc"])
        elif root_name in _FEED_ROOTS:
            yield from self.follow_all(response, feed_links(body))
        elif isinstance(response, TextResponse):
            if self.outlet.article_re.search(path_of(response.url)):
                yield from self.parse_article(response)
                return
            yield from self.follow_all(response, response.css("a::attr(href)").getall())

    def follow_all(self, response: Response, links: Iterable[str]) -> Iterator[Request]:
        for link in links:
            yield from self.follow_url(response, link)

    def follow_url(self, response: Response, link: str, listing: bool = False) -> Iterator[Request]:
        url = urljoin(response.url, link.strip())
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.hostname not in self.allowed_hosts:
            return
        path = path_of(url)
        if not listing and self.outlet.article_re.search(path):
            yield Request(url, callback=self.parse_article)
        elif listing or self.outlet.listing_re.search(path):
            yield Request(url, callback=self.parse)

    def parse_article(self, response: Response) -> Iterator[Page]:
        fetched_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        if not isinstance(response, TextResponse):
            kind = response.headers.get("Content-Type", b"unknown").decode("latin-1")
            yield Page(url=response.url, outlet=self.outlet.name, fetched_at=fetched_at,
                       problem=f"the response is not a web page but {kind}")
            return
        yield Page(url=response.url, outlet=self.outlet.name, html=response.text, tree=response.selector.root,
                   fetched_at=fetched_at)


def path_of(url: str) -> str:
    """The part of a URL that outlet patterns match: path and query, tracking parameters left out."""
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)])
    return parts.path + (f"?{query}" if query else "")


def feed_links(body: bytes) -> list[str]:
    """Item links of an RSS 1/2 or Atom feed."""
    try:
        root = lxml.etree.fromstring(body, parser=_FEED_PARSER)
    except lxml.etree.XMLSyntaxError:
        return []
    if root is None:
        return []
    links = [el.text for el in root.iter("{*}link") if el.text and el.text.strip()]
    links += [el.get("href") for el in root.iter("{*}link") if el.get("href") and el.get("rel", "alternate") == "alternate"]
    return links
