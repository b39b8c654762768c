"""Spider loader that makes one spider per registered outlet, so an outlet is only a plugin module."""

from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.exceptions import UsageError
from scrapy.http import Request

from crawler.contracts import case_files, case_methods
from crawler.spiders import OutletSpider
from plugins.manager import UnknownPluginError, get_plugin_manager, outlets_of


class OutletSpiderLoader:
    def __init__(self, settings: Any) -> None:
        self.disabled = tuple(settings.getlist("PLUGINS_DISABLED"))
        self.made: dict[str, type[Spider]] | None = None

    @property
    def spiders(self) -> dict[str, type[Spider]]:
        """Made on first use, not when Scrapy starts: a bad PLUGINS_DISABLED then ends the command with
        a usage error naming the valid plugins, not a traceback."""
        if self.made is None:
            try:
                pm = get_plugin_manager(self.disabled)
            except UnknownPluginError as exc:
                raise UsageError(str(exc), print_help=False) from None
            cases = case_files(pm)
            self.made = {
                name: type(f"{name.title().replace('_', '')}Spider", (OutletSpider,), {
                    "name": name, "outlet": outlet, "cases_file": cases.get(name),
                    **case_methods(outlet, cases.get(name)),  # contracts for `scrapy check`
                })
                for name, outlet in outlets_of(pm).items()
            }
        return self.made

    @classmethod
    def from_settings(cls, settings: Any) -> OutletSpiderLoader:
        return cls(settings)

    def load(self, spider_name: str) -> type[Spider]:
        try:
            return self.spiders[spider_name]
        except KeyError:
            raise KeyError(f"Spider not found: {spider_name} (known: {', '.join(sorted(self.spiders))})") from None

    def list(self) -> list[str]:
        return sorted(self.spiders)

    def find_by_request(self, request: Request) -> list[str]:
        return [name for name, spider in self.spiders.items() if spider.handles_request(request)]
