"""Spider loader that makes one spider per registered outlet, so an outlet is only a plugin module."""

from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.http import Request

from crawler.spiders import OutletSpider
from plugins.manager import get_plugin_manager, outlets_of


class OutletSpiderLoader:
    def __init__(self, settings: Any) -> None:
        pm = get_plugin_manager(tuple(settings.getlist("PLUGINS_DISABLED")))
        self.spiders: dict[str, type[Spider]] = {
            name: type(f"{name.title().replace('_', '')}Spider", (OutletSpider,), {"name": name, "outlet": outlet})
            for name, outlet in outlets_of(pm).items()
        }

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
