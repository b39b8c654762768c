"""``scrapy export [FEED ...] -o TARGET``: the feeds as analysis-ready tables in SQLite, Parquet or CSV.

    scrapy export -o feeds.sqlite                 # every feed in output/, full-text search on title and body
    scrapy export output/sputnik.jsonl -o sputnik.parquet
    scrapy export output/ -o tables/              # a folder: one CSV file per table

Tables: articles (one row per record; ``latest`` marks each article's newest revision), mentions (one row
per group mention), groups (the registry), quarantine (url, outlet, stage, reasons) and clashes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.analysis import COLUMNS, build_tables, feed_files, read_feeds

SQL_TYPES = {"text": "TEXT", "int": "INTEGER", "bool": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP",
             "list": "TEXT", "json": "TEXT"}


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[FEED|FOLDER ...] -o TARGET"

    def short_desc(self) -> str:
        return "Write the feeds as tables to SQLite (x.sqlite), Parquet (x.parquet) or CSV (a folder)"

    def long_desc(self) -> str:
        return (
            "Write articles, mentions, groups, quarantine and clashes tables from the feeds (default: every "
            "feed in output/ and its quarantine files). TARGET ending in .sqlite or .db: one SQLite file with "
            "full-text search on articles' title and body; .parquet: a folder of one Parquet file per table; "
            "anything else: a folder of one CSV file per table (lists and objects as JSON)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="TARGET", required=True, help="x.sqlite, x.parquet or a folder")
        parser.add_argument("--overwrite", action="store_true", help="replace TARGET if it exists")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        target = Path(opts.output)
        if target.exists() and not opts.overwrite:
            raise UsageError(f"{target} exists; pass --overwrite to replace it", print_help=False)
        output_dir = Path(self.settings.get("DEFAULT_FEED", "output/%(name)s.jsonl")).parent
        try:
            files = feed_files(args, output_dir)
        except FileNotFoundError as exc:
            raise UsageError(str(exc), print_help=False) from exc
        feeds = read_feeds(files)
        for problem in feeds.problems:
            print(f"skipped {problem}", file=sys.stderr)
        tables = build_tables(feeds, self.settings.get("GROUPS_REGISTRY") or None)
        write(tables, target)
        counts = ", ".join(f"{len(rows)} {name}" for name, rows in tables.items())
        print(f"{target}: {counts} (from {len(files)} files)")
        self.exitcode = 1 if feeds.problems else 0


def write(tables: dict[str, list[dict[str, Any]]], target: Path) -> None:
    suffix = target.suffix.lower()
    if suffix in (".sqlite", ".db", ".sqlite3"):
        write_atomically(target, lambda path: write_sqlite(tables, path))
    elif suffix == ".parquet":
        write_atomically(target, lambda path: write_parquet(tables, path))
    else:
        write_atomically(target, lambda path: write_csv(tables, path))


def write_atomically(target: Path, build: Callable[[Path], None]) -> None:
    """``build`` the file or folder at a temporary path beside ``target``, then move it in place: a
    failed run leaves an earlier ``target`` untouched."""
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        built = scratch / target.name
        build(built)
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        os.replace(built, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def as_text(value: Any, kind: str) -> Any:
    """A value as SQLite and CSV hold it: dates in ISO 8601, lists and objects as JSON."""
    if value is None:
        return None
    if kind in ("list", "json"):
        return json.dumps(value, ensure_ascii=False, default=str)
    if kind in ("date", "timestamp"):
        return value.isoformat()
    if kind == "bool":
        return int(value)
    return value


def write_sqlite(tables: dict[str, list[dict[str, Any]]], path: Path) -> None:
    import sqlite_utils

    db = sqlite_utils.Database(path)
    for name, rows in tables.items():
        columns = COLUMNS[name]
        # Declared types (DATE, TIMESTAMP, BOOLEAN) that sqlite-utils cannot express: readers that look at
        # them (sqlite3's PARSE_DECLTYPES, Datasette's column types) see dates as dates.
        declared = ", ".join(f"[{column}] {SQL_TYPES[kind]}" for column, kind in columns)
        primary = ", PRIMARY KEY ([id])" if name == "groups" else ""
        db.execute(f"CREATE TABLE [{name}] ({declared}{primary})")
        db[name].insert_all(({c: as_text(row[c], k) for c, k in columns} for row in rows), batch_size=500)
    db["articles"].create_index(["id", "revision"])
    db["mentions"].create_index(["group_id"])
    db["mentions"].create_index(["article_id"])
    db["clashes"].create_index(["group_a", "group_b"])
    db["articles"].enable_fts(["title", "body"], create_triggers=True, tokenize="unicode61")
    db.close()


def write_parquet(tables: dict[str, list[dict[str, Any]]], folder: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow_types = {
        "text": pa.string(), "int": pa.int64(), "bool": pa.bool_(), "date": pa.date32(),
        "timestamp": pa.timestamp("us", tz="UTC"), "list": pa.list_(pa.string()), "json": pa.string(),
    }
    folder.mkdir()
    for name, rows in tables.items():
        columns = COLUMNS[name]
        schema = pa.schema([(column, arrow_types[kind]) for column, kind in columns])
        data = {
            column: [as_text(row[column], kind) if kind == "json" else row[column] for row in rows]
            for column, kind in columns
        }
        pq.write_table(pa.Table.from_pydict(data, schema=schema), folder / f"{name}.parquet")


def write_csv(tables: dict[str, list[dict[str, Any]]], folder: Path) -> None:
    folder.mkdir()
    for name, rows in tables.items():
        columns = COLUMNS[name]
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([column for column, _ in columns])
            for row in rows:
                writer.writerow(["" if row[c] is None else csv_value(row[c], k) for c, k in columns])


def csv_value(value: Any, kind: str) -> Any:
    if kind == "bool":
        return "true" if value else "false"
    return as_text(value, kind) if isinstance(value, (list, dict, date, datetime)) else value
