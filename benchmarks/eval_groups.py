"""Precision and recall of the group-name normaliser on labelled passages, English and Arabic apart.

Run from the repository root:  python benchmarks/eval_groups.py [FILE.jsonl ...] [--misses]

Each line of a file is a passage of real reporting: ``text``, ``published`` (or null), ``lang`` ("en" or
"ar"), ``expected`` (the ids a reader finds in it), ``forbidden`` (ids the passage rules out) and the
``source`` URL. Scores are micro-averaged over (passage, id) pairs: a found id that is not expected is a
false positive, an expected id not found a false negative. Without arguments every batch of real
passages in tests/data/ (``groups_real_*.jsonl``) is scored, in the order they were gathered:
development, fresh, unseen, batch3, batch4, batch5, batch6, and any later one.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plugins.groups import find_groups  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
GATHERED = ("dev", "fresh", "unseen")  # the first three batches; batchN after them, by N


def default_files() -> list[Path]:
    """Every batch of real passages, in the order it was gathered."""
    def order(path: Path) -> tuple[int, int]:
        batch = path.stem.removeprefix("groups_real_")
        if batch in GATHERED:
            return (0, GATHERED.index(batch))
        digits = "".join(ch for ch in batch if ch.isdigit())
        return (1, int(digits) if digits else 0)
    return sorted(DATA.glob("groups_real_*.jsonl"), key=order)


@dataclass
class Score:
    passages: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    forbidden: list = field(default_factory=list)  # (text, ids found that the passage rules out)
    misses: list = field(default_factory=list)  # (text, extra ids, missing ids)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(rows: list[dict]) -> dict[str, Score]:
    """Scores by language ("en", "ar") and over all passages ("all")."""
    scores = {"en": Score(), "ar": Score(), "all": Score()}
    for row in rows:
        found = find_groups(row.get("title"), row["text"], row.get("published"))
        got, expected = {g["id"] for g in found}, set(row["expected"])
        for s in (scores[row["lang"]], scores["all"]):
            s.passages += 1
            s.tp += len(got & expected)
            s.fp += len(got - expected)
            s.fn += len(expected - got)
            if got & set(row["forbidden"]):
                s.forbidden.append((row["text"], sorted(got & set(row["forbidden"]))))
            if got != expected:
                s.misses.append((row["text"], sorted(got - expected), sorted(expected - got)))
    return scores


def report(name: str, scores: dict[str, Score], misses: bool = False) -> None:
    for lang in ("en", "ar", "all"):
        s = scores[lang]
        print(f"{name} [{lang}]: {s.passages} passages, precision {s.precision:.3f}, recall {s.recall:.3f} "
              f"(tp {s.tp}, fp {s.fp}, fn {s.fn}), ruled-out ids found {len(s.forbidden)}")
    if misses:
        for text, extra, missing in scores["all"].misses:
            print(f"  {text[:110]!r}\n     extra={extra} missing={missing}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="labelled JSONL files (default: the real batches)")
    parser.add_argument("--misses", action="store_true", help="print every passage scored wrong")
    args = parser.parse_args()
    for path in args.files or default_files():
        report(path.name, score(read_rows(path)), args.misses)


if __name__ == "__main__":
    main()
