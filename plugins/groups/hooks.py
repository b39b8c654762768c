"""The normaliser's hooks: compile the registry when the chain opens, fill each article's ``groups``."""

from __future__ import annotations

from typing import Any

from plugins.groups.matching import GroupMatcher
from plugins.groups.registry import REGISTRY_SETTING, STATE_KEY
from plugins.hookspecs import hookimpl

def _registry_setting(chain: Any) -> str | None:
    settings = getattr(chain, "settings", None)
    return settings.get(REGISTRY_SETTING) if settings is not None else None


@hookimpl
def chain_opened(chain):
    # Compile (and validate) the registry when the chain opens, so a broken registry stops the run
    # with its error instead of quarantining every page.
    chain.state[STATE_KEY] = GroupMatcher.load(_registry_setting(chain))


@hookimpl
def normalise_article(article, chain):
    state = getattr(chain, "state", None)
    matcher = state.get(STATE_KEY) if isinstance(state, dict) else None
    if matcher is None:
        matcher = GroupMatcher.load(_registry_setting(chain))
    found = matcher.find(article.get("title"), article.get("body"), article.get("published"))
    groups = article.setdefault("groups", [])
    by_id = {g["id"]: g for g in groups}
    for entry in found:
        existing = by_id.get(entry["id"])
        if existing is None:  # another plugin may have filled groups already: add to it, never replace
            groups.append(entry)
            by_id[entry["id"]] = entry
            continue
        seen = {(m["field"], m["start"], m["end"]) for m in existing["mentions"]}
        existing["mentions"].extend(m for m in entry["mentions"] if (m["field"], m["start"], m["end"]) not in seen)
