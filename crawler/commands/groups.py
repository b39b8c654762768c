"""``scrapy groups``: print the armed groups a text names, as JSON, to check a name before trusting a feed.

    scrapy groups "Clashes between HTS and Ahrar al-Sham in Idlib"
    echo "اشتباكات بين هيئة تحرير الشام وحركة أحرار الشام" | scrapy groups
    scrapy groups --published 2015-05-01 --title "Nusra advances" "Fighting near Idlib"
    scrapy groups --explain "Jihadists with close ties to al-Qaeda and the Isis fighters"

The output is the ``groups`` field an article with that title and body would get in a feed. With
``--explain`` it is every name the scan found instead, kept or not: the alias it matched, its folded key,
how the scan read it and the context rule that decided it.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from plugins.groups import REGISTRY_SETTING, GroupMatcher, RegistryError, published_day


class Command(ScrapyCommand):
    requires_project = False
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[options] [TEXT ...]"

    def short_desc(self) -> str:
        return "Print the armed groups a text names, as JSON"

    def long_desc(self) -> str:
        return (
            "Print, as JSON, the armed groups that TEXT names: one entry per organisation with its id, "
            "name, Wikidata id, name at publication and every mention with its offsets. Without TEXT the "
            "text is read from standard input."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--published", metavar="DATE",
            help="publication date (YYYY-MM-DD or ISO datetime): sets name_at_publication and dated aliases",
        )
        parser.add_argument("--title", metavar="TITLE", help="a headline, scanned like an article's title")
        parser.add_argument(
            "--registry", metavar="FILE",
            help=f"group registry to use (default: the {REGISTRY_SETTING} setting, else plugins/groups.yaml)",
        )
        parser.add_argument("--compact", action="store_true", help="print the JSON on one line")
        parser.add_argument(
            "--explain", action="store_true",
            help="print every name found, kept or not, with its alias, folded key and the rule that decided it",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            text = " ".join(args)
        elif sys.stdin is not None and not sys.stdin.isatty():
            text = sys.stdin.read()
        else:
            raise UsageError("give a text as argument or on standard input")
        if opts.published and published_day(opts.published) is None:
            raise UsageError(f"--published {opts.published!r} is not a date (use YYYY-MM-DD)", print_help=False)
        registry = opts.registry or (self.settings.get(REGISTRY_SETTING) if self.settings else None)
        try:
            matcher = GroupMatcher.load(registry)
            method = matcher.explain if opts.explain else matcher.find
            groups = method(opts.title, text, opts.published)
        except RegistryError as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        indent = None if opts.compact else 2
        print(json.dumps(groups, ensure_ascii=False, indent=indent))
