"""Armed-group name normaliser: every armed group an article names, each on one stable id.

The knowledge lives in data, not here: ``plugins/groups.yaml`` (validated against
``schemas/groups.schema.json``) lists each organisation with its id, display name, names over time and
aliases. This package compiles that registry once into an Aho-Corasick automaton and scans each text
once for every alias. Its modules follow its ideas: ``registry`` (reading and validating the file),
``folding`` (tokens and matching keys), ``matching`` (the automaton and the scan), ``context`` (the
rules that read the words around a name and the rest of the article) and ``hooks`` (the plugin).

How a text is matched
---------------------
1. The text is split into words and the gaps between them (one ``re.split``).
2. Every word is *folded* into a key (cached per distinct word): lower case, transliteration marks
   stripped (ḥ→h, š→sh), apostrophes of all kinds dropped, a few spelling equivalences (ee→i, oo→u,
   ou→u, ae→ai, ei→ai, ai→ay, word-final ah→a), doubled letters collapsed (Hayyaat→hayat,
   Jaish→jaysh, Jeish→jaysh); Arabic hamza/alef/ta marbuta/alef maqsura forms unified and diacritics
   dropped; Arabic presentation forms copied from PDFs (ﺟﻴﺶ) decomposed first (NFKD). Arabic-derived
   articles (al-, al , el-, a-, ash-, as-, an-, ad-, at-, az-, ar-, ...) are dropped entirely; an alias
   is also matched with its articles run into the next word ("Alsham").
3. Gaps of spaces (or hyphens), apostrophes and quote marks are dropped ("al-Qaeda" = "al Qaeda" =
   "AlQaeda", "al- Aqsa" with a stray space, فرقة "الحمزة"); any other gap (a newline, punctuation, a dash with spaces around
   it) becomes "|", which no alias key contains, so no name is ever matched across punctuation.
4. The keys are joined into one string and scanned once with the automaton. A hit counts only when it
   starts at the start of a word (or just after Arabic clitics و ف ب ل ك) and ends at the end of one;
   a prefix sum over token lengths maps it back to the original text, so ``text[start:end]`` of every
   mention is exactly what the article says.
5. Acronyms (HTS, IS, SDF ...) must equal the original text exactly, case included, or be run into a
   lower-case word ("ISILprisoners"); one of four letters or more also counts in title case ("Isis")
   in an article about Syria. Acronyms that are also ordinary words (IS, TIP) or have two letters do
   not count inside an all-capitals run of words ("WHY IS THIS"). English names and translations
   ("Islamic State", "Army of Conquest") must be capitalised as in the registry, so "an Islamic state"
   is not the group; a name may lose the capital of its head noun beside a distinctive word ("National
   front for Liberation", "al-Hamza division", not "an Islamic front"). An Arabic name that is also a
   word (``common_word``: النصرة, support) never counts after the preposition ل. "Tahrir and Ahrar
   al-Sham" («تحرير وأحرار الشام») names two groups sharing their last words.
6. Overlapping hits are resolved longest first, so "Jaysh Tahrir al-Sham" never also yields ``hts``.
   Entries under ``not_groups`` (descriptive phrases such as "al-Qaeda-linked") win the same way and
   then yield nothing.
7. Title and body are then settled together (``GroupMatcher._settle`` with the rules of ``context``),
   each match getting the rule that decided it (``scrapy groups --explain`` shows them): a group named
   in the possessive right before another ("al-Qaeda's al-Nusra Front") only describes it; a
   ``descriptive`` group's name inside a description ("close ties to al-Qaeda", "al-Qaeda's main
   affiliate in the province", «التابعة لتنظيم القاعدة») names nobody, unless the relation was cut
   ("broke ties with al-Qaeda") or its own leader is meant; a dated alias set off after another name
   ("Jabhat al-Nusra, al-Qaeda's branch in Syria") glosses it; an acronym whose letters spell a
   ``not_groups`` phrase (NFL: "National Football League") is dropped where the article spells it out
   that way, and otherwise needs an article about Syria (a Syrian group or place named) unless used as
   an armed group ("TIP fighters", "joined the FSA", "the SDF thwarted"); an elliptical form (``needs``:
   "the National Army", «الحمزات») counts only where the article names its group otherwise or is about
   Syria; a name shared with an organisation elsewhere is that organisation ("Army of Islam":
   army-of-islam-gaza) in an article that names its place and nothing Syrian.
"""

from __future__ import annotations

from plugins.groups.hooks import chain_opened, normalise_article
from plugins.groups.matching import GroupMatcher, find_groups
from plugins.groups.registry import (
    DEFAULT_REGISTRY,
    REGISTRY_SETTING,
    RegistryError,
    alias_conflicts,
    published_day,
    read_registry,
    validate_registry,
)

__all__ = [
    "DEFAULT_REGISTRY", "REGISTRY_SETTING", "GroupMatcher", "RegistryError", "alias_conflicts", "chain_opened",
    "find_groups", "normalise_article", "published_day", "read_registry", "validate_registry",
]
