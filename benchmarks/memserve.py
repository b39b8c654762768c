"""Serve site copies from memory on 127.0.0.1, fast enough that a crawl never waits for the server.

    python benchmarks/memserve.py DIR [DIR ...]

Each directory gets its own port; the first line written to stdout is ``{"ports": [...]}``. The server
stops when its stdin is closed (so it never outlives the benchmark that started it).

URL path P is answered as ``crawler.mirror.Mirror`` answers it (the file ``P``, else ``P/index.html``,
else ``P/index.xml``; the query string ignored; 404 otherwise), but every response is built once, in
memory, and sent over HTTP/1.1 keep-alive connections by one asyncio loop: no file system, no thread
per request. ``GET /__stats`` answers ``{"requests": n, "cpu_s": s}``, the pages served and the server's
CPU time so far, so a benchmark can tell how busy the server was during a crawl.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nNo such page"


def content_type(path: Path) -> str:
    kind = mimetypes.guess_type(str(path))[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") or kind.endswith("xml") else kind


def load(root: Path) -> dict[str, bytes]:
    """Every URL path of the copy, with its complete HTTP response."""
    responses: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        body = path.read_bytes()
        response = (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type(path)}\r\nContent-Length: {len(body)}\r\n\r\n"
                    .encode("ascii") + body)
        relative = "/" + path.relative_to(root).as_posix()
        responses[relative] = response
        if path.name in ("index.html", "index.xml"):
            directory = relative.rsplit("/", 1)[0]
            for key in (directory + "/", directory or "/"):
                responses.setdefault(key, response)  # index.html wins over index.xml, as in Mirror
    return responses


class Stats:
    requests = 0


class Connection(asyncio.Protocol):
    def __init__(self, responses: dict[str, bytes]) -> None:
        self.responses = responses
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:  # requests without a body: GET and HEAD
            head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
            target = head.split(b" ", 2)[1].decode("latin-1")
            self.transport.write(self.answer(unquote(urlsplit(target).path)))
            Stats.requests += 1
            if b"\r\nconnection: close" in head.lower():
                self.transport.close()
                return

    def answer(self, path: str) -> bytes:
        if path == "/__stats":
            body = json.dumps({"requests": Stats.requests, "cpu_s": time.process_time()}).encode()
            return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        return self.responses.get(path, NOT_FOUND)


async def serve(roots: list[Path]) -> None:
    loop = asyncio.get_running_loop()
    servers = []
    for root in roots:
        responses = load(root)
        servers.append(await loop.create_server(lambda r=responses: Connection(r), "127.0.0.1", 0, backlog=512))
    print(json.dumps({"ports": [s.sockets[0].getsockname()[1] for s in servers]}), flush=True)
    stopped = loop.create_future()
    threading.Thread(target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(stopped.set_result, None)),
                     daemon=True).start()
    await stopped


@contextmanager
def serving(roots: list[Path]) -> Iterator[list[str]]:
    """This server in a subprocess, serving ``roots``; yields their base URLs, in order."""
    process = subprocess.Popen([sys.executable, __file__, *map(str, roots)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdin is not None and process.stdout is not None
    try:
        ports = json.loads(process.stdout.readline())["ports"]
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        process.stdin.close()
        process.wait(timeout=60)


if __name__ == "__main__":
    if len(sys.argv) < 2 or not all(os.path.isdir(a) for a in sys.argv[1:]):
        sys.exit(__doc__)
    asyncio.run(serve([Path(a).resolve() for a in sys.argv[1:]]))
