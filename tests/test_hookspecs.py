"""The hook contract: documented hooks, called in order, built-ins and installed plugins alike."""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

from plugins import hookspecs
from plugins.hookspecs import hookimpl
from plugins.manager import DEFAULT_PLUGINS, get_plugin_manager, outlets_of
from plugins.model import Page
from tests.conftest import run_scrapy

HOOKS = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "conflict_feeds_spec")]


def test_every_hook_is_documented():
    assert HOOKS, "no hook specifications found"
    for name in HOOKS:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert len(doc.split()) >= 12, f"hook {name} has no real contract in its docstring"


def test_every_builtin_plugin_is_registered_and_implements_hooks():
    pm = get_plugin_manager()
    for name in DEFAULT_PLUGINS:
        plugin = pm.get_plugin(name)
        assert plugin is not None, name
        assert pm.get_hookcallers(plugin), f"{name} implements no hook"


def test_pipeline_calls_the_stages_in_order_with_keyword_arguments(chain):
    calls: list[str] = []

    class Recorder:
        @hookimpl(tryfirst=True)
        def extract_article(self, page, outlet, chain):
            calls.append("extract_article")

        @hookimpl(tryfirst=True)
        def clean_tree(self, tree, draft):
            calls.append("clean_tree")

        @hookimpl(tryfirst=True)
        def clean_lines(self, draft, outlet):
            calls.append("clean_lines")

        @hookimpl(tryfirst=True)
        def normalise_article(self, article):
            calls.append("normalise_article")

        @hookimpl(tryfirst=True)
        def deduplicate_article(self, article):
            calls.append("deduplicate_article")

        @hookimpl(tryfirst=True)
        def validate_article(self, article):
            calls.append("validate_article")
            return []

        @hookimpl(tryfirst=True)
        def export_article(self, article):
            calls.append("export_article")

    chain.pm.register(Recorder())
    html = "<html><body><article><h1>Clashes in Idlib</h1><p>Fighting broke out between two groups on Monday, residents said.</p></article></body></html>"
    outcome = chain.process(Page(url="https://news.example/a/1", html=html))
    assert outcome.status == "exported", outcome.reasons
    assert calls == ["extract_article", "clean_tree", "clean_lines", "normalise_article",
                     "deduplicate_article", "validate_article", "export_article"]


def test_an_outlet_in_its_own_package_is_found_through_the_entry_point(tmp_path: Path):
    site = tmp_path / "site"
    (site / "example_outlet-0.1.dist-info").mkdir(parents=True)
    (site / "example_outlet-0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: example-outlet\nVersion: 0.1\n")
    (site / "example_outlet-0.1.dist-info" / "entry_points.txt").write_text("[conflict_feeds]\nexample = example_outlet\n")
    (site / "example_outlet.py").write_text(textwrap.dedent('''
        from plugins import hookimpl
        from plugins.model import Outlet

        @hookimpl
        def register_outlets():
            return [Outlet(name="example", title="Example News", domains=("news.example",),
                           start_urls=("https://news.example/feed.xml",), article_paths=(r"^/a/\\d+$",))]
    '''))
    result = run_scrapy("list", env={"PYTHONPATH": str(site)})
    assert result.returncode == 0, result.stderr
    assert "example" in result.stdout.split()
    plugins = run_scrapy("plugins", env={"PYTHONPATH": str(site)})
    assert "example (installed)" in plugins.stdout and "outlets: example" in plugins.stdout


def test_scrapy_list_shows_every_registered_outlet():
    result = run_scrapy("list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == sorted(outlets_of(get_plugin_manager()))
    assert {"presstv", "crowdstack", "syriaishere", "alalam", "southfront", "sputnik"} <= set(result.stdout.split())
