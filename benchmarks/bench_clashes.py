"""Precision and recall of the clashes plugin (who fought whom) on labelled real sentences.

Run from the repository root:  python benchmarks/bench_clashes.py [--misses [SET ...]]

Five sets of sentences from real reporting, each with the source URL it was copied from and the pairs
of groups it reports fighting each other (labelled by hand before the plugin was run on them):

- tests/data/clashes_sentences.jsonl: the development set; the plugin's rules were written and
  corrected while reading its misses, so its figures are optimistic;
- tests/data/clashes_test.jsonl: the earlier test set; the sentence rule's exceptions were corrected
  reading its misses too, so it is now a second development set;
- tests/data/clashes_heldout.jsonl: the held-out set; its disagreements were read once, to sort them
  into classes and fix the classes, so it is now a development set too;
- tests/data/clashes_batch2.jsonl: a second batch gathered and labelled after that, scored once blind
  (the README gives that first score); only classes of its misses were fixed afterwards;
- tests/data/clashes_batch3.jsonl: a third batch from pages none of the other sets uses, labelled and
  committed before the plugin was run on it, scored once blind (the README gives that score too); only
  classes of its misses were fixed afterwards.

It prints precision and recall per set and over all of them. A pair counts as found when the normaliser
finds both groups and the plugin reports them for the sentence; a group the normaliser misses makes a
miss here too, and ``--misses`` marks it "normaliser" (the group names it finds are listed).
``--misses`` prints every disagreement of the sets named (of every set with no name).

It also times the plugin: the first article in a fresh process (which compiles the shapes it needs),
compiling every shape, and ``find_clashes`` per article on two kinds of article: the development
sentences joined into one article per source page (short, and every sentence names groups and a fight),
and ``--generated`` N pages of the generated SouthFront copy (``benchmarks/sitegen.py``, 300 by default)
made into records by the project's own chain (extraction and normaliser; the clashes plugin's time is
taken apart from it): long articles where two sentences in five name two groups or more.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plugins.clashes import SHAPES, compiled, find_clashes, sentences  # noqa: E402
from plugins.groups import find_groups  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
SETS = {
    "development": DATA / "clashes_sentences.jsonl",
    "test": DATA / "clashes_test.jsonl",
    "held-out": DATA / "clashes_heldout.jsonl",
    "batch2": DATA / "clashes_batch2.jsonl",
    "batch3": DATA / "clashes_batch3.jsonl",
}


def score(name: str, show_misses: bool) -> tuple[int, int, int, int]:
    found_right = found_wrong = missed = sentences = 0
    for number, line in enumerate(SETS[name].read_text(encoding="utf-8").splitlines(), 1):
        row = json.loads(line)
        sentences += 1
        groups = find_groups(None, row["text"])
        article = {"title": None, "body": row["text"], "groups": groups}
        found = {tuple(clash["groups"]) for clash in find_clashes(article)}
        expected = {tuple(sorted(pair)) for pair in row["clashes"]}
        found_right += len(found & expected)
        found_wrong += len(found - expected)
        missed += len(expected - found)
        if show_misses and found != expected:
            named = {group["id"] for group in groups}
            unnamed = sorted({g for pair in expected - found for g in pair} - named)
            cause = f" normaliser misses {unnamed}" if unnamed else ""
            print(f"{name}:{number} wrong {sorted(found - expected)} missed {sorted(expected - found)}{cause}"
                  f"\n  groups found: {sorted(named)}\n  {row['text']}\n  {row['source']}")
    return sentences, found_right, found_wrong, missed


def figures(right: int, wrong: int, missed: int) -> tuple[float, float]:
    precision = right / (right + wrong) if right + wrong else 1.0
    recall = right / (right + missed) if right + missed else 1.0
    return precision, recall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--misses", nargs="*", choices=list(SETS), metavar="SET",
                        help=f"print every disagreement of these sets ({', '.join(SETS)}; all with no name)")
    parser.add_argument("--generated", type=int, default=300, metavar="N",
                        help="time the plugin on N generated articles (0: not at all)")
    args = parser.parse_args()
    show = set(SETS) if args.misses == [] else set(args.misses or ())
    articles = development_articles()
    started = time.perf_counter()
    find_clashes(articles[0])
    first = time.perf_counter() - started
    started = time.perf_counter()
    for index in range(len(SHAPES)):
        compiled(index)
    compile_seconds = time.perf_counter() - started
    rows = []
    for name in SETS:
        rows.append((name, *score(name, name in show)))
    rows.append(("total", *(sum(column) for column in list(zip(*rows))[1:])))
    print(f"{'set':12} {'sentences':>9} {'pairs':>6} {'found':>6} {'wrong':>6} {'missed':>7} {'precision':>10} "
          f"{'recall':>7}")
    for name, count, right, wrong, missed in rows:
        precision, recall = figures(right, wrong, missed)
        print(f"{name:12} {count:9} {right + missed:6} {right:6} {wrong:6} {missed:7} {precision:10.2f} "
              f"{recall:7.2f}")
    print(f"first article of a process: {first * 1000:.0f} ms; compiling every shape: {compile_seconds:.2f} s "
          f"(each is compiled when a sentence first needs it)")
    timing("development sentences, one article per page", articles)
    if args.generated:
        timing("generated SouthFront pages, through the chain", generated_articles(args.generated))


def development_articles() -> list[dict]:
    pages: dict[str, list[str]] = defaultdict(list)
    for line in SETS["development"].read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        pages[row["source"]].append(row["text"])
    articles = []
    for texts in pages.values():
        body = "\n\n".join(texts)
        articles.append({"title": None, "body": body, "groups": find_groups(None, body)})
    return articles


def generated_articles(count: int) -> list[dict]:
    """``count`` pages of the generated SouthFront copy, each made into a record by the project's chain
    (deduplication off: near-duplicates are articles too)."""
    from scrapy.settings import Settings

    from plugins.chain import Chain
    from plugins.extract import parse_html
    from plugins.model import Page
    from sitegen import generate

    records = []
    with tempfile.TemporaryDirectory() as work:
        archive = Path(work) / "archive.jsonl"
        generate(Path(work) / "site", count, archive=archive)
        settings = Settings()
        settings.setmodule("crawler.settings", priority="project")
        settings.set("PLUGINS_DISABLED", ["plugins.dedup"])
        settings.set("QUARANTINE_FILE", str(Path(work) / "quarantine.jsonl"))
        chain = Chain(settings)
        chain.open()
        try:
            for line in archive.read_text(encoding="utf-8").splitlines():
                page = json.loads(line)
                outcome = chain.process(Page(url=page["url"], outlet=page["outlet"], html=page["html"],
                                             tree=parse_html(page["html"])))
                if outcome.status == "exported":
                    records.append(outcome.record)
        finally:
            chain.close()
    return records


def timing(kind: str, articles: list[dict]) -> None:
    """``find_clashes`` per article (CPU time, median of 5 runs), and how many sentences it reads."""
    runs = []
    for _ in range(5):
        started = time.process_time()
        for article in articles:
            find_clashes(article)
        runs.append((time.process_time() - started) / len(articles))
    size = statistics.mean(len(a["body"] or "") for a in articles)
    total = named = 0
    for article in articles:
        for field in ("title", "body"):
            text = article.get(field) or ""
            mentions = [(m["start"], g["id"]) for g in article.get("groups") or [] for m in g["mentions"]
                        if m["field"] == field]
            for start, end in sentences(text):
                total += 1
                named += len({g for s, g in mentions if start <= s < end}) >= 2
    clashes = statistics.mean(len(find_clashes(a)) for a in articles)
    print(f"find_clashes on {kind}: {statistics.median(runs) * 1e6:,.0f} µs per article ({len(articles)} articles "
          f"of {size:,.0f} characters on average; {named / total:.0%} of {total:,} sentences name two groups or "
          f"more and are read, the rest cost nothing; {clashes:.1f} clashes per article)")


if __name__ == "__main__":
    main()
