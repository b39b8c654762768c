"""The matcher: the registry compiled into one Aho-Corasick automaton, and the scan of a title and body."""

from __future__ import annotations

import bisect
import threading
from functools import partial
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import ahocorasick

from plugins.groups.context import (
    _BRACKETED, _CAPS_AFTER, _CAPS_BEFORE, _HEAD_NOUNS, _OPEN_BRACKET, _PLACE_PATTERNS, _SYRIA, _SYRIA_AR,
    armed_use, describes_another, entitles, glosses, names_only_there, places_elsewhere, possessors,
    restates, shared_word_partner, spelt_initials,
)
from plugins.groups.folding import (
    ARABIC, POSSESSIVE_MARKS, IndexedText, alias_keys, capitals, fold_arabic, fold_word, folding_notes,
    index_text,
)
from plugins.groups.registry import (
    DEFAULT_REGISTRY, FIELDS, Alias, Group, parse_day, published_day, read_registry, registry_aliases,
)

class Match(NamedTuple):
    start: int
    end: int
    alias: Alias
    how: str = "name"  # how the scan read it: the folding or form that matched (see --explain)
    needs_syria: bool = False  # a form that counts only in an article about Syria or in armed use


class Decision(NamedTuple):
    """What the article made of one match: the group index (None: nothing) and the rule that decided."""

    match: Match
    group: int | None
    rule: str


# Decision((m, group, rule)) without NamedTuple's Python-level __new__: one is made for every match.
_decision = partial(tuple.__new__, Decision)


# Capitalised words too common in names to carry one alone ("an Islamic front" is no name; "al-Hamza
# division" is the Hamza Division): a name may lose its head noun's capital only with another word.
_GENERIC_WORDS = frozenset(map(fold_word, """islamic syrian national free democratic popular arab kurdish
    turkish islam revolutionary united""".split()))
_DEFAULT_FOLDING = "name"
_CONJUNCTIONS = frozenset(("and", "And", "AND", "&"))
_TITLE_CASE = "acronym in title case"


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
        flags = {g["id"]: (g.get("descriptive", False), g.get("syrian", True)) for g in data["groups"]}
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
            places = tuple(sorted(
                (place, position.get(owner)) for k in keys for place, owner in elsewhere.get(k, ())
                if owner != gid
            )) if gid else ()
            needs = options.get("needs", ())
            descriptive, syrian = flags.get(gid, (False, True))
            alias = Alias(
                text=text,
                group=position[gid] if gid is not None else None,
                kind=kind,
                capitals=capitals(text) if kind == "proper" else (),
                ordinary_word=(kind == "acronym" and len(text) <= 2) or bool(options.get("common_word")),
                since=parse_day(options.get("from")),
                before=position.get(options.get("before")),
                until=parse_day(options.get("until")),
                after=position.get(options.get("after")),
                ambiguous=ambiguous,
                initials=spelt_initials(text) if gid is None else frozenset(),
                elsewhere=places,
                needs=frozenset(position[n] for n in needs if n != "syria"),
                needs_syria="syria" in needs,
                descriptive=descriptive,
                syrian=syrian,
                unsure=ambiguous or bool(places) or bool(needs),
            )
            for key in keys:
                table.setdefault(key, []).append(alias)
        self.automaton = ahocorasick.Automaton()
        for key, aliases in table.items():
            # The third value says whether a hit may end inside a word: an acronym that can be run into
            # the next word ("ISILprisoners"); every other hit must end where a word ends.
            glueable = any(a.kind == "acronym" and len(a.text) >= 3 and not a.ordinary_word for a in aliases)
            self.automaton.add_word(key, (len(key), tuple(aliases), glueable))
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
        tokens = idx.tokens
        nk = len(koff)
        bisect_left, bisect_right = bisect.bisect_left, bisect.bisect_right
        for last, (length, aliases, glueable) in self.automaton.iter(idx.key):
            kstart, kend = last - length + 1, last + 1
            # The hit must end where a word ends (or be an acronym glued to a lower-case word) ...
            u = bisect_left(koff, kend)
            if u == nk or koff[u] != kend:
                if glueable:
                    t = bisect_right(koff, kstart) - 1
                    if koff[t] == kstart and t == u - 1:  # one word, from its start
                        glued = self._glued_acronym(aliases, idx, t, kstart, u)
                        if glued is not None:
                            candidates.append(glued)
                continue
            t = bisect_right(koff, kstart) - 1
            end = idx.offsets[u]
            # ... and start where a word starts, or after Arabic clitics.
            how = _DEFAULT_FOLDING
            if koff[t] == kstart:
                start = idx.offsets[idx.article_of.get(t, t)]
            else:
                if tokens[t][:1] < "\u0600":  # only Arabic words carry clitics (and gaps none)
                    continue
                start = self._after_clitics(idx, t, kstart - koff[t])
                if start is None:
                    continue
                how = "name after the attached letters " + text[idx.offsets[t] : start]
            for alias in aliases:
                form = self._accepts(alias, text, idx, start, end, t, u - 1)
                if form is not None:
                    candidates.append(Match(start, end, alias, form or how, form is _TITLE_CASE))
                    if alias.group is not None and u - 1 > t and t >= 2 and (
                        tokens[t][:1] == "و" or tokens[t - 2] in _CONJUNCTIONS
                    ):
                        candidates.extend(self._shared_word(text, idx, t, u))
                    break
        return longest_first(candidates)

    def _glued_acronym(self, aliases: tuple[Alias, ...], idx: IndexedText, t: int, kstart: int, u: int) -> Match | None:
        """An acronym run into the lower-case word after it ("ISILprisoners"): its own capitals, three or
        more letters, then only lower-case letters."""
        if t % 2 == 0 or u - 1 != t or idx.key_offsets[t] != kstart:
            return None
        word = idx.tokens[t]
        for alias in aliases:
            n = len(alias.text)
            if alias.kind == "acronym" and n >= 3 and not alias.ordinary_word and word.startswith(alias.text) \
                    and word[n:].isalpha() and word[n:].islower():
                start = idx.offsets[t]
                return Match(start, start + n, alias, "acronym run into the next word")
        return None

    def _shared_word(self, text: str, idx: IndexedText, first: int, u: int) -> list[Match]:
        """"Tahrir and Ahrar al-Sham", «تحرير وأحرار الشام»: the word before the conjunction, with the
        words the two names share, is a name of its own."""
        j = shared_word_partner(idx.tokens, idx.parts, first)
        if j is None or j < 1 or not idx.parts[j]:
            return []
        found = self.automaton.get(idx.parts[j] + "".join(idx.parts[first + 1 : u]), None)
        if found is None:
            return []
        for alias in found[1]:
            if alias.group is not None and alias.kind != "acronym":
                start, end = idx.offsets[j], idx.offsets[j + 1]
                return [Match(start, end, alias, f"shares its last words with the next name ({alias.text})")]
        return []

    @staticmethod
    def _after_clitics(idx: IndexedText, t: int, offset: int) -> int | None:
        word = idx.tokens[t]
        if t % 2 == 0 or not ARABIC.search(word):
            return None
        for key_offset, word_offset in fold_arabic(word)[1]:
            if key_offset == offset:
                return idx.offsets[t] + word_offset
        return None

    def _accepts(
        self, alias: Alias, text: str, idx: IndexedText, start: int, end: int, first: int, last: int
    ) -> str | None:
        """None when the text is not this alias; else the form that matched ("" for the plain folding;
        _TITLE_CASE, a form that counts only in an article about Syria)."""
        if text[end - 1] in "sS" and text[end - 2] in POSSESSIVE_MARKS and alias.text[-2:-1] not in POSSESSIVE_MARKS:
            return None  # "Hama's" is Hama (a possessive s), never Hamas
        if alias.kind == "acronym":
            written = text[start:end]
            if written == alias.text:
                if alias.ordinary_word and self._in_capitals_run(text, start, end):
                    return None
                return "acronym, exact case"
            # "Isis", "Isil": an acronym of four or more letters in title case, where the article is
            # about Syria or uses it as an armed group.
            if len(alias.text) >= 4 and alias.text.isupper() and not alias.ordinary_word \
                    and written == alias.text.capitalize():
                return _TITLE_CASE
            return None
        if alias.kind == "arabic" and alias.ordinary_word and not text.startswith("ال", start):
            return None  # «لنصرة الشعب»: the word (support), not the name
        if alias.kind == "proper" and any(alias.capitals):
            words = [idx.tokens[j] for j in range(first, last + 1, 2) if idx.parts[j]]
            if len(words) == len(alias.capitals):
                missed = [w for w, cap in zip(words, alias.capitals) if cap and not w[:1].isupper()]
                if not missed:
                    return ""
                # A name may lose the capital of its head noun ("National front for Liberation", "al-Hamza
                # division") while its distinctive words keep theirs.
                kept = [fold_word(w) for w, cap in zip(words, alias.capitals) if cap and w[:1].isupper()]
                if len(missed) == 1 and words[0][:1].isupper() and fold_word(missed[0]) in _HEAD_NOUNS and (
                    sum(alias.capitals) > 2 or any(k not in _GENERIC_WORDS for k in kept)
                ):
                    return "head noun in lower case"
                return None
            return "" if not alias.capitals[0] or words[0][:1].isupper() else None
        return ""

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
        found: dict[int, list[dict[str, Any]]] = {}
        for field, text, decisions in zip(FIELDS, texts, self.decide(texts)):
            for m, group, _ in decisions:
                if group is None:
                    continue
                if group == m.alias.group and day is not None:
                    group = m.alias.group_on(day)
                    if group is None:
                        continue
                found.setdefault(group, []).append(
                    {"text": text[m.start : m.end], "field": field, "start": m.start, "end": m.end}
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

    @staticmethod
    def _group_on(decision: Decision, day: date | None) -> int | None:
        if decision.group is None or decision.group != decision.match.alias.group:
            return decision.group  # nothing, or another organisation of the same name
        return decision.match.alias.group_on(day)

    def explain(self, title: str | None, body: str | None, published: Any = None) -> list[dict[str, Any]]:
        """Every name the scan found in title and body, kept or not: the alias it matched, its folded
        key, how the scan read it, the rule that decided it and the id it yields (None: nothing)."""
        day = published_day(published)
        texts = (title or "", body or "")
        out = []
        for field, text, decisions in zip(FIELDS, texts, self.decide(texts)):
            for decision in decisions:
                m, group = decision.match, self._group_on(decision, day)
                if group is not None and group != decision.group:
                    rule = f"{decision.rule}; published {day}: the alias then meant {self.groups[group].id}"
                else:
                    rule = decision.rule
                written = text[m.start : m.end]
                out.append({
                    "field": field, "start": m.start, "end": m.end, "text": written, "alias": m.alias.text,
                    "key": index_text(written).key, "read": m.how,
                    "folding": [n for n in folding_notes(written) if m.alias.kind != "acronym" or n != "case ignored"],
                    "rule": rule, "id": self.groups[group].id if group is not None else None,
                })
        return out

    def decide(self, texts: tuple[str, ...]) -> list[list[Decision]]:
        """Scan each text and settle every match with the rest of the article (see ``_settle``)."""
        return self._settle(texts, [self.scan(text) for text in texts])

    def _settle(self, texts: tuple[str, ...], scans: list[list[Match]]) -> list[list[Decision]]:
        """Decide each match with the rest of the article: a group named in the possessive before
        another ("al-Qaeda's al-Nusra Front" describes Nusra) or inside a description ("close ties to
        al-Qaeda") names nobody; an acronym that also stands for something else (NFL) is dropped when
        the article spells out that other meaning beside it ("National Football League (NFL)") or is not
        about Syria, unless it is used as an armed group ("TIP fighters", "joined the FSA"); an elliptical
        form ("the National Army") needs the article to name its group otherwise; a name shared with an
        organisation elsewhere ("Army of Islam", Gaza) is that organisation in an article that names its
        place and nothing Syrian, or, for a place in Syria (the Qalamoun's "Jaysh al-Fatah"), no other
        Syrian place."""
        decided: list[list[Decision]] = []
        for text, found in zip(texts, scans):
            possessive = possessors(text, found)
            row = []
            for i, m in enumerate(found):
                alias = m.alias
                if alias.group is not None and not possessive and not alias.descriptive and alias.since is None \
                        and alias.until is None:
                    row.append(_decision((m, alias.group, "registered alias")))  # the common case, quickly
                elif alias.group is None:
                    row.append(_decision((m, None, "a phrase under not_groups: names no group of ours")))
                elif i in possessive:
                    row.append(_decision((m, None, "possessive right before another group's name: a description")))
                elif m.alias.descriptive and describes_another(text, m.start, m.end, m.alias.descriptive == "relations"):
                    row.append(_decision((m, None, "inside a description of another group")))
                elif m.alias.descriptive and i and row[i - 1].group is None \
                        and found[i - 1].alias.group == m.alias.group and glosses(text, found[i - 1].end, m.start):
                    # «ترتبط بتنظيم "الدولة الإسلامية" (داعش)»: the described name said again
                    row.append(_decision((m, None, "restates a name inside a description")))
                elif (m.alias.since or m.alias.until) and i and found[i - 1].alias.group is not None \
                        and glosses(text, found[i - 1].end, m.start):
                    # A dated description set off after a name ("Jabhat al-Nusra, al-Qaeda's branch in
                    # Syria") glosses that name: the date rule must not send it to another lineage.
                    row.append(_decision((m, None, "a gloss of the name before it")))
                elif (m.alias.since or m.alias.until) and i + 1 < len(found) \
                        and found[i + 1].alias.group is not None \
                        and entitles(text, m.end, found[i + 1].start):
                    row.append(_decision((m, None, "a title of the name right after it")))
                else:
                    row.append(_decision((m, m.alias.group, "registered alias")))
            decided.append(row)
        if not any(d.group is not None and (d.match.alias.unsure or d.match.needs_syria)
                   for row in decided for d in row):
            return decided
        plain = [d for row in decided for d in row if d.group is not None and not d.match.alias.unsure
                 and not d.match.needs_syria]
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
                shared = {d.group for row in decided for d in row
                          if d.match.alias.ambiguous and d.match.alias.text.upper() not in spelt_out}
                syrian.append(any(d.match.alias.syrian for d in plain) or len(shared) > 1 or any(
                    _SYRIA.search(text) or _SYRIA_AR.search(text) for text in texts))
            return syrian[0]

        settled = []
        for text, row in zip(texts, decided):
            kept = []
            for d in row:
                m, alias = d.match, d.match.alias
                if d.group is None:
                    kept.append(d)
                    continue
                if alias.ambiguous:
                    if alias.text.upper() in spelt_out:
                        d = d._replace(group=None, rule="the article spells it out as something else")
                    elif armed_use(text, m.start, m.end):
                        d = d._replace(rule="acronym with another meaning, used as an armed group")
                    elif about_syria():
                        d = d._replace(rule="acronym with another meaning, in an article about Syria")
                    else:
                        d = d._replace(group=None, rule="acronym with another meaning, article not about Syria")
                elif m.needs_syria:
                    if armed_use(text, m.start, m.end) or about_syria():
                        d = d._replace(rule="title-case acronym in an article about Syria or armed use")
                    else:
                        d = d._replace(group=None, rule="title-case acronym outside an article about Syria")
                if d.group is not None and alias.elsewhere:
                    for place, owner in alias.elsewhere:
                        other = "nothing of ours" if owner is None else self.groups[owner].id
                        if not about_syria() and any(_PLACE_PATTERNS[place].search(t) for t in texts):
                            d = d._replace(group=owner, rule=f"a name shared with an organisation in {place}: "
                                                             f"the article names {place} and nothing Syrian "
                                                             f"({other})")
                            break
                        if names_only_there(texts, place):  # a Syrian place: the Qalamoun's Jaysh al-Fatah
                            d = d._replace(group=owner, rule=f"a name shared with an organisation in {place}: "
                                                             f"the article names no other Syrian place ({other})")
                            break
                kept.append(d)
            settled.append(kept)
        # Elliptical forms last: the names the article supports them with are settled by now.
        named = {d.group for row in settled for d in row if d.group is not None and not d.match.alias.needs
                 and not d.match.alias.needs_syria}
        for text, row in zip(texts, settled):
            for i, d in enumerate(row):
                m, alias = d.match, d.match.alias
                if d.group is None or not (alias.needs or alias.needs_syria):
                    continue
                if alias.needs & named:
                    row[i] = d._replace(rule="elliptical form: the article names the group otherwise")
                elif alias.needs and armed_use(text, m.start, m.end):  # "al-Hamza faction", «فصيل الحمزة»
                    row[i] = d._replace(rule="elliptical form used as an armed group")
                elif alias.needs_syria and (about_syria() or armed_use(text, m.start, m.end)):
                    row[i] = d._replace(rule="elliptical form in an article about Syria")
                else:
                    row[i] = d._replace(group=None, rule="elliptical form the rest of the article does not support")
        for text, row in zip(texts, settled):  # "Turkish-backed Free Syrian Army (FSA)": the name said again
            for i in range(1, len(row)):
                before, d = row[i - 1], row[i]
                if d.group is not None and before.group is not None and d.group != before.group and \
                        restates(text, before.match.start, before.match.end, d.match.start, d.match.end):
                    row[i] = d._replace(group=before.group, rule="an acronym in brackets restating the name before it")
        return settled


def longest_first(candidates: list[Match]) -> list[Match]:
    """Keep the longest of overlapping matches (the earlier one on a tie); return them in text order."""
    chosen: list[Match] = []
    starts: list[int] = []
    # dict.fromkeys, not set: a tie between two aliases on one span goes to the one scanned first, in every run.
    for cand in sorted(dict.fromkeys(candidates), key=lambda m: (m.start - m.end, m.start)):
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
