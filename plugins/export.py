"""Built-in final stage: schema validation, and the quarantine file for what fails."""

from __future__ import annotations

import json
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator

from plugins.hookspecs import hookimpl

logger = logging.getLogger(__name__)

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "article.schema.json"


@lru_cache(maxsize=None)
def validator(path: Path = SCHEMA_PATH) -> Draft202012Validator:
    """The article schema, read and checked once per process."""
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@lru_cache(maxsize=None)
def fast_validator(path: Path = SCHEMA_PATH) -> Any:
    """The same schema compiled by jsonschema-rs: about a hundred times faster on a valid record. Only its
    yes or no is used; jsonschema words the errors of the (rare) invalid record."""
    return jsonschema_rs.validator_for(json.loads(path.read_text(encoding="utf-8")), validate_formats=True)


@hookimpl
def validate_article(article: dict[str, Any]) -> list[str]:
    problems = [] if fast_validator().is_valid(article) else [
        f"{'/'.join(map(str, error.absolute_path)) or 'record'}: {error.message}"
        for error in validator().iter_errors(article)
    ]
    for group in article.get("groups") or []:
        for mention in group.get("mentions", []):
            source = article.get(mention.get("field")) or ""
            if source[mention.get("start", 0) : mention.get("end", 0)] != mention.get("text"):
                problems.append(f"groups/{group.get('id')}: mention {mention!r} does not slice back to its text")
    return problems


@hookimpl
def quarantine_article(entry: dict[str, Any], chain: Any) -> None:
    quarantine(chain).add(entry)


@hookimpl
def export_article(article: dict[str, Any], chain: Any) -> None:
    # A page quarantined by an earlier run (a server error, say) that now makes a record is no longer kept
    # as a failure.
    quarantine(chain).drop(article["url"])


@hookimpl
def chain_closed(chain: Any) -> None:
    kept = chain.state.pop("quarantine", None)
    if kept is not None:
        kept.save()


class Quarantine:
    """The quarantine file: one entry per page URL, however many runs meet the page.

    A page met for the first time is appended at once (a killed run keeps it). A page met again has its
    entry updated in place: ``sightings`` counts the runs and passes that quarantined it,
    ``first_quarantined_at`` stays, ``quarantined_at``, ``stage``, ``reasons`` and ``record`` are the
    latest. A page that makes a record after all loses its entry. Changes are written back when the chain
    closes, through a temporary file replaced in one step, so the file is never half rewritten.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        # Lines that are not entries (damaged by hand, say): kept as they are when the file is rewritten.
        self.unreadable: list[str] = []
        self.changed = False
        if path.is_file():
            with path.open(encoding="utf-8", errors="backslashreplace") as handle:
                for number, line in enumerate(handle, 1):
                    entry = entry_from(line)
                    if entry is not None:
                        self.entries[entry["url"]] = entry
                    elif line.strip():
                        logger.warning("%s line %d is not a quarantine entry; left as it is", path, number)
                        self.unreadable.append(line if line.endswith("\n") else line + "\n")

    def add(self, entry: dict[str, Any]) -> None:
        earlier = self.entries.get(entry["url"])
        if earlier is None:
            entry = {**entry, "first_quarantined_at": entry["quarantined_at"], "sightings": 1}
            self.entries[entry["url"]] = entry
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8", errors="backslashreplace") as handle:
                handle.write(entry_line(entry))
            return
        first = earlier.get("first_quarantined_at") or earlier.get("quarantined_at")
        self.entries[entry["url"]] = {**entry, "first_quarantined_at": first,
                                      "sightings": int(earlier.get("sightings") or 1) + 1}
        self.changed = True

    def drop(self, url: str) -> None:
        if self.entries.pop(url, None) is not None:
            self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        partial = self.path.with_name(self.path.name + ".partial")
        with partial.open("w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.writelines(self.unreadable)
            handle.writelines(entry_line(entry) for entry in self.entries.values())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, self.path)
        self.changed = False


def entry_line(entry: dict[str, Any]) -> str:
    # backslashreplace (where written): a page with broken text (a lone surrogate) must still be kept.
    return json.dumps(entry, ensure_ascii=False, default=str) + "\n"


def entry_from(line: str) -> dict[str, Any] | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) and entry.get("url") else None


def read_lines(path: Path) -> list[dict[str, Any]]:
    """The entries of a quarantine file (for reading it back, as ``scrapy demo`` does)."""
    return list(Quarantine(path).entries.values())


def quarantine(chain: Any) -> Quarantine:
    """The chain's quarantine file, read once per run."""
    if "quarantine" not in chain.state:
        chain.state["quarantine"] = Quarantine(quarantine_path(chain.settings, chain.feed_path))
    return chain.state["quarantine"]


def quarantine_path(settings: Any, feed_path: str | None) -> Path:
    """``QUARANTINE_FILE`` if set, else ``quarantine/<feed file name>`` in the feed's folder
    (``output/quarantine/sputnik.jsonl`` for ``output/sputnik.jsonl``), so that a glob of feeds
    (``output/*.jsonl``) reads records only."""
    explicit = settings.get("QUARANTINE_FILE")
    if explicit:
        return Path(explicit)
    feed = Path(feed_path or "output/unknown.jsonl")
    return feed.parent / "quarantine" / (feed.name.removesuffix(".json").removesuffix(".jsonl") + ".jsonl")
