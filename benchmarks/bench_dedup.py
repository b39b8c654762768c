"""Benchmark of the deduplication store (plugins.dedup.SQLiteStore) against a datasketch MinHashLSH
baseline on the same generated articles. A measurement to read, not a test: nothing here fails.

    python benchmarks/bench_dedup.py [--n 100000] [--seed 1] [--dup-rate 0.03]

The corpus is generated deterministically: article bodies drawn from a Zipf-distributed vocabulary,
independent reports of one event sharing the event's names and places, outlets appending stock
paragraphs, and a few percent of planted copies of earlier articles with edits (sentences added,
reworded or removed, paragraphs cut, page furniture added, headline changed).

Both systems see the articles as a crawl does: each one is looked up, then inserted. Reported for each:
articles/s for hashing (text to MinHash signature), lookup, insert and the three together; peak
memory (ru_maxrss) and its growth during the run; recall (planted copies whose original or an earlier
copy of it was found) and precision (matches returned that are copies of one another). Each system
runs in its own process so that its memory figures are its own.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NUM_PERM = 128
TOKEN = re.compile(r"\w+")
FUNCTION_WORDS = (
    "the of and to in a that on for with as was by said from at is were it his have had has their "
    "which after an be are they its but who against not been also this two more killed forces people "
    "government city province group fighters town syria syrian army rebels militants clashes"
).split()
SYLLABLES = "al ka ra ma sha da na ba ta ja ha qa za la fa sa ri mi di ni bi ti ji hi qi zi lo mo do no bo".split()
FURNITURE = (
    "Skip to main content", "Add Reply", "Share this article", "Link copied to your clipboard.",
    "Follow us on Twitter", "Leave a comment", "Support our work", "Listen Live",
)


class Words:
    """Words drawn from a Zipf-Mandelbrot distribution over ``vocabulary``, in large numpy batches."""

    def __init__(self, rng: np.random.Generator, vocabulary: list[str]) -> None:
        weights = 1.0 / (np.arange(len(vocabulary)) + 2.7) ** 1.07
        self.cdf = np.cumsum(weights / weights.sum())
        self.vocabulary = np.array(vocabulary, dtype=object)
        self.rng = rng
        self.buffer: list[str] = []
        self.pos = 0

    def take(self, count: int) -> list[str]:
        if self.pos + count > len(self.buffer):
            drawn = np.minimum(np.searchsorted(self.cdf, self.rng.random(1 << 20)), len(self.cdf) - 1)
            self.buffer = self.vocabulary[drawn].tolist()
            self.pos = 0
        self.pos += count
        return self.buffer[self.pos - count : self.pos]


class Corpus:
    """Generated articles: ``titles``, ``bodies``, ``published`` and ``family`` (the index of the
    original for a planted copy, the article's own index otherwise)."""

    def __init__(self, n: int, seed: int, dup_rate: float) -> None:
        rng = np.random.default_rng(seed)
        self.random = random.Random(seed)  # scalar draws: much cheaper than numpy's one at a time
        vocabulary = set(FUNCTION_WORDS)
        while len(vocabulary) < 30000:
            vocabulary.add("".join(self.random.choices(SYLLABLES, k=self.between(2, 4))))
        self.vocabulary = FUNCTION_WORDS + sorted(vocabulary - set(FUNCTION_WORDS))
        self.words = Words(rng, self.vocabulary)
        self.events = [self.names(self.between(4, 7)) for _ in range(max(1, n // 4))]
        self.stock = [[self.paragraph() for _ in range(2)] for _ in range(8)]  # per outlet
        self.titles: list[str] = []
        self.bodies: list[str] = []
        self.published: list[str] = []
        self.family: list[int] = []
        originals: list[int] = []
        for i in range(n):
            if originals and self.random.random() < dup_rate:
                source = self.pick(originals)
                title, body = self.copy(self.titles[source], self.bodies[source])
                self.family.append(source)
            else:
                title, body = self.article()
                self.family.append(i)
                originals.append(i)
            self.titles.append(title)
            self.bodies.append(body)
            self.published.append(f"20{10 + i * 15 // n:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}")

    def below(self, k: int) -> int:
        return int(self.random.random() * k)  # random.randrange costs ten times more

    def between(self, low: int, high: int) -> int:
        return low + self.below(high - low + 1)

    def pick(self, items: list):
        return items[self.below(len(items))]

    def names(self, count: int) -> list[str]:
        """Names of people, groups and places: capitalised made-up words, some with al-."""
        out = []
        for _ in range(count):
            parts = [self.vocabulary[self.between(200, 29999)].capitalize() for _ in range(self.between(1, 3))]
            if self.random.random() < 0.4:
                parts.insert(len(parts) - 1, "al")
            out.append(" ".join(parts))
        return out

    def sentence(self, names: list[str] | None = None) -> str:
        words = self.words.take(self.between(8, 29))
        if names:
            for _ in range(self.between(0, 2)):
                words.insert(self.between(0, len(words)), self.pick(names))
        return " ".join(words).capitalize() + "."

    def paragraph(self, names: list[str] | None = None) -> str:
        return " ".join(self.sentence(names) for _ in range(self.between(1, 3)))

    def article(self) -> tuple[str, str]:
        names = self.pick(self.events)
        paragraphs = [self.paragraph(names) for _ in range(self.between(5, 15))]
        if self.random.random() < 0.3:  # outlets append stock paragraphs to many articles
            paragraphs += self.pick(self.stock)
        return self.sentence(names)[:-1], "\n\n".join(paragraphs)

    def copy(self, title: str, body: str) -> tuple[str, str]:
        """A repost with one to four edits."""
        paragraphs = body.split("\n\n")
        for _ in range(self.between(1, 4)):
            edit = self.below(6)
            at = self.below(len(paragraphs))
            if edit == 0:  # a sentence added
                paragraphs.insert(at, self.sentence())
            elif edit == 1:  # a sentence reworded
                sentences = paragraphs[at].split(". ")
                sentences[self.below(len(sentences))] = self.sentence()[:-1]
                paragraphs[at] = ". ".join(sentences)
            elif edit == 2 and len(paragraphs) > 3:  # a paragraph removed
                del paragraphs[at]
            elif edit == 3 and len(paragraphs) > 6:  # the end cut off
                paragraphs = paragraphs[:-1]
            elif edit == 4:  # page furniture around the text
                paragraphs.insert(0, self.pick(FURNITURE))
                paragraphs.append(self.pick(FURNITURE))
            else:  # a new headline
                title = self.sentence()[:-1]
        return title, "\n\n".join(paragraphs)


def shingles(body: str, size: int = 5) -> set[str]:
    tokens = TOKEN.findall(body.lower())
    size = min(size, len(tokens))
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def rss_now_kib() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() // 1024


class StoreSystem:
    """plugins.dedup's store (a new SQLite file, or the empty PostgreSQL database ``location``), through the
    calls deduplicate_article and export_article make."""

    def __init__(self, threshold: float, workdir: str, commit_every: int, location: str = "") -> None:
        from plugins.dedup import open_store

        self.path = Path(workdir) / "state.sqlite"
        self.store = open_store(location or self.path, threshold=threshold, num_perm=NUM_PERM,
                                commit_every=commit_every)
        kind = "PostgreSQL" if location else "SQLite"
        self.name = f"{type(self.store).__name__} ({kind}, {self.store.bands} bands x {self.store.rows} rows)"

    def hash(self, title: str, body: str):
        return self.store.fingerprint(title, body)

    def lookup(self, fp) -> list[str]:
        return [article for article, _ in self.store.similar(fp)]

    def insert(self, key: str, title: str, body: str, published: str, fp) -> None:
        record = {"id": key, "canonical_url": f"https://example.invalid/{key}", "title": title, "body": body,
                  "published": published}
        self.store.record(record, fp)

    def finish(self) -> dict:
        if self.path.exists():
            self.store.close()
            size = sum(p.stat().st_size for p in self.path.parent.glob("state.sqlite*"))
        else:
            (size,) = self.store.execute(
                "SELECT sum(pg_total_relation_size(t)) FROM unnest(ARRAY['meta', 'articles', 'revisions', "
                "'clusters', 'lsh']) AS t").fetchone()
            self.store.close()
        return {"disk_mib": int(size) / 2**20}


class DatasketchSystem:
    """datasketch.MinHashLSH kept in memory, MinHash over the same word shingles (its default hash)."""

    def __init__(self, threshold: float, workdir: str, commit_every: int) -> None:
        from datasketch import MinHash, MinHashLSH

        self.minhash = MinHash
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.name = f"datasketch {version('datasketch')} MinHashLSH (memory, {self.lsh.b} bands x {self.lsh.r} rows)"

    def hash(self, title: str, body: str):
        m = self.minhash(num_perm=NUM_PERM)
        m.update_batch([s.encode() for s in shingles(body)])
        return m

    def lookup(self, fp) -> list[str]:
        return self.lsh.query(fp)

    def insert(self, key: str, title: str, body: str, published: str, fp) -> None:
        self.lsh.insert(key, fp)

    def finish(self) -> dict:
        return {}


SYSTEMS = {"store": StoreSystem, "datasketch": DatasketchSystem}


def run(system_name: str, args: argparse.Namespace) -> dict:
    """Generate the corpus, stream it through one system and measure."""
    started = time.perf_counter()
    corpus = Corpus(args.n, args.seed, args.dup_rate)
    generated = time.perf_counter() - started
    rss_start = rss_now_kib()
    with tempfile.TemporaryDirectory() as workdir:
        options = {"location": args.store} if system_name == "store" else {}
        system = SYSTEMS[system_name](args.threshold, workdir, args.commit_every, **options)
        seconds = {"hash": 0.0, "lookup": 0.0, "insert": 0.0}
        found: dict[int, list[int]] = {}
        for i in range(args.n):
            t0 = time.perf_counter()
            fp = system.hash(corpus.titles[i], corpus.bodies[i])
            t1 = time.perf_counter()
            matches = system.lookup(fp)
            t2 = time.perf_counter()
            system.insert(str(i), corpus.titles[i], corpus.bodies[i], corpus.published[i], fp)
            t3 = time.perf_counter()
            seconds["hash"] += t1 - t0
            seconds["lookup"] += t2 - t1
            seconds["insert"] += t3 - t2
            if matches:
                found[i] = [int(m) for m in matches]
        extra = system.finish()
    family = corpus.family
    copies = [i for i in range(args.n) if family[i] != i]
    # A copy is found when the lookup returned its original or an earlier copy of the same original.
    hit = {i for i in copies if any(family[m] == family[i] for m in found.get(i, ()))}
    close = [i for i in copies if jaccard(corpus.bodies[i], corpus.bodies[family[i]]) >= args.threshold]
    pairs = [(i, m) for i, ms in found.items() for m in ms]
    true_pairs = sum(family[i] == family[m] for i, m in pairs)
    return {
        "system": system.name,
        "generate_s": generated,
        "seconds": seconds,
        "rate": {k: args.n / v for k, v in seconds.items()} | {"all": args.n / sum(seconds.values())},
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_growth_mib": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_start) / 1024,
        "copies": len(copies),
        "recall": len(hit) / max(1, len(copies)),
        "close_copies": len(close),
        "recall_close": len(hit.intersection(close)) / max(1, len(close)),
        "matches": len(pairs),
        "precision": true_pairs / max(1, len(pairs)),
        **extra,
    }


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / max(1, len(sa | sb))


def report(result: dict) -> None:
    rate, sec = result["rate"], result["seconds"]
    print(f"\n{result['system']}")
    print(f"  articles/s  hash {rate['hash']:9.0f}  lookup {rate['lookup']:9.0f}  insert {rate['insert']:9.0f}"
          f"  all three {rate['all']:7.0f}   ({sum(sec.values()):.1f} s)")
    memory = (f"  memory      peak RSS {result['peak_rss_mib']:.0f} MiB,"
              f" {result['rss_growth_mib']:.0f} MiB above the RSS with the corpus loaded")
    if "disk_mib" in result:
        memory += f"; on disk {result['disk_mib']:.0f} MiB"
    print(memory)
    print(f"  recall      {result['recall']:.4f} of {result['copies']} planted copies;"
          f" {result['recall_close']:.4f} of the {result['close_copies']} with Jaccard >= threshold")
    print(f"  precision   {result['precision']:.4f} of {result['matches']} matches returned")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles to index (default 100000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dup-rate", type=float, default=0.03, help="share of planted copies (default 0.03)")
    parser.add_argument("--threshold", type=float, default=0.5, help="Jaccard threshold for both systems")
    parser.add_argument("--commit-every", type=int, default=1, help="store commit batch (default 1: each)")
    parser.add_argument("--store", default="", metavar="URL",
                        help="an empty PostgreSQL database (postgresql://...) for the store (default: a new SQLite file)")
    parser.add_argument("--only", choices=sorted(SYSTEMS), help="run one system only")
    parser.add_argument("--child", choices=sorted(SYSTEMS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run(args.child, args)))
        return
    print(f"{args.n} articles, {args.dup_rate:.0%} planted copies, seed {args.seed}, threshold {args.threshold},"
          f" {NUM_PERM} permutations")
    started = time.perf_counter()
    for name in [args.only] if args.only else list(SYSTEMS):
        argv = [f"--{k.replace('_', '-')}={v}" for k, v in vars(args).items() if k not in ("only", "child")]
        done = subprocess.run([sys.executable, __file__, *argv, "--child", name], capture_output=True, text=True)
        if done.returncode:
            print(f"\n{name}: failed\n{done.stderr.strip()}")
            continue
        result = json.loads(done.stdout.splitlines()[-1])
        if name == "store":
            print(f"(corpus generated in {result['generate_s']:.1f} s per process)")
        report(result)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
