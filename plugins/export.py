"""Built-in final stage: schema validation, and the quarantine file for what fails."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator

from plugins.hookspecs import hookimpl

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
    path = quarantine_path(chain)
    path.parent.mkdir(parents=True, exist_ok=True)
    # backslashreplace: a page with broken text (a lone surrogate) must still reach its quarantine entry.
    with path.open("a", encoding="utf-8", errors="backslashreplace") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")


def quarantine_path(chain: Any) -> Path:
    """``QUARANTINE_FILE`` if set, else ``<feed>.quarantine.jsonl`` beside the feed."""
    explicit = chain.settings.get("QUARANTINE_FILE")
    if explicit:
        return Path(explicit)
    feed = Path(chain.feed_path or "output/unknown.jsonl")
    return feed.with_name(feed.name.removesuffix(".jsonl").removesuffix(".json") + ".quarantine.jsonl")
