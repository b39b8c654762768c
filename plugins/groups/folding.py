"""Tokenising and folding: the key under which a text is scanned, and the tables that map it back.

A text is split into words and the gaps between them (one ``re.split``); every word is folded into a key
(cached per distinct word) and every gap becomes "" (spaces, hyphens, apostrophes: a name may run across
them) or "|" (punctuation: no name does). The keys are joined into one string, and prefix sums over the
token lengths map a hit in the key back to ``text[start:end]``. See plugins/groups/__init__.py for what
folding does to a word.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import accumulate, compress
from typing import NamedTuple

# Apostrophe-like characters: straight, curly, grave, acute and the modifier letters ʹ ʺ ʻ ʼ ʽ ʾ ʿ.
_APOS = "'\u2019\u2018`\u00b4\u02b9-\u02bf"
# Combining marks (Latin accents written separately, Arabic harakat) and the Arabic tatweel.
_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640"
# A word character: a letter, digit or combining mark. "_" and the modifier apostrophes are \w too,
# so texts holding them are split on a copy where they become " " and "'" (same length, same offsets).
_WC = rf"[\w{_MARKS}]"
# A word may contain apostrophes between letters (Hay'at, Qa'ida) but a final 's is a possessive:
# "Nusra's" is the word "Nusra" followed by "'s".
# Possessive runs (++): a word's letters are never given back, so re does not keep backtracking states.
_WORD = rf"{_WC}++(?:['\u2019\u2018`\u00b4]+(?![sS](?!{_WC})){_WC}++)*"
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
# Quote marks inside a name (فرقة "الحمزة", لواء" فاطميون) are soft too: a name never ends on one.
_QUOTE_MARKS = '"\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a'
_SOFT_GAP = re.compile(
    rf"[{_SPACES}{_APOS}\u200b-\u200f\u2060\ufeff\u061c]*"
    rf"|[{_SPACES}]*[{_QUOTE_MARKS}][{_SPACES}]*"
    rf"|[{_JOINERS}]+|[{_HYPHEN_CHARS}]+[{_SPACES}]+"
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

ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
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
    # Compatibility decomposition also undoes presentation forms (ﺟﻴﺶ → جيش, copied from PDFs) and
    # ligatures (ﻻ → لا); what it yields is folded like any other character.
    decomposed = unicodedata.normalize("NFKD", ch)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    if plain != ch and len(plain) >= 1:
        return "".join(_CHAR_MAP.get(c, c) for c in plain).lower()
    return plain.lower()


class Cache(dict):
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


_CHARS = Cache(_fold_char)


def _spelling(key: str) -> str:
    for a, b in _DIGRAPHS:
        if a in key:
            key = key.replace(a, b)
    key = _DOUBLES.sub(r"\1", key)
    if key.endswith("ah") and len(key) > 3:  # Nusrah = Nusra, Islamiyyah = Islamiya
        key = key[:-1]
    return key


def fold_word(word: str) -> str:
    """The matching key of one word (see the module docstring)."""
    if word.isascii():
        key = word.lower()
        if "'" in key or "`" in key:
            key = key.replace("'", "").replace("`", "")
        return _spelling(key)
    if ARABIC.search(word):
        return fold_arabic(word)[0]
    key = "".join(map(_CHARS.__getitem__, unicodedata.normalize("NFC", word)))
    return _spelling(key)


def fold_arabic(word: str) -> tuple[str, tuple[tuple[int, int], ...]]:
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


_WORDS = Cache(fold_word)


def _gap_key(gap: str) -> str:
    return "" if _SOFT_GAP.fullmatch(gap) else BREAK


_GAPS = Cache(_gap_key, limit=20_000)


class IndexedText(NamedTuple):
    """A text ready to scan: its tokens (gaps at even, words at odd indices), the key of each token,
    the joined key, and prefix sums of token lengths in the text (``offsets``) and in the key
    (``key_offsets``). ``article_of`` maps a word to the dropped article token just before it."""

    tokens: list[str]
    parts: list[str]
    key: str
    offsets: list[int]
    key_offsets: list[int]
    article_of: dict[int, int]


_APOSTROPHES_ONLY = re.compile(f"[{_APOS}]+")
POSSESSIVE_MARKS = frozenset("'\u2019\u2018`\u00b4")


def index_text(text: str) -> IndexedText:
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
    return IndexedText(tokens, parts, key, offsets, key_offsets, article_of)


def alias_keys(text: str) -> list[str]:
    """Every key under which an alias is matched: as written, with its words run together (text that
    writes "HayatTahrir" collapses letters across the join), with each article written into the word
    after it ("Fatah Alsham Front", "Aljabha Alshamiya"), and, for Arabic names starting with ال, after
    the preposition ل ("للدولة" is ل + الدولة)."""
    idx = index_text(text)
    if BREAK in idx.key:
        raise ValueError(f"alias {text!r} contains punctuation that cannot be part of a name")
    keys = [idx.key]
    words = [idx.tokens[j] for j in range(1, len(idx.tokens), 2) if idx.parts[j]]
    if len(words) > 1:
        keys.append(fold_word("".join(words)))
    if idx.article_of:
        parts = idx.parts[:]
        for word, article in idx.article_of.items():
            parts[word] = fold_word(idx.tokens[article] + idx.tokens[word])
        keys.append("".join(parts))
    first = next((j for j in range(1, len(idx.parts), 2) if idx.parts[j]), None)
    if first is not None and idx.parts[first].startswith("ال") and len(idx.parts[first]) > 3:
        parts = idx.parts[:]
        parts[first] = "ل" + parts[first][2:]
        keys.append("".join(parts))
    return [k for i, k in enumerate(keys) if k and k not in keys[:i]]


def capitals(text: str) -> tuple[bool, ...]:
    idx = index_text(text)
    return tuple(idx.tokens[j][:1].isupper() for j in range(1, len(idx.tokens), 2) if idx.parts[j])


_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")
_QUOTES_INSIDE = re.compile(f"\\w[^\\w]*[{_QUOTE_MARKS}][^\\w]*\\w")


def folding_notes(written: str) -> list[str]:
    """What folding did to ``written`` (a matched name) to reach its key: for ``scrapy groups --explain``."""
    notes = []
    if _PRESENTATION_FORMS.search(written):
        notes.append("Arabic presentation forms decomposed (NFKD)")
    if _QUOTES_INSIDE.search(written):
        notes.append("quote marks inside the name ignored")
    if any(unicodedata.combining(c) or c in _CHAR_MAP for c in unicodedata.normalize("NFD", written)
           if not c.isascii()):
        notes.append("letter variants, marks and transliteration signs unified")
    if _APOSTROPHES_ONLY.search(written):
        notes.append("apostrophes dropped")
    idx = index_text(written)
    if idx.article_of:
        notes.append("articles dropped")
    words = [idx.tokens[j] for j in range(1, len(idx.tokens), 2) if idx.parts[j]]
    if any(fold_word(w) != w.lower() for w in words if w.isascii()):
        notes.append("romanisation variants unified (ee=i, ou=u, ai=ay=ei, doubled letters, -ah)")
    if written != written.lower() and not ARABIC.search(written):
        notes.append("case ignored")
    return notes
