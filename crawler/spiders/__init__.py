"""The one spider class every outlet uses; an ``Outlet`` says where to start and which links to follow."""

from __future__ import annotations

import codecs
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any, ClassVar
from urllib.parse import urlencode, urljoin, urlsplit

import lxml.etree
from scrapy import Spider
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.response import get_meta_refresh
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from crawler.feeds import OutputGuard
from crawler.middlewares import origin
from plugins.model import Outlet, Page
from plugins.urls import without_tracking

_FEED_ROOTS = {"rss", "feed", "rdf", "RDF"}
# Feeds are parsed without entity resolution or network access: feeds are untrusted input. (The document type
# declaration, where entity bombs and external entities live, is cut off before parsing: see xml_prolog.)
_FEED_PARSER = lxml.etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
_XML_NAME = re.compile(rb"[\w:.-]+")


def xml_prolog(body: bytes) -> tuple[str, int, int]:
    """The root element's name of an XML document (empty when ``body`` is not XML) and where its document
    type declaration starts and ends (equal when it has none). The prolog (byte-order mark, XML declaration,
    processing instructions, comments, DOCTYPE with its internal subset) is skipped however long it is."""
    at, doctype = (3 if body.startswith(b"\xef\xbb\xbf") else 0), (0, 0)
    while True:
        while at < len(body) and body[at] in b" \t\r\n":
            at += 1
        if body.startswith(b"<?", at):
            end = body.find(b"?>", at)
            at = -1 if end < 0 else end + 2
        elif body.startswith(b"<!--", at):
            end = body.find(b"-->", at + 4)
            at = -1 if end < 0 else end + 3
        elif body[at:at + 9].upper() == b"<!DOCTYPE":
            start = at
            bracket, close = body.find(b"[", at), body.find(b">", at)
            if 0 <= bracket < close:  # an internal subset: it ends at "]", then ">"
                end = body.find(b"]", bracket)
                close = -1 if end < 0 else body.find(b">", end)
            at = -1 if close < 0 else close + 1
            doctype = (start, at)
        elif body.startswith(b"<", at):
            name = _XML_NAME.match(body, at + 1)
            return (name.group().split(b":")[-1].decode("ascii", "replace") if name else ""), *doctype
        else:
            return "", 0, 0
        if at < 0:
            return "", 0, 0


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
    or a test mirror) with the same rules. It is the only argument: any other ``-a NAME=VALUE`` would
    become a spider attribute, and ``-a name=../x`` would move the feed (``output/%(name)s.jsonl``).

    Every article request ends as exactly one page for the chain: the page, or (``article_failed``) a
    page whose ``problem`` says why it could not be fetched, which the chain quarantines.
    """

    outlet: ClassVar[Outlet]

    def __init__(self, *args: Any, start_url: str | None = None, **kwargs: Any) -> None:
        if args or kwargs:
            given = ", ".join([*map(repr, args), *kwargs])
            raise ValueError(f"unknown spider argument(s) {given}: an outlet spider takes only -a start_url=URL")
        super().__init__()
        self.start_urls = split_urls(start_url) if start_url else list(self.outlet.start_urls)
        for url in self.start_urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"start_url must be an http(s) URL with a host, not {url!r}")
        hosts = {urlsplit(u).hostname for u in self.start_urls}
        # The exact origins (scheme, host, port) the user named; crawler.middlewares lets them, and only
        # them, be private addresses (a local mirror).
        self.explicit_origins = frozenset(map(origin, self.start_urls)) if start_url else frozenset()
        if not start_url:
            hosts |= set(self.outlet.domains)
        self.allowed_hosts = {h for h in hosts if h}
        self.allowed_domains = sorted(self.allowed_hosts)

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        use_default_feed(settings)
        # A <meta http-equiv=refresh> is followed by the spider itself (see refresh_target), so an article
        # page that refreshes elsewhere ends as an outcome; Scrapy's middleware would hand the new request
        # to the scheduler, whose duplicate and offsite filters drop it without a word.
        settings.set("METAREFRESH_ENABLED", False, priority="spider")

    @classmethod
    def handles_request(cls, request: Request) -> bool:
        host = urlsplit(request.url).hostname or ""
        return any(host == d or host.endswith("." + d) for d in cls.outlet.domains)

    async def start(self) -> AsyncIterator[Request]:
        for url in self.start_urls:
            OutputGuard.of(self.crawler).check()
            # An entry point may be an article itself (parse recognises it): it must not fail unaccounted.
            is_article = bool(self.outlet.article_re.search(path_of(url)))
            yield Request(url, callback=self.parse, errback=self.article_failed if is_article else None,
                          meta={"article": is_article})

    def parse(self, response: Response) -> Iterator[Request | Page]:
        """An entry point or listing: a sitemap, a feed or an HTML page of links."""
        body = self.unzipped(response)
        root_name, doctype_start, doctype_end = xml_prolog(body)
        if doctype_end > doctype_start and root_name in ("urlset", "sitemapindex", *_FEED_ROOTS):
            # Entity declarations have no place in a feed or sitemap; entity bombs and external entities do.
            self.logger.warning("%s declares a document type (%d bytes): read without it, entities unexpanded",
                                response.url, doctype_end - doctype_start)
            body = body[:doctype_start] + body[doctype_end:]
        if root_name in ("urlset", "sitemapindex"):
            yield from self.follow_sitemap(response, body)
        elif root_name in _FEED_ROOTS:
            yield from self.follow_all(response, feed_links(body))
        elif isinstance(response, TextResponse):
            if self.outlet.article_re.search(path_of(response.url)):
                yield from self.parse_article(response)
                return
            target = self.refresh_target(response)
            if target:
                yield from self.follow_url(response, target)
            yield from self.follow_all(response, response.css("a::attr(href)").getall())

    def unzipped(self, response: Response) -> bytes:
        """The body, gunzipped if it is a .gz file; a gzip bomb stops at DOWNLOAD_MAXSIZE."""
        if response.body[:2] != b"\x1f\x8b":
            return response.body
        limit = response.meta.get("download_maxsize", self.settings.getint("DOWNLOAD_MAXSIZE"))
        try:
            return gunzip(response.body, max_size=limit)
        except (ValueError, OSError, EOFError) as exc:  # too large (a ValueError) or not gzip after all
            self.logger.warning("Ignoring %s: it does not unzip within DOWNLOAD_MAXSIZE: %s", response.url, exc)
            return b""

    def follow_sitemap(self, response: Response, body: bytes) -> Iterator[Request]:
        try:
            sitemap = Sitemap(body)  # parsed without resolving entities, so entity bombs do not expand
            for entry in sitemap:
                yield from self.follow_url(response, entry["loc"], listing=sitemap.type == "sitemapindex")
        except lxml.etree.LxmlError as exc:
            self.logger.warning("Ignoring the rest of sitemap %s: it is not readable XML (%s)", response.url, exc)

    def follow_all(self, response: Response, links: Iterable[str]) -> Iterator[Request]:
        for link in links:
            yield from self.follow_url(response, link)

    def follow_url(self, response: Response, link: str, listing: bool = False) -> Iterator[Request]:
        if not link.strip():  # e.g. a <loc> whose entity was not expanded
            return
        url = urljoin(response.url, link.strip())
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.hostname not in self.allowed_hosts:
            return
        path = path_of(url)
        if not listing and self.outlet.article_re.search(path):
            yield self.article_request(url)
        elif listing or self.outlet.listing_re.search(path):
            yield Request(url, callback=self.parse)

    def article_request(self, url: str, **meta: Any) -> Request:
        """A request for an article page; ``meta["article"]`` lets the job's duplicate filter know it."""
        return Request(url, callback=self.parse_article, errback=self.article_failed, meta={"article": True, **meta})

    def refresh_target(self, response: TextResponse) -> str | None:
        """Where a ``<meta http-equiv=refresh>`` sends the browser at once, as Scrapy's MetaRefreshMiddleware
        reads it (METAREFRESH_IGNORE_TAGS, METAREFRESH_MAXDELAY); None for none, or for the page itself."""
        try:
            delay, url = get_meta_refresh(response, ignore_tags=self.settings.getlist("METAREFRESH_IGNORE_TAGS"))
        except ValueError:
            return None
        if url is None or delay >= self.settings.getint("METAREFRESH_MAXDELAY") or url == response.url:
            return None
        return url

    def follow_refresh(self, response: TextResponse, target: str) -> Iterator[Request | Page]:
        """An article page that refreshes to ``target``: the article is the target's (fetched even if it
        was crawled already, so the chain counts it a duplicate), or a page quarantined with the reason."""
        reached = response.meta.get("redirect_urls") or []
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or parts.hostname not in self.allowed_hosts:
            yield self.page(response.url, problem=f"not followed: the page refreshes to {target}, another site "
                                                  "than the one crawled")
        elif target in reached:
            yield self.page(response.url, problem=f"not followed: the page refreshes in a loop (back to {target})")
        elif len(reached) >= self.settings.getint("REDIRECT_MAX_TIMES"):
            yield self.page(response.url, problem=f"not followed: more than {len(reached)} redirects (REDIRECT_MAX_TIMES)")
        elif self.outlet.article_re.search(path_of(target)):
            yield self.article_request(target, redirect_urls=[*reached, response.url], redirect_times=len(reached) + 1)
        else:
            yield self.page(response.url, problem=f"not an article: the page refreshes to {target}, which is not "
                                                  "an article page of the outlet")
            yield from self.follow_url(response, target)  # a listing is still worth reading

    def parse_article(self, response: Response) -> Iterator[Page | Request]:
        if not isinstance(response, TextResponse):
            kind = response.headers.get("Content-Type", b"unknown").decode("latin-1")
            yield self.page(response.url, problem=f"the response is not a web page but {kind}")
            return
        target = self.refresh_target(response)
        if target:
            yield from self.follow_refresh(response, urljoin(response.url, target))
            return
        response = utf8_if_valid(response)
        try:
            yield self.page(response.url, html=response.text, tree=response.selector.root)
        except (ValueError, lxml.etree.LxmlError) as exc:  # lxml refuses some byte soups outright
            yield self.page(response.url, problem=f"the page is not readable HTML ({exc})")

    def article_failed(self, failure: Failure) -> Iterator[Page]:
        """Errback of article requests: the failure becomes a page the chain quarantines with the reason."""
        request = failure.request
        reached = (request.meta.get("redirect_urls") or [request.url])[0]  # the link the crawl followed
        yield self.page(reached, problem=failure_reason(failure, request, self.settings))

    def page(self, url: str, **fields: Any) -> Page:
        fetched_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return Page(url=url, outlet=self.outlet.name, fetched_at=fetched_at, **fields)


def utf8_if_valid(response: TextResponse) -> TextResponse:
    """The response read as UTF-8 when its bytes are valid UTF-8 but it declares a legacy charset.

    Sites often label UTF-8 pages ISO-8859-1 or Windows-1252 (a server default), which turns every
    non-ASCII letter into mojibake. Text really in a single-byte charset almost never happens to be
    valid UTF-8 with multi-byte sequences, so valid UTF-8 is the more trustworthy signal. A byte-order
    mark is honoured by Scrapy before any declaration, and an undeclared charset is detected by it.
    """
    if codecs.lookup(response.encoding).name.startswith("utf") or response.body.isascii():
        return response
    try:
        # Incremental: a page cut off inside a character is still valid UTF-8 up to there.
        codecs.getincrementaldecoder("utf-8")().decode(response.body, final=False)
    except UnicodeDecodeError:
        return response
    return response.replace(encoding="utf-8")


HTTP_REASONS = {status.value: status.phrase for status in HTTPStatus}


def failure_reason(failure: Failure, request: Request, settings: Any) -> str:
    """Why an article could not be fetched, for a user reading the quarantine file."""
    exc = failure.value
    retries = request.meta.get("retry_times", 0)
    after = f" (gave up after {retries} retries, RETRY_TIMES)" if retries else ""
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"the server answered HTTP {status} {HTTP_REASONS.get(status, '')}".rstrip() + after
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        if message == "Forbidden by robots.txt":
            return "not fetched: the site's robots.txt forbids it"
        if message == "max redirections reached":
            return f"not followed: more than {request.meta.get('redirect_times', 0)} redirects (REDIRECT_MAX_TIMES)"
        return message
    if isinstance(exc, DownloadCancelledError):
        limit = request.meta.get("download_maxsize", settings.getint("DOWNLOAD_MAXSIZE"))
        return f"the page is larger than DOWNLOAD_MAXSIZE ({limit} bytes): abandoned, no article is that large"
    if isinstance(exc, DownloadTimeoutError):
        return f"no complete answer within DOWNLOAD_TIMEOUT ({request.meta.get('download_timeout')} s){after}"
    if isinstance(exc, ResponseDataLossError):
        return f"the connection closed before the whole page arrived{after}"
    if isinstance(exc, DownloadFailedError):
        return f"the server dropped the connection before answering{after}"
    if isinstance(exc, DownloadConnectionRefusedError):
        return f"the server refused the connection{after}"
    if isinstance(exc, CannotResolveHostError):
        return f"the host name could not be resolved{after}"
    return f"the download failed: {exc or type(exc).__name__}{after}"


def path_of(url: str) -> str:
    """The part of a URL that outlet patterns match: path and query, tracking parameters left out."""
    parts = urlsplit(url)
    query = urlencode(without_tracking(parts.query))
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
