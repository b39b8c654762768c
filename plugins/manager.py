"""The plugin manager: built-in plugins first, then every plugin installed under the entry-point group."""

from __future__ import annotations

import importlib

import pluggy

from plugins import hookspecs
from plugins.model import Outlet

ENTRY_POINT_GROUP = "conflict_feeds"

# Built-in behaviour, registered exactly as a third-party plugin would be.
DEFAULT_PLUGINS = (
    "plugins.extract",
    "plugins.sanity",
    "plugins.cleaners",
    "plugins.groups",
    "plugins.clashes",
    "plugins.dedup",
    "plugins.export",
    "plugins.outlets.presstv",
    "plugins.outlets.crowdstack",
    "plugins.outlets.syriaishere",
    "plugins.outlets.alalam",
    "plugins.outlets.southfront",
    "plugins.outlets.sputnik",
    "plugins.outlets.sohr",
    "plugins.outlets.shaam",
    "plugins.outlets.sohr_en",
    "plugins.outlets.npa_en",
    "plugins.outlets.alalam_ar",
    "plugins.outlets.hawar_en",
    "plugins.outlets.snacksyrian",
    "plugins.outlets.smart",
)


class UnknownPluginError(ValueError):
    """PLUGINS_DISABLED names a plugin that is not registered (a typo would otherwise be ignored)."""


def short_name(name: str) -> str:
    """The name a person uses for a plugin: ``dedup`` for ``plugins.dedup``; an entry point's own name."""
    return name.rsplit(".", 1)[-1]


def get_plugin_manager(disabled: tuple[str, ...] = ()) -> pluggy.PluginManager:
    """A fresh manager with the built-in plugins and the installed ones, minus ``disabled`` names (full
    or short, as ``scrapy plugins`` lists them); an unknown name raises ``UnknownPluginError``."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    registered = [name for name, _ in pm.list_name_plugin()]
    # A full name wins over another plugin's short name.
    by_name = {short_name(name): name for name in registered} | {name: name for name in registered}
    unknown = [name for name in disabled if name not in by_name]
    if unknown:
        raise UnknownPluginError(
            f"PLUGINS_DISABLED names no registered plugin: {', '.join(unknown)}. "
            f"Valid names: {', '.join(sorted(short_name(name) for name in registered))} "
            "(or the full names `scrapy plugins` shows)"
        )
    for name in disabled:
        pm.unregister(name=by_name[name])
    pm.check_pending()
    return pm


def outlets_of(pm: pluggy.PluginManager) -> dict[str, Outlet]:
    """Every registered outlet by name; two plugins claiming one name is an error."""
    outlets: dict[str, Outlet] = {}
    for batch in pm.hook.register_outlets():
        for outlet in batch:
            if outlet.name in outlets:
                raise ValueError(f"two plugins register an outlet named {outlet.name!r}")
            outlets[outlet.name] = outlet
    return outlets
