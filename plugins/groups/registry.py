"""The group registry: reading and validating plugins/groups.yaml, and the compiled forms of its entries."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

import yaml

from plugins.groups.folding import alias_keys

DEFAULT_REGISTRY = Path(__file__).resolve().parents[1] / "groups.yaml"
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "groups.schema.json"
REGISTRY_SETTING = "GROUPS_REGISTRY"
STATE_KEY = "groups.matcher"
FIELDS = ("title", "body")


class RegistryError(ValueError):
    """The group registry cannot be used; the message says which file, where and why."""


class RegistryLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: dates stay strings, as the schema expects."""


RegistryLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_day(value: str | None) -> date | None:
    """A registry date: YYYY, YYYY-MM or YYYY-MM-DD (a partial date means its first day)."""
    if not value:
        return None
    parts = [int(p) for p in value.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def published_day(published: Any) -> date | None:
    """The calendar day of an article's ``published`` value ("YYYY-MM-DD" or an ISO datetime with or
    without offset: the day as written, in the article's own zone), or None."""
    if published is None or published == "":
        return None
    if isinstance(published, datetime):
        return published.date()
    if isinstance(published, date):
        return published
    text = str(published).strip()
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        match = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
        if match:
            try:
                return date(*map(int, match.groups()))
            except ValueError:
                return None
    return None


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    wikidata: str | None
    # (name, in force from, in force until): until is exclusive; None means open.
    names: tuple[tuple[str, date | None, date | None], ...]

    def name_on(self, day: date | None) -> str | None:
        """What the organisation was called on ``day``: None when the day is unknown or before its first
        known name; after a dissolution it keeps its last name."""
        if day is None or not self.names:
            return None
        for name, start, end in self.names:
            if (start is None or start <= day) and (end is None or day < end):
                return name
        last_name, _, last_end = self.names[-1]
        if last_end is not None and day >= last_end:
            return last_name
        return None


@dataclass(frozen=True, eq=False)
class Alias:
    """One way of writing a group, as compiled. ``group`` is None for a ``not_groups`` phrase. Compared
    and hashed by identity: each is compiled once, and matches are deduplicated by it in the hot path."""

    text: str
    group: int | None
    kind: str  # "acronym", "name" (any case), "proper" (capitals as written), "arabic", "not-group"
    capitals: tuple[bool, ...] = ()
    ordinary_word: bool = False  # an acronym that is also a word: ignored inside all-caps runs
    since: date | None = None  # before this day the alias meant ``before`` (None: nothing)
    before: int | None = None
    until: date | None = None  # from this day on the alias means ``after``
    after: int | None = None
    # An acronym that also stands for something else listed under not_groups (NFL: National Football
    # League): it needs a text about Syria. For a not_groups phrase: the acronyms it spells.
    ambiguous: bool = False
    initials: frozenset[str] = frozenset()
    # Another organisation of the same name, by its place: ("Gaza", index of army-of-islam-gaza) from
    # "Gaza's Army of Islam"; the index is None when not_groups names it (it is not ours at all).
    elsewhere: tuple[tuple[str, int | None], ...] = ()
    # An elliptical form ("the National Army", «الحمزات»): it counts only in an article that names one of
    # these groups by another name, or (needs_syria) an article about Syria.
    needs: frozenset[int] = frozenset()
    needs_syria: bool = False
    # The group's name also describes others ("al-Qaeda's main affiliate in the province"): in such a
    # description it names nobody (context.describes_another). "relations": only a relation to it
    # ("an Islamic State affiliate") describes another group.
    descriptive: bool | str = False
    # The group is Syrian or fights in Syria: naming it makes an article about Syria.
    syrian: bool = True
    # ambiguous, elsewhere or needs: the rest of the article decides (GroupMatcher._settle)
    unsure: bool = False

    def group_on(self, day: date | None) -> int | None:
        if day is not None:
            if self.since is not None and day < self.since:
                return self.before  # None: before `from` the alias named no group of ours
            if self.until is not None and day >= self.until and self.after is not None:
                return self.after
        return self.group

    @property
    def rule(self) -> tuple:
        return (self.since, self.before, self.until, self.after)


# Alias lists by kind: names in any case, names whose capitals matter, acronyms, Arabic script.
ALIAS_KINDS = {
    "transliterations": "name",
    "english": "proper",
    "translations": "proper",
    "acronyms": "acronym",
    "arabic": "arabic",
}


def read_registry(path: str | Path | None = None) -> dict[str, Any]:
    """Read and validate a registry file; raise ``RegistryError`` saying what is wrong and where."""
    path = Path(path) if path else DEFAULT_REGISTRY
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=RegistryLoader)
    except OSError as exc:
        raise RegistryError(f"cannot read the group registry {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise RegistryError(f"the group registry {path} is not valid YAML: {exc}") from exc
    validate_registry(data, str(path))
    return data


def validate_registry(data: Any, source: str = "registry") -> None:
    """Check ``data`` against schemas/groups.schema.json and the rules a schema cannot express."""
    import jsonschema  # imported here: only needed when a registry is loaded

    try:
        schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RegistryError(f"cannot read the registry schema {SCHEMA_PATH}: {exc}") from exc
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise RegistryError(f"the group registry {source} is invalid at {where}: {error.message}")
    ids = [g["id"] for g in data["groups"]]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RegistryError(f"the group registry {source} lists these ids twice: {', '.join(duplicates)}")
    for group in data["groups"]:
        dated = list(group.get("names", []))
        for kind, items in group.get("aliases", {}).items():
            for item in items:
                if not isinstance(item, dict):
                    continue
                dated.append(item)
                targets = [(f, item.get(f)) for f in ("before", "after")]
                targets += [("needs", t) for t in item.get("needs", []) if t != "syria"]
                for field, target in targets:
                    if target is not None and target not in ids:
                        raise RegistryError(
                            f"the group registry {source}: alias {item['text']!r} of {group['id']} "
                            f"refers to an unknown id {target!r} in {field!r}"
                        )
        for entry in dated:
            for field in ("from", "until"):
                try:
                    parse_day(entry.get(field))
                except ValueError:
                    raise RegistryError(
                        f"the group registry {source}: {group['id']} has an impossible date "
                        f"{entry[field]!r} in {field!r}"
                    ) from None
    problems = alias_conflicts(data)
    if problems:
        raise RegistryError(f"the group registry {source} has ambiguous aliases:\n  " + "\n  ".join(problems))


def registry_aliases(data: dict[str, Any]) -> Iterable[tuple[str | None, str, str, dict[str, Any]]]:
    """(group id or None, alias text, kind, options) for every alias, names and display names included."""
    for group in data["groups"]:
        gid = group["id"]
        # A name also listed as an alias with a date rule is matched by that rule ("Syrian Liberation
        # Front" before 2018 was another coalition).
        dated = {item["text"] for items in group.get("aliases", {}).values() for item in items
                 if isinstance(item, dict) and ("from" in item or "until" in item)}
        if group["name"] not in dated:
            yield gid, group["name"], "proper", {}
        for entry in group.get("names", []):
            if entry.get("match", True) and entry["name"] not in dated:
                yield gid, entry["name"], "proper", {}
        for section, kind in ALIAS_KINDS.items():
            for item in group.get("aliases", {}).get(section, []):
                if isinstance(item, str):
                    yield gid, item, kind, {}
                else:
                    yield gid, item["text"], kind, item
    for block in data.get("not_groups", []):
        for phrase in block["phrases"]:
            yield None, phrase, "not-group", {}


def alias_conflicts(data: dict[str, Any]) -> list[str]:
    """Aliases that would be ambiguous once folded: one key owned by two groups (or by a group and a
    ``not_groups`` phrase), or listed twice in one group with different date rules."""
    owners: dict[str, dict[str | None, set[tuple]]] = {}
    examples: dict[tuple[str, str | None], str] = {}
    problems = []
    for gid, text, kind, options in registry_aliases(data):
        try:
            keys = alias_keys(text)
        except ValueError as exc:
            problems.append(f"{gid or 'not_groups'}: {exc}")
            continue
        rule = tuple(options.get(f) for f in ("from", "before", "until", "after"))
        for key in keys:
            owners.setdefault(key, {}).setdefault(gid, set()).add(rule)
            examples.setdefault((key, gid), text)
    reported = set()
    for key, by_group in owners.items():
        if len(by_group) > 1:
            listed = ", ".join(f"{examples[(key, g)]!r} in {g or 'not_groups'}" for g in by_group)
            if listed not in reported:  # one alias has several keys: report a clash once
                reported.add(listed)
                problems.append(f"{listed} are the same name once normalised ({key!r})")
        for gid, rules in by_group.items():
            if len(rules) > 1:
                problems.append(f"{examples[(key, gid)]!r} is listed in {gid} with different date rules")
    return problems
