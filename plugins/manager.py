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


def get_plugin_manager(disabled: tuple[str, ...] = ()) -> pluggy.PluginManager:
    """A fresh manager with the built-in plugins and the installed ones, minus ``disabled`` names."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS:
        if name not in disabled:
            pm.register(importlib.import_module(name), name=name)
    pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for name in disabled:
        if pm.get_plugin(name) is not None:
            pm.unregister(name=name)
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
