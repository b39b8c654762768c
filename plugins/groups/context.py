"""Context rules: what the words around a name, and the rest of the article, say about it.

Each rule is a function the matcher calls after scanning; the ``scrapy groups --explain`` output names
the rule that decided each mention.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from plugins.groups.folding import ARABIC, Cache, alias_keys, fold_word

if TYPE_CHECKING:
    from plugins.groups.matching import Match

_CAPS_BEFORE = re.compile(r"([^\W\d_]{2,})[ \t\u00a0]+$")
_CAPS_AFTER = re.compile(r"[ \t\u00a0]+([^\W\d_]{2,})")

# The generic head noun of a name: the one word whose capital a long name may lose ("National front
# for Liberation") while its distinctive words keep theirs ("an Islamic state of Iraq" is no name).
_HEAD_NOUNS = frozenset(map(fold_word, """front army forces force movement brigade brigades battalion
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


def spelt_initials(phrase: str) -> frozenset[str]:
    """The acronyms a phrase spells: the first letters of its words (hyphenated parts are words), with
    and without its lower-case words ("Trafficking in Persons": TIP and TP)."""
    if ARABIC.search(phrase):
        return frozenset()
    words = [w for w in re.split(r"[\s\-\u2010\u2011]+", phrase) if w]
    if len(words) < 2:
        return frozenset()
    every = "".join(w[0] for w in words).upper()
    capitals = "".join(w[0] for w in words if w[0].isupper())
    return frozenset(x for x in (every, capitals) if len(x) >= 2)


def places_elsewhere(data: dict[str, Any]) -> dict[str, set[str]]:
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


_PLACE_PATTERNS = Cache(lambda place: re.compile(rf"\b{re.escape(place)}\b"), limit=1_000)


def drop_possessors(text: str, found: list[Match]) -> list[Match]:
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
