"""A web server on 127.0.0.1 whose pages misbehave on purpose, for the reliability tests.

Each path is answered by a ``Reply`` function of (handler, n), where n counts the requests for that path
so far (0 for the first), so a page can fail twice and then recover. The server records every request's
Host header, path and User-Agent, so a test can tell what the crawler fetched and what it did not.
"""

from __future__ import annotations

import html
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.abstract import isIPAddress, isIPv6Address
from twisted.internet.error import DNSLookupError

Reply = Callable[[BaseHTTPRequestHandler, int], None]


def page(body: str | bytes, content_type: str = "text/html; charset=utf-8", status: int = 200,
         length: bool = True, **headers: str) -> Reply:
    """A complete answer; ``length=False`` sends no Content-Length (the body ends when the connection does)."""
    data = body.encode("utf-8") if isinstance(body, str) else body

    def reply(handler: BaseHTTPRequestHandler, n: int) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        if length:
            handler.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.end_headers()
        handler.wfile.write(data)

    return reply


def redirect(location: str, status: int = 302) -> Reply:
    return page(b"", status=status, Location=location)


def failing(times: int, failure: Reply, then: Reply) -> Reply:
    """``failure`` for the first ``times`` requests, ``then`` afterwards."""
    return lambda handler, n: (failure if n < times else then)(handler, n)


def dropped(handler: BaseHTTPRequestHandler, n: int) -> None:
    """Close the connection without a word."""
    handler.close_connection = True


def stalled(seconds: float) -> Reply:
    def reply(handler: BaseHTTPRequestHandler, n: int) -> None:
        time.sleep(seconds)
        handler.close_connection = True

    return reply


def cut_off(body: str, keep: int) -> Reply:
    """Announce the whole body, send ``keep`` bytes of it and hang up."""
    data = body.encode("utf-8")

    def reply(handler: BaseHTTPRequestHandler, n: int) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data[:keep])
        handler.close_connection = True

    return reply


def article_html(title: str, paragraphs: Iterable[str], charset: str | None = "utf-8", head: str = "") -> str:
    """An article page in SouthFront's WordPress markup (the outlet the reliability tests crawl)."""
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="en"><head>{meta}<title>{html.escape(title)} | SouthFront</title>{head}</head>'
        f'<body><nav><a href="/">Home</a></nav><article class="post"><h1 class="entry-title">{html.escape(title)}</h1>'
        f'<time class="entry-date" datetime="2017-01-24T12:35:41+00:00">January 24, 2017</time>'
        f'<div class="entry-content">{body}</div></article><footer>Republishing is allowed</footer></body></html>'
    )


def story(number: int) -> tuple[str, list[str]]:
    """A distinct, plausible report: its title and paragraphs."""
    towns = ["Saraqib", "Maarat al-Numan", "Atarib", "Darat Izza", "Jisr al-Shughur", "Kafr Nabl", "Binnish"]
    town = towns[number % len(towns)]
    title = f"Rival factions clash near {town} in report number {number}"
    return title, [
        f"Fighting broke out on day {number} between Hayat Tahrir al-Sham and Ahrar al-Sham near {town}, "
        f"local sources said, after a dispute over checkpoint number {number * 7 + 3}.",
        f"At least {number % 9 + 2} fighters were killed and {number % 5 + 1} civilians wounded in the clashes, "
        f"which lasted {number % 11 + 1} hours before elders from {town} brokered a ceasefire.",
        f"Report {number}: residents of {town} described convoys moving towards the road to Bab al-Hawa.",
    ]


def report_site(pages: int) -> dict[str, Reply]:
    """A site of ``pages`` distinct reports at /report-number-N/, listed in its sitemap, robots.txt allowing all."""
    paths = [f"/report-number-{i}/" for i in range(1, pages + 1)]
    routes = {path: page(article_html(*story(i))) for i, path in enumerate(paths, start=1)}
    routes["/robots.txt"] = page("User-agent: *\nAllow: /\n", content_type="text/plain")
    routes["/sitemap.xml"] = page('<?xml version="1.0"?><urlset>' + "".join(f"<url><loc>{p}</loc></url>" for p in paths)
                                  + "</urlset>", content_type="application/xml")
    return routes


class Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 makes a burst of connections wait a second for a SYN retry

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the crawler hanging up (a page too large, a killed crawl) is part of the tests


class FaultyServer:
    """Serve ``routes`` ({path: Reply}) on a free loopback port; use as a context manager.

    ``delay`` seconds pass before every answer (a slow site). Unknown paths answer 404.
    """

    def __init__(self, routes: dict[str, Reply] | None = None, delay: float = 0.0) -> None:
        self.routes: dict[str, Reply] = dict(routes or {})
        self.hits: Counter[tuple[str, str]] = Counter()  # (Host header, path with query)
        self.user_agents: set[str] = set()
        self.active = self.peak = 0  # requests being answered now, and at most
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                with server.lock:
                    n = sum(count for (_, p), count in server.hits.items() if urlsplit(p).path == path)
                    server.hits[(self.headers.get("Host", ""), self.path)] += 1
                    server.user_agents.add(self.headers.get("User-Agent", ""))
                    server.active += 1
                    server.peak = max(server.peak, server.active)
                try:
                    time.sleep(delay)
                    server.routes.get(path, page("<html><body>Not here</body></html>", status=404))(self, n)
                finally:
                    with server.lock:
                        server.active -= 1

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def requested(self, path: str) -> int:
        """How many requests reached ``path`` (any host name, any query)."""
        with self.lock:
            return sum(count for (_, p), count in self.hits.items() if urlsplit(p).path == path)

    def hosts(self) -> set[str]:
        with self.lock:
            return {host for host, _ in self.hits}

    def __enter__(self) -> FaultyServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeResolver(CachingThreadedResolver):
    """A ``TWISTED_DNS_RESOLVER`` for crawls in tests, which cannot use real DNS: the names in the ``FAKE_DNS``
    setting (``-s 'FAKE_DNS={"mirror.test": "127.0.0.1"}'``) resolve to the addresses given, an IP address to
    itself, and every other name fails to resolve. No lookup leaves the machine."""

    names: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> FakeResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.names = crawler.settings.getdict("FAKE_DNS")
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:
        if isIPAddress(name) or isIPv6Address(name):
            return defer.succeed(name)
        if name in self.names:
            return defer.succeed(self.names[name])
        return defer.fail(DNSLookupError(name))
