"""Downloader middleware that keeps a crawl on its outlet's hosts and off private addresses, redirects included."""

from __future__ import annotations

import ipaddress
import logging
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from w3lib.url import safe_url_string

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = {301, 302, 303, 307, 308}


DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port of ``url`` (the scheme's default port when it names none)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = (parts.hostname or "").rstrip(".")
    return parts.scheme, host, port if port is not None else DEFAULT_PORTS.get(parts.scheme)


class AddressGuardMiddleware:
    """Refuses every request, and every redirect before it is followed, that leaves the web (file:, ftp:,
    data: ...), goes to a private, loopback or link-local address or "localhost" (a page must not make
    the crawler reach into the network it runs in), or to a host the spider does not crawl. A host name is
    resolved first, with the crawl's own resolver (``TWISTED_DNS_RESOLVER``, cached: the connection then
    uses the same answer), and judged by its address: a name that resolves to 169.254.169.254 is refused
    before anything connects to it. The one exception is the exact origin (scheme, host and port) of an
    explicit ``-a start_url`` (a local mirror), which the user chose; another port on the same host is not.

    Scrapy's own OffsiteMiddleware drops an offsite redirect silently when it is scheduled; checking the
    redirect here, while the original request is still being answered, makes the refusal reach the
    request's errback, so an article that redirects away is quarantined with the reason instead of lost.
    Its priority (``DOWNLOADER_MIDDLEWARES``) must be above RedirectMiddleware's (600) to see the redirect
    first; a robots.txt request for a refused host passes through here too, so none is made.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        problem = self.refusal(request.url) or await self.resolved_refusal(request.url)
        if problem:
            logger.info("Not fetching %s: %s", request.url, problem)
            raise IgnoreRequest(f"not fetched: {problem}")

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get("Location")
        if response.status not in REDIRECT_STATUSES or not location or request.meta.get("dont_redirect"):
            return response
        target = urljoin(request.url, safe_url_string(location))
        if target == request.url or target in request.meta.get("redirect_urls", ()):
            raise IgnoreRequest(f"not followed: the page redirects in a loop (back to {target})")
        problem = self.refusal(target)  # a host name is resolved when the redirect is requested
        if problem:
            logger.info("Not following the redirect of %s to %s: %s", request.url, target, problem)
            raise IgnoreRequest(f"not followed: the page redirects to {target}, {problem}")
        return response

    def explicit(self, url: str) -> bool:
        return origin(url) in getattr(self.crawler.spider, "explicit_origins", ())

    def refusal(self, url: str) -> str | None:
        """Why the crawl must not fetch ``url``, judged on the URL itself, or None."""
        spider: Any = self.crawler.spider
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return f"a {parts.scheme}: URL is not a web page" if parts.scheme else "not an absolute URL"
        if self.explicit(url):
            return None
        private = private_address(origin(url)[1])
        if private:
            return private
        allowed = getattr(spider, "allowed_domains", None)
        host = origin(url)[1]
        # By host name, as allowed_domains means (Scrapy's url_is_from_any_domain compares the port too).
        if allowed and not any(host == domain or host.endswith("." + domain) for domain in allowed):
            return f"{host} is another site than the one crawled"
        return None

    async def resolved_refusal(self, url: str) -> str | None:
        """Why the crawl must not fetch ``url``, judged on the address its host name resolves to, or None."""
        host = origin(url)[1]
        if self.explicit(url) or is_ip_address(host):
            return None
        from twisted.internet import reactor  # the running one: importing it earlier would install another

        try:
            address = await maybe_deferred_to_future(reactor.resolve(host))
        except Exception:  # noqa: BLE001 - the download fails with the same error, and its errback says so
            return None
        kind = address_kind(address)
        return f"{host} resolves to {address}, {kind}" if kind else None


def is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def address_kind(host: str) -> str | None:
    """What kind of non-public address ``host`` (an IP address) is, e.g. "a link-local address"; or None."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    for kind, flag in (("loopback", address.is_loopback), ("link-local", address.is_link_local),
                       ("private", address.is_private), ("unspecified", address.is_unspecified),
                       ("multicast", address.is_multicast), ("reserved", address.is_reserved)):
        if flag:
            return f"a {kind} address"
    return None


def private_address(host: str) -> str | None:
    """What kind of non-public address ``host`` is (an IP literal or "localhost"), or None. A host name is
    judged once resolved (``AddressGuardMiddleware.resolved_refusal``)."""
    if host == "localhost" or host.endswith(".localhost"):
        return f"{host} is this machine (loopback)"
    kind = address_kind(host)
    return f"{host} is {kind}" if kind else None
