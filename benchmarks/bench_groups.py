"""Throughput of the group-name normaliser, beside a bare scan with the same automaton.

Run from the repository root:  python benchmarks/bench_groups.py [--mb 4] [--repeat 3]

The text is generated news-like prose (deterministic): sentences about fighting in Syria with group
names in many spellings, Arabic sentences, and plenty of sentences that name no group, cut into
articles of a few kilobytes as the pipeline sees them. Three figures are printed, in MB/s of UTF-8:

- normaliser: ``GroupMatcher.find(title, body, published)`` per article (the work the hook does);
- bare scan: ``automaton.iter`` of the same compiled automaton over the lower-cased articles, hits
  only counted: the floor set by the Aho-Corasick library itself;
- folding only: building the folded key and offset tables without scanning (where the rest goes).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plugins.groups import GroupMatcher  # noqa: E402
from plugins.groups.folding import index_text  # noqa: E402

NAMES = [
    "Hay'at Tahrir al-Sham", "HTS", "Hayat Tahrir al-Sham", "al-Nusra Front", "Jabhat al-Nusra",
    "Jabhat Fateh al-Sham", "Islamic State", "ISIS", "ISIL", "Daesh", "the Islamic State group",
    "Ahrar al-Sham", "Ahrar ash-Sham", "Jaysh al-Islam", "Jaish al-Islam", "Faylaq al-Rahman",
    "the Free Syrian Army", "FSA", "the Syrian National Army", "SDF", "the YPG", "Hezbollah",
    "Jaysh Tahrir al-Sham", "Jund al-Aqsa", "the Nour al-Din al-Zenki Movement", "Hurras al-Din",
    "the Turkistan Islamic Party", "al-Qaeda", "an al-Qaeda-linked group", "Suqour al-Sham",
    "Jaish al-Fateh", "Fatah Halab", "the National Front for Liberation", "Faylaq al-Sham",
]
PLACES = ["Idlib", "Aleppo", "Saraqib", "Afrin", "Raqqa", "Deir ez-Zor", "Douma", "Eastern Ghouta",
          "Maarat al-Numan", "Jisr al-Shughur", "al-Bab", "Azaz", "Palmyra", "Qalamoun", "Hama"]
TEMPLATES = [
    "Fighters of {a} clashed with {b} near {p} on {d}, according to local activists.",
    "{a} said its fighters had repelled an attack by {b} on the outskirts of {p}.",
    "The fighting between {a} and {b} is the first major escalation since the truce in {p}.",
    "Residents of {p} protested against the checkpoints set up by {a} last week.",
    "A statement by {a} accused {b} of detaining one of its commanders in {p}.",
]
FILLER = [
    "The United Nations said thousands of civilians had fled the fighting in {p} since the start of the month.",
    "Aid convoys were unable to reach the town because of damaged roads and continued shelling.",
    "Prices of bread and fuel have risen sharply, residents told reporters by telephone.",
    "The monitor, which relies on a network of sources on the ground, said the death toll could rise.",
    "Officials in Ankara and Moscow held talks on the situation in {p} on {d}.",
    "The crisis has displaced more than half of the country's pre-war population.",
    "This is the third time this year that the road between {p} and the border has been closed.",
    "HUMAN RIGHTS GROUPS SAY IS THIS THE WORST WEEK OF THE YEAR FOR CIVILIANS.",
]
ARABIC = [
    "اشتباكات بين هيئة تحرير الشام وحركة أحرار الشام في ريف إدلب",
    "قتل عناصر من داعش في اشتباكات مع قسد في دير الزور",
    "قال المرصد السوري لحقوق الإنسان إن القصف استمر طوال الليل",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def articles(megabytes: float, seed: int = 7) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    out, size = [], 0
    while size < megabytes * 1_000_000:
        paragraphs = []
        for _ in range(rng.randint(8, 16)):
            kind = rng.random()
            p, d = rng.choice(PLACES), rng.choice(DAYS)
            if kind < 0.35:
                a, b = rng.sample(NAMES, 2)
                paragraphs.append(rng.choice(TEMPLATES).format(a=a, b=b, p=p, d=d))
            elif kind < 0.4:
                paragraphs.append(rng.choice(ARABIC))
            else:
                paragraphs.append(" ".join(rng.choice(FILLER).format(p=p, d=d) for _ in range(3)))
        body = "\n\n".join(paragraphs)
        title = rng.choice(TEMPLATES).format(a=rng.choice(NAMES), b=rng.choice(NAMES), p="Idlib", d="Friday")
        published = f"20{rng.randint(13, 22)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        out.append((title, body, published))
        size += len(body.encode()) + len(title.encode())
    return out


def rate(seconds: float, size: int) -> float:
    return size / 1_000_000 / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=4.0, help="megabytes of text to generate (default 4)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best counts")
    args = parser.parse_args()

    started = time.perf_counter()
    matcher = GroupMatcher.load()
    compiled = time.perf_counter() - started
    docs = articles(args.mb)
    size = sum(len(t.encode()) + len(b.encode()) for t, b, _ in docs)
    lowered = [(t.lower(), b.lower()) for t, b, _ in docs]
    print(f"registry: {len(matcher.groups)} groups, {matcher.size} keys, compiled in {compiled * 1000:.0f} ms")
    print(f"text: {len(docs)} articles, {size / 1_000_000:.2f} MB")

    def best(run) -> float:
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            run()
            times.append(time.perf_counter() - t0)
        return min(times)

    found = sum(len(g["mentions"]) for t, b, p in docs for g in matcher.find(t, b, p))
    normaliser = best(lambda: [matcher.find(t, b, p) for t, b, p in docs])
    automaton = matcher.automaton
    hits = sum(1 for t, b in lowered for text in (t, b) for _ in automaton.iter(text))
    bare = best(lambda: [sum(1 for _ in automaton.iter(text)) for t, b in lowered for text in (t, b)])
    folding = best(lambda: [(index_text(t).key, index_text(b).key) for t, b, _ in docs])

    print(f"normaliser : {rate(normaliser, size):8.1f} MB/s  ({found} mentions kept)")
    print(f"bare scan  : {rate(bare, size):8.1f} MB/s  ({hits} raw automaton hits on lower-cased text)")
    print(f"folding    : {rate(folding, size):8.1f} MB/s  (key and offset tables only)")


if __name__ == "__main__":
    main()
