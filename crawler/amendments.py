"""Amending lines: how a feed learns that a record it holds is a copy of an original exported after it.

A record's ``duplicate_of`` is decided when it is exported. When the earliest-published member of a cluster is
exported after its copies (the forum crawl stored the repost before the Press TV crawl stored the original),
the store remembers every member exported before it as owing an amendment (``plugins.dedup``). Feed lines are
never rewritten: ``amend_feed`` appends to a feed, for each such record it holds, its latest line again with
``duplicate_of`` as it must be now (same ``id`` and ``revision``; everything else as the line said), then
settles the amendment in the store. A reader keeps, per ``id``, the highest ``revision`` and of its lines the
last one (README, "The record").

Crawls amend their feed when they open (what earlier runs, or other crawls since, left owed) and once the feed
export has closed the file at their end; ``scrapy amend FEED`` does it for a feed no crawl is writing.
Amending twice writes nothing twice: a record whose last line already says what the store wants is settled
without a new line, so a run killed between appending and settling leaves nothing to undo.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.feeds import SyncedFile, trim_partial_line
from plugins.dedup import Amendment, Store

logger = logging.getLogger(__name__)

# A record's id is its second field (plugins.chain.Chain.record_from): found before the line is parsed, so
# that only the lines of records owing an amendment are.
RECORD_ID = re.compile(rb'"id":\s*"([^"\\]+)"')


@dataclass
class Amended:
    """What ``amend_feed`` did: lines appended, amendments settled, amendments still owed by other feeds."""

    appended: int = 0
    settled: int = 0
    owed_elsewhere: int = 0


def latest_lines(feed: Path, ids: set[str]) -> dict[str, dict[str, Any]]:
    """The last line (of the highest revision) of each of ``ids`` in a JSON Lines feed."""
    found: dict[str, dict[str, Any]] = {}
    with feed.open("rb") as handle:
        for line in handle:
            match = RECORD_ID.search(line)
            if not match or match.group(1).decode() not in ids:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict) or record.get("id") not in ids:
                continue
            earlier = found.get(record["id"])
            if earlier is None or int(record.get("revision") or 1) >= int(earlier.get("revision") or 1):
                found[record["id"]] = record
    return found


def amend_feed(feed: str | Path, store: Store) -> Amended:
    """Append to ``feed`` the amending line of each record it holds that owes one; settle them in ``store``."""
    feed = Path(feed)
    owed = store.amendments()
    done = Amended()
    if not owed:
        return done
    lines = latest_lines(feed, {a.id for a in owed}) if feed.is_file() else {}
    amending: list[tuple[Amendment, dict[str, Any]]] = []
    settled: list[Amendment] = []
    for amendment in owed:
        record = lines.get(amendment.id)
        if record is None:
            done.owed_elsewhere += 1
            continue
        if record.get("duplicate_of") != amendment.duplicate_of:
            amending.append((amendment, record | {"duplicate_of": amendment.duplicate_of}))
        # Only the article's latest revision settles it: an older one may sit in another worker's feed.
        if int(record.get("revision") or 1) >= amendment.revision:
            settled.append(amendment)
        else:
            done.owed_elsewhere += 1
    if amending:
        trim_partial_line(feed)
        with SyncedFile(feed, "ab") as handle:  # every line on disk before the store forgets it is owed
            for amendment, record in amending:
                logger.info("Amending %s in %s: a copy of %s, published earlier and exported after it",
                            record.get("url"), feed, amendment.duplicate_of)
                handle.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
    for amendment in settled:
        store.settle(amendment)
    done.appended, done.settled = len(amending), len(settled)
    return done
