"""``scrapy plugins``: the registered plugins, the hooks each implements and the outlets each adds."""

from __future__ import annotations

import argparse
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from plugins.manager import DEFAULT_PLUGINS, UnknownPluginError, get_plugin_manager, short_name


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def short_desc(self) -> str:
        return "List registered plugins and the hooks each implements"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        try:
            pm = get_plugin_manager(tuple(self.settings.getlist("PLUGINS_DISABLED")))
        except UnknownPluginError as exc:
            raise UsageError(str(exc), print_help=False) from None
        for name, plugin in sorted(pm.list_name_plugin(), key=lambda item: str(item[0])):
            origin = "built-in" if name in DEFAULT_PLUGINS else "installed"
            hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
            full = f": {name}" if short_name(name) != name else ""
            print(f"{short_name(name)} ({origin}{full})")
            print(f"    hooks: {', '.join(hooks)}")
            if hasattr(plugin, "register_outlets"):
                print(f"    outlets: {', '.join(o.name for o in plugin.register_outlets())}")
