"""Who fought whom: the clashes plugin on real reporting (tests/data/clashes_*.jsonl) and the seeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.settings import Settings

from plugins.chain import Chain
from plugins.clashes import find_clashes
from plugins.groups import find_groups
from plugins.model import Page

DATA = Path(__file__).parent / "data"
DEVELOPMENT = DATA / "clashes_sentences.jsonl"
TEST = DATA / "clashes_test.jsonl"
HELD_OUT = DATA / "clashes_heldout.jsonl"
BATCH2 = DATA / "clashes_batch2.jsonl"
OUTLETS = Path(__file__).resolve().parents[1] / "plugins" / "outlets"


def labelled(path: Path = DEVELOPMENT) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def pairs_of(text: str) -> set[tuple[str, str]]:
    article = {"title": None, "body": text, "groups": find_groups(None, text)}
    return {tuple(clash["groups"]) for clash in find_clashes(article)}


def test_labelled_set_is_real_reporting_with_sources():
    rows = labelled()
    assert len(rows) >= 300
    assert all(row["source"].startswith("http") for row in rows)
    assert sum(bool(row["clashes"]) for row in rows) >= 40 and sum(not row["clashes"] for row in rows) >= 30
    assert any("بين" in row["text"] for row in rows)  # Arabic reporting is in it


@pytest.mark.parametrize("path, earlier", [(HELD_OUT, [DEVELOPMENT, TEST]), (BATCH2, [DEVELOPMENT, TEST, HELD_OUT])])
def test_later_sets_are_new_real_reporting_with_sources_a_third_arabic(path, earlier):
    rows = labelled(path)
    assert len(rows) >= 60
    assert all(row["source"].startswith("http") for row in rows)
    assert sum(any("\u0600" <= c <= "\u06ff" for c in row["text"]) for row in rows) * 3 >= len(rows)
    seen = {row["text"] for before in earlier for row in labelled(before)}
    assert not seen & {row["text"] for row in rows}


# The target, precision >= 0.9 and recall >= 0.7, on every labelled set; on the sets where it is
# well above, a guard against regressions at the measured level minus a small margin (development 0.94 and
# 0.86, held-out 0.99 and 0.84, batch 2 0.98 and 0.74; benchmarks/bench_clashes.py prints the figures).
@pytest.mark.parametrize(
    "path, precision_at_least, recall_at_least",
    [(DEVELOPMENT, 0.92, 0.84), (TEST, 0.9, 0.9), (HELD_OUT, 0.95, 0.8), (BATCH2, 0.9, 0.7)],
)
def test_precision_and_recall_on_labelled_sentences(path, precision_at_least, recall_at_least):
    true_pos = false_pos = false_neg = 0
    for row in labelled(path):
        found, expected = pairs_of(row["text"]), {tuple(sorted(p)) for p in row["clashes"]}
        true_pos += len(found & expected)
        false_pos += len(found - expected)
        false_neg += len(expected - found)
    precision, recall = true_pos / (true_pos + false_pos), true_pos / (true_pos + false_neg)
    print(f"clashes on {path.name}: precision {precision:.2f}, recall {recall:.2f} ({true_pos} found, "
          f"{false_pos} wrong, {false_neg} missed)")
    assert precision >= precision_at_least
    assert recall >= recall_at_least


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Clashes between Hay'at Tahrir al-Sham and Ahrar al-Sham left dozens dead.", {("ahrar-al-sham", "hts")}),
        ("Hay'at Tahrir al-Sham fighters seized the town of Saraqib from Ahrar al-Sham on Wednesday.",
         {("ahrar-al-sham", "hts")}),
        ("Jaysh al-Islam attacked Faylaq al-Rahman positions in Zamalka.", {("faylaq-al-rahman", "jaysh-al-islam")}),
        ("اشتباكات بين هيئة تحرير الشام وحركة أحرار الشام في ريف إدلب", {("ahrar-al-sham", "hts")}),
        # Named together, but not fighting each other: left out.
        ("Ahrar al-Sham and Nour al-Din al-Zenki announced their merger.", set()),
        ("Hay'at Tahrir al-Sham attacked government forces near an Ahrar al-Sham checkpoint.", set()),
        ("Ahrar al-Sham and Hay'at Tahrir al-Sham fought the Syrian army together.", set()),
        # The sentence rule: two sides and a fight word, wherever they stand.
        ("Two Ahrar al-Sham fighters were killed when Hay'at Tahrir al-Sham stormed the town.",
         {("ahrar-al-sham", "hts")}),
        ("Jaysh al-Islam and Faylaq al-Rahman attacked Hay'at Tahrir al-Sham positions.",
         {("faylaq-al-rahman", "hts"), ("hts", "jaysh-al-islam")}),
        ("سيطرت هيئة تحرير الشام على القرية بعد طرد مسلحي حركة أحرار الشام منها", {("ahrar-al-sham", "hts")}),
        ("Tensions rose between Ahrar al-Sham and Hay'at Tahrir al-Sham after a checkpoint was attacked.", set()),
        ("Hay'at Tahrir al-Sham and Ahrar al-Sham took the town after clashes with regime forces.", set()),
        # "fighters" and "battalions" are no fight words: an arrest is no fight.
        ("The security apparatus of Hay'at Tahrir al-Sham arrested a number of Hurras al-Din fighters.", set()),
        # Losses on both sides of one fight; a mediators' appeal is no fight.
        ("Six Nusra fighters and 29 Hazm fighters were killed in the clashes.", {("hazzm-movement", "hts")}),
        ("They called on the Levant Front and Ahrar al-Sham to intervene and end the fighting.", set()),
        # A fronted phrase ends at its comma; "X's Y" is one side.
        ("After battles with the Islamic State, rebels of Jaysh al-Islam advanced in Qalamoun.",
         {("islamic-state", "jaysh-al-islam")}),
        ("ISIS attacked the Free Syrian Army’s “Sultan Murad Brigade” at Dalhah.",
         {("free-syrian-army", "islamic-state"), ("islamic-state", "sultan-murad-division")}),
        # "between X against Y"; mutual exchanges of fire; a verb-first Arabic sentence whose "و" joins a list.
        ("Clashes took place between Hay'at Tahrir al-Sham against Ahrar al-Sham in al-Mastumah.",
         {("ahrar-al-sham", "hts")}),
        ("The SDF and the SNA traded fire near Manbij.", {("syrian-democratic-forces", "syrian-national-army")}),
        ("تبادلت هيئة تحرير الشام وحركة أحرار الشام إطلاق النار في ريف إدلب", {("ahrar-al-sham", "hts")}),
        ("سيطرت هيئة تحرير الشام ومقاتلو حركة أحرار الشام على المدينة", set()),
        # Targeting, opening fire and operations against, in Arabic; the positions of one name before the next.
        ("حراس الدين يستهدف دورية لهيئة تحرير الشام جنوب حلب", {("hts", "hurras-al-din")}),
        ("هاجمت خلايا تنظيم داعش مواقع قوات سوريا الديمقراطية في ريف دير الزور",
         {("islamic-state", "syrian-democratic-forces")}),
        # The speaker's group is no side: "the SNA's spokesman said ... HTS attacks on the NFL's areas".
        ("وأفاد الناطق باسم الجيش الوطني أنه تم إرسال مجموعات للمشاركة في صد هجمات هيئة تحرير الشام على مناطق "
         "الجبهة الوطنية للتحرير", {("hts", "national-front-for-liberation")}),
        # Losses of both sides right after a fight; "the Hamza Division of the FSA" is one side.
        ("The two sides traded artillery and rocket fire, leaving six FSA and three SDF members dead.",
         {("free-syrian-army", "syrian-democratic-forces")}),
        ("Clashes erupted between Ahrar al-Sharqiya and the Hamza Division of the Free Syrian Army in Afrin.",
         {("ahrar-al-sharqiya", "hamza-division")}),
        # Named as one of the factions of the next group, however far back: that group is no side.
        ("ويعتبر أحرار الشرقية، القادمين من دير الزور، من أبرز كتائب الجيش الحر، التي قاتلت تنظيم داعش",
         {("ahrar-al-sharqiya", "islamic-state")}),
    ],
)
def test_sentence_shapes(text, expected):
    assert pairs_of(text) == expected


def test_clash_offsets_point_at_the_sentence():
    body = "Idlib was calm. Later, clashes between Ahrar al-Sham and HTS erupted near Saraqib. Talks followed."
    article = {"title": None, "body": body, "groups": find_groups(None, body)}
    [clash] = find_clashes(article)
    assert clash["field"] == "body"
    assert body[clash["start"]:clash["end"]] == "Later, clashes between Ahrar al-Sham and HTS erupted near Saraqib."


def seed_case(outlet: str, seed: str) -> dict:
    cases = json.loads((OUTLETS / f"{outlet}.cases.json").read_text(encoding="utf-8"))
    return next(case for case in cases if case["name"].startswith(f"seed {seed}"))


@pytest.mark.parametrize(
    "outlet, seed, fights",
    [
        ("alalam", "002", {("ahrar-al-sham", "hts")}),
        ("southfront", "003", {("ahrar-al-sham", "hts"), ("hts", "jaish-al-mujahideen")}),
        ("sputnik", "004", {("jaysh-al-islam", "jaysh-tahrir-al-sham")}),
    ],
)
def test_seed_fights_are_found_by_the_chain(tmp_path, outlet, seed, fights):
    chain = Chain(Settings({"PLUGINS_DISABLED": ["plugins.dedup"], "QUARANTINE_FILE": str(tmp_path / "q.jsonl")}))
    chain.open()
    try:
        case = seed_case(outlet, seed)
        outcome = chain.process(Page(outlet=outlet, **case["input"]))
    finally:
        chain.close()
    assert outcome.status == "exported", outcome.reasons
    record = outcome.record
    found = {tuple(clash["groups"]) for clash in record["clashes"]}
    assert fights <= found
    for clash in record["clashes"]:
        sentence = record[clash["field"]][clash["start"]:clash["end"]]
        assert sentence.strip() == sentence and sentence


def test_sentences_naming_fewer_than_two_groups_are_not_read(monkeypatch):
    # The plugin runs on every exported article: only a sentence naming two groups or more is read.
    import plugins.clashes as clashes

    read = []
    real_masked = clashes.masked

    def masked(sentence, mentions):
        read.append(sentence)
        return real_masked(sentence, mentions)

    monkeypatch.setattr(clashes, "masked", masked)
    one_group = " ".join(f"Hay'at Tahrir al-Sham shelled village number {n}." for n in range(40))
    body = f"{one_group} Clashes erupted between Ahrar al-Sham and Hay'at Tahrir al-Sham near Ariha. {one_group}"
    article = {"title": "Ahrar al-Sham holds its ground", "body": body, "groups": find_groups(None, body)}
    assert {tuple(c["groups"]) for c in clashes.find_clashes(article)} == {("ahrar-al-sham", "hts")}
    assert read == ["Clashes erupted between Ahrar al-Sham and Hay'at Tahrir al-Sham near Ariha."]
