"""Deduplication: exact duplicates, revisions and near-duplicate clusters, kept in a shared store.

Three questions are asked of every record, in order:

1. Was this canonical URL exported before with the same content (a hash of the whitespace-folded
   title and body)? Then it is a duplicate and is not exported again.
2. Was it exported before with other content? Then it is exported as the next revision, with the
   same id and cluster; every revision's content hash is kept.
3. Otherwise it is new. Its body's MinHash signature is looked up in a banded LSH index; when an
   article already seen has an estimated Jaccard similarity of word shingles of at least the
   threshold, the new one joins that article's cluster and ``duplicate_of`` names the cluster's
   earliest-published member.

``deduplicate_article`` only looks up. ``export_article`` decides again and claims the record in one
transaction that holds the store's lock for exactly this story, so that however many crawls (processes or
machines) meet the same story at the same moment, one exports it and the others count it as a duplicate.
The transaction stays open while the rest of the export (the feed journal) runs, and commits after it.

A feed line is never rewritten, but the earliest-published member of a cluster can arrive after its copies
(crawls of two outlets in parallel, or in any order): the record that becomes the cluster's earliest is
exported with ``duplicate_of`` null, and the members exported before it are remembered, in the same
transaction, as owing an amendment (``amendments``: id and the ``duplicate_of`` it must say now).
``crawler.amendments`` appends the amending line to the feed that holds each of them and then ``settle``s it.

Two stores keep the same tables: ``SQLiteStore``, a file on one machine (the default), whose write lock is
the whole file; and ``PostgresStore`` (DEDUP_STORE=postgresql://...), shared by crawlers on any number of
machines, whose locks are transaction-scoped advisory locks on the article id and the body's LSH band keys
(two copies of one story share a band, so they queue) and then on the cluster.

Settings: DEDUP_STORE (a SQLite file, default output/state/dedup.sqlite, or a postgresql:// URL),
DEDUP_THRESHOLD (Jaccard similarity from which two bodies are one story), DEDUP_SHINGLE_SIZE (words per
shingle), DEDUP_NUM_PERM (MinHash permutations), DEDUP_BANDS (LSH bands), DEDUP_COMMIT_EVERY (records per
commit: 1 by default; more saves a commit per record where one process uses the store, as ``scrapy process``
over an archive does, since an open batch keeps the store's lock from other crawls sharing it). A crawl killed
with a batch open loses the batch from the store but not from the feed: the feed's journal
(``crawler.feeds.FeedJournal``) keeps an open batch's records until the store commits them, and the next
run records again what the feed holds and the store lost, so no article is lost or exported twice.
A store keeps the shingle size, permutations and bands it was created with.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import time
import unicodedata
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from plugins.hookspecs import hookimpl
from plugins.model import Duplicate, StoreUnavailable

logger = logging.getLogger(__name__)

DEFAULT_STORE = "output/state/dedup.sqlite"
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
CLAIMED = "exported by another crawl sharing the store at the same moment"

TOKEN = re.compile(r"\w+")
MASK64 = (1 << 64) - 1
# Polynomial base for combining token hashes into shingle hashes (odd, so no information is lost).
SHINGLE_BASE = np.uint64(0x9E3779B97F4A7C15)
CHUNK = 4096  # shingles hashed at once: bounds memory on very long bodies


class TokenHashes(dict):
    """The CRC-32 of a token's UTF-8 bytes, computed once per distinct token: prose repeats most of its
    words, and a dict lookup costs a third of encoding and hashing the token again."""

    # A long run meets ever more distinct tokens: start afresh rather than grow without bound (about 6 MB).
    limit = 50_000

    def __missing__(self, token: str) -> int:
        if len(self) >= self.limit:
            self.clear()
        value = self[token] = zlib.crc32(token.encode())
        return value


TOKEN_HASHES = TokenHashes()

# ``amendments``: exported records whose ``duplicate_of`` a later decision changed (an earlier-published member
# joined their cluster after them), each with what it must say now, until an amending line is in its feed.
# One set of tables for both stores; only the types and options of the dialects differ.
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    canonical_url TEXT NOT NULL,
    cluster TEXT NOT NULL,
    published TEXT
);
CREATE TABLE IF NOT EXISTS revisions (
    doc {doc},
    id TEXT NOT NULL REFERENCES articles (id),
    revision INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    signature {blob},
    recorded_at TEXT NOT NULL,
    UNIQUE (id, revision),
    UNIQUE (id, content_hash)
);
CREATE TABLE IF NOT EXISTS clusters (
    cluster TEXT PRIMARY KEY,
    earliest TEXT NOT NULL REFERENCES articles (id)
);
CREATE TABLE IF NOT EXISTS lsh (key {integer} NOT NULL, doc {integer} NOT NULL REFERENCES revisions (doc),
                                PRIMARY KEY (key, doc)){lsh_options};
CREATE TABLE IF NOT EXISTS amendments (
    id TEXT PRIMARY KEY REFERENCES articles (id),
    duplicate_of TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
"""
SQLITE_SCHEMA = SCHEMA.format(doc="INTEGER PRIMARY KEY", blob="BLOB", integer="INTEGER", lsh_options=" WITHOUT ROWID")
# In PostgreSQL ``doc`` is an identity that takes explicit values too (store-migrate).
POSTGRES_SCHEMA = SCHEMA.format(doc="BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", blob="BYTEA",
                                integer="BIGINT", lsh_options="")
# Tables in the order their rows can be copied (foreign keys point backwards).
TABLES = ("meta", "articles", "revisions", "clusters", "lsh", "amendments")
SCHEMA_VERSION = "1"
# Lock keys of the PostgreSQL store besides ids and band keys: creating the tables, and the key space of clusters.
SCHEMA_LOCK = 0x636F6E666C696374  # "conflict"
CLUSTER_LOCK_SPACE = 0x636C7573  # "clus"
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


@dataclass(frozen=True)
class Amendment:
    """An exported record whose ``duplicate_of`` must now say ``duplicate_of``; ``revision`` is the article's
    latest (its latest line is the one to amend)."""

    id: str
    duplicate_of: str
    revision: int
    canonical_url: str


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


def is_postgres_url(location: str | Path) -> bool:
    return str(location).startswith(("postgresql://", "postgres://"))


def without_password(url: str) -> str:
    """A store URL as it may appear in logs and errors."""
    return re.sub(r"://([^:/@]+):[^@/]*@", r"://\1:***@", url)


def open_store(location: str | Path = DEFAULT_STORE, **options: Any) -> Store:
    """The store at ``location``: a postgresql:// URL, or the path of a SQLite file."""
    if is_postgres_url(location):
        return PostgresStore(str(location), **options)
    return SQLiteStore(location, **options)


class Store:
    """Seen URLs, content hashes and the near-duplicate index, in tables that every backend keeps alike.

    Usable without the framework: ``check(record)`` looks a record up and sets its ``revision``,
    ``cluster`` and ``duplicate_of`` (or returns why it is a duplicate); ``claim(record)`` decides again
    and remembers it in one transaction (see the module's docstring); ``record(record)`` is a claim with
    nothing else to do inside it. Claims commit every ``commit_every`` records (1: each one) and ``close``
    commits the rest. A backend that cannot be reached raises ``StoreUnavailable``.
    """

    # What a backend says when it cannot be reached or written (a stopped server, a full disk, a lock held
    # past the timeout): the crawl must stop rather than export what it cannot remember.
    unavailable: tuple[type[BaseException], ...] = ()
    begin = "BEGIN"  # the statement that begins a transaction
    schema = ""  # the CREATE statements of the tables

    def __init__(
        self,
        location: str,
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
        self.location = location
        self.threshold = threshold
        self.commit_every = commit_every
        self._pending = 0
        # Called after each commit: whoever keeps records of an open batch (the feed's journal) lets them go.
        self.commit_listeners: list[Callable[[], None]] = []
        # check() and record() of one record need the same fingerprint: computed once.
        self._last_fingerprint: tuple[tuple[str | None, str | None], Fingerprint] | None = None
        with self._reachable():
            self.conn = self._connect()
            params = self._open_schema(shingle_size=shingle_size, num_perm=num_perm, bands=bands)
        self.num_perm, self.bands, self.shingle_size = (params[k] for k in STRUCTURAL)
        self.rows = self.num_perm // self.bands
        self._a, self._b = _hash_params(self.num_perm)

    # -- what a backend provides -------------------------------------------------------------------

    def _connect(self) -> Any:
        raise NotImplementedError

    @property
    def in_transaction(self) -> bool:
        raise NotImplementedError

    def sql(self, statement: str) -> str:
        """A statement written with ``?`` placeholders, in this backend's style."""
        return statement

    def execute(self, statement: str, params: Any = ()) -> Any:
        """Run one statement written with ``?`` placeholders; return the cursor."""
        return self.conn.execute(self.sql(statement), params)

    def executemany(self, statement: str, rows: Any) -> None:
        self.conn.cursor().executemany(self.sql(statement), rows)

    def _lock(self, keys: list[int]) -> None:
        """Hold, until the transaction ends, the locks of these 64-bit keys (a backend whose transactions
        already exclude each other has nothing to do)."""

    def _lock_cluster(self, cluster: str) -> None:
        """Hold the lock of a cluster until the transaction ends."""

    def _after_copy(self) -> None:
        """Bring generated keys past the rows ``copy_store`` wrote with their own keys."""

    # -- opening -----------------------------------------------------------------------------------

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        try:
            yield
        except self.unavailable as exc:
            raise StoreUnavailable(f"the deduplication store {self} cannot be used: {exc}".strip()) from exc

    def __str__(self) -> str:
        return str(self.location)

    def _open_schema(self, **wanted: int) -> dict[str, int]:
        """Create the tables on first use; return the index parameters the store was built with."""
        with self._transaction():
            self._lock([SCHEMA_LOCK])  # crawls starting together on a new store create it once
            # One statement at a time: SQLite's executescript would commit the transaction first.
            for statement in self.schema.split(";"):
                if statement.strip():
                    self.execute(statement)
            stored = dict(self.execute("SELECT key, value FROM meta").fetchall())
            if not stored:
                stored = {"schema_version": SCHEMA_VERSION, **{k: str(v) for k, v in wanted.items()}}
                self.executemany("INSERT INTO meta VALUES (?, ?)", list(stored.items()))
        if stored["schema_version"] != SCHEMA_VERSION:
            raise RuntimeError(f"{self}: store schema {stored['schema_version']}, expected {SCHEMA_VERSION}")
        params = {k: int(stored[k]) for k in STRUCTURAL}
        for key, value in wanted.items():
            if params[key] != value:
                logger.warning(
                    "%s was built with %s=%d: keeping it (use a new store to change it), not %d",
                    self, key, params[key], value,
                )
        return params

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN ... COMMIT, or ROLLBACK on error, for statements outside ``claim``."""
        self.execute(self.begin)
        try:
            yield
        except BaseException:
            self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")

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
        hashes = np.fromiter(map(TOKEN_HASHES.__getitem__, tokens), dtype=np.uint64, count=len(tokens))
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
        rows = self.execute(
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
        known = self.execute("SELECT cluster FROM articles WHERE id = ?", (article["id"],)).fetchone()
        if known:
            if self.execute(
                "SELECT 1 FROM revisions WHERE id = ? AND content_hash = ?", (article["id"], fp.content_hash)
            ).fetchone():
                return None
            (revision,) = self.execute(
                "SELECT max(revision) + 1 FROM revisions WHERE id = ?", (article["id"],)
            ).fetchone()
            cluster = known[0]
        else:
            revision = 1
            matches = self.similar(fp)
            cluster = article["id"]
            if matches:
                best = matches[0][0]
                (cluster,) = self.execute("SELECT cluster FROM articles WHERE id = ?", (best,)).fetchone()
        self._lock_cluster(cluster)  # its earliest member is read now and may change below
        row = self.execute(
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
        fp = self.fingerprint(article.get("title"), article.get("body"))
        with self._reachable():
            decision = self._decide(article, fp)
        if decision is None:
            return SEEN
        article.update(revision=decision.revision, cluster=decision.cluster, duplicate_of=decision.duplicate_of)
        return None

    # -- recording ---------------------------------------------------------------------------------

    @contextmanager
    def claim(self, article: dict[str, Any], fp: Fingerprint | None = None) -> Iterator[bool]:
        """Decide again, and remember the record, in one transaction that holds the locks of its id and
        band keys; yield whether it was recorded (False: the store already has it, recorded by another
        crawl since ``check``), with the record's revision, cluster and duplicate_of set to what is stored.
        The transaction commits when the ``with`` block ends, and rolls back if it raises."""
        fp = fp or self.fingerprint(article.get("title"), article.get("body"))
        with self._reachable():
            if not self.in_transaction:
                self.execute(self.begin)
            # A savepoint keeps a failed record from undoing the others of an uncommitted batch.
            self.execute("SAVEPOINT record")
            try:
                self._lock(sorted({id_key(article["id"]), *fp.band_keys}))
                decision = self._decide(article, fp)
                if decision is not None:
                    self._insert(article, fp, decision)
                yield decision is not None
            except BaseException:
                self.execute("ROLLBACK TO SAVEPOINT record")
                self.execute("RELEASE SAVEPOINT record")
                if not self._pending:
                    self.commit()  # ends the transaction: the locks are shared
                raise
            self.execute("RELEASE SAVEPOINT record")
            self._pending += decision is not None
            if not self._pending or self._pending >= self.commit_every:
                self.commit()

    def record(self, article: dict[str, Any], fp: Fingerprint | None = None) -> bool:
        """Remember an exported record; False when the store already had it (see ``claim``)."""
        with self.claim(article, fp) as recorded:
            if not recorded:
                logger.warning("%s was recorded by another process since it was checked", article["id"])
        return recorded

    def _insert(self, article: dict[str, Any], fp: Fingerprint, decision: Decision) -> None:
        now = datetime.now(timezone.utc).isoformat()
        article.update(revision=decision.revision, cluster=decision.cluster, duplicate_of=decision.duplicate_of)
        published = article.get("published")
        if decision.revision == 1:
            self.execute(
                "INSERT INTO articles (id, canonical_url, cluster, published) VALUES (?, ?, ?, ?)",
                (article["id"], article["canonical_url"], decision.cluster, published),
            )
        else:
            self.execute(
                "UPDATE articles SET published = coalesce(?, published) WHERE id = ?", (published, article["id"])
            )
        blob = None if fp.signature is None else fp.signature.astype("<u4").tobytes()
        (doc,) = self.execute(
            "INSERT INTO revisions (id, revision, content_hash, signature, recorded_at) VALUES (?, ?, ?, ?, ?) "
            "RETURNING doc",
            (article["id"], decision.revision, fp.content_hash, blob, now),
        ).fetchone()
        self.executemany("INSERT INTO lsh (key, doc) VALUES (?, ?) ON CONFLICT DO NOTHING",
                         [(k, doc) for k in fp.band_keys])
        if decision.revision > 1:  # this line supersedes the article's earlier ones, amended or not
            self.execute("DELETE FROM amendments WHERE id = ?", (article["id"],))
        if decision.earliest is None:
            self.execute("INSERT INTO clusters VALUES (?, ?)", (decision.cluster, article["id"]))
        elif decision.duplicate_of is None and decision.earliest != article["id"]:
            # Published before every member seen so far: later copies point here, and every member already
            # exported (the former earliest with duplicate_of null, the others naming it) owes an amendment.
            self.execute("UPDATE clusters SET earliest = ? WHERE cluster = ?", (article["id"], decision.cluster))
            self.execute(
                "INSERT INTO amendments (id, duplicate_of, decided_at) SELECT id, ?, ? FROM articles "
                "WHERE cluster = ? AND id <> ? "
                "ON CONFLICT (id) DO UPDATE SET duplicate_of = excluded.duplicate_of, decided_at = excluded.decided_at",
                (article["id"], now, decision.cluster, article["id"]),
            )

    # -- amendments ---------------------------------------------------------------------------------

    def amendments(self) -> list[Amendment]:
        """The exported records that owe an amending line, oldest decision first."""
        with self._reachable():
            rows = self.execute(
                "SELECT a.id, a.duplicate_of, (SELECT max(revision) FROM revisions r WHERE r.id = a.id), "
                "ar.canonical_url FROM amendments a JOIN articles ar ON ar.id = a.id ORDER BY a.decided_at, a.id"
            ).fetchall()
        return [Amendment(*row) for row in rows]

    def settle(self, amendment: Amendment) -> None:
        """Forget an amendment now that a feed holds it; unless another decision changed it meanwhile."""
        self.commit()  # a batch of claims, if any, first
        with self._reachable(), self._transaction():
            self.execute("DELETE FROM amendments WHERE id = ? AND duplicate_of = ?",
                         (amendment.id, amendment.duplicate_of))

    @property
    def batch_open(self) -> bool:
        """Whether records are recorded and not yet committed: a kill now loses them from the store."""
        return self._pending > 0

    def commit(self) -> None:
        with self._reachable():
            if self.in_transaction:
                self.execute("COMMIT")
        self._pending = 0
        for listener in self.commit_listeners:
            listener()

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self.conn.close()


def copy_store(source: Store, target: Store, batch: int = 5000) -> dict[str, int]:
    """Copy every row of ``source`` into the empty store ``target`` (built with the same index parameters)
    in one transaction; return the rows copied per table. A target that holds articles is refused."""
    for key in STRUCTURAL:
        if getattr(source, key) != getattr(target, key):
            raise ValueError(f"{target} was built with {key}={getattr(target, key)}, {source} with "
                             f"{getattr(source, key)}: copy into a new, empty store")
    copied = {}
    with target._reachable(), target._transaction():
        target._lock([SCHEMA_LOCK])
        if target.execute("SELECT 1 FROM articles LIMIT 1").fetchone():
            raise ValueError(f"{target} already holds articles: copy into a new, empty store")
        for table in TABLES[1:]:  # the target wrote its own meta rows, equal in what matters (checked above)
            rows = source.execute(f"SELECT * FROM {table}")
            columns = [column[0] for column in rows.description]
            insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            copied[table] = 0
            while chunk := rows.fetchmany(batch):
                target.executemany(insert, chunk)
                copied[table] += len(chunk)
        target._after_copy()
    return copied


def id_key(article_id: str) -> int:
    """An article id as a signed 64-bit lock key."""
    return int.from_bytes(hashlib.blake2b(article_id.encode(), digest_size=8).digest(), "little", signed=True)


class SQLiteStore(Store):
    """The store in one SQLite file, on one machine (WAL mode: readers never wait for the writer). A
    claim begins with BEGIN IMMEDIATE, so it holds the file's write lock from its first read: the
    decisions of processes sharing the file take turns. A busy file is waited for up to BUSY_TIMEOUT_S."""

    schema = SQLITE_SCHEMA
    begin = "BEGIN IMMEDIATE"
    unavailable = (sqlite3.OperationalError,)

    def __init__(self, path: str | Path = DEFAULT_STORE, **options: Any) -> None:
        self.path = Path(path)
        super().__init__(str(path), **options)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are begun explicitly, so their extent is visible here.
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                # Switching a new file to WAL takes an exclusive lock that SQLite does not wait for: a
                # process opening the file at the same moment as another is told "database is locked".
                conn.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        conn.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent; fsync at checkpoints only
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction


class PostgresStore(Store):
    """The store in a PostgreSQL database, shared by crawlers on any number of machines.

    A claim takes transaction-scoped advisory locks on the article's id and the body's band keys, in
    ascending order (so two claims never wait for each other in a circle), then on the cluster it joins:
    two crawls meeting the same URL, or two copies of one story (which share a band key whenever they are
    similar enough to match), decide one after the other, the second seeing what the first committed.
    Unique keys on (id, revision) and (id, content_hash) back this up. Other stories proceed in parallel.
    """

    schema = POSTGRES_SCHEMA

    def __init__(self, url: str, **options: Any) -> None:
        try:
            import psycopg  # only a PostgreSQL store needs the client
        except ImportError as exc:
            raise StoreUnavailable(f"DEDUP_STORE is a PostgreSQL URL but psycopg is not installed: "
                                   f"pip install -e '.[cluster]' ({exc})") from exc

        self._psycopg = psycopg
        self.unavailable = (psycopg.OperationalError,)
        super().__init__(url, **options)

    def __str__(self) -> str:
        return without_password(self.location)

    def _connect(self) -> Any:
        # Autocommit: transactions are begun explicitly, as in SQLite, and a lookup holds no transaction.
        return self._psycopg.connect(self.location, autocommit=True, connect_timeout=10,
                                     application_name="conflict-feeds")

    @property
    def in_transaction(self) -> bool:
        return self.conn.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE

    def sql(self, statement: str) -> str:
        return statement.replace("?", "%s")

    def _lock(self, keys: list[int]) -> None:
        # Volatile functions in the select list run after ORDER BY: the locks are taken in key order.
        self.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(?::bigint[]) AS k ORDER BY k", (keys,))

    def _after_copy(self) -> None:
        self.execute("SELECT setval(pg_get_serial_sequence('revisions', 'doc'), "
                     "coalesce((SELECT max(doc) FROM revisions), 0) + 1, false)")

    def _lock_cluster(self, cluster: str) -> None:
        # The two-integer key space, apart from the id and band keys; taken last, one per claim.
        self.execute("SELECT pg_advisory_xact_lock(?, hashtext(?))", (CLUSTER_LOCK_SPACE, cluster))


# -- hooks -----------------------------------------------------------------------------------------


def store_from_settings(settings: Any) -> Store:
    """The store a run's settings name, with their options."""
    return open_store(
        settings.get("DEDUP_STORE") or DEFAULT_STORE,
        threshold=settings.getfloat("DEDUP_THRESHOLD", DEFAULT_THRESHOLD),
        shingle_size=settings.getint("DEDUP_SHINGLE_SIZE", DEFAULT_SHINGLE_SIZE),
        num_perm=settings.getint("DEDUP_NUM_PERM", DEFAULT_NUM_PERM),
        bands=settings.getint("DEDUP_BANDS", DEFAULT_BANDS),
        commit_every=settings.getint("DEDUP_COMMIT_EVERY", DEFAULT_COMMIT_EVERY),
    )


@hookimpl
def chain_opened(chain):
    if chain.in_worker:  # a worker process only prepares pages: the main process decides with the store
        return
    chain.state["dedup"] = store_from_settings(chain.settings)


@hookimpl
def deduplicate_article(article, chain):
    return chain.state["dedup"].check(article)


@hookimpl(wrapper=True)
def export_article(article, chain):
    """Claims the record around every other exporter (the feed journal among them): they run inside the
    claim's transaction, with the revision and cluster that are stored, and only for a record this crawl
    is the one to export; it commits once they are done."""
    with chain.state["dedup"].claim(article) as claimed:
        if not claimed:
            raise Duplicate(CLAIMED)
        result = yield
    if article["revision"] > 1:
        chain.stats.inc_value("articles/revisions")
    elif article["cluster"] != article["id"]:
        chain.stats.inc_value("articles/near_duplicates")
    return result


@hookimpl
def chain_closed(chain):
    store = chain.state.pop("dedup", None)
    if store is not None:
        store.close()
