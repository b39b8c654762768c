"""A static copy of a site served on 127.0.0.1, for the demo, the tests and ``scrapy mirror``.

An outlet's copy is ``tests/sites/<outlet>/`` in this repository or, for an outlet in a package of its
own, ``sites/<outlet>/`` beside the module that registers it; ``mirrors()`` finds them all.

URL path P is answered with the file ``root/P``, else ``root/P/index.html``, else ``root/P/index.xml``;
the query string is ignored, as a saved copy of a site has one file per page.
"""

from __future__ import annotations

import json
import mimetypes
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from plugins.manager import get_plugin_manager

SITES = Path(__file__).resolve().parents[1] / "tests" / "sites"
SITE_FILE = "site.json"


def mirrors(disabled: tuple[str, ...] = ()) -> dict[str, Path]:
    """The copy of every registered outlet that has one, by outlet name."""
    found: dict[str, Path] = {}
    for plugin in get_plugin_manager(disabled).get_plugins():
        module_file = getattr(plugin, "__file__", None)
        if not hasattr(plugin, "register_outlets"):
            continue
        for outlet in plugin.register_outlets():
            roots = [SITES / outlet.name]
            if module_file:
                roots.append(Path(module_file).parent / "sites" / outlet.name)
            root = next((root for root in roots if (root / SITE_FILE).is_file()), None)
            if root:
                found[outlet.name] = root
    return found


class MirrorHandler(SimpleHTTPRequestHandler):
    def __init__(self, *args: Any, root: Path, requested: list[str], **kwargs: Any) -> None:
        self.root = root
        self.requested = requested
        super().__init__(*args, directory=str(root), **kwargs)

    def do_GET(self) -> None:
        self.requested.append(urlsplit(self.path).path)
        super().do_GET()

    def translate_path(self, path: str) -> str:
        relative = unquote(urlsplit(path).path).lstrip("/")
        target = (self.root / relative).resolve()
        if self.root not in (target, *target.parents):
            return str(self.root / "__outside__")  # never serve outside the copy
        for candidate in (target, target / "index.html", target / "index.xml"):
            if candidate.is_file():
                return str(candidate)
        return str(target)

    def guess_type(self, path: str | Any) -> str:
        kind = mimetypes.guess_type(str(path))[0] or "application/octet-stream"
        return f"{kind}; charset=utf-8" if kind.startswith("text/") or kind.endswith("xml") else kind

    def list_directory(self, path: str | Any) -> None:
        self.send_error(404, "No such page")  # a saved site has no directory listings
        return None

    def log_message(self, format: str, *args: Any) -> None:  # keep test and demo output quiet
        pass


class Mirror:
    """Serve one site copy on a loopback port (any free one by default); use as a context manager."""

    def __init__(self, root: Path, port: int = 0) -> None:
        self.root = root.resolve()
        # The path of every GET request, in order: what a crawl fetched.
        self.requested: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", port),
                                          partial(MirrorHandler, root=self.root, requested=self.requested))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def site(self) -> dict[str, Any]:
        """The copy's ``site.json``: its entry points and what each article should come out as."""
        return json.loads((self.root / SITE_FILE).read_text(encoding="utf-8"))

    def start_urls(self) -> list[str]:
        return [self.base_url + path for path in self.site()["start_paths"]]

    def __enter__(self) -> Mirror:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
