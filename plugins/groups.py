"""Armed-group name normaliser: every armed group an article names, each on one stable id.

The knowledge lives in data, not here: ``plugins/groups.yaml`` (validated against
``schemas/groups.schema.json``) lists each organisation with its id, display name, names over time and
aliases. This module compiles that registry once into an Aho-Corasick automaton and scans each text
once for every alias.

How a text is matched
---------------------
1. The text is split into words and the gaps between them (one ``re.split``).
2. Every word is *folded* into a key (cached per distinct word): lower case, transliteration marks
   stripped (ḥ→h, š→sh), apostrophes of all kinds dropped, a few spelling equivalences (ee→i, oo→u,
   ou→u, ae→ai, ei→ai, ai→ay, word-final ah→a), doubled letters collapsed (Hayyaat→hayat,
   Jaish→jaysh, Jeish→jaysh); Arabic hamza/alef/ta marbuta/alef maqsura forms unified and diacritics
   dropped. Arabic-derived articles (al-, al , el-, a-, ash-, as-, an-, ad-, at-, az-, ar-, ...) are
   dropped entirely; an alias is also matched with its articles run into the next word ("Alsham").
3. Gaps of spaces (or hyphens) and apostrophes are dropped ("al-Qaeda" = "al Qaeda" = "AlQaeda", and
   "al- Aqsa" with a stray space); any other gap (a newline, punctuation, a dash with spaces around
   it) becomes "|", which no alias key contains, so no name is ever matched across punctuation.
4. The keys are joined into one string and scanned once with the automaton. A hit counts only when it
   starts at the start of a word (or just after Arabic clitics و ف ب ل ك) and ends at the end of one;
   a prefix sum over token lengths maps it back to the original text, so ``text[start:end]`` of every
   mention is exactly what the article says.
5. Acronyms (HTS, IS, SDF ...) must equal the original text exactly, case included. Acronyms that are
   also ordinary words (IS, TIP) or have two letters do not count inside an all-capitals run of words
   ("WHY IS THIS"). English names and translations ("Islamic State", "Army of Conquest") must be
   capitalised as in the registry, so "an Islamic state" is not the group; a name of three or more
   capitalised words may lose the capital of its head noun ("National front for Liberation").
6. Overlapping hits are resolved longest first, so "Jaysh Tahrir al-Sham" never also yields ``hts``.
   Entries under ``not_groups`` (descriptive phrases such as "al-Qaeda-linked") win the same way and
   then yield nothing.
7. Title and body are then settled together (``GroupMatcher._settle``): a group named in the
   possessive right before another ("al-Qaeda's al-Nusra Front") only describes it and is dropped; an
   acronym whose letters spell a ``not_groups`` phrase (NFL: "National Football League") is dropped
   where the article spells it out that way, and otherwise needs an article about Syria (another group
   or a Syrian place named) unless used as an armed group ("TIP fighters"); a name that ``not_groups``
   gives to an organisation elsewhere ("Gaza's Army of Islam") is dropped in an article that names
   that place and nothing Syrian.
"""

from __future__ import annotations

import bisect
import json
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from itertools import accumulate, compress
from pathlib import Path
from typing import Any, Iterable, NamedTuple

import ahocorasick
import yaml

from plugins.hookspecs import hookimpl

DEFAULT_REGISTRY = Path(__file__).resolve().with_name("groups.yaml")
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "groups.schema.json"
REGISTRY_SETTING = "GROUPS_REGISTRY"
STATE_KEY = "groups.matcher"
FIELDS = ("title", "body")


class RegistryError(ValueError):
    """The group registry cannot be used; the message says which file, where and why."""


# --------------------------------------------------------------------------------------------------
# Tokens and folding
# --------------------------------------------------------------------------------------------------

# Apostrophe-like characters: straight, curly, grave, acute and the modifier letters ʹ ʺ ʻ ʼ ʽ ʾ ʿ.
_APOS = "'\u2019\u2018`\u00b4\u02b9-\u02bf"
# Combining marks (Latin accents written separately, Arabic harakat) and the Arabic tatweel.
_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640"
# A word character: a letter, digit or combining mark. "_" and the modifier apostrophes are \w too,
# so texts holding them are split on a copy where they become " " and "'" (same length, same offsets).
_WC = rf"[\w{_MARKS}]"
# A word may contain apostrophes between letters (Hay'at, Qa'ida) but a final 's is a possessive:
# "Nusra's" is the word "Nusra" followed by "'s".
_WORD = rf"{_WC}+(?:['\u2019\u2018`\u00b4]+(?![sS](?!{_WC})){_WC}+)*"
_SPLIT_WORDS = re.compile(f"({_WORD})").split
_NOT_IN_WORDS = re.compile("[_\u02b9-\u02bf]")
_NOT_IN_WORDS_TABLE = str.maketrans({"_": " ", **{chr(c): "'" for c in range(0x02B9, 0x02C0)}})


def _split(text: str) -> list[str]:
    """Gaps (even indices) and words (odd indices) of ``text``; joined they give ``text`` back."""
    if _NOT_IN_WORDS.search(text) is None:
        return _SPLIT_WORDS(text)
    tokens = _SPLIT_WORDS(text.translate(_NOT_IN_WORDS_TABLE))
    # Give the tokens back their original characters: the copy only moved the boundaries.
    out, pos = [], 0
    for token in tokens:
        out.append(text[pos : pos + len(token)])
        pos += len(token)
    return out


_SPACES = " \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_JOINERS = rf"\-\u2010\u2011\u2012\u2013\u2212\u00ad_{_APOS}\u200b-\u200f\u2060\ufeff\u061c"
# A gap that may sit inside a name: spaces and apostrophes (and invisible marks), or hyphens and
# apostrophes, or hyphens followed by spaces ("Jund al- Aqsa": a hyphenation left behind). A dash with
# spaces around it ("groups – Jaysh al-Islam") is punctuation.
_HYPHEN_CHARS = "\\-\u2010\u2011\u2012\u2013\u2212"
_SOFT_GAP = re.compile(
    rf"[{_SPACES}{_APOS}\u200b-\u200f\u2060\ufeff\u061c]*|[{_JOINERS}]+|[{_HYPHEN_CHARS}]+[{_SPACES}]+"
)
_HYPHENS = frozenset("-\u2010\u2011\u2012\u2013\u2212")
BREAK = "|"

# Article forms dropped before the next word. "al"/"el" also when followed by a space ("al Qaeda");
# the others only when hyphenated, because "as", "at", "an", "a" are English words ("a-" is Syria
# Direct's assimilated article: "Failaq a-Rahman").
_ARTICLES_SPACED = ("al", "el")
_ARTICLES_HYPHENED = (
    "al", "el", "a", "ash", "as", "an", "ad", "at", "az", "ar", "ath", "adh", "ud", "ut", "ul", "ur"
)


def _case_forms(word: str) -> set[str]:
    forms = {""}
    for ch in word:
        forms = {f + c for f in forms for c in (ch.lower(), ch.upper())}
    return forms


_ARTICLE_FORMS = frozenset(f for a in _ARTICLES_HYPHENED for f in _case_forms(a))

# Characters whose plain decomposition is not what a transliteration means, and Arabic letter variants
# written interchangeably. Everything else goes through NFKD with combining marks removed.
_CHAR_MAP = {
    "š": "sh", "Š": "sh", "ş": "sh", "Ş": "sh", "ṣ": "s", "Ṣ": "s", "ṭ": "t", "Ṭ": "t",
    "ḍ": "d", "Ḍ": "d", "ẓ": "z", "Ẓ": "z", "ḥ": "h", "Ḥ": "h", "ḫ": "kh", "ẖ": "kh", "ḵ": "kh",
    "ġ": "gh", "Ġ": "gh", "ğ": "gh", "Ğ": "gh", "ǧ": "j", "Ǧ": "j", "ṯ": "th", "ḏ": "dh",
    "ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ı": "i", "ł": "l", "Ł": "l", "ø": "o",
    "Ø": "o", "đ": "d", "Đ": "d", "ð": "d", "þ": "th",
    # Arabic: alef forms, ta marbuta, alef maqsura, hamza carriers, Persian yeh/keheh.
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا", "ة": "ه", "ى": "ي", "ئ": "ي",
    "ؤ": "و", "ی": "ي", "ک": "ك", "ـ": "",
}
for _c in "'\u2019\u2018`\u00b4" + "".join(map(chr, range(0x02B9, 0x02C0))):
    _CHAR_MAP[_c] = ""

_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_CLITICS = frozenset("وفبلك")  # and, so, with, for, like: written attached to the next word
_DOUBLES = re.compile(r"(.)\1+")
# Spelling equivalences of romanised Arabic, applied in this order inside a word.
_DIGRAPHS = (("ee", "i"), ("oo", "u"), ("ou", "u"), ("ae", "ai"), ("ei", "ai"), ("ai", "ay"))


def _fold_char(ch: str) -> str:
    mapped = _CHAR_MAP.get(ch)
    if mapped is not None:
        return mapped
    if ch.isascii():
        return ch.lower()
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


class _Cache(dict):
    """A dict that computes missing values, so hot loops can use ``map(cache.__getitem__, ...)``."""

    def __init__(self, compute, limit: int = 400_000) -> None:
        super().__init__()
        self.compute = compute
        self.limit = limit

    def __missing__(self, key):
        if len(self) >= self.limit:  # a long crawl must not grow without bound
            self.clear()
        value = self[key] = self.compute(key)
        return value


_CHARS = _Cache(_fold_char)


def _spelling(key: str) -> str:
    for a, b in _DIGRAPHS:
        if a in key:
            key = key.replace(a, b)
    key = _DOUBLES.sub(r"\1", key)
    if key.endswith("ah") and len(key) > 3:  # Nusrah = Nusra, Islamiyyah = Islamiya
        key = key[:-1]
    return key


def _fold_word(word: str) -> str:
    """The matching key of one word (see the module docstring)."""
    if word.isascii():
        key = word.lower()
        if "'" in key or "`" in key:
            key = key.replace("'", "").replace("`", "")
        return _spelling(key)
    if _ARABIC.search(word):
        return _fold_arabic(word)[0]
    key = "".join(map(_CHARS.__getitem__, unicodedata.normalize("NFC", word)))
    return _spelling(key)


def _fold_arabic(word: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Key of an Arabic word, and where a name may start after clitic letters: (key offset, offset in
    the word) for one or two leading clitics ("وحركة" holds "حركة" at key offset 1)."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(word):
        for c in _CHARS[ch]:
            if out and out[-1] == c:  # doubled letters collapse, as in Latin words
                continue
            out.append(c)
            origin.append(i)
    starts = []
    for k in (1, 2):
        if len(out) > k and all(c in _CLITICS for c in out[:k]):
            starts.append((k, origin[k]))
    return "".join(out), tuple(starts)


_WORDS = _Cache(_fold_word)


def _gap_key(gap: str) -> str:
    return "" if _SOFT_GAP.fullmatch(gap) else BREAK


_GAPS = _Cache(_gap_key, limit=20_000)


class _Indexed(NamedTuple):
    """A text ready to scan: its tokens (gaps at even, words at odd indices), the key of each token,
    the joined key, and prefix sums of token lengths in the text (``offsets``) and in the key
    (``key_offsets``). ``article_of`` maps a word to the dropped article token just before it."""

    tokens: list[str]
    parts: list[str]
    key: str
    offsets: list[int]
    key_offsets: list[int]
    article_of: dict[int, int]


def _index(text: str) -> _Indexed:
    tokens = _split(text)
    words = tokens[1::2]
    parts = tokens[:]
    # map() and compress() keep the per-token loop in C: this is the hot path of the normaliser.
    parts[0::2] = map(_GAPS.__getitem__, tokens[0::2])
    parts[1::2] = map(_WORDS.__getitem__, words)
    article_of: dict[int, int] = {}
    last_word = len(tokens) - 2
    for i in compress(range(len(words)), map(_ARTICLE_FORMS.__contains__, words)):
        j = 2 * i + 1
        if j < last_word and parts[j + 1] == "" and parts[j + 2] and (
            words[i].lower() in _ARTICLES_SPACED or not _HYPHENS.isdisjoint(tokens[j + 1])
        ):
            parts[j] = ""
            article_of[j + 2] = j
    key = "".join(parts)
    offsets = list(accumulate(map(len, tokens), initial=0))
    key_offsets = list(accumulate(map(len, parts), initial=0))
    return _Indexed(tokens, parts, key, offsets, key_offsets, article_of)


def alias_keys(text: str) -> list[str]:
    """Every key under which an alias is matched: as written, with its words run together (text that
    writes "HayatTahrir" collapses letters across the join), with each article written into the word
    after it ("Fatah Alsham Front", "Aljabha Alshamiya"), and, for Arabic names starting with ال, after
    the preposition ل ("للدولة" is ل + الدولة)."""
    idx = _index(text)
    if BREAK in idx.key:
        raise ValueError(f"alias {text!r} contains punctuation that cannot be part of a name")
    keys = [idx.key]
    words = [idx.tokens[j] for j in range(1, len(idx.tokens), 2) if idx.parts[j]]
    if len(words) > 1:
        keys.append(_fold_word("".join(words)))
    if idx.article_of:
        parts = idx.parts[:]
        for word, article in idx.article_of.items():
            parts[word] = _fold_word(idx.tokens[article] + idx.tokens[word])
        keys.append("".join(parts))
    first = next((j for j in range(1, len(idx.parts), 2) if idx.parts[j]), None)
    if first is not None and idx.parts[first].startswith("ال") and len(idx.parts[first]) > 3:
        parts = idx.parts[:]
        parts[first] = "ل" + parts[first][2:]
        keys.append("".join(parts))
    return [k for i, k in enumerate(keys) if k and k not in keys[:i]]


def _capitals(text: str) -> tuple[bool, ...]:
    idx = _index(text)
    return tuple(idx.tokens[j][:1].isupper() for j in range(1, len(idx.tokens), 2) if idx.parts[j])


# --------------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: dates stay strings, as the schema expects."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _day(value: str | None) -> date | None:
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


@dataclass(frozen=True)
class Alias:
    """One way of writing a group, as compiled. ``group`` is None for a ``not_groups`` phrase."""

    text: str
    group: int | None
    kind: str  # "acronym", "name" (any case), "proper" (capitals as written), "arabic", "not-group"
    capitals: tuple[bool, ...] = ()
    ordinary_word: bool = False  # an acronym that is also a word: ignored inside all-caps runs
    since: date | None = None  # before this day the alias meant ``before``
    before: int | None = None
    until: date | None = None  # from this day on the alias means ``after``
    after: int | None = None
    # An acronym that also stands for something else listed under not_groups (NFL: National Football
    # League): it needs a text about Syria. For a not_groups phrase: the acronyms it spells.
    ambiguous: bool = False
    initials: frozenset[str] = frozenset()
    # Places of another organisation of the same name ("Gaza's Army of Islam" gives "Gaza").
    elsewhere: frozenset[str] = frozenset()
    unsure: bool = False  # ambiguous or elsewhere: the rest of the article decides (GroupMatcher._settle)

    def group_on(self, day: date | None) -> int | None:
        if day is not None:
            if self.since is not None and day < self.since and self.before is not None:
                return self.before
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
            data = yaml.load(fh, Loader=_Loader)
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
                for field in ("before", "after"):
                    target = item.get(field)
                    if target is not None and target not in ids:
                        raise RegistryError(
                            f"the group registry {source}: alias {item['text']!r} of {group['id']} "
                            f"refers to an unknown id {target!r} in {field!r}"
                        )
        for entry in dated:
            for field in ("from", "until"):
                try:
                    _day(entry.get(field))
                except ValueError:
                    raise RegistryError(
                        f"the group registry {source}: {group['id']} has an impossible date "
                        f"{entry[field]!r} in {field!r}"
                    ) from None
    problems = alias_conflicts(data)
    if problems:
        raise RegistryError(f"the group registry {source} has ambiguous aliases:\n  " + "\n  ".join(problems))


def _registry_aliases(data: dict[str, Any]) -> Iterable[tuple[str | None, str, str, dict[str, Any]]]:
    """(group id or None, alias text, kind, options) for every alias, names and display names included."""
    for group in data["groups"]:
        gid = group["id"]
        yield gid, group["name"], "proper", {}
        for entry in group.get("names", []):
            if entry.get("match", True):
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
    for gid, text, kind, options in _registry_aliases(data):
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


# --------------------------------------------------------------------------------------------------
# The matcher
# --------------------------------------------------------------------------------------------------


class Match(NamedTuple):
    start: int
    end: int
    alias: Alias


_CAPS_BEFORE = re.compile(r"([^\W\d_]{2,})[ \t\u00a0]+$")
_CAPS_AFTER = re.compile(r"[ \t\u00a0]+([^\W\d_]{2,})")

# The generic head noun of a name: the one word whose capital a long name may lose ("National front
# for Liberation") while its distinctive words keep theirs ("an Islamic state of Iraq" is no name).
_HEAD_NOUNS = frozenset(map(_fold_word, """front army forces force movement brigade brigades battalion
    battalions party legion corps union organization organisation committee commission council division
    units group""".split()))

# A text about Syria: it says so, or names a Syrian place. Only consulted for the few aliases that also
# mean something elsewhere (see _settle); Arabic matched inside words, after clitics and articles.
_SYRIA = re.compile(
    r"\b(?:Syria|Syrian|Syrians|Levant|Damascus|Aleppo|Idlib|Idleb|Homs|Hama|Latakia|Lattakia|Tartus|"
    r"Tartous|Raqqa|Raqa|Rakka|Deir[ -](?:ez|ez-|al-|el-)?[ -]?Zou?r|Deir Ezzou?r|Deir Izzour|Hasakah|"
    r"Hasaka|Hassakeh|Qamishli|Daraa|Deraa|Dara'a|Quneitra|Suwayda|Sweida|Afrin|Azaz|Aazaz|Manbij|Kobani|"
    r"Kobane|Jarablus|Tal Abyad|Tell Abyad|Ras al-Ain|Ghouta|Douma|Qalamoun|Palmyra|Saraqib|Saraqeb|"
    r"Maarat al-Numan|Ma'arat al-Nu'man|Jisr al-Shughur|Jisr ash-Shughour|Jisr al-Shughour|Ariha|"
    r"Khan Sheikhoun|Khan Shaykhun|Atarib|Darat Izza|Sarmada|Bab al-Hawa|Euphrates|Assad|Arsal|"
    r"Albu Kamal|Bukamal|Mayadin|Hajin|Baghuz|Tabqa|Yarmouk|Zabadani|Harasta|Jobar|Qusayr|Rastan)\b",
    re.IGNORECASE,
)
_SYRIA_AR = re.compile(
    "سوري|دمشق|حلب|إدلب|ادلب|حمص|حماة|اللاذقية|الرقة|دير الزور|الحسكة|القامشلي|درعا|عفرين|منبج|"
    "الغوطة|القلمون|جسر الشغور|معرة النعمان|سراقب"
)
# An acronym used as an armed group: "TIP fighters", "HTS-held".
_ARMED_NEXT = re.compile(
    r"(?:['\u2019]s)?[ \t\u00a0]+(?:fighters|militants|jihadists|rebels|gunmen|militias?|factions?|"
    r"commanders?|emirs?)\b|-(?:held|controlled)\b",
    re.IGNORECASE,
)
# An acronym spelt out in brackets after its words, or its words in brackets after it.
_BRACKETED = re.compile(r"[ \t\u00a0]*\([ \t\u00a0]*([A-Za-z]{2,8})[ \t\u00a0]*\)")
_OPEN_BRACKET = re.compile(r"[ \t\u00a0]*\([ \t\u00a0]*")
# "al-Qaeda's al-Nusra Front": a possessive between two names.
_POSSESSIVE = re.compile(r"['\u2019\u2018`\u00b4][sS]?[ \t\u00a0]+")
_POSSESSIVE_MARKS = frozenset("'\u2019\u2018`\u00b4")
# Patterns of not_groups phrases that name another organisation of the same name by its place.
_ELSEWHERE = (
    re.compile(r"^(?P<place>[A-Z][^\W\d_]+)(?:['\u2019]s|-based)\s+(?P<name>.+)$"),
    re.compile(r"^(?P<name>.+?)\s+in\s+(?P<place>[A-Z][^\W\d_]+)$"),
)


def _initials(phrase: str) -> frozenset[str]:
    """The acronyms a phrase spells: the first letters of its words (hyphenated parts are words), with
    and without its lower-case words ("Trafficking in Persons": TIP and TP)."""
    if _ARABIC.search(phrase):
        return frozenset()
    words = [w for w in re.split(r"[\s\-\u2010\u2011]+", phrase) if w]
    if len(words) < 2:
        return frozenset()
    every = "".join(w[0] for w in words).upper()
    capitals = "".join(w[0] for w in words if w[0].isupper())
    return frozenset(x for x in (every, capitals) if len(x) >= 2)


def _elsewhere(data: dict[str, Any]) -> dict[str, set[str]]:
    """Alias keys that not_groups gives to an organisation elsewhere, with its place: "Gaza's Army of
    Islam", "Gaza-based Army of Islam" and "Army of Islam in Gaza" give "Army of Islam" the place Gaza."""
    places: dict[str, set[str]] = {}
    for block in data.get("not_groups", []):
        for phrase in block["phrases"]:
            for pattern in _ELSEWHERE:
                found = pattern.match(phrase)
                if found:
                    for key in alias_keys(found.group("name")):
                        places.setdefault(key, set()).add(found.group("place"))
                    break
    return places


_PLACE_PATTERNS = _Cache(lambda place: re.compile(rf"\b{re.escape(place)}\b"), limit=1_000)


class GroupMatcher:
    """The registry compiled into one automaton. Build it with ``GroupMatcher.load(path)`` (cached)."""

    def __init__(self, data: dict[str, Any], source: str = "registry") -> None:
        self.source = source
        self.groups: list[Group] = []
        position = {g["id"]: i for i, g in enumerate(data["groups"])}
        for g in data["groups"]:
            names = tuple(
                (n["name"], _day(n.get("from")), _day(n.get("until"))) for n in g.get("names", [])
            )
            names = tuple(sorted(names, key=lambda n: n[1] or date.min))
            self.groups.append(Group(g["id"], g["name"], g.get("wikidata"), names))
        self.acronyms = frozenset(
            (item if isinstance(item, str) else item["text"])
            for g in data["groups"]
            for item in g.get("aliases", {}).get("acronyms", [])
        )
        spelt = {ini for b in data.get("not_groups", []) for p in b["phrases"] for ini in _initials(p)}
        elsewhere = _elsewhere(data)
        table: dict[str, list[Alias]] = {}
        for gid, text, kind, options in _registry_aliases(data):
            keys = alias_keys(text)
            ambiguous = kind == "acronym" and text.upper() in spelt
            places = frozenset(p for k in keys for p in elsewhere.get(k, ())) if gid else frozenset()
            alias = Alias(
                text=text,
                group=position[gid] if gid is not None else None,
                kind=kind,
                capitals=_capitals(text) if kind == "proper" else (),
                ordinary_word=kind == "acronym" and (len(text) <= 2 or bool(options.get("common_word"))),
                since=_day(options.get("from")),
                before=position.get(options.get("before")),
                until=_day(options.get("until")),
                after=position.get(options.get("after")),
                ambiguous=ambiguous,
                initials=_initials(text) if gid is None else frozenset(),
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
        idx = _index(text)
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
        return _longest_first(candidates)

    @staticmethod
    def _after_clitics(idx: _Indexed, t: int, offset: int) -> int | None:
        word = idx.tokens[t]
        if t % 2 == 0 or not _ARABIC.search(word):
            return None
        for key_offset, word_offset in _fold_arabic(word)[1]:
            if key_offset == offset:
                return idx.offsets[t] + word_offset
        return None

    def _accepts(self, alias: Alias, text: str, idx: _Indexed, start: int, end: int, first: int, last: int) -> bool:
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
                    and _fold_word(missed[0]) in _HEAD_NOUNS
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
        scans = [_drop_possessors(text, found) for text, found in zip(texts, scans)]
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


def _drop_possessors(text: str, found: list[Match]) -> list[Match]:
    """Without a group named in the possessive right before another group's name: "al-Qaeda's al-Nusra
    Front" and "al-Qaeda's Guardians of Religion" name Nusra and Hurras al-Din, and describe them."""
    dropped = None
    for i in range(len(found) - 1):
        m = found[i]
        if text[m.end : m.end + 1] in _POSSESSIVE_MARKS and m.alias.group is not None:
            after = found[i + 1]
            if after.alias.group is not None and after.alias.group != m.alias.group:
                possessive = _POSSESSIVE.match(text, m.end)
                if possessive and possessive.end() == after.start:
                    dropped = (dropped or set()) | {i}
    return found if dropped is None else [m for i, m in enumerate(found) if i not in dropped]


def _longest_first(candidates: list[Match]) -> list[Match]:
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


# --------------------------------------------------------------------------------------------------
# Hooks
# --------------------------------------------------------------------------------------------------


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
