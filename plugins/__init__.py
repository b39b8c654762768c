"""Plugins of the hook chain: the hook specifications, the plugin manager and the built-in plugins."""

from plugins.hookspecs import hookimpl

__all__ = ["hookimpl"]
