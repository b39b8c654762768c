"""``scrapy check``: spider contracts built from each outlet's cases (``<outlet>.cases.json`` beside the
module that registers the outlet).

Every case saved from an HTML page becomes a contract of the outlet's spider: fetch the case's URL (the live
page; with ``-a start_url=URL`` the same path on that copy of the site), read it with the spider, run it
through the hook chain and check the record against the case's expectations. A failing contract says the
site changed under the outlet's rules.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.contracts import Contract
from scrapy.http import Response
from scrapy.settings import Settings

from plugins.chain import Chain
from plugins.model import Outlet, Page


def case_files(pm: Any) -> dict[str, Path]:
    """The cases file of every outlet that has one, by outlet name."""
    found = {}
    for plugin in pm.get_plugins():
        module_file = getattr(plugin, "__file__", None)
        if module_file and hasattr(plugin, "register_outlets"):
            for outlet in plugin.register_outlets():
                path = Path(module_file).parent / f"{outlet.name}.cases.json"
                if path.is_file():
                    found[outlet.name] = path
    return found


def case_methods(outlet: Outlet, cases_file: Path | None) -> dict[str, Callable[..., Any]]:
    """One spider method per HTML case, whose docstring holds the contracts ``scrapy check`` runs."""
    methods: dict[str, Callable[..., Any]] = {}
    cases = json.loads(cases_file.read_text(encoding="utf-8")) if cases_file else []
    for number, case in enumerate(cases):
        if "html" not in case["input"]:
            continue

        def check(self: Any, response: Response) -> Iterator[Page]:
            yield from self.parse_article(response)

        check.__doc__ = (f"Case {case['name']!r} of {cases_file.name}.\n"
                         f"@url {case['input']['url']}\n@case {number}\n")
        methods["check_case_" + re.sub(r"\W+", "_", case["name"]).strip("_").lower()] = check
    return methods


class CaseContract(Contract):
    """``@case N``: the page becomes the record case N of the outlet's cases file expects (or is quarantined
    when the case says so)."""

    name = "case"

    def __init__(self, method: Callable[..., Any], *args: Any) -> None:
        super().__init__(method, *args)
        self.spider = method.__self__
        self.case = json.loads(self.spider.cases_file.read_text(encoding="utf-8"))[int(args[0])]

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        if self.spider.explicit_origins:  # -a start_url: the same path on the copy
            copy = urlsplit(self.spider.start_urls[0])
            case = urlsplit(args["url"])
            prefix = self.spider.prefixes.get(copy.hostname, [""])[0]
            args["url"] = case._replace(scheme=copy.scheme, netloc=copy.netloc, path=prefix + case.path).geturl()
        return args

    def post_process(self, output: list[Any]) -> None:
        from tests.expect import check_record  # the checks the test suite runs on the same cases

        pages = [item for item in output if isinstance(item, Page)]
        assert len(pages) == 1, f"the page gave {len(pages)} article pages, not 1"
        # Each case stands alone: no deduplication store, and a throwaway quarantine file.
        with tempfile.TemporaryDirectory(prefix="conflict-feeds-check-") as scratch:
            chain = Chain(Settings({"PLUGINS_DISABLED": ["dedup"], "QUARANTINE_FILE": f"{scratch}/quarantine.jsonl"}))
            chain.open()
            try:
                outcome = chain.process(pages[0])
            finally:
                chain.close()
        if self.case.get("quarantined"):
            assert outcome.status == "quarantined", "exported, but the case expects it quarantined"
            return
        assert outcome.status == "exported", f"{outcome.status}: {'; '.join(outcome.reasons or [])}"
        check_record(outcome.record, self.case["expect"])
