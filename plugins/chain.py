"""Runs one page through the hook chain and says what became of it: exported, duplicate or quarantined.

Both the Scrapy item pipeline and ``scrapy process`` drive this class, so a page crawled live and the
same page read back from an archive go through exactly the same code.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from plugins.manager import get_plugin_manager, outlets_of
from plugins.model import SCHEMA_VERSION, Draft, Duplicate, Outlet, Page, StoreUnavailable, Unusable
from plugins.urls import article_id, canonical_url

logger = logging.getLogger(__name__)

UNKNOWN_OUTLET = "unknown"
STAT = "articles/{}".format
# Stages that keep state or write output: an OSError (a full disk, a read-only folder) or a database error
# there is no fault of the page, and no later page would fare better.
STORAGE_STAGES = ("deduplicate", "export")


class StorageFailed(Exception):
    """The run's output or state (feed, quarantine file, deduplication store) cannot be written: the run
    must stop, since every later page would be lost the same way."""


class SimpleStats:
    """The subset of Scrapy's stats collector the chain uses, for running it outside a crawl."""

    def __init__(self) -> None:
        self.values: Counter[str] = Counter()

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] += count

    def get_value(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set_value(self, key: str, value: Any) -> None:
        self.values[key] = value

    def get_stats(self) -> dict[str, Any]:
        return dict(self.values)


@dataclass
class Outcome:
    """What became of a page: ``status`` is "exported", "duplicate" or "quarantined"."""

    status: str
    record: dict[str, Any] | None = None
    reasons: list[str] | None = None


@dataclass
class Prepared:
    """A page after the stages that need nothing but the page and the settings (``Chain.prepare``), on its
    way to ``Chain.decide``. ``reasons`` set: the page is to be quarantined at ``stage`` (``record`` is what
    was made of it so far). ``stats``: what the stages counted, for a chain whose stats are elsewhere (a
    worker process counts in its own and sends the counts along)."""

    page: Page
    record: dict[str, Any] | None
    stage: str
    reasons: list[str] | None = None
    stats: dict[str, int] = field(default_factory=dict)


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def find_outlet(outlets: dict[str, Outlet], name: str | None, url: str) -> Outlet | None:
    """The outlet by name (or display title); without a name, the outlet whose domain serves ``url``."""
    if name:
        key = name.strip().lower()
        for outlet in outlets.values():
            if key in (outlet.name, outlet.title.lower()):
                return outlet
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    serving = [o for o in outlets.values() if any(host == d or host.endswith("." + d) for d in o.domains)]
    # Two editions may share a host (www.syriahr.com and www.syriahr.com/en/): the one whose article
    # paths fit the URL is meant.
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return next((o for o in serving if o.article_re.search(path)), serving[0] if serving else None)


class Chain:
    """The hook chain for one crawl or one ``scrapy process`` run.

    ``settings`` is a Scrapy ``Settings``; ``stats`` a Scrapy stats
    collector or ``SimpleStats``. Plugins keep per-run resources in ``state``. ``in_worker``: the chain
    of a worker process (``crawler.workers``), which only prepares pages; its plugins open no store and
    no output.
    """

    def __init__(
        self, settings: Any, stats: Any = None, feed_path: str | None = None, in_worker: bool = False
    ) -> None:
        self.settings = settings
        self.in_worker = in_worker
        self.stats = stats if stats is not None else SimpleStats()
        self.feed_path = feed_path
        self.state: dict[str, Any] = {}
        self.pm = get_plugin_manager(tuple(settings.getlist("PLUGINS_DISABLED")))
        self.hook = self.pm.hook
        self.outlets = outlets_of(self.pm)

    def open(self) -> None:
        self.hook.chain_opened(chain=self)

    def close(self) -> None:
        self.hook.chain_closed(chain=self)

    def find_outlet(self, name: str | None, url: str) -> Outlet | None:
        return find_outlet(self.outlets, name, url)

    def process(self, page: Page) -> Outcome:
        """Run every stage on ``page``; never raises for a bad page: it ends quarantined instead."""
        return self.decide(self.prepare(page))

    def prepare(self, page: Page) -> Prepared:
        """The stages that depend on the page and the settings alone: extract, clean, the record, normalise.

        It may run in a worker process (``crawler.workers``); it writes nothing and never raises for a bad
        page: a page that cannot become a record comes back with the stage it failed at and why, for
        ``decide`` to quarantine.
        """
        outlet = self.find_outlet(page.outlet, page.url)
        stage, record = "extract", None
        try:
            draft = self.hook.extract_article(page=page, outlet=outlet, chain=self)
            if draft is None:
                raise Unusable("no extractor could read this page")
            stage = "clean"
            self.hook.clean_lines(draft=draft, outlet=outlet, chain=self)
            record = self.record_from(draft)
            if not record["body"]:
                raise Unusable("no article body left after removing page furniture")
            stage = "normalise"
            self.hook.normalise_article(article=record, chain=self)
        except Unusable as exc:
            return Prepared(page, record, stage, [str(exc)])
        except Exception as exc:  # a plugin's bug must cost one page, not the crawl
            logger.exception("%s failed at stage %s", page.url, stage)
            return Prepared(page, record, stage, [f"internal error in stage {stage}: {exc!r}"])
        return Prepared(page, record, stage)

    def decide(self, prepared: Prepared) -> Outcome:
        """The stages that keep state or write output, on a prepared page: deduplicate, validate, export
        (or quarantine). Runs in the process that owns the store and the output, one page at a time."""
        self.stats.inc_value(STAT("pages"))
        for key, count in prepared.stats.items():
            self.stats.inc_value(key, count)
        page, stage, record = prepared.page, prepared.stage, prepared.record
        if prepared.reasons is not None:
            return self.quarantine(page, self.find_outlet(page.outlet, page.url), stage, prepared.reasons, record)
        assert record is not None
        try:
            stage = "deduplicate"
            seen = self.hook.deduplicate_article(article=record, chain=self)
            if seen:
                self.stats.inc_value(STAT("duplicates"))
                return Outcome("duplicate", record, [seen])
            stage = "validate"
            problems = [p for batch in self.hook.validate_article(article=record, chain=self) for p in batch]
            if problems:
                return self.quarantine(page, self.find_outlet(page.outlet, page.url), stage, problems, record)
            stage = "export"
            self.hook.export_article(article=record, chain=self)
        except Duplicate as exc:
            self.stats.inc_value(STAT("duplicates"))
            return Outcome("duplicate", record, [str(exc)])
        except StoreUnavailable as exc:  # the store is gone: the run stops, and the page is not done
            raise StorageFailed(str(exc)) from exc
        except Unusable as exc:
            return self.quarantine(page, self.find_outlet(page.outlet, page.url), stage, [str(exc)], record)
        except StorageFailed:  # from quarantining a page
            raise
        except Exception as exc:  # a plugin's bug must cost one page, not the crawl
            if stage in STORAGE_STAGES and isinstance(exc, (OSError, sqlite3.Error)):
                raise StorageFailed(f"cannot keep {page.url} (stage {stage}): {exc}") from exc
            logger.exception("%s failed at stage %s", page.url, stage)
            outlet = self.find_outlet(page.outlet, page.url)
            return self.quarantine(page, outlet, stage, [f"internal error in stage {stage}: {exc!r}"], record)
        self.stats.inc_value(STAT("exported"))
        return Outcome("exported", record)

    def quarantine(
        self, page: Page, outlet: Outlet | None, stage: str, reasons: list[str], record: dict | None = None
    ) -> Outcome:
        entry = {
            "url": page.url,
            "outlet": outlet.name if outlet else (page.outlet or UNKNOWN_OUTLET),
            "stage": stage,
            "reasons": reasons,
            "record": record if record is not None else {k: v for k, v in asdict(page).items() if k != "tree"},
            "quarantined_at": utc_now(),
        }
        try:
            self.hook.quarantine_article(entry=entry, chain=self)
        except (OSError, sqlite3.Error) as exc:
            raise StorageFailed(f"cannot write the quarantine entry of {page.url}: {exc}") from exc
        logger.warning("Quarantined %s (%s): %s", page.url, stage, "; ".join(reasons))
        self.stats.inc_value(STAT("quarantined"))
        return Outcome("quarantined", record, reasons)

    @staticmethod
    def record_from(draft: Draft) -> dict[str, Any]:
        page = draft.page
        kept = page.kept or {}
        canonical = kept.get("canonical_url") or canonical_url(draft.canonical_url or page.url)
        record_id = kept.get("id") or article_id(canonical)
        return {
            "schema_version": SCHEMA_VERSION,
            "id": record_id,
            "url": page.url,
            "canonical_url": canonical,
            "outlet": draft.outlet.name if draft.outlet else (page.outlet or UNKNOWN_OUTLET),
            "title": draft.title or None,
            "published": draft.published,
            "authors": draft.authors,
            "tags": draft.tags,
            "body": draft.body(),
            "images": draft.images,
            "groups": [],
            "clashes": [],
            "fetched_at": page.fetched_at or utc_now(),
            "revision": 1,
            "cluster": record_id,
            "duplicate_of": None,
            "provenance": dict(page.provenance) if page.provenance else None,
        } | kept
