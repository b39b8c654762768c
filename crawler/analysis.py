"""Feeds and quarantine files read back as flat tables, for ``scrapy export`` and ``scrapy report``.

A line is told apart by its shape, not by its file name: a record carries ``schema_version``, a
quarantine entry carries ``stage`` and ``reasons``. So the old layout (``<outlet>.quarantine.jsonl``
beside the feed) and the new one (``quarantine/<outlet>.jsonl``) read the same, and a line that is
neither is reported with its file and line number instead of being dropped silently.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from plugins.groups import read_registry

# Each table's columns and their kinds; every output format derives its types from this one list.
# Kinds: text, int, bool, date, timestamp (UTC), list (of strings), json (any structure).
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "articles": [
        ("id", "text"), ("revision", "int"), ("latest", "bool"), ("outlet", "text"), ("url", "text"),
        ("canonical_url", "text"), ("title", "text"), ("published", "text"), ("published_at", "timestamp"),
        ("published_date", "date"), ("fetched_at", "timestamp"), ("authors", "list"), ("tags", "list"),
        ("body", "text"), ("images", "json"), ("cluster", "text"), ("duplicate_of", "text"),
        ("provenance", "json"), ("schema_version", "int"), ("feed", "text"), ("line", "int"),
    ],
    "mentions": [
        ("article_id", "text"), ("revision", "int"), ("group_id", "text"), ("group_name", "text"),
        ("name_at_publication", "text"), ("text", "text"), ("field", "text"), ("start", "int"), ("end", "int"),
    ],
    "groups": [
        ("id", "text"), ("name", "text"), ("wikidata", "text"), ("names", "json"), ("aliases", "json"),
    ],
    "quarantine": [
        ("url", "text"), ("outlet", "text"), ("stage", "text"), ("reasons", "list"), ("title", "text"),
        ("quarantined_at", "timestamp"), ("file", "text"), ("line", "int"),
    ],
    "clashes": [
        ("article_id", "text"), ("revision", "int"), ("group_a", "text"), ("group_b", "text"), ("field", "text"),
        ("start", "int"), ("end", "int"), ("sentence", "text"),
    ],
}


@dataclass
class Feeds:
    """Everything read from a set of feed and quarantine files."""

    records: list[dict[str, Any]] = field(default_factory=list)  # each with "_file" and "_line"
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "file:line: what is wrong"
    files: list[Path] = field(default_factory=list)


def feed_files(paths: Iterable[str | Path], output_dir: Path) -> list[Path]:
    """The JSON Lines files to read: with no path, every ``*.jsonl`` in ``output_dir`` and its
    ``quarantine/`` folder; a folder stands for the same two places inside it; a feed file brings its
    quarantine file along (either layout) when there is one."""
    paths = [Path(p) for p in paths] or [output_dir]
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.glob("*.jsonl")) + sorted((path / "quarantine").glob("*.jsonl"))
        elif path.is_file():
            stem = path.name.removesuffix(".jsonl")
            found += [path] + [
                q for q in (path.with_name(f"{stem}.quarantine.jsonl"), path.parent / "quarantine" / path.name)
                if q.is_file() and not stem.endswith(".quarantine") and path.parent.name != "quarantine"
            ]
        else:
            raise FileNotFoundError(f"{path}: no such feed file or folder")
    unique: dict[Path, None] = {}
    for path in found:
        unique.setdefault(path.resolve(), None)
    return list(unique)


def read_feeds(paths: Iterable[Path]) -> Feeds:
    feeds = Feeds()
    for path in paths:
        feeds.files.append(path)
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except json.JSONDecodeError as exc:
                    feeds.problems.append(f"{path}:{number}: not JSON ({exc.msg}); a line cut off by a killed run?")
                    continue
                if isinstance(item, dict) and "schema_version" in item and "id" in item:
                    feeds.records.append({**item, "_file": str(path), "_line": number})
                elif isinstance(item, dict) and "stage" in item and "reasons" in item:
                    feeds.quarantine.append({**item, "_file": str(path), "_line": number})
                else:
                    feeds.problems.append(f"{path}:{number}: neither an article record nor a quarantine entry")
    return feeds


def parse_published(value: str | None) -> tuple[datetime | None, date | None]:
    """(the instant in UTC, the calendar date the page gives) of a ``published`` value: a date alone
    has no instant; a time without an offset has no known instant either."""
    if not value:
        return None, None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None, None
    if len(value) <= 10:  # "YYYY-MM-DD": a date, no time
        return None, parsed.date()
    instant = parsed.astimezone(timezone.utc) if parsed.tzinfo else None
    return instant, parsed.date()


def parse_timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def schema_version(value: Any) -> int | None:
    """2 for version 2 records; 1 for version 1 feeds, which wrote the string "1.0"."""
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def build_tables(feeds: Feeds, registry: str | Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """The five tables as lists of rows (Python values: datetime, date, list, dict)."""
    # An amending line (crawler/amendments.py) stands for the earlier line of its id and revision.
    records = list({(r["id"], int(r.get("revision") or 1)): r for r in feeds.records}.values())
    latest: dict[str, int] = defaultdict(int)
    for record in records:
        latest[record["id"]] = max(latest[record["id"]], int(record.get("revision") or 1))
    articles, mentions, clashes = [], [], []
    for record in records:
        revision = int(record.get("revision") or 1)
        instant, day = parse_published(record.get("published"))
        articles.append({
            "id": record["id"], "revision": revision, "latest": revision == latest[record["id"]],
            "outlet": record.get("outlet"), "url": record.get("url"), "canonical_url": record.get("canonical_url"),
            "title": record.get("title"), "published": record.get("published"), "published_at": instant,
            "published_date": day, "fetched_at": parse_timestamp(record.get("fetched_at")),
            "authors": record.get("authors") or [], "tags": record.get("tags") or [], "body": record.get("body"),
            "images": record.get("images") or [], "cluster": record.get("cluster"),
            "duplicate_of": record.get("duplicate_of"), "provenance": record.get("provenance"),
            "schema_version": schema_version(record["schema_version"]),
            "feed": record["_file"], "line": record["_line"],
        })
        for group in record.get("groups") or []:
            for mention in group.get("mentions") or []:
                mentions.append({
                    "article_id": record["id"], "revision": revision, "group_id": group.get("id"),
                    "group_name": group.get("name"), "name_at_publication": group.get("name_at_publication"),
                    "text": mention.get("text"), "field": mention.get("field"), "start": mention.get("start"),
                    "end": mention.get("end"),
                })
        for clash in record.get("clashes") or []:
            text = record.get(clash.get("field")) or ""
            group_a, group_b = clash["groups"]
            clashes.append({
                "article_id": record["id"], "revision": revision, "group_a": group_a, "group_b": group_b,
                "field": clash.get("field"), "start": clash.get("start"), "end": clash.get("end"),
                "sentence": text[clash.get("start", 0):clash.get("end", 0)],
            })
    quarantine = [
        {
            "url": entry.get("url"), "outlet": entry.get("outlet"), "stage": entry.get("stage"),
            "reasons": [str(r) for r in entry.get("reasons") or []],
            "title": (entry.get("record") or {}).get("title") if isinstance(entry.get("record"), dict) else None,
            "quarantined_at": parse_timestamp(entry.get("quarantined_at")), "file": entry["_file"],
            "line": entry["_line"],
        }
        for entry in feeds.quarantine
    ]
    groups = [
        {
            "id": group["id"], "name": group.get("name"), "wikidata": group.get("wikidata"),
            "names": group.get("names") or [], "aliases": group.get("aliases") or {},
        }
        for group in read_registry(registry).get("groups", [])
    ]
    return {"articles": articles, "mentions": mentions, "groups": groups, "quarantine": quarantine,
            "clashes": clashes}
