"""A small Wayback Machine on 127.0.0.1: a CDX index and raw snapshots of the captures it is given.

It answers the part of the Internet Archive's protocol the crawler uses, as the archive does:
``/cdx/search/cdx`` with ``url``, ``matchType=domain|exact``, ``from``/``to`` (dates of 4 to 14 digits:
``from`` filled with zeros, ``to`` with nines), ``filter=[!]field:regex`` (the whole value must match),
``collapse=urlkey`` (the first capture of each URL), ``limit``, ``showResumeKey``/``resumeKey`` paging
(the key percent-encoded, as the archive gives it),
``fl`` and ``output=json`` (a header row, then one row per capture; an empty row and the resume key end
a page that has more after it). ``/web/<timestamp>id_/<original>`` gives the capture's bytes, or
redirects to the URL's nearest capture as the archive does. robots.txt is not found.

``refuse`` answers the first N snapshot requests with 429; every request is logged with its time.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

SNAPSHOT = re.compile(r"^/web/(\d{14})id_/(.+)$")


@dataclass
class Capture:
    timestamp: str
    original: str
    body: bytes = b""
    statuscode: str = "200"
    mimetype: str = "text/html"

    @property
    def urlkey(self) -> str:
        """The URL without scheme and www., host labels reversed (a SURT, as the index sorts by)."""
        parts = urlsplit(self.original)
        host = (parts.hostname or "").removeprefix("www.")
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return ",".join(reversed(host.split("."))) + ")" + path.lower()


class WaybackServer:
    def __init__(self, captures: list[Capture], refuse: int = 0, delay: float = 0.0) -> None:
        self.captures = sorted(captures, key=lambda c: (c.urlkey, c.timestamp))
        self.refuse = refuse
        self.delay = delay  # seconds before each snapshot answer
        self.log: list[tuple[float, str, int]] = []  # (time.monotonic(), path and query, status)
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> WaybackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def snapshot_requests(self) -> list[tuple[float, str, int]]:
        return [entry for entry in self.log if entry[1].startswith("/web/")]

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        if parts.path == "/cdx/search/cdx":
            status, headers, body = 200, {"Content-Type": "application/json"}, self.search(parse_qs(parts.query))
        elif SNAPSHOT.match(handler.path):
            with self.lock:
                refused = self.refuse > 0
                self.refuse -= refused
            if refused:
                status, headers, body = 429, {"Content-Type": "text/plain"}, b"Too Many Requests"
            else:
                time.sleep(self.delay)
                status, headers, body = self.snapshot(*SNAPSHOT.match(handler.path).groups())
        else:
            status, headers, body = 404, {"Content-Type": "text/plain"}, b"Not found"
        with self.lock:
            self.log.append((time.monotonic(), handler.path, status))
        handler.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    def search(self, query: dict[str, list[str]]) -> bytes:
        domain = query["url"][0].lower()
        match_type = query.get("matchType", ["exact"])[0]
        since = query.get("from", [""])[0].ljust(14, "0")
        until = query.get("to", ["9"])[0].ljust(14, "9")
        fields = query.get("fl", ["urlkey,timestamp,original,mimetype,statuscode"])[0].split(",")
        rows = []
        for capture in self.captures:
            host = urlsplit(capture.original).hostname or ""
            if match_type == "domain" and not (host == domain or host.endswith("." + domain)):
                continue
            if match_type == "exact" and capture.original != domain:
                continue
            if not since <= capture.timestamp <= until or not passes(capture, query.get("filter", [])):
                continue
            if "urlkey" in query.get("collapse", []) and rows and rows[-1].urlkey == capture.urlkey:
                continue
            rows.append(capture)
        start = 0
        if "resumeKey" in query:  # "<urlkey> <timestamp>!" of the last capture given, once decoded
            last = query["resumeKey"][0]
            start = next(i + 1 for i, c in enumerate(rows) if f"{c.urlkey} {c.timestamp}!" == last)
        limit = int(query.get("limit", [str(len(rows))])[0])
        page = rows[start:start + limit]
        answer: list[list[str]] = [fields, *([getattr(c, f) for f in fields] for c in page)] if page else []
        if start + limit < len(rows) and query.get("showResumeKey") == ["true"]:
            # Percent-encoded, as the archive gives it: a client must send it back unchanged.
            answer += [[], [quote_plus(f"{page[-1].urlkey} {page[-1].timestamp}!")]]
        return json.dumps(answer).encode()

    def snapshot(self, timestamp: str, original: str) -> tuple[int, dict[str, str], bytes]:
        captures = [c for c in self.captures if c.original == original]
        if not captures:
            return 404, {"Content-Type": "text/plain"}, b"Not in the archive"
        nearest = min(captures, key=lambda c: abs(int(c.timestamp) - int(timestamp)))
        if nearest.timestamp != timestamp:
            return 302, {"Location": f"{self.base_url}/web/{nearest.timestamp}id_/{original}"}, b""
        return 200, {"Content-Type": f"{nearest.mimetype}; charset=utf-8"}, nearest.body


def passes(capture: Capture, filters: list[str]) -> bool:
    for spec in filters:
        negate = spec.startswith("!")
        field, _, pattern = spec.lstrip("!").partition(":")
        if bool(re.fullmatch(pattern, str(getattr(capture, field)))) == negate:
            return False
    return True
