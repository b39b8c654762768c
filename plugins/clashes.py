"""Who fought whom: pairs of armed groups an article reports fighting each other, in ``record["clashes"]``.

Runs after the group normaliser (``trylast``), on the mentions it found. Within one sentence, each group
mention is replaced by a placeholder. A sentence with no fight word is passed over. Then a sentence rule
sorts the mentions into sides by the words between them (see ``clause_sides``): a clause with a fight word
and exactly two sides reports those two fighting, wherever the words stand. Where it finds nothing, the
sentence is matched against a few shapes of fight reporting:

- a fight noun before "between X and Y" ("clashes erupted between X, Y and Z"; Arabic "اشتباكات بين X وY");
- X, a fight verb, Y ("X attacked / stormed / besieged Y", "X launched an offensive against Y",
  "X declared war on Y", "X clashed with Y"; Arabic "X هاجمت Y", "X اشتبكت مع Y");
- X took something from Y ("X seized the town from Y"; Arabic "X سيطرت على ... من Y");
- X and Y, then a fight verb ("X and Y clashed", "X and Y fought each other");
- casualties, property and attacks of the other side ("X killed five fighters of Y", "X seized three Y
  checkpoints", "X repelled the Y attack", "two members of Y were captured by X").
- X's fight noun over or against Y ("X's victory over Y", "X's offensive against Y");
- an Arabic verbal noun of a fight with its agent, then لـ and its object ("طرد X لـ Y": X expelled Y).

Between a group and the words that tie it to the fight only filler is allowed (articles, "militants of",
"the positions of", "al-Qaeda-linked", quotes), so a sentence that names two groups and a fight with
someone else ("X attacked government forces near Y") gives no pair: where unsure, a pair is left out.
A parenthesis that only restates a group ("Jabhat Fateh al-Sham (formerly al-Nusra Front)") is ignored.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache
from itertools import accumulate, chain, combinations
from typing import Any, NamedTuple

from plugins.hookspecs import hookimpl

FIELDS = ("title", "body")

# A placeholder for the n-th group mention of a sentence; the brackets occur in no news text.
SLOT = "\u27e6{}\u27e7"
SLOT_RE = re.compile("\u27e6(\\d+)\u27e7")
G = "\u27e6\\d+\u27e7"

# Sentences end at . ! ? ؟ followed by space, or at a line break (paragraphs, headlines). The pattern
# starts with a character set so that re skips to the candidates quickly; the group makes ``re.split``
# keep the gaps, so that their lengths give the offsets.
SENTENCE_END = re.compile(r"([.!?؟]\s+|\n\s*)")
PARENTHESIS = re.compile(r"\s*\(([^()]*)\)")

# Words that may stand between a group's name and the words that tie it to a fight.
NOUN_FILLERS = (
    "the a an its their his her this that these those two three both all other another some several many "
    "rival rivals main key local various conglomerate so-called hardline allied opposing harakat ally allies former one-time erstwhile "
    "militants militant fighters fighter terrorists terrorist members member forces force units unit "
    "positions position posts post headquarters headquarter hq checkpoints checkpoint bases base "
    "strongholds stronghold ranks men elements gunmen convoy convoys "
    "group groups faction factions movement coalition alliance brigade brigades battalion battalions "
    "islamist islamists jihadist jihadists jihadi rebel rebels insurgent insurgents armed opposition "
    "takfiri takfiris extremist extremists terror organization organisation front militia militias"
).split()
PREPOSITION_FILLERS = ["of", "from", "belonging to", "for", "by", "under", "led by", "such as", "including", "like"]
NUMBERS = "one two three four five six seven eight nine ten dozen dozens scores".split()
# Arabic filler stems, with the prefixes و ف ب ل and the article ال they may carry.
FILLERS_AR = (
    "مسلحي مسلحى مسلحو مسلحين عناصر عنصر مقاتلي مقاتلى مقاتلو مقر مقرا مقرات مقار موقع مواقع نقاط نقطة "
    "تفتيش حواجز حاجز تابعة تابع تابعين فصيل فصائل حركة جماعة تنظيم ميليشيا مليشيا لـ تنظيمي فصيلي حركتي "
    "من ما يسمى سمي تسمى جهة أخرى ثانية قوات خلايا المعارضة التكفيرية التكفيري الإرهابية الارهابية الإرهابي "
    "الارهابي المتشددة المتطرف مناطق عدد بعض عشرات"
).split()
QUOTES = "\"'“”‘’«»–—-"
COMPOUND = (
    r"(?<![\w-])(?:\w+(?:-\w+)*-(?:linked|backed|affiliated|allied|led|held|based|aligned)"
    r"|\w+(?:-\w+)+\s(?:linked|backed|affiliated|aligned))(?![\w-])"  # also "Al-Qaeda linked"
)
ARABIC_FILLER = (
    r"(?<!\w)[وفبل]?(?:ال)?(?:" + "|".join(map(re.escape, FILLERS_AR)) + r")[\u064B-\u0652]*(?!\w)"
)


def words(vocabulary: list[str]) -> str:
    return r"(?<![\w-])(?:" + "|".join(map(re.escape, vocabulary)) + r")(?![\w-])"


# A clitic و ب ل ف written onto a group's name ("بجيش الإسلام": the mention starts after it).
CLITIC = "(?<!\\w)[وبلف](?=\u27e6|\\s|[\"“”«»])"
FILL_WORD = (
    rf"(?:{words(NOUN_FILLERS + PREPOSITION_FILLERS + NUMBERS)}|\d+|{COMPOUND}|{ARABIC_FILLER}|{CLITIC}"
    rf"|[{re.escape(QUOTES)}])"
)
NOUN_FILL_WORD = rf"(?:{words(NOUN_FILLERS)}|{COMPOUND}|{ARABIC_FILLER}|{CLITIC}|[{re.escape(QUOTES)}])"


def fill(most: int) -> str:
    """Up to ``most`` filler words (with the spaces around them)."""
    return rf"(?:\s*{FILL_WORD}){{0,{most}}}\s*"


# Filler with no Arabic "و" written onto it: between two sides, "و" would make them one list
# ("سيطرت X ومقاتلو Y على المدينة" is X and Y together).
FILL_WORD_NOT_AND = rf"(?!و)(?:{FILL_WORD})"


def fill_not_and(most: int) -> str:
    return rf"(?:\s*{FILL_WORD_NOT_AND}){{0,{most}}}\s*"


# A relative clause after a group ("X, which is backed by Turkey,") before the list goes on.
RELATIVE = r"(?:\s*[,،]?\s*(?:which|who|that|الذي|التي|الذين)\b[^\u27e6;:]{0,60}?)?"
# Arabic و is written onto the next word: the filler or the clitic after it takes it.
AND = r"(?:,\s*and|,|\band\b|&|/|\bas well as\b|(?<!\w)(?=و))"
# A list of groups: "X", "X and Y", "X, Y and the Z group".
LIST = rf"{G}(?:{fill(3)}{RELATIVE}\s*{AND}{fill(4)}{G})*"
PAIR_LIST = rf"{G}(?:{fill(3)}{RELATIVE}\s*{AND}{fill(4)}{G})+"

FIGHT_NOUNS = (
    r"clash(?:es)?|fighting|fights?|battles?|infighting|war(?!\s+of\s+words)|confrontations?|skirmish(?:es)?"
    r"|firefights?|hostilities|exchanges?\s+of\s+fire|combat|gunfights?"
)
# Relations that are not fighting: a fight noun further back does not reach past them to "بين".
NOT_FIGHTS_AR = r"[وفبل]?(?:ال)?(?:خلاف|خلافات|انشقاق|انشقاقات|توتر|توترا|اتفاق|هدنة|تحالف|اندماج|مفاوضات|صراع)"
FIGHT_NOUNS_AR = r"(?:ال)?(?:[اإ]شت?باكات|[اإ]شت?باك|معارك|معركة|اقتتال|مواجهات|مواجهة|قتال)"
# Verbs whose object is the other side: "X attacked Y".
DIRECT_VERBS = (
    r"attack(?:ed|s|ing)?|stormed|storms|storming|raided|raids|ambushed|besieged|besieging|shelled|shelling"
    r"|overran|overrun|overwhelmed|routed|defeated|expelled|expel(?:s|ling)?|ousted|pushed\s+back|drove\s+out"
    r"|(?:launch(?:ed|es|ing)?|start(?:ed|s)?|began|begins)\s+(?:an?\s+|the\s+)?(?:battle|war|fight)\s+"
    r"(?:against|to\s+eliminate)"
    r"|fought|fights|fighting|battled|battling|assaulted|targeted|targeting|encircled|surrounded"
    r"|(?:launch(?:ed|es|ing)?|wag(?:ed|ing)|mounted|started|began|carr(?:y|ies|ied)\s+out|expand(?:ed|s)"
    r"|intensif(?:ied|ies|ying)|stepped\s+up|continu(?:ed|es)|conduct(?:ed|s|ing)|claim(?:ed|s))\s+"
    r"(?:an?\s+|its\s+|their\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:offensives?|attacks?|assaults?|campaigns?|war|operations?)\s+(?:against|on)"
    r"|declared\s+war\s+(?:on|against)|turned\s+(?:its|their)\s+guns\s+on|opened\s+fire\s+on"
    r"|(?:clash(?:ed|es|ing)?|fought|fighting|battled|battling|at\s+war|exchanged\s+fire)\s+(?:with|against)"
    r"|(?:engag(?:ed|ing)|involved)\s+in\s+(?:[\w-]+\s+){0,2}?(?:clashes|fighting|battles|infighting)\s+"
    r"(?:with|against)"
)
# Fight nouns followed by "with Y" after a subject X further back ("X took the town after clashes with Y").
FIGHT_WITH = r"clash(?:es)?|battles?|confrontations?|skirmish(?:es)?|fighting(?=\s+against)|war(?=\s+(?:on|against))"
# Verbs of taking, whose other side follows "from": "X seized the town from Y".
TAKING_VERBS = (
    r"seized|seizes|seizing|captured|captures|capturing|took(?:\s+control\s+of|\s+over)?|wrested|wrests"
    r"|retook|recaptured|regained|snatched|grabbed"
)
# "X and Y clashed": the list is the subject, both sides at once.
MUTUAL_VERBS = (
    r"clash(?:ed|es)?|fought(?:\s+(?:each\s+other|one\s+another))?|battled"
    r"|(?:exchanged|traded)\s+(?:[\w-]+\s+){0,3}?(?:fire|gunfire|shelling)"
    r"|(?:are|were|have\s+been)\s+(?:fighting|clashing)|engaged\s+in\s+(?:[\w-]+\s+){0,2}?(?:clashes|fighting)"
    r"|into\s+(?:[\w-]+\s+)?(?:fighting|clashes|infighting|war)"
)
# Arabic verbs whose object is the other side; they may also come first, before their subject.
VERBS_AR = r"هاجم|هاجمت|هاجموا|اقتحم|اقتحمت|اقتحموا|استهدف|استهدفت|استهدفوا|حاصر|حاصرت|حاصروا|طرد|طردت|طردوا"
DIRECT_VERBS_AR = (
    VERBS_AR + r"|(?:شن|شنت|شنوا)\s+(?:\S+\s+){0,3}?(?:على|ضد)|اشتبك(?:ت|وا)?\s+(?:\S+\s+){0,2}?مع|أعلنت\s+الحرب\s+على"
    r"|أعلن\s+الحرب\s+على|[أا]علن(?:ت|وا)?\s+(?:ال)?حرب(?:\s+\S+)?\s+على|(?:تدور|دارت|اندلعت)\s+(?:\S+\s+){0,2}?مع"
)
TAKING_VERBS_AR = r"سيطر|سيطرت|سيطروا|استولت|استولى|استولوا|انتزعت|انتزع|انتزعوا"
# An apposition between the subject and its verb: "X, the largest faction in the area, attacked Y".
APPOSITION = r"(?:\s*[,—–]\s*(?:the|an?|one\s+of)\s[^\u27e6;:,—–]{1,80}[,—–])?"
# Between the subject and its verb: auxiliaries, adverbs and the like ("X have reportedly launched").
SUBJECT_GAP = (
    r"(?:\s*(?:" + NOUN_FILL_WORD + r"|has|have|had|was|were|is|are|also|reportedly|again|then|later|once|"
    r"allegedly|recently|now|jointly|together|quickly|suddenly|apparently"
    r"|قد|كما|أيضا|مجددا|سابقا))*\s*"
)
# Words that never stand inside a phrase naming the other side: a fight with the army, or in a place.
NOT_OBJECT = (
    "in on at near with after before while and or but as to into towards than during since when where "
    "alongside beside among within inside for "
    "government regime army troops soldiers police civilians people residents"
).split()
# After a fight verb, also one free adjective ("attacked another zionist terrorist group X").
OBJECT_FILL = rf"{fill(6)}(?:(?!(?:{'|'.join(NOT_OBJECT)})\b)[a-z]+{fill(3)})?"
# Any text up to the next group, but not into another clause ("X ..., but the fight against Y ...").
# Nor into an intention ("X announced they would take part in fighting against Y").
SAME_CLAUSE = (
    r"(?:(?!\b(?:but|while|whereas|although|though|if|whether|unless|would|will|could|may|might|plans?|planned"
    r"|threat(?:en|ens|ened)|vow(?:s|ed)?|intend(?:s|ed)?)\b)[^\u27e6;:])"
)
QUOTED = rf"[\s{re.escape(QUOTES)}]"

NOUN_BEFORE_BETWEEN = rf"\b(?:{FIGHT_NOUNS})\b(?:[\s,{re.escape(QUOTES)}]+[\w-]+){{0,4}}?{QUOTED}+between{fill(5)}"
PROPERTY = (
    r"(?:security\s+)?(?:checkpoints?|positions?|posts?|bases?|headquarters|strongholds?|villages?|towns?|hills?)"
)
PERSONNEL = r"(?:fighters|members|militants|commanders|leaders|gunmen|men|terrorists|elements)"
PASSIVE = r"captured|killed|attacked|targeted|expelled|ambushed|besieged|routed|defeated|driven\s+out|pushed\s+back"
MUTUAL_END = (
    r"(?=\s*(?:[.,;:!?]|$|(?:in|near|on|at|over|for|across|around|after|since|during|early|late|last|this|again"
    r"|once|overnight|yesterday|today|each|one)\b))"
)

# Each shape: a cheap test for its key words (most sentences that name two groups report no fight, and
# are passed over without trying the full pattern), the pattern, and how its groups pair up.
SHAPES: tuple[tuple[str, str, str], ...] = (
    # "clashes erupted between X and Y", "fighting between two rebel groups – X and Y"; but "between X
    # and Y with Z" puts X and Y on one side
    (r"\bbetween\b",
     rf"{NOUN_BEFORE_BETWEEN}(?P<a>{PAIR_LIST}){fill(3)}(?:with|against){fill(4)}(?P<b>{LIST})", "sides"),
    (r"\bbetween\b",
     rf"{NOUN_BEFORE_BETWEEN}(?P<both>{PAIR_LIST})(?!{fill(3)}(?:with|against)\b)", "list"),
    # "clashes took place between the rebel factions and X (al-Qaeda in Levant) against Y": the last name
    # before "against" or "versus" is one side
    (r"\bbetween\b.*\b(?:against|versus|vs)\b",
     rf"\b(?:{FIGHT_NOUNS})\b[^\u27e6;:]{{0,40}}?\bbetween\b[^\u27e6;:]{{0,60}}?(?P<a>{G})(?:\s*\([^()]*\))?{fill(3)}"
     rf"(?:against|versus|vs\.?){fill(4)}(?P<b>{LIST})", "sides"),
    ("بين",
     rf"{FIGHT_NOUNS_AR}(?:[\s،]+(?!{NOT_FIGHTS_AR})[^\s\u27e6]+){{0,7}}?[\s،]+بين{fill(4)}(?P<both>{PAIR_LIST})",
     "list"),
    ("مع",
     rf"(?P<a>{LIST})[^\u27e6;:.]{{0,100}}?{FIGHT_NOUNS_AR}(?:\s+\S+)?\s+مع{fill(4)}(?P<b>{LIST})", "sides"),
    # "tensions between X and Y, which led to armed conflict"
    (r"\bbetween\b[^\u27e6]*\u27e6[^;:]*\b(?:led|turned|escalated|erupted)\b",
     rf"\bbetween{fill(5)}(?P<both>{PAIR_LIST})[^\u27e6;:]{{0,40}}?\b(?:led\s+to|turned\s+into|escalated\s+into"
     rf"|erupted\s+into)\s+(?:[\w-]+\s+){{0,2}}?(?:{FIGHT_NOUNS}|conflict)\b", "list"),
    # "X and Y clashed"
    # ... and not "X and Y fought the army": nothing but a place, a time or the end may follow.
    (rf"\b(?:{MUTUAL_VERBS})\b",
     rf"(?P<both>{PAIR_LIST}){SUBJECT_GAP}\b(?:{MUTUAL_VERBS})\b{MUTUAL_END}", "list"),
    # "X attacked Y", "X clashed with Y", "X, the largest faction, attacked Y"
    (rf"\b(?:{DIRECT_VERBS})\b",
     rf"(?P<a>{LIST}){RELATIVE}{APPOSITION}{SUBJECT_GAP}\b(?:{DIRECT_VERBS})\b{OBJECT_FILL}(?P<b>{LIST})", "sides"),
    # "X's victory over Y", "X's offensive against Y", "X's capture of Y positions"
    (r"['’]s?\s",
     rf"(?P<a>{G})['’]s?\s+(?:[\w-]+\s+){{0,2}}?(?:victory\s+over|(?:offensive|attacks?|assault|campaign|war|raid)"
     rf"\s+(?:against|on)|capture\s+of|defeat\s+of|takeover\s+of|expulsion\s+of){OBJECT_FILL}(?P<b>{LIST})",
     "sides"),
    (DIRECT_VERBS_AR,
     rf"(?P<a>{LIST}){SUBJECT_GAP}(?:{DIRECT_VERBS_AR}){fill(7)}(?P<b>{LIST})", "sides"),
    # "X seized three Y checkpoints", "X killed five fighters of Y", "X killed ten Y fighters"
    (rf"\b(?:{TAKING_VERBS}|seized|took|stormed|raided|advanced|advancing)\b",
     rf"(?P<a>{LIST}){RELATIVE}{SUBJECT_GAP}\b(?:{TAKING_VERBS}|seized\s+control\s+of|took\s+over|stormed|raided"
     rf"|advanc(?:ed|ing)\s+on)"
     rf"{fill(4)}(?P<b>{G}){fill(1)}{PROPERTY}\b", "sides"),
    (r"\b(?:killed|captured|wounded|injured)\b",
     rf"(?P<a>{LIST}){RELATIVE}{SUBJECT_GAP}\b(?:killed|captured|wounded|injured)(?:\s+or\s+\w+)?{fill(2)}"
     rf"(?:{PERSONNEL}\s+of{fill(2)}(?P<b>{LIST})|(?P<b2>{G}){fill(1)}{PERSONNEL}\b)", "sides"),
    # "X repelled the Y attack", "X pushed Y back"
    (r"\b(?:repelled|repulsed|thwarted|foiled|fended)\b",
     rf"(?P<a>{LIST}){RELATIVE}{SUBJECT_GAP}\b(?:repelled|repulsed|thwarted|foiled|fended\s+off)"
     rf"{fill(3)}(?:an?\s+)?(?P<b>{G}){fill(1)}(?:attack|assault|offensive|advance)s?\b", "sides"),
    (r"\b(?:pushed|drove|forced|kicked)\b",
     rf"(?P<a>{LIST}){RELATIVE}{SUBJECT_GAP}\b(?:pushed|drove|forced|kicked)\s+(?P<b>{LIST}){fill(3)}(?:back|out)\b",
     "sides"),
    # "two members of Y were captured by X"
    (r"\bby\b",
     rf"(?P<b>{LIST}){SUBJECT_GAP}\b(?:was|were|been|being)\s+(?:also\s+|reportedly\s+)?(?:{PASSIVE})\s+by"
     rf"{fill(3)}(?P<a>{LIST})", "sides"),
    # "X claimed that its fighters repelled Y ...": "its fighters" are X
    (r"\b(?:said|says|claimed|claims|announced)\b",
     rf"(?P<a>{G})\s+(?:said|says|claimed|claims|announced)\s+(?:that\s+)?(?:its|their)\s+(?:fighters|forces|members)"
     rf"\s+(?:{DIRECT_VERBS}|repelled|repulsed|thwarted)\b{OBJECT_FILL}(?P<b>{G})", "sides"),
    # "X said that Y stormed two of its headquarters": its, their = X's
    (r"\b(?:said|says|claimed|claims)\b",
     rf"(?P<a>{G})\s+(?:said|says|claimed|claims)\s+(?:that\s+)?(?P<b>{G}){SUBJECT_GAP}\b(?:{DIRECT_VERBS})\b"
     r"(?:\s+[\w-]+){0,3}?\s+(?:its|their)\s+(?:headquarters|positions|bases|checkpoints|fighters|members)\b",
     "sides"),
    # "the fighting involves X, led by ..., against Y"
    (r"\b(?:involves|involved|pits|pitted)\b",
     rf"\b(?:{FIGHT_NOUNS})\s+(?:involves|involved|pits|pitted){fill(3)}(?P<a>{G})[^\u27e6;:]{{0,60}}?"
     rf"\bagainst{OBJECT_FILL}(?P<b>{LIST})", "sides"),
    # The verbal noun of a fight, its agent, then لـ and its object: "طرد X لـ Y"
    ("طرد|هجوم|مهاجمة|استهداف|اقتحام|قصف|حصار|محاصرة|قتال|مقاتلة",
     rf"(?<!\w)[وبل]?(?:ال)?(?:طرد|هجوم|مهاجمة|استهداف|اقتحام|قصف|حصار|محاصرة|قتال|مقاتلة)\s*[\"“”«»]?\s*(?P<a>{G})"
     rf"\s*[\"“”«»]?\s*لـ?\s*[\"“”«»]?\s*(?P<b>{LIST})", "sides"),
    # Arabic verb first, the attack after the subject: "شن مقاتلو X هجوما على Y"
    ("شن|صد",
     rf"(?<!\w)(?:شن|شنت|شنوا|صد|صدت|صدوا){fill(3)}(?P<a>{G}){fill(3)}(?:\S+\s+)?(?:هجوما|هجوماً|هجمات|هجوم)"
     rf"(?:\s+(?:على|ضد))?"
     rf"{fill(4)}(?P<b>{LIST})", "sides"),
    # Arabic verb first: "هاجمت X مواقع Y"
    (rf"{DIRECT_VERBS_AR}|{TAKING_VERBS_AR}",
     rf"(?:{VERBS_AR}|{TAKING_VERBS_AR}){fill(2)}(?P<a>{G}){fill_not_and(4)}(?:على|مع|من)?{fill_not_and(4)}"
     rf"(?P<b>{LIST})",
     "sides"),
    # "X took control of the town after clashes with Y" ("fighting with" may mean alongside: not taken)
    (rf"\b(?:{FIGHT_WITH})\s+(?:with|against)\b",
     rf"(?P<a>{LIST}){SAME_CLAUSE}{{0,100}}?\b(?:{FIGHT_WITH})\s+(?:with|against){fill(4)}(?P<b>{LIST})", "sides"),
    # Arabic: "X أعلنت بدء معركة ضد Y"
    ("ضد|على",
     rf"(?P<a>{LIST})[^\u27e6;:،]{{0,60}}?(?:{FIGHT_NOUNS_AR}|هجوما|هجوم|هجمات|حربا|(?:ال)?حرب\S*(?:\s+ال\S+)?)\S*\s+(?:ضد|على)"
     rf"{fill(4)}(?P<b>{LIST})", "sides"),
    # Arabic verb first: "استولت X على عدة مدن من Y"
    (TAKING_VERBS_AR,
     rf"(?:{TAKING_VERBS_AR}){fill(2)}(?P<a>{G})[^\u27e6;:،]{{0,30}}?على(?:[^\u27e6;:]{{0,60}}?\sمن)?{fill(4)}"
     rf"(?P<b>{LIST})", "sides"),
    # "X seized the town from Y", "X stormed and captured checkpoints from Y"
    (r"\bfrom\b",
     rf"(?P<a>{LIST}){RELATIVE}{SUBJECT_GAP}(?:\w+\s+and\s+)?\b(?:{TAKING_VERBS})\b[^\u27e6;:]{{0,80}}?\bfrom"
     rf"{fill(4)}(?P<b>{LIST})", "sides"),
    (TAKING_VERBS_AR,
     rf"(?P<a>{LIST}){SUBJECT_GAP}(?:{TAKING_VERBS_AR})[^\u27e6;:]{{0,60}}?\s(?:من|لـ?){fill(4)}(?P<b>{LIST})",
     "sides"),
)


@cache
def compiled(index: int) -> tuple[re.Pattern[str], re.Pattern[str], str]:
    """One shape compiled, once per process and only when a sentence has its key words: the patterns are
    long (every filler list is spelled out), and compiling all of them takes over a second."""
    trigger, pattern, kind = SHAPES[index]
    return re.compile(trigger, re.IGNORECASE), re.compile(pattern, re.IGNORECASE), kind


@cache
def triggers() -> tuple[re.Pattern[str], ...]:
    """The shapes' key words, matched against the lowercased sentence: without IGNORECASE, re finds the
    literals of an alternation several times faster."""
    return tuple(re.compile(trigger) for trigger, _, _ in SHAPES)


# The sentence rule, for what no shape covers (fights told across clauses, with pronouns, in the passive,
# "X-Y clashes"): a sentence with a fight word whose group mentions fall into exactly two sides reports
# those sides fighting each other. Names stand on one side when only "and" or a comma joins them ("X and Y
# attacked Z"), unless "between" comes before them or a mutual verb after ("clashes between X and Y", "X
# and Y clashed"); a name joined to the one before by a word of belonging ("X, affiliated to Y", "X التابع
# لـ Y") is the same side and not a side of its own. Sentences of agreements, demands or denials, intentions
# told before the fight, and fights with state forces are left to the shapes.
# The sentence-wide tests (FIGHT_WORDS to THIRD_PARTY) are written in lower case and matched against the
# lowercased sentence: without IGNORECASE, re finds the literals of a long alternation several times faster.
FIGHT_WORDS_EN = (
    r"\b(?:clash\w*|fight(?!ers?\b)\w*|fought|battl(?!ions?\b)\w*|attack\w*|assault\w*|offensives?|storm\w*"
    r"|raid\w*|seiz\w*|captur\w*|overr[au]n\w*|expel\w*|drove|driv\w*|kill(?:s|ed|ing)?|surround\w*|encircl\w*"
    r"|surrender\w*|ambush\w*|besieg\w*|sieged?|war|hostilities"
    r"|firefights?|skirmish\w*|infighting|repel\w*|repuls\w*|thwart\w*|took\s+control|recaptur\w*|retook"
    r"|pitt\w*|wrest\w*|confrontations?|combat\w*|routed|defeat\w*|overwhelm\w*|shell\w*|target\w*|occup\w*"
    r"|advanc\w*\s+on|push\w*|took\s+(?:full\s+|complete\s+)?control|slaughter\w*|behead\w*|execut\w*"
    r"|shot|shoot\w*|gunned\s+down|open\w*\s+fire|inflict\w*|march\w*\s+(?:on|against)"
    r"|(?:artillery|fire|gunfire|rocket|mortar)\s+exchanges?"
    r"|(?:exchang\w*|trad(?:ed|ing))\s+(?:of\s+)?(?:[\w-]+\s+){0,3}?(?:fire|gunfire|shelling)"
    r"|each\s+others?['’]?\s+throats"
    r"|(?:campaigns?|operations?|drive|crackdown)\s+(?:against|on)"
    r"|conflict)\b"  # "conflict" for the shape "tensions ... led to conflict" only
)
FIGHT_WORDS_AR = (
    r"[اإ]شتباك|[اإ]شتبك|اشباك|معارك|معركة|اقتتال|قتال|تقاتل|(?<!س[يتن])قاتل|مواجه|هجوم|هجما|هاجم|اقتحم"
    r"|سيطر|طرد|استهدف|قتل|حاصر"
    r"|(?<!\w)[وف]?(?:ب|ل)?(?:است|يست|تست)هدا?ف|ستولي|[إأا]طلاق\s+(?:ال)?(?:نار|رصاص)"
    r"|(?:عملي(?:ة|ات|تين)|حمل(?:ة|ات)|هجم(?:ة|ات))\S*\s+(?:\S+\s+){0,3}?ضد"
    r"|حصار|تبادل\w*\s+(?:\S+\s+){0,3}?(?:[إا]طلاق\s+النار|القصف)|(?<!\w)[وف]?(?:صد|تصد)|(?<!\w)[وف]?شن"
    r"|استولى|استولت|انتزع|دحر|غنم|قصف|مفخخ|اكتسح|داهم|أسرت|أسروا"
    r"|هزيم|هزم"
    r"|[أا]علن\S*\s+(?:ال)?حرب|(?<!\w)(?:ال)?حرب\S*\s+(?:\S+\s+)?(?:ضد|على)"
)
NOT_A_FIGHT_EN = (
    r"\b(?:merger|merged?|agreement|agreed|truce|ceasefire|mediat\w*|reconcil\w*|talks|negotiat\w*"
    r"|den(?:y|ied|ies)|demand\w*|urg\w*|defect\w*|building\s+up|looming|brewing|imminent|pretext"
    r"|call(?:ed|ing|s)?\s+on|appeal\w*|interven\w*|(?:end|stop|halt)\s+(?:the\s+)?(?:fighting|clashes)"
    r"|under\s+the\s+(?:command|banner|leadership)\s+of"
    r"|(?:scathing|verbal|rhetorical|media|stinging|blistering)\s+attacks?)\b"
)
NOT_A_FIGHT_AR = r"اتفاق|هدنة|وساطة|اندماج|تنفي|نفت|طالب|انشق|(?<!\w)[وفبل]?وقف(?!\w)|تحت\s+(?:إمرة|امرة|راية)"
FIGHT_WORDS = re.compile(f"{FIGHT_WORDS_EN}|{FIGHT_WORDS_AR}")
NOT_A_FIGHT = re.compile(f"{NOT_A_FIGHT_EN}|{NOT_A_FIGHT_AR}")
# A sentence with no Arabic letter is read with the English words alone: re tries every alternative of a
# pattern at every position, and the Arabic ones would double the cost of the most common sentences.
ARABIC_LETTER = re.compile("[\u0600-\u06ff]")


class Words(NamedTuple):
    """The sentence-wide word lists to read one sentence with."""

    fight: re.Pattern[str]
    no_fight: re.Pattern[str]
    state_or_together: re.Pattern[str]
    arabic: bool


def words_for(text: str) -> Words:
    """The word lists for ``text``: their English parts alone when it holds no Arabic letter."""
    return WORDS_AR if ARABIC_LETTER.search(text) else WORDS_EN

# An intention before the fight word makes it no reported fight ("X will likely launch an attack on Y");
# after it, it is only the story going on ("X attacked Y, which could ...").
INTENTION = re.compile(
    r"\b(?:would|could|might|will|likely|threat\w*|plan\w*|prevent\w*|avoid\w*|if|whether|close\s+to"
    r"|about\s+to|prepar\w*)\b"
    r"|تعهد|توعد|هدد|يهدد|تهدد|يعتزم|تعتزم|ينوي|تنوي|يستعد|تستعد"
)
# Only "and", a comma or filler between two names: one list ("X and Y", "X, Y و Z").
TOGETHER = re.compile(
    rf"(?:\s*(?:,|،|&|/|\band\b|\bnor\b|\bor\b|\bto\b|(?<!\w)و(?=\s|$|[{re.escape(QUOTES)}])|{FILL_WORD}))*\s*",
    re.IGNORECASE,
)
# Words that tie a name to the one before as its part or backer.
BELONGING = re.compile(
    r"\b(?:alongside|along\s+with|together\s+with|supported\s+by|backed\s+by|allied|allies|ally|helped"
    r"|includ\w*|consist\w*|compris\w*|made\s+up|part\s+of|component|members?\s+of|affiliat\w*|belong\w*"
    r"|led\s+by|joined|merg\w*|allegiance|formerly|previously|known\s+as|branch|wing|franchise|umbrella|both)\b"
    r"|\b(?:groups?|factions?|division|brigade|battalion|legion|corps|gathering|wing)\s+of\b|\bone\s+(?:of\s+)?the\b"
    r"|^\s*of\s+(?:the\s+)?[\"“”«»]?\s*$"
    r"|التابع|التابعة|المنضوي|ضمن|بمساندة|بدعم|بما\s+فيها|المقرب|سابقا|يتبع|تتزعم|يتزعم|تتألف|تضم|يضم"
    r"|انتما[ءئ]|ينتمي|تنتمي|المنخرط|تحت\s+قيادة",
    re.IGNORECASE,
)
# Named as one of the factions of the next name, however far back its own name stands ("أحرار الشرقية،
# القادمين من دير الزور، من أبرز كتائب الجيش الحر"): the next name is no side of its own.
PART_OF_NEXT = re.compile(
    r"(?:أكبر|اكبر|أبرز|ابرز|أحد|احد|إحدى|احدى)\s+(?:فصائل|كتائب|مكونات)\s*[\"“”«»]?\s*$"
    r"|\bone\s+of\s+the\s+(?:[\w-]+\s+){0,2}?(?:factions|groups|brigades|components)\s+of\s+(?:the\s+)?[\"“”«»]?\s*$",
    re.IGNORECASE,
)
# A group named as a speaker's ("الناطق باسم X", "المسؤول الإعلامي لـ X"): the one telling, no side.
SPEAKER_OF = re.compile(
    r"(?:(?:الناطق|المتحدث)\s+(?:الرسمي\s+)?باسم|(?:المسؤول|المكتب)\s+الإعلامي\s*(?:في|ل)?)\s*[\"“”«»]?\s*$"
)
# "هاجمت X مواقع Y", "X positions Y": the property of the one is the target of the other, not a list.
PROPERTY_BETWEEN = re.compile(
    r"\b(?:positions?|headquarters|bases?|checkpoints?|posts?)\b"
    r"|(?<!\w)[وفبل]?(?:ال)?(?:مواقع|موقع|مقرات|مقر|مقار|نقاط|حواجز|مناطق)"
    r"(?!\w)"
)
# "X's Y": Y is the part of X that fights ("ISIS attacked the FSA's Sultan Murad Brigade"), one side with X.
POSSESSIVE = re.compile(r"['’]s?\s*[\"“”«»]?\s*")
# A fronted phrase ends at its comma: "After battles with X, Y advanced" names two sides, not a list.
FRONTED = re.compile(
    r"(?:^\W*|[–—:]\s*)(?:after|following|subsequent\s+to|amid|during)\b[^\u27e6,]*$", re.IGNORECASE
)
# "between", "pitting" or a verb-first "تبادلت" (exchanged fire) before a list: its names are opposed.
APART_BEFORE = re.compile(r"(?:\bbetween\b|\bpitt\w*|بين)[^\u27e6]{0,80}$|تبادل\w*[^\u27e6]{0,10}$", re.IGNORECASE)
# "between X and Y" after a word that is no fight ("tensions between X and Y"): unsure, left out.
FIGHT_BETWEEN = re.compile(
    rf"(?:\b(?:{FIGHT_NOUNS}|shelling)|{FIGHT_NOUNS_AR}|(?:ال)?قصف|\bpitt\w*)(?:[\s,،\"“”«»]+[^\s\u27e6]+){{0,3}}?"
    r"[\s,،\"“”«»]*(?:between|بين)?[^\u27e6]{0,80}$|\bpitt\w*[^\u27e6]{0,80}$|تبادل\w*[^\u27e6]{0,10}$",
    re.IGNORECASE,
)
# "clashes between X and Y with Z": X and Y on one side, which the shapes read.
BETWEEN_WITH = re.compile(
    r"(?:between|بين)[^\u27e6]{0,40}\u27e6\d+\u27e7[^\u27e6]+\u27e6.*\u27e7\s*(?:\S+\s+){0,3}?"
    r"(?<!affiliated )(?<!associated )(?<!allied )(?<!aligned )(?<!linked )(?:with|against|مع|ضد)\s"
)
# The verbal noun of a fight with its agent, then لـ and its object: "طرد X لـ Y" is X expelling Y.
MASDAR = re.compile(
    r"(?<!\w)[وبل]?(?:ال)?(?:طرد|هجوم|مهاجمة|استهداف|اقتحام|قصف|حصار|محاصرة|قتال|مقاتلة)\s*[\"“”«»]?\s*$"
)
MASDAR_AGENT = re.compile(r"\s*[\"“”«»]?\s*لـ?\s*[\"“”«»]?\s*")
# "X entered the fight in support of Y against Z": Y is on the side of the clause's first name.
SUPPORTING = re.compile(
    r"(?:\bin\s+support\s+of|\bto\s+support|(?<!\w)(?:دعم[اًا]*|مساندة|لمساندة|لدعم)\s+(?:لـ?)?)"
    r"(?:\s*(?:the\s+)?)[\"“”«»]?\s*$",
    re.IGNORECASE,
)
# "forces allied to X": not X itself.
ALLIED_TO = re.compile(
    r"\b(?:allied|loyal|close|friendly)\s+(?:to|with)\s*[\"“”«»]?\s*$|الموالية?\s+ل[ـ]?\s*[\"“”«»]?\s*$", re.IGNORECASE
)
# Losses of a list right after a fight with no one else named: "traded fire, leaving six X and three Y
# members dead" are two sides.
LOSSES_OF_BOTH = re.compile(
    r"\b(?:clash\w*|fighting|battles?|infighting|(?:traded|exchanged)\s[^\u27e6]{0,40}?fire)\b[^\u27e6]{0,60}?"
    r"\b(?:leaving|left|killing|killed)\b[^\u27e6]{0,30}$",
    re.IGNORECASE,
)
APART_AFTER = re.compile(
    r"^[^\u27e6]{0,40}?(?:\b(?:clash(?:ed|ing)|fought|fighting|battl(?:ed|ing)|each\s+other|one\s+another|at\s+war"
    r"|(?:exchang\w*|trad(?:ed|ing))\s+(?:[\w-]+\s+){0,3}?(?:fire|gunfire|shelling)|each\s+others?['’]?\s+throats"
    r"|engaged\s+in\s+(?:[\w-]+\s+){0,2}?(?:clashes|fighting|battles"
    r"|exchanges|skirmishes|firefights|hostilities)|(?:killed|wounded|injured)\s+in\s+(?:the\s+)?(?:clashes|fighting"
    r"|battles?)(?!\s+(?:with|against))"
    r"|suffered\s+(?:[\w-]+\s+){0,3}?(?:losses|casualties)\b[^\u27e6]{0,40}?\bin\s+the\s+(?:battle|clashes|fighting))\b"
    r"|اشتبك|تقاتل|اقتتل)",
    re.IGNORECASE,
)
# Sides named outright: "between X and Y from one hand, and Z from the other", "بين X من جهة وY من جهة أخرى".
ONE_SIDE = re.compile(
    r"\b(?:from|on)\s+(?:the\s+)?one\s+(?:hand|side)\b|من\s+(?:جهة|جانب)(?!\w)(?!\s+(?:أخرى|اخرى|ثانية|آخر|اخر))",
    re.IGNORECASE,
)
OTHER_SIDE = re.compile(
    r"\b(?:from|on)\s+the\s+other(?:\s+(?:hand|side))?\b|من\s+(?:جهة|جانب)\s+(?:أخرى|اخرى|ثانية|آخر|اخر)", re.IGNORECASE
)
# A fight with state forces (a fight word near "regime", "army", "النظام"), or names fighting "together":
# the named groups may all be on one side, so the sentence rule steps aside.
STATE_FORCES = (
    r"(?:\b(?:regime|government|army|troops|soldiers|assad|air\s+force|warplanes|airstrikes?)\b|النظام|قوات\s+الأسد"
    r"|الطيران|الجيش\s+(?:السوري|التركي))"
)
# A cheap test first: most sentences name no state forces, and the full test below is slow.
STATE_OR_TOGETHER = re.compile(rf"{STATE_FORCES}|\b(?:together|jointly)\b")
STATE_OR_TOGETHER_EN = re.compile(
    r"\b(?:regime|government|army|troops|soldiers|assad|air\s+force|warplanes|airstrikes?|together|jointly)\b"
)
WORDS_AR = Words(FIGHT_WORDS, NOT_A_FIGHT, STATE_OR_TOGETHER, True)
WORDS_EN = Words(re.compile(FIGHT_WORDS_EN), re.compile(NOT_A_FIGHT_EN), STATE_OR_TOGETHER_EN, False)
THIRD_PARTY = re.compile(
    rf"(?:{FIGHT_WORDS.pattern}).{{0,60}}?{STATE_FORCES}|{STATE_FORCES}[^\u27e6]{{0,30}}?(?:{FIGHT_WORDS.pattern})"
    rf"|\b(?:from|against)\s+(?:the\s+)?(?:[\w-]+\s+){{0,2}}?{STATE_FORCES}|(?:من|ضد|مع)\s+(?:قوات\s+)?{STATE_FORCES}"
    r"|\b(?:together|jointly)\b",
)


# How far back the tests of the words before a list read ("between", a fight noun, losses): each of them
# reaches less far, and a long sentence is then not read from its start for every list in it.
REACH = 200


def sentence_sides(
    sentence: str, ids: list[str], lowered: str | None = None, words: Words | None = None,
    first_fight: re.Match[str] | None = None,
) -> set[tuple[str, str]]:
    """Pairs of the sentence rule (above) in a masked sentence, read clause by clause (";" ends one);
    ``lowered`` is the sentence in lower case, ``words`` its word lists and ``first_fight`` the first
    match of their fight words in ``lowered``, when the caller has them already."""
    lowered = sentence.lower() if lowered is None else lowered
    words = words_for(lowered) if words is None else words
    if ";" not in sentence and "؛" not in sentence:
        return clause_sides(sentence, ids, lowered, words, first_fight)
    return set().union(*(clause_sides(clause, ids, clause.lower(), words) for clause in re.split("[;؛]", sentence)))


def clause_sides(
    template: str, ids: list[str], lowered: str, words: Words, first_fight: re.Match[str] | None = None
) -> set[tuple[str, str]]:
    # The sentence-wide tests are written in lower case and read ``lowered`` (faster than IGNORECASE).
    # ``first_fight`` (the first fight word of ``lowered``, found by the caller) saves reading it twice.
    fights = words.fight.finditer(lowered) if first_fight is None else \
        chain((first_fight,), words.fight.finditer(lowered, first_fight.end()))
    fight = next((word for word in fights if word.group() != "conflict"), None)
    if not fight:
        return set()
    spans = [(m.start(), m.end(), ids[int(m.group(1))]) for m in SLOT_RE.finditer(template)]
    # False: a backer or whole named after its part ("X, affiliated to Y"), not a side of its own
    counted = [
        not (
            ALLIED_TO.search(template, max(0, start - 80), start)
            or words.arabic and SPEAKER_OF.search(template, max(0, start - 80), start)
        )
        for start, _, _ in spans
    ]
    for n in range(1, len(spans)):
        gap = template[spans[n - 1][1]:spans[n][0]]
        # A word of belonging after a fight word tells whose the target is ("X killed two members of Y").
        belonging = len(gap) <= 50 and BELONGING.search(gap) and not words.fight.search(gap.lower())
        if spans[n][2] != spans[n - 1][2] and (belonging or PART_OF_NEXT.search(gap)):
            counted[n] = False
    one_hand = ("one" in lowered or "من" in lowered) and ONE_SIDE.search(template)
    other_hand = one_hand and OTHER_SIDE.search(template, one_hand.end())
    if one_hand and other_hand:  # sides named outright: nothing else to weigh
        first_side = {group for (start, _, group), n in zip(spans, counted) if n and start < one_hand.start()}
        second_side = {
            group for (start, _, group), n in zip(spans, counted) if n and one_hand.end() <= start < other_hand.start()
        }
        return {tuple(sorted((a, b))) for a in first_side for b in second_side if a != b}
    if (
        words.no_fight.search(lowered)
        or INTENTION.search(lowered, 0, fight.start())
        or words.state_or_together.search(lowered) and THIRD_PARTY.search(lowered)
        or BETWEEN_WITH.search(lowered)
    ):
        return set()
    side = list(range(len(spans)))  # the side of each mention, as the index of its first mention
    apart: set[int] = set()  # mentions of a list whose names are opposed ("clashes between X and Y")
    for n in range(1, len(spans)):
        (_, end, before), (start, _, group) = spans[n - 1], spans[n]
        gap = template[end:start]
        if group == before:
            side[n] = side[n - 1]
        elif not counted[n]:
            side[n] = side[n - 1]
        elif POSSESSIVE.fullmatch(gap):
            side[n] = side[n - 1]
        elif gap.lstrip().startswith(",") and " and " not in gap and FRONTED.search(template, 0, spans[n - 1][0]):
            continue
        elif MASDAR_AGENT.fullmatch(gap) and MASDAR.search(template, max(0, spans[n - 1][0] - 30), spans[n - 1][0]):
            continue
        elif not re.search(r"[,،&]|\band\b|(?<!\w)و", gap) and PROPERTY_BETWEEN.search(gap):
            continue
        elif ("upport" in gap or "دعم" in gap or "مساند" in gap) and SUPPORTING.search(gap):
            side[n] = side[0]
        elif TOGETHER.fullmatch(gap):
            first = min(m for m in range(n) if side[m] == side[n - 1] or m in apart and n - 1 in apart)
            before, after = template[max(0, spans[first][0] - REACH): spans[first][0]], template[spans[n][1]:]
            if APART_BEFORE.search(before):
                if not FIGHT_BETWEEN.search(before):
                    return set()
                apart.update((n - 1, n))
            elif APART_AFTER.search(after) or LOSSES_OF_BOTH.search(before):
                apart.update((n - 1, n))
            else:
                side[n], counted[n] = side[n - 1], counted[n] and counted[n - 1]
    if apart:  # the opposed list alone, as the shape "a fight noun, then between X and Y" reads it
        listed = {spans[n][2] for n in apart if counted[n]}
        return {tuple(sorted(pair)) for pair in combinations(listed, 2)}
    groups_of: dict[int, set[str]] = {}
    for n, (_, _, group) in enumerate(spans):
        if counted[n]:
            groups_of.setdefault(side[n], set()).add(group)
    sides: list[set[str]] = []
    for named in groups_of.values():  # a group named twice is one side, not two
        for overlapping in [known for known in sides if known & named]:
            sides.remove(overlapping)
            named = named | overlapping
        sides.append(named)
    if len(sides) != 2:
        return set()
    return {tuple(sorted((a, b))) for x, y in combinations(sides, 2) for a in x for b in y if a != b}


# A group's name written onto a participle describes the next name: "NLF-affiliated", "Turkish-backed", also
# after its restatement ("Free Syrian Army (FSA)-affiliated"); but "ISIS-led offensive" is ISIS's fight.
MODIFIER = re.compile(
    r"(?:\s*\([^()]*\))?\)?-(?:affiliated|linked|backed|led|held|controlled|allied|aligned|based|dominated)\b"
    r"(?!\s+(?:offensives?|attacks?|assaults?|campaigns?|operations?|raids?|ambush\w*|onslaught)\b)"
)


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, without the spaces around it."""
    # One split and prefix sums instead of a Python step per match; a mark needs a space after it to end
    # a sentence ("U.S." goes on) and stays in its sentence.
    parts = SENTENCE_END.split(text)
    bounds = list(accumulate(map(len, parts), initial=0))
    ends = [offset + (gap[0] != "\n") for offset, gap in zip(bounds[1::2], parts[1::2])]
    ends.append(len(text))
    return [(s, e) for s, e in zip(bounds[0::2], ends) if text[s:e].strip()]


def masked(sentence: str, mentions: list[tuple[int, int, str]]) -> tuple[str, list[str]]:
    """The sentence with each mention (offsets relative to it) replaced by a placeholder, and the
    group id of each placeholder. A parenthesis that holds nothing but the group named just before it
    ("X (HTS)", "X (formerly Y)" when Y is the same lineage), nothing but one other name right after a name
    (an alias or the whole it belongs to: "the 20th Division of the FSA (TFSA)") or no group at all is
    dropped."""
    ids: list[str] = []
    parts, last = [], 0
    for start, end, group in mentions:
        if start < last:  # overlapping mentions (the normaliser gives none): the first one is kept
            continue
        if MODIFIER.match(sentence, end):  # "NLF-affiliated Zenki": the NLF is not a side, nor its words
            parts += [sentence[last:start], "group"]
            last = end
            continue
        parts += [sentence[last:start], SLOT.format(len(ids))]
        ids.append(group)
        last = end
    parts.append(sentence[last:])
    template = "".join(parts)

    def restatement(match: re.Match[str]) -> str:
        inside = [ids[int(n)] for n in SLOT_RE.findall(match.group(1))]
        before = SLOT_RE.findall(template[: match.start()][-12:])
        if not inside or (before and all(group == ids[int(before[-1])] for group in inside)):
            return " "
        alias = not SLOT_RE.sub("", match.group(1)).strip(QUOTES + " ")
        if alias and len(inside) == 1 and template[: match.start()].rstrip(QUOTES + " ").endswith("\u27e7"):
            return " "
        return match.group(0)

    return (PARENTHESIS.sub(restatement, template) if "(" in template else template), ids


def slots(text: str, ids: list[str]) -> list[str]:
    return [ids[int(n)] for n in SLOT_RE.findall(text)]


def pairs_in(template: str, ids: list[str]) -> set[tuple[str, str]]:
    """Pairs of group ids the masked sentence reports fighting each other."""
    lowered = template.lower()
    words = words_for(lowered)
    first_fight = words.fight.search(lowered)
    if not first_fight:  # most sentences naming two groups tell no fight
        return set()
    found = sentence_sides(template, ids, lowered, words, first_fight)
    if found:  # settled: in such sentences of the development sets the shapes add one pair, a wrong one
        return found
    for index, trigger in enumerate(triggers()):
        if not trigger.search(lowered):
            continue
        _, pattern, kind = compiled(index)
        for match in pattern.finditer(template):
            if kind == "list":
                sides = slots(match.group("both"), ids)
                candidates = combinations(sides, 2)
            else:
                # "b2": the other side where a shape has two ways of naming it (re allows one "b").
                named = match.groupdict()
                other = slots(named.get("b") or named.get("b2") or "", ids)
                candidates = ((a, b) for a in slots(named["a"], ids) for b in other)
            found.update(tuple(sorted((a, b))) for a, b in candidates if a != b)
    return found


def find_clashes(article: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``clashes`` entries of a record whose ``groups`` are filled: one per pair and sentence."""
    clashes: list[dict[str, Any]] = []
    for field in FIELDS:
        text = article.get(field) or ""
        mentions = sorted(
            (m["start"], m["end"], group["id"])
            for group in article.get("groups") or []
            for m in group.get("mentions", [])
            if m.get("field") == field
        )
        if len({group for _, _, group in mentions}) < 2:
            continue
        # Each mention to its sentence, so that a sentence naming fewer than two groups costs nothing.
        spans = sentences(text)
        starts = [start for start, _ in spans]
        inside: dict[int, list[tuple[int, int, str]]] = {}
        for s, e, g in mentions:
            number = bisect_right(starts, s) - 1
            if number >= 0 and e <= spans[number][1]:
                inside.setdefault(number, []).append((s, e, g))
        for number, named in inside.items():
            if len({g for _, _, g in named}) < 2:
                continue
            start, end = spans[number]
            template, ids = masked(text[start:end], [(s - start, e - start, g) for s, e, g in named])
            for pair in sorted(pairs_in(template, ids)):
                clashes.append({"groups": list(pair), "field": field, "start": start, "end": end})
    return clashes


@hookimpl(trylast=True)
def normalise_article(article: dict[str, Any]) -> None:
    # trylast: the normaliser (and any other plugin adding groups) has filled groups by now.
    article["clashes"] = find_clashes(article)
