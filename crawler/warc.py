"""``-s WARC_DIR=DIR``: every response the crawl fetches is kept in WARC files, as archivists keep pages.

``WarcWriterMiddleware`` (a downloader middleware) writes each exchange as a request record and a
response record (WARC/1.1, each record gzipped on its own, so a file can be read from any record's
offset), in files of about ``WARC_MAX_SIZE`` bytes named ``<spider>-<UTC time>-<serial>.warc.gz``.
It sits next to the downloader, so it sees the bytes as the server sent them (before decompression)
and every response, redirects and errors included. It puts the record's whereabouts in the request's
meta (``provenance``), where the spider picks it up for the page, so each exported record says which
WARC record holds the exact bytes it was made from and their SHA-256.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from crawler.spiders import HTTP_REASONS

logger = logging.getLogger(__name__)

# The meta key under which a request carries where its response is kept (and, for an archived
# snapshot, which snapshot it is): the fields of the record's ``provenance``.
PROVENANCE = "provenance"
# The meta key for when the response was fetched: its record's WARC-Date, so a page read back from the
# WARC file has the same ``fetched_at`` as the page the crawl made of it.
FETCHED_AT = "fetched_at"
# The warcinfo field naming the outlet a crawl's file was written for, so ``scrapy process`` knows it.
OUTLET_FIELD = "conflict-feeds-outlet"
# Headers that described the transfer, not the message: Scrapy has already undone the chunking.
TRANSFER_HEADERS = {b"transfer-encoding"}


class Sha256WARCWriter(WARCWriter):
    """warcio's writer with SHA-256 block and payload digests (it defaults to SHA-1)."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


class WarcFiles:
    """WARC files in one directory, rolled over to a new file once one holds ``max_size`` bytes."""

    def __init__(self, directory: Path, prefix: str, max_size: int, info: dict[str, str]) -> None:
        self.directory = directory
        self.prefix = prefix
        self.max_size = max_size
        self.info = info
        self.started = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
        self.serial = 0
        self.path: Path | None = None
        self.file: BinaryIO | None = None
        self.writer: Sha256WARCWriter | None = None

    def current(self) -> Sha256WARCWriter:
        if self.file is not None and self.file.tell() >= self.max_size:
            self.close()
        if self.writer is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            while True:  # never overwrite: another crawl may have started in the same second
                self.path = self.directory / f"{self.prefix}-{self.started}-{self.serial:05d}.warc.gz"
                self.serial += 1
                if not self.path.exists():
                    break
            self.file = self.path.open("xb")
            self.writer = Sha256WARCWriter(self.file, gzip=True, warc_version="1.1")
            self.writer.write_record(self.writer.create_warcinfo_record(self.path.name, self.info))
        return self.writer

    def write_exchange(self, request: Request, response: Response) -> tuple[str, dict[str, str]]:
        """Write the request and response records; the response record's date and provenance fields."""
        writer = self.current()
        body = response.body
        status = f"{response.status} {HTTP_REASONS.get(response.status, '')}".rstrip()
        protocol = response.protocol or "HTTP/1.1"
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, values in response.headers.items() if name.lower() not in TRANSFER_HEADERS
            for value in values
        ]
        response_record = writer.create_warc_record(
            response.url, "response", payload=BytesIO(body), length=len(body),
            http_headers=StatusAndHeaders(status, headers, protocol=protocol),
        )
        request_headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, values in request.headers.items() for value in values
        ]
        request_line = f"{request.method} {request_target(response.url)}"
        request_record = writer.create_warc_record(
            response.url, "request", payload=BytesIO(request.body), length=len(request.body),
            http_headers=StatusAndHeaders(request_line, request_headers, protocol=protocol, is_http_request=True),
        )
        writer.write_request_response_pair(request_record, response_record)
        self.file.flush()  # a killed crawl leaves whole records behind
        return response_record.rec_headers.get_header("WARC-Date"), {
            "warc_file": str(self.path),
            "warc_record_id": response_record.rec_headers.get_header("WARC-Record-ID"),
            "payload_sha256": hashlib.sha256(body).hexdigest(),
        }

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            logger.info("WARC file %s written", self.path)
        self.file = self.writer = None


def request_target(url: str) -> str:
    """The request line's target: path and query of the URL."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class WarcWriterMiddleware:
    """Writes every response to ``WARC_DIR`` and notes where in the request's meta (see the module)."""

    def __init__(self, files: WarcFiles) -> None:
        self.files = files

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcWriterMiddleware:
        directory = crawler.settings.get("WARC_DIR")
        if not directory:
            raise NotConfigured("WARC_DIR is not set")
        spider_name = getattr(crawler.spidercls, "name", None) or "crawl"
        info = {
            "software": f"conflict-feeds ({crawler.settings.get('BOT_NAME')}) with warcio",
            "format": "WARC File Format 1.1",
            OUTLET_FIELD: spider_name,
            "http-header-user-agent": crawler.settings.get("USER_AGENT") or "",
        }
        files = WarcFiles(Path(directory), spider_name, crawler.settings.getint("WARC_MAX_SIZE"), info)
        middleware = cls(files)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Request, response: Response) -> Response:
        warc_date, kept = self.files.write_exchange(request, response)
        request.meta[FETCHED_AT] = iso_seconds(warc_date)
        # Keep what an archive request already knew (the snapshot), replace any earlier record's
        # whereabouts (a redirected request carries its predecessor's meta).
        request.meta[PROVENANCE] = {**request.meta.get(PROVENANCE, {}), **kept}
        return response

    def spider_closed(self) -> None:
        self.files.close()


def iso_seconds(warc_date: str) -> str:
    """A WARC-Date (``2026-11-29T22:40:01.123456Z``) as the records write times: UTC, whole seconds."""
    when = datetime.fromisoformat(warc_date.replace("Z", "+00:00"))
    return when.astimezone(timezone.utc).isoformat(timespec="seconds")
