"""The one spider class every outlet uses; an ``Outlet`` says where to start and which links to follow."""

from __future__ import annotations

import codecs
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
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
from crawler.wayback import ORIGINAL_URL, WaybackSearch, archive_date, snapshot_provenance
from plugins.chain import STAT
from plugins.model import Outlet, Page
from plugins.urls import without_tracking

# Stats: article requests the spider made (or would have made, were they not done already in a JOBDIR
# job), and the one line that says why a crawl failed (crawler/commands/crawl.py exits non-zero on it).
LINKED = "articles/linked"
FAILED = "conflict_feeds/failed"

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
    or a test mirror) with the same rules. A copy served under a path prefix (``http://host/sputnik/``)
    is crawled as the site itself: the patterns apply to the path below the prefix (``copy_prefix``).
    ``-a archive=wayback`` (with ``-a since=``/``-a until=`` dates) crawls the outlet's captures in the
    Wayback Machine instead (crawler/wayback.py). No other argument is taken: any other ``-a NAME=VALUE``
    would become a spider attribute, and ``-a name=../x``
    would move the feed (``output/%(name)s.jsonl``).

    Every article request ends as exactly one page for the chain: the page, or (``article_failed``) a
    page whose ``problem`` says why it could not be fetched, which the chain quarantines.

    A crawl that reaches no article page is a failure, never a silent empty feed: ``closed`` says why in
    one line (every entry point failed; or their links fit none of the outlet's patterns) and sets the
    ``FAILED`` stat, which makes ``scrapy crawl`` exit non-zero.
    """

    outlet: ClassVar[Outlet]
    # The outlet's cases (<name>.cases.json), from which `scrapy check` builds contracts; None if it has none.
    cases_file: ClassVar[Path | None] = None

    def __init__(self, *args: Any, start_url: str | None = None, archive: str | None = None,
                 since: str | None = None, until: str | None = None, **kwargs: Any) -> None:
        if args or kwargs:
            given = ", ".join([*map(repr, args), *kwargs])
            raise ValueError(f"unknown spider argument(s) {given}: an outlet spider takes only -a start_url=URL, "
                             "or -a archive=wayback with -a since=YYYY-MM-DD and -a until=YYYY-MM-DD")
        super().__init__()
        self.archive_range = archive_range(archive, since, until, start_url)
        self.wayback: WaybackSearch | None = None
        self.start_urls = split_urls(start_url) if start_url else list(self.outlet.start_urls)
        for url in self.start_urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"start_url must be an http(s) URL with a host, not {url!r}")
        hosts = {urlsplit(u).hostname for u in self.start_urls}
        # Path prefixes of the copies named with start_url, longest first, per host.
        self.prefixes: dict[str, list[str]] = {}
        if start_url:
            for url in self.start_urls:
                self.prefixes.setdefault(urlsplit(url).hostname, []).append(copy_prefix(self.outlet, url))
            for found in self.prefixes.values():
                found.sort(key=len, reverse=True)
        self.failed_entries: dict[str, str] = {}
        # Links on the crawled hosts that fit none of the patterns: how many, and the first one.
        self.unfitting_links = 0
        self.unfitting_example = ""
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
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> OutletSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.archive_range is not None:
            spider.use_wayback(crawler.settings)
        return spider

    def use_wayback(self, settings: Any) -> None:
        """Crawl the outlet's captures in the Wayback Machine (crawler/wayback.py) instead of the site."""
        base = settings.get("WAYBACK_URL")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"WAYBACK_URL must be an http(s) URL with a host, not {base!r}")
        since, until = self.archive_range
        self.wayback = WaybackSearch(base, self.outlet.domains, since, until, settings.getint("WAYBACK_CDX_PAGE_SIZE"))
        # Every request goes to the archive the user's settings name (a local one, in the tests).
        self.allowed_hosts = {parts.hostname}
        self.allowed_domains = [parts.hostname]
        self.explicit_origins = frozenset({origin(base)})

    @classmethod
    def handles_request(cls, request: Request) -> bool:
        host = urlsplit(request.url).hostname or ""
        return any(host == d or host.endswith("." + d) for d in cls.outlet.domains)

    async def start(self) -> AsyncIterator[Request]:
        if self.wayback:
            for request in self.wayback.searches(self.parse_archive_index):
                yield request
            return
        for url in self.start_urls:
            OutputGuard.of(self.crawler).check()
            # An entry point may be an article itself (parse recognises it): it must not fail unaccounted.
            is_article = bool(self.outlet.article_re.search(self.site_path(url)))
            if is_article:
                self.crawler.stats.inc_value(LINKED)
            yield Request(url, callback=self.parse, errback=self.article_failed if is_article else self.entry_failed,
                          meta={"article": is_article})

    def site_path(self, url: str) -> str:
        """What the outlet's patterns match: ``path_of`` the URL, below the copy's prefix on its host."""
        path = path_of(url)
        for prefix in self.prefixes.get(urlsplit(url).hostname, ()):
            if prefix and (path == prefix or path.startswith(prefix + "/")):
                return path[len(prefix):] or "/"
        return path

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
            if self.outlet.article_re.search(self.site_path(response.url)):
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
        path = self.site_path(url)
        if not listing and self.outlet.article_re.search(path):
            self.crawler.stats.inc_value(LINKED)
            yield self.article_request(url)
        elif listing or self.outlet.listing_re.search(path):
            yield Request(url, callback=self.parse)
        else:
            self.unfitting_links += 1
            self.unfitting_example = self.unfitting_example or path

    def parse_archive_index(self, response: Response) -> Iterator[Request]:
        """A CDX answer: a snapshot request per article capture, and the search for its next page."""
        is_article = lambda url: bool(self.outlet.article_re.search(path_of(url)))  # noqa: E731
        yield from self.wayback.snapshots(response, is_article, self.parse_article, self.article_failed)

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
        elif self.outlet.article_re.search(self.site_path(target)):
            yield self.article_request(target, redirect_urls=[*reached, response.url], redirect_times=len(reached) + 1)
        else:
            yield self.page(response.url, problem=f"not an article: the page refreshes to {target}, which is not "
                                                  "an article page of the outlet")
            yield from self.follow_url(response, target)  # a listing is still worth reading

    def parse_article(self, response: Response) -> Iterator[Page | Request]:
        url = response.meta.get(ORIGINAL_URL, response.url)  # a snapshot's page is the article's own address
        if not isinstance(response, TextResponse):
            kind = response.headers.get("Content-Type", b"unknown").decode("latin-1")
            yield self.page(url, problem=f"the response is not a web page but {kind}")
            return
        target = self.refresh_target(response)
        if target:
            yield from self.follow_refresh(response, urljoin(response.url, target))
            return
        page = page_of_response(response, self.outlet.name, url)
        if ORIGINAL_URL in response.meta:
            page.provenance = {**(page.provenance or {}), **snapshot_provenance(response.url)}
        yield page

    def entry_failed(self, failure: Failure) -> None:
        """Errback of entry points that are not articles: one line saying why, no traceback."""
        request = failure.request
        reason = failure_reason(failure, request, self.settings)
        self.failed_entries[request.url] = reason
        self.logger.warning("Entry point %s failed: %s", request.url, reason)

    def closed(self, reason: str) -> None:
        stats = self.crawler.stats
        if reason != "finished" or stats.get_value(LINKED) or stats.get_value(STAT("pages")):
            return
        if self.settings.get("CRAWL_QUEUE"):  # a worker of a shared crawl may find the work all taken:
            return  # the queue's line "<outlet> (all workers): ..." is the outlet's accounting
        if self.failed_entries and len(self.failed_entries) == len(set(self.start_urls)):
            why = "every entry point failed: " + "; ".join(f"{u}: {r}" for u, r in self.failed_entries.items())
        elif self.unfitting_links:
            prefixes = sorted({p for found in self.prefixes.values() for p in found if p})
            below = f" below the prefix {', '.join(prefixes)}" if prefixes else ""
            why = (f"none of the {self.unfitting_links} links found on its host fits the outlet's article or "
                   f"listing patterns (the first: {self.unfitting_example}{below})")
        else:
            why = "its entry points hold no link to an article (" + ", ".join(self.start_urls) + ")"
        line = f"{self.name}: the crawl reached no article page: {why}"
        self.logger.error(line)
        stats.set_value(FAILED, line)

    def article_failed(self, failure: Failure) -> Iterator[Page]:
        """Errback of article requests: the failure becomes a page the chain quarantines with the reason."""
        request = failure.request
        # The link the crawl followed; for a snapshot, the article's own address.
        reached = request.meta.get(ORIGINAL_URL) or (request.meta.get("redirect_urls") or [request.url])[0]
        yield self.page(reached, problem=failure_reason(failure, request, self.settings))

    def page(self, url: str, **fields: Any) -> Page:
        return Page(url=url, outlet=self.outlet.name, fetched_at=utc_now(), **fields)


def archive_range(archive: str | None, since: str | None, until: str | None,
                  start_url: str | None) -> tuple[str | None, str | None] | None:
    """The CDX dates of ``-a archive=wayback -a since=... -a until=...``; None for a crawl of the site."""
    if archive is None:
        if since or until:
            raise ValueError("-a since and -a until choose dates in an archive: add -a archive=wayback")
        return None
    if archive != "wayback":
        raise ValueError(f"-a archive={archive!r}: the one archive known is wayback")
    if start_url:
        raise ValueError("-a archive=wayback crawls the archive: it takes no -a start_url (set WAYBACK_URL)")
    first, last = archive_date(since, "since") if since else None, archive_date(until, "until") if until else None
    if first and last and first > last:
        raise ValueError(f"-a since={since} is after -a until={until}")
    return first, last


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def page_of_response(response: TextResponse, outlet: str | None, url: str) -> Page:
    """The page of an article response, fetched now or read back from a WARC file: decoded the same
    way, with the provenance and fetch time its meta carries (crawler.warc) when it was kept."""
    meta = response.meta
    fields = {"outlet": outlet, "fetched_at": meta.get("fetched_at") or utc_now(), "provenance": meta.get("provenance")}
    response = utf8_if_valid(response)
    try:
        return Page(url=url, html=response.text, tree=response.selector.root, **fields)
    except (ValueError, lxml.etree.LxmlError) as exc:  # lxml refuses some byte soups outright
        return Page(url=url, problem=f"the page is not readable HTML ({exc})", **fields)


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


def copy_prefix(outlet: Outlet, url: str) -> str:
    """The path prefix under which ``url``, an entry point given with start_url, serves a copy of the
    outlet: the shortest leading folder after which the rest of the path is one of the outlet's own
    entry points or fits its patterns (``/sputnik`` for ``http://host/sputnik/export/rss2/archive/index.xml``).
    An entry point that fits nothing is taken as a page at the root of the copy: its folder is the prefix
    (``/sputnik`` for ``http://host/sputnik/``)."""
    path = path_of(url)
    own = {path_of(u) for u in outlet.start_urls}
    segments = urlsplit(url).path.split("/")
    for end in range(1, len(segments)):
        prefix = "/".join(segments[:end])
        rest = path[len(prefix):] or "/"
        if rest in own or outlet.article_re.search(rest) or outlet.listing_re.search(rest):
            return prefix
    return urlsplit(url).path.rsplit("/", 1)[0]


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
