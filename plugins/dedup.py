"""Deduplication: exact duplicates, revisions and near-duplicate clusters, kept in a SQLite store.

Three questions are asked of every record, in order:

1. Was this canonical URL exported before with the same content (a hash of the whitespace-folded
   title and body)? Then it is a duplicate and is not exported again.
2. Was it exported before with other content? Then it is exported as the next revision, with the
   same id and cluster; every revision's content hash is kept.
3. Otherwise it is new. Its body's MinHash signature is looked up in a banded LSH index; when an
   article already seen has an estimated Jaccard similarity of word shingles of at least the
   threshold, the new one joins that article's cluster and ``duplicate_of`` names the cluster's
   earliest-published member.

``deduplicate_article`` only looks up; ``export_article`` records, once the record passed validation,
and decides again under the store's write lock so that two processes sharing a store agree.

Settings: DEDUP_STORE (the SQLite file, default output/state.sqlite), DEDUP_THRESHOLD (Jaccard
similarity from which two bodies are one story), DEDUP_SHINGLE_SIZE (words per shingle),
DEDUP_NUM_PERM (MinHash permutations), DEDUP_BANDS (LSH bands), DEDUP_COMMIT_EVERY (records per commit).
A store keeps the shingle size, permutations and bands it was created with.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import unicodedata
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from plugins.hookspecs import hookimpl

logger = logging.getLogger(__name__)

DEFAULT_STORE = "output/state.sqlite"
DEFAULT_THRESHOLD = 0.5
DEFAULT_SHINGLE_SIZE = 5
DEFAULT_NUM_PERM = 128
DEFAULT_BANDS = 32
DEFAULT_COMMIT_EVERY = 1
BUSY_TIMEOUT_S = 60.0
# A body whose bands collide with more stored revisions than this is compared only with those sharing
# the most bands, so that pages with much text in common cannot turn a lookup into a scan of the store.
MAX_CANDIDATES = 500
SEEN = "seen: same canonical URL and content"

TOKEN = re.compile(r"\w+")
MASK64 = (1 << 64) - 1
# Polynomial base for combining token hashes into shingle hashes (odd, so no information is lost).
SHINGLE_BASE = np.uint64(0x9E3779B97F4A7C15)
CHUNK = 4096  # shingles hashed at once: bounds memory on very long bodies

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    canonical_url TEXT NOT NULL,
    cluster TEXT NOT NULL,
    published TEXT
);
CREATE TABLE IF NOT EXISTS revisions (
    doc INTEGER PRIMARY KEY,
    id TEXT NOT NULL REFERENCES articles (id),
    revision INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    signature BLOB,
    recorded_at TEXT NOT NULL,
    UNIQUE (id, revision),
    UNIQUE (id, content_hash)
);
CREATE TABLE IF NOT EXISTS clusters (
    cluster TEXT PRIMARY KEY,
    earliest TEXT NOT NULL REFERENCES articles (id)
);
CREATE TABLE IF NOT EXISTS lsh (key INTEGER NOT NULL, doc INTEGER NOT NULL REFERENCES revisions (doc),
                                PRIMARY KEY (key, doc)) WITHOUT ROWID;
"""
SCHEMA_VERSION = "1"
# The index parameters a store is built with; signatures made with others would not compare.
STRUCTURAL = ("num_perm", "bands", "shingle_size")


@dataclass(frozen=True)
class Fingerprint:
    """What the store knows of a text: ``content_hash`` for exact matching; ``signature`` (MinHash of
    the body's word shingles, None for a body without words) and its LSH ``band_keys`` for
    near-duplicate matching."""

    content_hash: str
    signature: np.ndarray | None
    band_keys: list[int]


@dataclass(frozen=True)
class Decision:
    revision: int
    cluster: str
    duplicate_of: str | None
    earliest: str | None  # the cluster's earliest member before this record; None for a new cluster


def fold(text: str | None) -> str:
    """Text as compared for exact duplicates: Unicode NFC, runs of whitespace folded to one space."""
    return unicodedata.normalize("NFC", " ".join((text or "").split()))


def _hash_params(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients of the permutations, derived from SHA-256 so they never change between versions."""

    def word(label: str) -> int:
        return int.from_bytes(hashlib.sha256(label.encode()).digest()[:8], "little")

    a = np.array([word(f"minhash-a-{i}") | 1 for i in range(num_perm)], dtype=np.uint64)
    b = np.array([word(f"minhash-b-{i}") for i in range(num_perm)], dtype=np.uint64)
    return a[:, None], b[:, None]


def _published_key(value: str | None) -> tuple[date, datetime | None] | None:
    """(date as written, UTC instant or None for a date alone), or None when unknown or unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if len(value) <= 10:  # a date alone says nothing about the hour
        return moment.date(), None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.date(), moment.astimezone(timezone.utc)


def published_before(a: str | None, b: str | None) -> bool:
    """Whether ``a`` was surely published before ``b``. A known date comes before an unknown one;
    a date alone is compared with a date and time by the day as written; equal is not before."""
    ka, kb = _published_key(a), _published_key(b)
    if ka is None:
        return False
    if kb is None:
        return True
    if ka[1] is not None and kb[1] is not None:
        return ka[1] < kb[1]
    return ka[0] < kb[0]


class DedupStore:
    """Seen URLs, content hashes and the near-duplicate index in one SQLite file.

    Usable without the framework: ``check(record)`` looks a record up and sets its ``revision``,
    ``cluster`` and ``duplicate_of`` (or returns why it is a duplicate); ``record(record)`` remembers it.
    ``record`` commits every ``commit_every`` records (1: each one) and ``close`` commits the rest.
    """

    def __init__(
        self,
        path: str | Path = DEFAULT_STORE,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        shingle_size: int = DEFAULT_SHINGLE_SIZE,
        num_perm: int = DEFAULT_NUM_PERM,
        bands: int = DEFAULT_BANDS,
        commit_every: int = DEFAULT_COMMIT_EVERY,
    ) -> None:
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold {threshold}: give a Jaccard similarity in (0, 1]")
        if shingle_size < 1 or num_perm < 1 or not 1 <= bands <= num_perm or commit_every < 1:
            raise ValueError("shingle_size, num_perm, bands, commit_every: give positive numbers, bands <= num_perm")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.threshold = threshold
        self.commit_every = commit_every
        self._pending = 0
        # check() and record() of one record need the same fingerprint: computed once.
        self._last_fingerprint: tuple[tuple[str | None, str | None], Fingerprint] | None = None
        # Autocommit mode: transactions are begun explicitly, so their extent is visible here.
        self.conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
        self.conn.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent; fsync at checkpoints only
        self.conn.execute("PRAGMA foreign_keys=ON")
        params = self._open_schema(shingle_size=shingle_size, num_perm=num_perm, bands=bands)
        self.num_perm, self.bands, self.shingle_size = (params[k] for k in STRUCTURAL)
        self.rows = self.num_perm // self.bands
        self._a, self._b = _hash_params(self.num_perm)

    def _open_schema(self, **wanted: int) -> dict[str, int]:
        """Create the tables on first use; return the index parameters the store was built with."""
        with self._transaction():
            # One statement at a time: executescript would commit the transaction first.
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self.conn.execute(statement)
            stored = dict(self.conn.execute("SELECT key, value FROM meta"))
            if not stored:
                stored = {"schema_version": SCHEMA_VERSION, **{k: str(v) for k, v in wanted.items()}}
                self.conn.executemany("INSERT INTO meta VALUES (?, ?)", stored.items())
        if stored["schema_version"] != SCHEMA_VERSION:
            raise RuntimeError(f"{self.path}: store schema {stored['schema_version']}, expected {SCHEMA_VERSION}")
        params = {k: int(stored[k]) for k in STRUCTURAL}
        for key, value in wanted.items():
            if params[key] != value:
                logger.warning(
                    "%s was built with %s=%d: keeping it (use a new store to change it), not %d",
                    self.path, key, params[key], value,
                )
        return params

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error, for statements outside ``record``."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- fingerprints ------------------------------------------------------------------------------

    def fingerprint(self, title: str | None, body: str | None) -> Fingerprint:
        if self._last_fingerprint and self._last_fingerprint[0] == (title, body):
            return self._last_fingerprint[1]
        content = hashlib.sha256(f"{fold(title)}\n{fold(body)}".encode()).hexdigest()
        signature = self.signature(body)
        fp = Fingerprint(content, signature, [] if signature is None else self.band_keys(signature))
        self._last_fingerprint = ((title, body), fp)
        return fp

    def signature(self, body: str | None) -> np.ndarray | None:
        """MinHash of the body's word shingles (lower-cased ``\\w+`` tokens), as ``num_perm`` uint32."""
        tokens = TOKEN.findall((body or "").lower())
        if not tokens:
            return None
        size = min(self.shingle_size, len(tokens))  # a body shorter than a shingle is one shingle
        # Tokens hold no spaces, and UTF-8 never puts an ASCII byte inside a multi-byte character.
        encoded = " ".join(tokens).encode().split(b" ")
        hashes = np.fromiter(map(zlib.crc32, encoded), dtype=np.uint64, count=len(tokens))
        count = len(tokens) - size + 1
        shingles = np.zeros(count, dtype=np.uint64)
        for offset in range(size):  # unsigned arithmetic wraps modulo 2**64, as intended
            shingles = shingles * SHINGLE_BASE + hashes[offset : offset + count]
        shingles >>= np.uint64(32)  # the best-mixed 32 bits are the shingle's id
        # Each permutation is a multiply-add-shift hash ((a * x + b) mod 2**64) >> 32 of a 32-bit id,
        # a strongly universal family; the signature keeps each one's minimum over the shingles. The
        # shift is monotonic, so it is applied to the minima only.
        minima = np.full(self.num_perm, MASK64, dtype=np.uint64)
        for start in range(0, count, CHUNK):
            values = self._a * shingles[None, start : start + CHUNK]
            values += self._b
            np.minimum(minima, values.min(axis=1), out=minima)
        return (minima >> np.uint64(32)).astype(np.uint32)

    def band_keys(self, signature: np.ndarray) -> list[int]:
        """One SQLite integer per band: a 64-bit hash of the band's number and its rows of the signature."""
        raw = signature.astype("<u4").tobytes()
        width = 4 * self.rows
        keys = []
        for band in range(self.bands):
            rows = raw[band * width : (band + 1) * width]
            digest = hashlib.blake2b(band.to_bytes(4, "little") + rows, digest_size=8).digest()
            keys.append(int.from_bytes(digest, "little", signed=True))
        return keys

    # -- lookups -----------------------------------------------------------------------------------

    def similar(self, fp: Fingerprint) -> list[tuple[str, float]]:
        """Stored articles whose body is estimated at least ``threshold`` similar, best first, as
        (id, similarity); only revisions sharing a band with ``fp`` are compared."""
        if fp.signature is None:
            return []
        keys = fp.band_keys
        rows = self.conn.execute(
            f"""SELECT r.id, r.signature FROM revisions r JOIN (
                    SELECT doc, count(*) AS shared FROM lsh WHERE key IN ({",".join("?" * len(keys))})
                    GROUP BY doc ORDER BY shared DESC LIMIT ?) c ON c.doc = r.doc""",
            (*keys, MAX_CANDIDATES),
        )
        best: dict[str, float] = {}
        for article, blob in rows:
            score = float(np.mean(np.frombuffer(blob, dtype="<u4") == fp.signature))
            if score >= self.threshold and score > best.get(article, -1.0):
                best[article] = score
        return sorted(best.items(), key=lambda item: (-item[1], item[0]))

    def _decide(self, article: dict[str, Any], fp: Fingerprint) -> Decision | None:
        """What ``article`` is with respect to the store: None for a duplicate, else its revision,
        cluster and duplicate_of."""
        known = self.conn.execute("SELECT cluster FROM articles WHERE id = ?", (article["id"],)).fetchone()
        if known:
            if self.conn.execute(
                "SELECT 1 FROM revisions WHERE id = ? AND content_hash = ?", (article["id"], fp.content_hash)
            ).fetchone():
                return None
            (revision,) = self.conn.execute(
                "SELECT max(revision) + 1 FROM revisions WHERE id = ?", (article["id"],)
            ).fetchone()
            cluster = known[0]
        else:
            revision = 1
            matches = self.similar(fp)
            cluster = article["id"]
            if matches:
                best = matches[0][0]
                (cluster,) = self.conn.execute("SELECT cluster FROM articles WHERE id = ?", (best,)).fetchone()
        row = self.conn.execute(
            "SELECT c.earliest, a.published FROM clusters c JOIN articles a ON a.id = c.earliest WHERE c.cluster = ?",
            (cluster,),
        ).fetchone()
        if row is None:
            return Decision(revision, cluster, None, None)
        earliest, earliest_published = row
        if earliest == article["id"] or published_before(article.get("published"), earliest_published):
            return Decision(revision, cluster, None, earliest)
        return Decision(revision, cluster, earliest, earliest)

    def check(self, article: dict[str, Any]) -> str | None:
        """Return why ``article`` is a duplicate, or None after setting its revision, cluster and
        duplicate_of. Records nothing."""
        decision = self._decide(article, self.fingerprint(article.get("title"), article.get("body")))
        if decision is None:
            return SEEN
        article.update(revision=decision.revision, cluster=decision.cluster, duplicate_of=decision.duplicate_of)
        return None

    # -- recording ---------------------------------------------------------------------------------

    def record(self, article: dict[str, Any], fp: Fingerprint | None = None) -> bool:
        """Remember an exported record; False when the store already had it (another process sharing
        the store exported it since ``check``). Decides again under the write lock and sets the
        record's revision, cluster and duplicate_of to what is stored."""
        fp = fp or self.fingerprint(article.get("title"), article.get("body"))
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
        # A savepoint keeps a failed record from undoing the others of an uncommitted batch.
        self.conn.execute("SAVEPOINT record")
        recorded = False
        try:
            recorded = self._insert(article, fp)
        except BaseException:
            self.conn.execute("ROLLBACK TO record")
            raise
        finally:
            self.conn.execute("RELEASE record")
            self._pending += recorded
            if not self._pending or self._pending >= self.commit_every:
                self.commit()  # also ends a transaction that recorded nothing: the write lock is shared
        return recorded

    def _insert(self, article: dict[str, Any], fp: Fingerprint) -> bool:
        decision = self._decide(article, fp)
        if decision is None:
            logger.warning("%s was recorded by another process since it was checked", article["id"])
            return False
        article.update(revision=decision.revision, cluster=decision.cluster, duplicate_of=decision.duplicate_of)
        published = article.get("published")
        if decision.revision == 1:
            self.conn.execute(
                "INSERT INTO articles (id, canonical_url, cluster, published) VALUES (?, ?, ?, ?)",
                (article["id"], article["canonical_url"], decision.cluster, published),
            )
        else:
            self.conn.execute(
                "UPDATE articles SET published = coalesce(?, published) WHERE id = ?", (published, article["id"])
            )
        blob = None if fp.signature is None else fp.signature.astype("<u4").tobytes()
        doc = self.conn.execute(
            "INSERT INTO revisions (id, revision, content_hash, signature, recorded_at) VALUES (?, ?, ?, ?, ?)",
            (article["id"], decision.revision, fp.content_hash, blob, datetime.now(timezone.utc).isoformat()),
        ).lastrowid
        self.conn.executemany("INSERT OR IGNORE INTO lsh (key, doc) VALUES (?, ?)", ((k, doc) for k in fp.band_keys))
        if decision.earliest is None:
            self.conn.execute("INSERT INTO clusters VALUES (?, ?)", (decision.cluster, article["id"]))
        elif decision.duplicate_of is None and decision.earliest != article["id"]:
            # Published before every member seen so far: later copies point here.
            self.conn.execute("UPDATE clusters SET earliest = ? WHERE cluster = ?", (article["id"], decision.cluster))
        return True

    def commit(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")
        self._pending = 0

    def close(self) -> None:
        self.commit()
        self.conn.close()


# -- hooks -----------------------------------------------------------------------------------------


@hookimpl
def chain_opened(chain):
    settings = chain.settings
    chain.state["dedup"] = DedupStore(
        settings.get("DEDUP_STORE") or DEFAULT_STORE,
        threshold=settings.getfloat("DEDUP_THRESHOLD", DEFAULT_THRESHOLD),
        shingle_size=settings.getint("DEDUP_SHINGLE_SIZE", DEFAULT_SHINGLE_SIZE),
        num_perm=settings.getint("DEDUP_NUM_PERM", DEFAULT_NUM_PERM),
        bands=settings.getint("DEDUP_BANDS", DEFAULT_BANDS),
        commit_every=settings.getint("DEDUP_COMMIT_EVERY", DEFAULT_COMMIT_EVERY),
    )


@hookimpl
def deduplicate_article(article, chain):
    return chain.state["dedup"].check(article)


@hookimpl
def export_article(article, chain):
    if not chain.state["dedup"].record(article):
        return
    if article["revision"] > 1:
        chain.stats.inc_value("articles/revisions")
    elif article["cluster"] != article["id"]:
        chain.stats.inc_value("articles/near_duplicates")


@hookimpl
def chain_closed(chain):
    store = chain.state.pop("dedup", None)
    if store is not None:
        store.close()
