"""``scrapy report [FEED ...] -o report.html [--since DATE] [--until DATE]``: one self-contained page of charts.

The page holds its data and Plotly's JavaScript inline, so it opens with no network: articles per outlet
over time, mentions per group over time, a matrix and a network of groups named together and of groups
reported fighting each other (the articles behind a cell or a link one click away), quarantine reasons
per outlet and the crawl health of each outlet, with filters by outlet, group and date range.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.analysis import build_tables, feed_files, read_feeds
from crawler.commands.export import write_atomically
from crawler.pipelines import SUMMARY_LINE

TEMPLATE = Path(__file__).resolve().parents[1] / "report.html"


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[FEED|FOLDER ...] -o report.html [--since DATE] [--until DATE]"

    def short_desc(self) -> str:
        return "Write one self-contained HTML page of charts about the feeds"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="FILE", required=True, help="the HTML page to write")
        parser.add_argument("--since", metavar="DATE", help="only articles published on or after DATE (YYYY-MM-DD)")
        parser.add_argument("--until", metavar="DATE", help="only articles published on or before DATE")
        parser.add_argument(
            "--crawl-log", metavar="FILE", action="append", default=[],
            help="a crawl's log (scrapy crawl ... --logfile FILE): its summary line gives the pages reached and "
                 "the duplicates skipped; may be given several times",
        )
        parser.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        target = Path(opts.output)
        if target.exists() and not opts.overwrite:
            raise UsageError(f"{target} exists; pass --overwrite to replace it", print_help=False)
        since, until = day_option("--since", opts.since), day_option("--until", opts.until)
        output_dir = Path(self.settings.get("DEFAULT_FEED", "output/%(name)s.jsonl")).parent
        try:
            files = feed_files(args, output_dir)
            logs = [Path(log).read_text(encoding="utf-8", errors="replace") for log in opts.crawl_log]
        except (FileNotFoundError, OSError) as exc:
            raise UsageError(str(exc), print_help=False) from exc
        feeds = read_feeds(files)
        for problem in feeds.problems:
            print(f"skipped {problem}", file=sys.stderr)
        tables = build_tables(feeds, self.settings.get("GROUPS_REGISTRY") or None)
        data = page_data(tables, since, until, crawl_summaries(logs))
        write_atomically(target, lambda path: path.write_text(render(data), encoding="utf-8"))
        print(f"{target}: {len(data['articles'])} articles, {len(data['clashes'])} reported clashes, "
              f"{len(data['quarantine'])} quarantined pages")
        self.exitcode = 1 if feeds.problems else 0


def day_option(name: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{name} {value!r} is not a date (use YYYY-MM-DD)", print_help=False) from None


def crawl_summaries(logs: list[str]) -> dict[str, dict[str, int]]:
    """Per outlet, the last summary line of the given crawl logs: pages reached and duplicates skipped."""
    found: dict[str, dict[str, int]] = {}
    for log in logs:
        for match in SUMMARY_LINE.finditer(log):
            name, pages, _exported, _quarantined, duplicates = match.groups()
            found[name] = {"pages": int(pages), "duplicates": int(duplicates)}
    return found


def reason_kind(reason: str) -> str:
    """A quarantine reason without its particulars, so that like reasons count together."""
    kind = reason.split(": ", 1)[0] if not reason.startswith("not ") else reason.split(":", 1)[0]
    kind = re.sub(r"\d[\d,.]*", "N", kind)
    kind = re.sub(r"'[^']*'|\"[^\"]*\"|<[^>]*>|https?://\S+", "…", kind)
    return kind[:90]


def page_data(
    tables: dict[str, list[dict[str, Any]]], since: date | None, until: date | None,
    crawls: dict[str, dict[str, int]],
) -> dict[str, Any]:
    """What the page draws, as plain JSON: the latest revision of each article in the date range, its
    groups (id and name at publication) and reported clashes; quarantine reasons; crawl health."""
    def in_range(day: date | None) -> bool:
        if since is None and until is None:
            return True
        return day is not None and (since is None or day >= since) and (until is None or day <= until)

    mentioned: dict[str, dict[str, str | None]] = defaultdict(dict)
    for mention in tables["mentions"]:
        mentioned[(mention["article_id"], mention["revision"])][mention["group_id"]] = mention["name_at_publication"]
    fights: dict[tuple[str, int], set[tuple[str, str]]] = defaultdict(set)
    for clash in tables["clashes"]:
        fights[(clash["article_id"], clash["revision"])].add((clash["group_a"], clash["group_b"]))
    articles, clashes = [], []
    for row in tables["articles"]:
        if not row["latest"] or not in_range(row["published_date"]):
            continue
        key = (row["id"], row["revision"])
        for group_a, group_b in sorted(fights[key]):
            clashes.append([len(articles), group_a, group_b])
        articles.append({
            "id": row["id"], "outlet": row["outlet"], "title": row["title"] or row["url"], "url": row["url"],
            "date": row["published_date"].isoformat() if row["published_date"] else None,
            "groups": [[group, name] for group, name in sorted(mentioned[key].items())],
            "copy": row["duplicate_of"] is not None,
        })
    quarantine = [
        {"outlet": entry["outlet"], "stage": entry["stage"], "reason": reason_kind(reason), "url": entry["url"]}
        for entry in tables["quarantine"] for reason in entry["reasons"][:1] or ["(no reason given)"]
    ]
    exported = Counter(row["outlet"] for row in tables["articles"])
    copies = Counter(row["outlet"] for row in tables["articles"] if row["duplicate_of"])
    held = Counter(entry["outlet"] for entry in tables["quarantine"])
    health = []
    for outlet in sorted(set(exported) | set(held) | set(crawls)):
        crawl = crawls.get(outlet)
        health.append({
            "outlet": outlet, "exported": exported[outlet], "quarantined": held[outlet],
            "copies": copies[outlet], "duplicates": crawl["duplicates"] if crawl else None,
            "pages": crawl["pages"] if crawl else None,
        })
    return {
        "articles": articles, "clashes": clashes, "quarantine": quarantine, "health": health,
        "groups": {group["id"]: group["name"] for group in tables["groups"]},
        "range": [since.isoformat() if since else None, until.isoformat() if until else None],
    }


def render(data: dict[str, Any]) -> str:
    from plotly.offline import get_plotlyjs

    # "</" would end the inline script early if an article title contained "</script>".
    payload = json.dumps(data, ensure_ascii=False, default=str).replace("</", "<\\/")
    page = TEMPLATE.read_text(encoding="utf-8")
    return page.replace("/*PLOTLY_JS*/", get_plotlyjs().replace("</script", "<\\/script")).replace(
        "/*REPORT_DATA*/null", payload
    )
