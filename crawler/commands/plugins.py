"""``scrapy plugins``: the registered plugins, the hooks each implements and the outlets each adds."""

from __future__ import annotations

import argparse
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand

from plugins.manager import DEFAULT_PLUGINS, get_plugin_manager


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def short_desc(self) -> str:
        return "List registered plugins and the hooks each implements"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        pm = get_plugin_manager(tuple(self.settings.getlist("PLUGINS_DISABLED")))
        for name, plugin in sorted(pm.list_name_plugin(), key=lambda item: str(item[0])):
            origin = "built-in" if name in DEFAULT_PLUGINS else "installed"
            hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
            print(f"{name} ({origin})")
            print(f"    hooks: {', '.join(hooks)}")
            if hasattr(plugin, "register_outlets"):
                print(f"    outlets: {', '.join(o.name for o in plugin.register_outlets())}")
