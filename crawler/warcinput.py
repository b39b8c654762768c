"""Pages read back from WARC files (``.warc``, ``.warc.gz``) and WACZ packages, for ``scrapy process``.

A response record becomes a page when it holds an article: its URL's path matches the article patterns
of its outlet. The outlet is the one a crawl of this project named in the file's warcinfo record
(crawler/warc.py), else the outlet whose domain serves the URL; with neither, every HTML response is
taken. The page is decoded exactly as the crawl decodes a fetched page, and its provenance points at
the record (file, record id, SHA-256 of the payload as stored), so a WARC written by a crawl gives the
records the crawl gave; a raw Wayback snapshot in it (an archive crawl's) is the page at its original
address. An article the server answered with an error becomes a page the chain quarantines with the
status, as the crawl would have, unless a later record of the URL holds a good answer (the crawl asked
again after a 429 or a 500).
"""

from __future__ import annotations

import hashlib
import logging
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from scrapy.http import Headers, Request, Response, TextResponse
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from crawler.spiders import HTTP_REASONS, page_of_response, path_of
from crawler.wayback import original_of_snapshot, snapshot_provenance
from crawler.warc import FETCHED_AT, OUTLET_FIELD, PROVENANCE, iso_seconds
from plugins.chain import find_outlet
from plugins.manager import get_plugin_manager, outlets_of
from plugins.model import Outlet, Page

logger = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
REDIRECT_STATUSES = range(300, 400)
# Headers that describe the stored payload, not the decoded body a response holds.
ERROR_ANSWER = "the archived response is HTTP"
DECODED_HEADERS = {"content-encoding", "content-length", "transfer-encoding"}


def is_archive(path: Path) -> bool:
    """Whether ``path`` names a WARC file or WACZ package rather than JSON Lines."""
    name = path.name.lower()
    return name.endswith(WARC_SUFFIXES) or name.endswith(".wacz")


@contextmanager
def warc_streams(path: Path) -> Iterator[list[tuple[str, IO[bytes]]]]:
    """(name for provenance, binary stream) of each WARC file in ``path``: the file itself, or the
    ``archive/`` members of a WACZ package (named ``package.wacz#archive/member.warc.gz``)."""
    if not path.name.lower().endswith(".wacz"):
        with path.open("rb") as stream:
            yield [(str(path), stream)]
        return
    with zipfile.ZipFile(path) as package:
        members = sorted(n for n in package.namelist() if n.startswith("archive/") and n.lower().endswith(WARC_SUFFIXES))
        if not members:
            raise ArchiveLoadFailed(f"{path} is not a WACZ package: it holds no archive/*.warc.gz")
        streams = [(f"{path}#{name}", package.open(name)) for name in members]
        try:
            yield streams
        finally:
            for _, stream in streams:
                stream.close()


def pages_of_archive(path: Path, settings: Any) -> Iterator[Page]:
    """Every article page in the WARC file or WACZ package ``path`` (see the module). Where the file
    cannot be read on (not a WARC file, cut off by a killed crawl), a page the chain quarantines says so."""
    outlets = outlets_of(get_plugin_manager(tuple(settings.getlist("PLUGINS_DISABLED"))))
    # Error answers wait: a crawl asks again after a 429 or a 500, and a later good answer wins.
    failed: dict[str, Page] = {}
    try:
        with warc_streams(path) as streams:
            for name, stream in streams:
                outlet_name = None
                for record in ArchiveIterator(stream, arc2warc=True):
                    if record.rec_type == "warcinfo":
                        outlet_name = warcinfo_fields(record).get(OUTLET_FIELD) or outlet_name
                    elif record.rec_type == "response" and record.http_headers is not None:
                        page = page_of_record(record, name, outlet_name, outlets)
                        if page is None:
                            continue
                        if page.problem and page.problem.startswith(ERROR_ANSWER):
                            failed[page.url] = page
                        else:
                            failed.pop(page.url, None)
                            yield page
    except (ArchiveLoadFailed, OSError, EOFError, zipfile.BadZipFile) as exc:  # EOFError: a cut-off gzip member
        reason = f"{path} is not a readable WARC file or WACZ package from here on ({exc})"
        logger.error("%s", reason)
        yield Page(url=str(path), problem=reason)
    yield from failed.values()


def warcinfo_fields(record: ArcWarcRecord) -> dict[str, str]:
    fields = {}
    for line in record.content_stream().read().decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def page_of_record(
    record: ArcWarcRecord, warc_name: str, outlet_name: str | None,
    outlets: dict[str, Outlet],
) -> Page | None:
    fetched = record.rec_headers.get_header("WARC-Target-URI")
    # A raw Wayback snapshot (an archive crawl's WARC) is the page at its original address.
    url = original_of_snapshot(fetched) or fetched
    outlet = find_outlet(outlets, outlet_name, url)
    status = int(record.http_headers.get_statuscode() or 0)
    content_type = record.http_headers.get_header("Content-Type") or ""
    if outlet is not None:
        if not outlet.article_re.search(path_of(url)):
            return None  # a sitemap, a feed, a listing, robots.txt
    elif "html" not in content_type.lower():
        return None
    if status in REDIRECT_STATUSES:
        return None  # the page it leads to has its own record
    stored = record.raw_stream.read()  # the payload as the server sent it (content-encoded, if it was)
    provenance = {
        **(snapshot_provenance(fetched) if url != fetched else {}),
        "warc_file": warc_name,
        "warc_record_id": record.rec_headers.get_header("WARC-Record-ID"),
        "payload_sha256": hashlib.sha256(stored).hexdigest(),
    }
    fetched_at = iso_seconds(record.rec_headers.get_header("WARC-Date"))
    outlet_label = outlet.name if outlet else outlet_name
    if not 200 <= status < 300:
        reason = f"{ERROR_ANSWER} {status} {HTTP_REASONS.get(status, '')}".rstrip()
        return Page(url=url, outlet=outlet_label, fetched_at=fetched_at, problem=reason, provenance=provenance)
    response = response_of_record(record, fetched, stored, {PROVENANCE: provenance, FETCHED_AT: fetched_at})
    if not isinstance(response, TextResponse):
        return Page(url=url, outlet=outlet_label, fetched_at=fetched_at, provenance=provenance,
                    problem=f"the response is not a web page but {content_type or 'unknown'}")
    return page_of_response(response, outlet_label, url)


def response_of_record(record: ArcWarcRecord, url: str, stored: bytes, meta: dict[str, Any]) -> Response:
    """The Scrapy response the record holds: its body with the content-encoding undone (as Scrapy's
    HttpCompressionMiddleware does for a download), of the class Scrapy would have chosen."""
    record.raw_stream = BytesIO(stored)
    body = record.content_stream().read()
    headers = Headers()
    for name, value in record.http_headers.headers:
        if name.lower() not in DECODED_HEADERS:
            headers.appendlist(name, value)
    response_class = responsetypes.from_args(headers=headers, url=url, body=body)
    return response_class(url=url, status=int(record.http_headers.get_statuscode()), headers=headers, body=body,
                          request=Request(url, meta=meta))
