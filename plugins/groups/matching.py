"""The matcher: the registry compiled into one Aho-Corasick automaton, and the scan of a title and body."""

from __future__ import annotations

import bisect
import threading
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import ahocorasick

from plugins.groups.context import (
    _ARMED_NEXT, _BRACKETED, _CAPS_AFTER, _CAPS_BEFORE, _HEAD_NOUNS, _OPEN_BRACKET, _PLACE_PATTERNS, _SYRIA,
    _SYRIA_AR, drop_possessors, places_elsewhere, spelt_initials,
)
from plugins.groups.folding import ARABIC, IndexedText, capitals, fold_arabic, fold_word, index_text, alias_keys
from plugins.groups.registry import (
    DEFAULT_REGISTRY, FIELDS, Alias, Group, parse_day, published_day, read_registry, registry_aliases,
)

class Match(NamedTuple):
    start: int
    end: int
    alias: Alias



class GroupMatcher:
    """The registry compiled into one automaton. Build it with ``GroupMatcher.load(path)`` (cached)."""

    def __init__(self, data: dict[str, Any], source: str = "registry") -> None:
        self.source = source
        self.groups: list[Group] = []
        position = {g["id"]: i for i, g in enumerate(data["groups"])}
        for g in data["groups"]:
            names = tuple(
                (n["name"], parse_day(n.get("from")), parse_day(n.get("until"))) for n in g.get("names", [])
            )
            names = tuple(sorted(names, key=lambda n: n[1] or date.min))
            self.groups.append(Group(g["id"], g["name"], g.get("wikidata"), names))
        self.acronyms = frozenset(
            (item if isinstance(item, str) else item["text"])
            for g in data["groups"]
            for item in g.get("aliases", {}).get("acronyms", [])
        )
        spelt = {ini for b in data.get("not_groups", []) for p in b["phrases"] for ini in spelt_initials(p)}
        elsewhere = places_elsewhere(data)
        table: dict[str, list[Alias]] = {}
        for gid, text, kind, options in registry_aliases(data):
            keys = alias_keys(text)
            ambiguous = kind == "acronym" and text.upper() in spelt
            places = frozenset(p for k in keys for p in elsewhere.get(k, ())) if gid else frozenset()
            alias = Alias(
                text=text,
                group=position[gid] if gid is not None else None,
                kind=kind,
                capitals=capitals(text) if kind == "proper" else (),
                ordinary_word=kind == "acronym" and (len(text) <= 2 or bool(options.get("common_word"))),
                since=parse_day(options.get("from")),
                before=position.get(options.get("before")),
                until=parse_day(options.get("until")),
                after=position.get(options.get("after")),
                ambiguous=ambiguous,
                initials=spelt_initials(text) if gid is None else frozenset(),
                elsewhere=places,
                unsure=ambiguous or bool(places),
            )
            for key in keys:
                table.setdefault(key, []).append(alias)
        self.automaton = ahocorasick.Automaton()
        for key, aliases in table.items():
            self.automaton.add_word(key, (len(key), tuple(aliases)))
        self.automaton.make_automaton()
        self.size = len(table)

    @classmethod
    def load(cls, path: str | Path | None = None) -> GroupMatcher:
        """The matcher for a registry file, compiled once per path and process."""
        resolved = str(Path(path).resolve()) if path else str(DEFAULT_REGISTRY)
        with _LOCK:
            matcher = _MATCHERS.get(resolved)
            if matcher is None:
                matcher = _MATCHERS[resolved] = cls(read_registry(resolved), resolved)
        return matcher

    # -- scanning ----------------------------------------------------------------------------------

    def scan(self, text: str) -> list[Match]:
        """Every name in ``text``, overlaps resolved longest first, in text order (not-group phrases
        included: they are what keeps "al-Qaeda-linked" from being al-Qaeda)."""
        if not text:
            return []
        idx = index_text(text)
        koff = idx.key_offsets
        candidates: list[Match] = []
        for last, (length, aliases) in self.automaton.iter(idx.key):
            kstart, kend = last - length + 1, last + 1
            # The hit must end where a word ends ...
            u = bisect.bisect_left(koff, kend)
            if u == len(koff) or koff[u] != kend:
                continue
            end = idx.offsets[u]
            # ... and start where a word starts, or after Arabic clitics.
            t = bisect.bisect_right(koff, kstart) - 1
            if koff[t] == kstart:
                start = idx.offsets[idx.article_of.get(t, t)]
            else:
                start = self._after_clitics(idx, t, kstart - koff[t])
                if start is None:
                    continue
            for alias in aliases:
                if self._accepts(alias, text, idx, start, end, t, u - 1):
                    candidates.append(Match(start, end, alias))
                    break
        return longest_first(candidates)

    @staticmethod
    def _after_clitics(idx: IndexedText, t: int, offset: int) -> int | None:
        word = idx.tokens[t]
        if t % 2 == 0 or not ARABIC.search(word):
            return None
        for key_offset, word_offset in fold_arabic(word)[1]:
            if key_offset == offset:
                return idx.offsets[t] + word_offset
        return None

    def _accepts(self, alias: Alias, text: str, idx: IndexedText, start: int, end: int, first: int, last: int) -> bool:
        if alias.kind == "acronym":
            if text[start:end] != alias.text:
                return False
            return not (alias.ordinary_word and self._in_capitals_run(text, start, end))
        if alias.kind == "proper" and any(alias.capitals):
            words = [idx.tokens[j] for j in range(first, last + 1, 2) if idx.parts[j]]
            if len(words) == len(alias.capitals):
                missed = [w for w, cap in zip(words, alias.capitals) if cap and not w[:1].isupper()]
                # A long name may lose the capital of its head noun ("National front for Liberation").
                return not missed or (
                    len(missed) == 1 and words[0][:1].isupper() and sum(alias.capitals) > 2
                    and fold_word(missed[0]) in _HEAD_NOUNS
                )
            return not alias.capitals[0] or words[0][:1].isupper()
        return True

    def _in_capitals_run(self, text: str, start: int, end: int) -> bool:
        """True when a neighbouring word on the same line is written in capitals and is not itself one
        of our acronyms: "WHY IS THIS" is a shouted sentence, not the Islamic State."""
        before = _CAPS_BEFORE.search(text, max(0, start - 40), start)
        after = _CAPS_AFTER.match(text, end, end + 40)
        for found in (before, after):
            if found:
                word = found.group(1)
                if word.isupper() and word not in self.acronyms:
                    return True
        return False

    # -- results -----------------------------------------------------------------------------------

    def find(self, title: str | None, body: str | None, published: Any = None) -> list[dict[str, Any]]:
        """The ``groups`` of an article (see schemas/article.schema.json): one entry per organisation,
        in order of first mention, title before body."""
        day = published_day(published)
        texts = (title or "", body or "")
        scans = self._settle(texts, [self.scan(text) for text in texts])
        found: dict[int, list[dict[str, Any]]] = {}
        for field, text, matches in zip(FIELDS, texts, scans):
            for match in matches:
                group = match.alias.group_on(day)
                if group is None:
                    continue
                found.setdefault(group, []).append(
                    {"text": text[match.start : match.end], "field": field, "start": match.start, "end": match.end}
                )
        result = []
        for index, mentions in found.items():
            group = self.groups[index]
            result.append(
                {
                    "id": group.id,
                    "name": group.name,
                    "wikidata": group.wikidata,
                    "name_at_publication": group.name_on(day),
                    "mentions": mentions,
                }
            )
        return result

    def _settle(self, texts: tuple[str, ...], scans: list[list[Match]]) -> list[list[Match]]:
        """Drop the matches that the rest of the article shows are not ours: a group named in the
        possessive before another ("al-Qaeda's al-Nusra Front" describes Nusra); an acronym that also
        stands for something else (NFL) when the article spells out that other meaning beside it
        ("National Football League (NFL)") or is not about Syria, unless it is used as an armed group
        ("TIP fighters"); a name shared with an organisation elsewhere ("Army of Islam", Gaza) when the
        article names that place and nothing Syrian."""
        scans = [drop_possessors(text, found) for text, found in zip(texts, scans)]
        if not any(m.alias.unsure for found in scans for m in found):
            return scans
        spelt_out: set[str] = set()
        for text, found in zip(texts, scans):
            for i, m in enumerate(found):
                if m.alias.group is None and m.alias.initials:
                    bracket = _BRACKETED.match(text, m.end)
                    if bracket and bracket.group(1).upper() in m.alias.initials:
                        spelt_out.add(bracket.group(1).upper())
                elif m.alias.ambiguous and i + 1 < len(found):
                    bracket, after = _OPEN_BRACKET.match(text, m.end), found[i + 1]
                    if bracket and bracket.end() == after.start and after.alias.group is None and \
                            m.alias.text.upper() in after.alias.initials:
                        spelt_out.add(m.alias.text.upper())
        syrian: list[bool] = []

        def about_syria() -> bool:
            if not syrian:
                plain = any(
                    m.alias.group is not None and not m.alias.ambiguous and not m.alias.elsewhere
                    for found in scans for m in found
                )
                shared = {m.alias.group for found in scans for m in found
                          if m.alias.ambiguous and m.alias.text.upper() not in spelt_out}
                syrian.append(plain or len(shared) > 1 or any(
                    _SYRIA.search(text) or _SYRIA_AR.search(text) for text in texts))
            return syrian[0]

        settled = []
        for text, found in zip(texts, scans):
            kept = []
            for m in found:
                alias = m.alias
                if alias.ambiguous:
                    if alias.text.upper() in spelt_out:
                        continue
                    if not _ARMED_NEXT.match(text, m.end) and not about_syria():
                        continue
                elif alias.elsewhere and not about_syria() and any(
                    _PLACE_PATTERNS[place].search(t) for place in alias.elsewhere for t in texts
                ):
                    continue
                kept.append(m)
            settled.append(kept)
        return settled



def longest_first(candidates: list[Match]) -> list[Match]:
    """Keep the longest of overlapping matches (the earlier one on a tie); return them in text order."""
    chosen: list[Match] = []
    starts: list[int] = []
    for cand in sorted(set(candidates), key=lambda m: (m.start - m.end, m.start)):
        i = bisect.bisect_left(starts, cand.start)
        if i > 0 and chosen[i - 1].end > cand.start:
            continue
        if i < len(chosen) and chosen[i].start < cand.end:
            continue
        starts.insert(i, cand.start)
        chosen.insert(i, cand)
    return chosen


_MATCHERS: dict[str, GroupMatcher] = {}
_LOCK = threading.Lock()


def find_groups(
    title: str | None, body: str | None, published: Any = None, registry: str | Path | None = None
) -> list[dict[str, Any]]:
    """The armed groups ``title`` and ``body`` name, as the ``groups`` field of an article record.

    ``published`` ("YYYY-MM-DD", an ISO datetime, or None) decides ``name_at_publication`` and the few
    aliases whose meaning changed over time; ``registry`` is a registry file (default: groups.yaml).
    """
    return GroupMatcher.load(registry).find(title, body, published)
