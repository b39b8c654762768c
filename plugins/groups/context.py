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
    r"Albu Kamal|Abu Kamal|Bukamal|Bokamal|Boukamal|Mayadin|Hajin|Baghuz|Tabqa|Yarmouk|Zabadani|Harasta|Jobar|Qusayr|Rastan)\b",
    re.IGNORECASE,
)
_SYRIA_AR = re.compile(
    "سوري|دمشق|حلب|إدلب|ادلب|حمص|حماة|اللاذقية|الرقة|دير الزور|الحسكة|القامشلي|درعا|عفرين|منبج|"
    "الغوطة|القلمون|جسر الشغور|معرة النعمان|سراقب"
)
# An acronym used as an armed group: "TIP fighters", "HTS-held".
_ARMED_NEXT = re.compile(
    r"(?:['\u2019]s)?[ \t\u00a0]+(?:fighters|militants|jihadists|rebels|gunmen|militias?|factions?|"
    r"commanders?|emirs?)\b|-(?:held|controlled)\b"
    # ... or as the subject of fighting: "The SDF also thwarted attacks".
    r"|[ \t\u00a0]+(?:also[ \t\u00a0]+)?(?:attacked|thwarted|repelled|captured|seized|shelled|clashed|stormed|"
    r"ambushed|recaptured|besieged|launched[ \t\u00a0]+an?[ \t\u00a0]+(?:attack|offensive|assault))\b",
    re.IGNORECASE,
)
# An acronym spelt out in brackets after its words, or its words in brackets after it.
_BRACKETED = re.compile(r"[ \t\u00a0]*\([ \t\u00a0]*([A-Za-z]{2,8})[ \t\u00a0]*\)")
_OPEN_BRACKET = re.compile(r"[ \t\u00a0]*\([ \t\u00a0]*")
# "al-Qaeda's al-Nusra Front": a possessive between two names.
_POSSESSIVE = re.compile(r"['\u2019\u2018`\u00b4][sS]?[ \t\u00a0]+")
_POSSESSIVE_MARKS = frozenset("'\u2019\u2018`\u00b4")
# An acronym or short form used as an armed group by the words before it: "joined the FSA".
_ARMED_BEFORE = re.compile(
    r"\b(?:joined|joining|join|defected\s+to|fighters\s+of|fighters\s+from|members\s+of|commanders?\s+of|"
    r"rebels\s+of|units\s+of)[ \t\u00a0]+(?:the[ \t\u00a0]+)?$",
    re.IGNORECASE,
)
# Phrases that name another organisation of the same name by its place ("Gaza's Army of Islam",
# "Gaza-based Army of Islam", "Army of Islam in Gaza", «جيش الإسلام في غزة»).
_ELSEWHERE = (
    re.compile(r"^(?P<place>[A-Z][^\W\d_]+)(?:['\u2019]s|-based)\s+(?P<name>.+)$"),
    re.compile(r"^(?P<name>.+?)\s+in\s+(?P<place>[A-Z][^\W\d_]+)$"),
    re.compile(r"^(?P<name>.+?)\s+في\s+(?P<place>\S+)$"),
)

# Descriptions that use a group's name for another group (only for groups marked `descriptive`):
# "close ties to al-Qaeda", "the Syrian branch of the al-Qaeda network", "al-Qaeda's main affiliate in the
# province", "an Iraqi al-Qaeda outfit", «جناح تنظيم القاعدة في سوريا», «التابع لـ"القاعدة"». A relation
# that was cut ("broke ties with al-Qaeda") names al-Qaeda itself.
_QUOTES = "\"'\u201c\u201d\u201e\u00ab\u00bb\u2018\u2019"
_DESCRIBED_BEFORE = re.compile(
    r"\b(?:(?:ties|links|connections|relations|affiliation|allegiance)\s+(?:to|with)|"
    r"(?:linked|affiliated|allied|aligned|loyal|tied|connected|close)\s+(?:to|with)|"
    r"(?:branch|branches|wing|arm|affiliate|affiliates|offshoot|offshoots|franchise|ally|allies|"
    r"splinter|outfit|proxy)\s+of)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_CUT_BEFORE = re.compile(r"\b(?:cut|cuts|cutting|broke|break|breaks|breaking|severed|sever|severing|ended|"
                         r"ending|renounced|renouncing|split|splitting|disavowed)\b[^.;]{0,40}$", re.IGNORECASE)
_DESCRIBED_AFTER = re.compile(
    # "al-Qaeda's main affiliate", "Al-Qaeda terrorist group's affiliate": the possessive may follow a generic noun
    r"(?:(?:\s+(?:terrorist|jihadist|militant|extremist|terror))?(?:\s+(?:group|network|organi[sz]ation))?"
    r"['\u2019]s\s+(?:[\w-]+\s+){0,3}?(?:affiliate|affiliates|branch|branches|franchise|offshoot|"
    r"offshoots|arm|wing|ally|allies|outfit|proxy|proxies)|\s+(?:outfit|outfits|affiliate|affiliates|"
    r"franchise|franchises|offshoot|offshoots|faction|factions|splinter|proxy|proxies|veteran|veterans)"
    # "an al Qaeda (AQ)-affiliated group", "an AQ-affiliate": the relation glued on, after its acronym too
    r"|[ \t\u00a0]*(?:\([ \t\u00a0]*[A-Za-z]{2,6}[ \t\u00a0]*\))?\)?-(?:affiliated|affiliate|linked|aligned|allied|"
    r"inspired|backed|tied|connected|associated))\b",
    re.IGNORECASE,
)
# What may stand between an Arabic relation word and the name: one word («المرتبطة اغلبها بتنظيم القاعدة»),
# quotes, a preposition or clitic, «تنظيم».
_AR_RELATION_TAIL = (
    f"(?:\\s+[^\\s{_QUOTES}]+)?"
    f"[\\s{_QUOTES}]*(?:من|على)?[\\s{_QUOTES}]*(?:ل|ب)?ـ?[\\s{_QUOTES}]*(?:تنظيم[\\s{_QUOTES}]*)?$"
)
_DESCRIBED_BEFORE_AR = re.compile(
    "(?:جناح|فرع|ذراع|التابع|التابعة|تابع|تابعة|المرتبط|المرتبطة|مرتبط|مرتبطة|ترتبط|يرتبط|الموالي|الموالية|موالي|"
    "موالية|المقرب|المقربة|مقرب|مقربة|المحسوب|المحسوبة|محسوب|محسوبة|المبايع|المبايعة|بولائه|بولائها|بولاءه|"
    # «التي كانت تنتمي لتنظيم القاعدة»: belonging, said of another group
    "تنتمي|ينتمي|المنتمية|المنتمي|منتمية|منتمي)" + _AR_RELATION_TAIL
)


# Only a relation to a group, for a group whose branches and members are itself (the Islamic State):
# "an Islamic State affiliate", "ISIS-linked", "affiliated with the Islamic State", «المبايع لتنظيم الدولة».
_RELATION_BEFORE = re.compile(
    r"\b(?:(?:ties|links|connections|relations|affiliation|allegiance)\s+(?:to|with)|"
    r"(?:linked|affiliated|allied|aligned|loyal|tied|connected|close)\s+(?:to|with)|"
    r"(?:affiliate|affiliates|ally|allies|proxy)\s+of)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_RELATION_LAST_WORDS = frozenset(("to", "with", "of", "the"))  # the words _RELATION_BEFORE ends with
_RELATION_AFTER = re.compile(
    r"(?:\s+(?:affiliate|affiliates)|[ \t\u00a0]*(?:\([ \t\u00a0]*[A-Za-z]{2,6}[ \t\u00a0]*\))?\)?-"
    r"(?:affiliated|affiliate|linked|aligned|allied|tied|connected|associated))\b",
    re.IGNORECASE,
)
_RELATION_BEFORE_AR = re.compile(
    "(?:المرتبط|المرتبطة|مرتبط|مرتبطة|ترتبط|يرتبط|الموالي|الموالية|موالي|موالية|المبايع|المبايعة|المقرب|المقربة|"
    "بولائه|بولائها)" + _AR_RELATION_TAIL
)


# The organisation itself, whatever precedes it: "loyal to al-Qaeda emir Ayman al-Zawahiri".
_ITS_OWN = re.compile(r"(?:['\u2019]s)?\s+(?:emir|leader|leaders|leadership|chief|head|founder|commander|"
                      r"spokesman|central|core|command)\b", re.IGNORECASE)


# "a former al-Qaeda commander", "ex-al-Qaeda fighters": a person's past, not the organisation acting.
_FORMER = re.compile(r"\b(?:former|ex)[ \t\u00a0-]+$", re.IGNORECASE)


def describes_another(text: str, start: int, end: int, relations_only: bool = False) -> bool:
    """True when the name at ``text[start:end]`` only describes another group or a person's past (see the
    patterns above); with ``relations_only``, only when a relation to it describes another group."""
    if relations_only:  # a common name (the Islamic State): cheap tests first
        if _RELATION_AFTER.match(text, end):
            return True
        before = text[max(0, start - 80) : start]
        if ARABIC.search(text, start, end):
            described = _RELATION_BEFORE_AR.search(before) is not None
        else:
            described = before.rstrip().rpartition(" ")[2].lower() in _RELATION_LAST_WORDS \
                and _RELATION_BEFORE.search(before) is not None and not _CUT_BEFORE.search(before)
        return described and not _ITS_OWN.match(text, end)
    before = text[max(0, start - 80) : start]
    if _FORMER.search(before):
        return True
    if _ITS_OWN.match(text, end):
        return False
    if _DESCRIBED_BEFORE.search(before) and not _CUT_BEFORE.search(before):
        return True
    if _DESCRIBED_AFTER.match(text, end):
        return True
    return bool(_DESCRIBED_BEFORE_AR.search(before))


# Between a name and a gloss of it: "Jabhat al-Nusra, al-Qaeda's branch in Syria", "X (al-Qaeda branch in
# Syria)", «جبهة النصرة، فرع تنظيم القاعدة في سوريا».
_APPOSITION = re.compile(r"[\"\u201d\u00bb\u2019]?[ \t\u00a0]*[,\u060c(\u2013\u2014-][ \t\u00a0]*(?:(?:a|an|the)[ \t\u00a0]+)?")


def glosses(text: str, before_end: int, start: int) -> bool:
    """True when the name starting at ``start`` is set off as a gloss of the name ending at ``before_end``."""
    found = _APPOSITION.match(text, before_end)
    return found is not None and found.end() == start


_SPACE = re.compile(r"[ \t\u00a0]+")


def entitles(text: str, end: int, next_start: int) -> bool:
    """True when the description ending at ``end`` is a title run into the name at ``next_start``, with
    only a space between: "formerly known as al-Qaeda's Syrian affiliate Jabhat al-Nusra"."""
    found = _SPACE.match(text, end)
    return found is not None and found.end() == next_start


# ... and in Arabic, after a collective noun of fighters: «فصيل الحمزة», «عناصر "الحمزات"», «مسلحي الحمزة».
_ARMED_BEFORE_AR = re.compile(
    f"(?:^|\\s)(?:فصيل|فصائل|ميليشيا|مليشيا|ميلشيا|عناصر|مسلحي|مقاتلي|مرتزقة)[\\s{_QUOTES}]*$"
)


def armed_use(text: str, start: int, end: int) -> bool:
    """An acronym or short form used as an armed group: "TIP fighters", "HTS-held", "joined the FSA",
    «فصيل الحمزة»."""
    return bool(_ARMED_NEXT.match(text, end) or _ARMED_BEFORE.search(text, max(0, start - 40), start)
                or _ARMED_BEFORE_AR.search(text, max(0, start - 20), start))


def shared_word_partner(tokens: list[str], parts: list[str], first: int) -> int | None:
    """In "Tahrir and Ahrar al-Sham" or «تحرير وأحرار الشام» two names share their last words: the token
    index of the word before the conjunction ("Tahrir") when the name starting at token ``first`` is
    preceded by one, else None. The matcher checks that the word and the shared words make a name."""
    word = tokens[first]
    if word[:1] == "و" and ARABIC.search(word):  # «وأحرار الشام»: the conjunction is attached
        gap = first - 1
        return first - 2 if gap > 0 and parts[gap] == "" and tokens[gap].strip() == "" else None
    if first >= 4 and tokens[first - 2].lower() in ("and", "&") and tokens[first - 1].strip() == "" \
            and tokens[first - 3].strip() == "":
        return first - 4
    return None


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


def restates(text: str, before_start: int, before_end: int, start: int, end: int) -> bool:
    """True when the acronym at ``text[start:end]`` is in brackets right after the name at
    ``text[before_start:before_end]`` and spells that name's last words: "Turkish-backed Free Syrian Army
    (FSA)" says the name again, whatever "FSA" alone would be."""
    bracket = _BRACKETED.match(text, before_end)
    if bracket is None or bracket.start(1) != start or bracket.end(1) != end:
        return False
    acronym = text[start:end].upper()
    words = [w for w in re.split(r"[\s\-\u2010\u2011]+", text[before_start:before_end]) if w]
    return len(words) > len(acronym) >= 2 and "".join(w[0] for w in words[-len(acronym):]).upper() == acronym


def places_elsewhere(data: dict[str, Any]) -> dict[str, set[tuple[str, str | None]]]:
    """Alias keys that another organisation of the same name has elsewhere, with its place and its id
    (None when not_groups names it): "Gaza's Army of Islam", an alias of army-of-islam-gaza, gives the
    key of "Army of Islam" the pair ("Gaza", "army-of-islam-gaza")."""
    phrases = [(None, p) for block in data.get("not_groups", []) for p in block["phrases"]]
    for group in data["groups"]:
        for items in group.get("aliases", {}).values():
            phrases += [(group["id"], item if isinstance(item, str) else item["text"]) for item in items]
    places: dict[str, set[tuple[str, str | None]]] = {}
    for gid, phrase in phrases:
        for pattern in _ELSEWHERE:
            found = pattern.match(phrase)
            if found:
                for key in alias_keys(found.group("name")):
                    places.setdefault(key, set()).add((found.group("place"), gid))
                break
    return places


_PLACE_PATTERNS = Cache(lambda place: re.compile(rf"\b{re.escape(place)}\b"), limit=1_000)
# Words of _SYRIA and _SYRIA_AR that name the country, not a place in it.
_COUNTRY_WORDS = frozenset(("syria", "syrian", "syrians", "levant", "assad", "euphrates", "سوري"))
_SYRIAN_PLACE = Cache(lambda place: place.casefold() not in _COUNTRY_WORDS
                      and bool(_SYRIA.fullmatch(place) or _SYRIA_AR.fullmatch(place)), limit=1_000)


def names_only_there(texts: tuple[str, ...], place: str) -> bool:
    """True when the Syrian places the texts name are ``place`` alone (the country aside): an article
    about the Qalamoun's "Jaysh al-Fatah" that names no place of the Idlib coalition."""
    if not _SYRIAN_PLACE[place] or not any(_PLACE_PATTERNS[place].search(t) for t in texts):
        return False
    own = place.casefold()
    return all(found.group(0).casefold() in (own, *_COUNTRY_WORDS)
               for t in texts for pattern in (_SYRIA, _SYRIA_AR) for found in pattern.finditer(t))


def possessors(text: str, found: list[Match]) -> set[int]:
    """Indices of the groups named in the possessive right before another group's name: "al-Qaeda's
    al-Nusra Front" and "al-Qaeda's Guardians of Religion" name Nusra and Hurras al-Din, and describe them."""
    dropped: set[int] = set()
    for i in range(len(found) - 1):
        m = found[i]
        # Only a group whose name also describes others (al-Qaeda): "the SNA's Third Legion" names both.
        if text[m.end : m.end + 1] in _POSSESSIVE_MARKS and m.alias.group is not None and m.alias.descriptive:
            after = found[i + 1]
            if after.alias.group is not None and after.alias.group != m.alias.group:
                possessive = _POSSESSIVE.match(text, m.end)
                if possessive and possessive.end() == after.start:
                    dropped.add(i)
    return dropped
