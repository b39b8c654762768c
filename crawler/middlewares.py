"""Downloader middleware that keeps a crawl on its outlet's hosts, redirects included."""

from __future__ import annotations

import ipaddress
import logging
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.url import url_is_from_any_domain
from w3lib.url import safe_url_string

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = {301, 302, 303, 307, 308}


class AddressGuardMiddleware:
    """Refuses every request, and every redirect before it is followed, that leaves the web (file:, ftp:,
    data: ...), goes to a private, loopback or link-local address or "localhost" (a page must not make
    the crawler reach into the network it runs in), or to a host the spider does not crawl. The one
    exception is the host of an explicit ``-a start_url`` (a local mirror), which the user chose.

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

    def process_request(self, request: Request) -> None:
        problem = self.refusal(request.url)
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
        problem = self.refusal(target)
        if problem:
            logger.info("Not following the redirect of %s to %s: %s", request.url, target, problem)
            raise IgnoreRequest(f"not followed: the page redirects to {target}, {problem}")
        return response

    def refusal(self, url: str) -> str | None:
        """Why the crawl must not fetch ``url``, or None."""
        spider: Any = self.crawler.spider
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return f"a {parts.scheme}: URL is not a web page" if parts.scheme else "not an absolute URL"
        host = (parts.hostname or "").rstrip(".")
        if host in getattr(spider, "explicit_hosts", ()):
            return None
        private = private_address(host)
        if private:
            return private
        allowed = getattr(spider, "allowed_domains", None)
        if allowed and not url_is_from_any_domain(url, allowed):
            return f"{host} is another site than the one crawled"
        return None


def private_address(host: str) -> str | None:
    """What kind of non-public address ``host`` is (an IP literal or "localhost"), or None."""
    if host == "localhost" or host.endswith(".localhost"):
        return f"{host} is this machine (loopback)"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None  # a name: judged by the spider's hosts, not resolved here
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    for kind, flag in (("loopback", address.is_loopback), ("link-local", address.is_link_local),
                       ("private", address.is_private), ("unspecified", address.is_unspecified),
                       ("multicast", address.is_multicast), ("reserved", address.is_reserved)):
        if flag:
            return f"{host} is a {kind} address"
    return None
