"""Where a crawl's memory goes: ``scrapy crawl southfront`` (the full chain) over generated copies of
SouthFront at two sizes, each crawl watched from inside by the ``MemoryProbe`` extension below.

    .venv/bin/python benchmarks/crawl_memory.py [--sizes 2000 6000] [--jobdir] [--trace] [-s NAME=VALUE ...]

Every second the probe notes the crawl's RSS, its requests waiting in the scheduler (in memory and, with a
JOBDIR or a spilling queue, on disk), the duplicate filter's fingerprints and the pages done. With
``--trace`` it also runs tracemalloc and keeps a snapshot at the highest traced memory of the crawl; the
script then prints, per source line, what the larger crawl's snapshot holds more than the smaller's: what
grows with the number of pages (tracing slows the crawl several times over). ``--jobdir`` runs each crawl as a job (Scrapy's disk queue); ``-s`` settings
go to both crawls (``-s SCHEDULER_SPILL_AFTER=0``: every waiting request in memory, as Scrapy's own queue).

The peak RSS is the crawl process's own high-water mark (``VmHWM`` read by the process at its end), not
``ru_maxrss``, which a process started from a larger one inherits from it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet import task

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
sys.path.insert(0, str(BENCHMARKS))
from measure import proc_mb  # noqa: E402


class MemoryProbe:
    """Extension: the crawl's memory over time, written as JSON to ``MEMORY_PROBE_FILE`` when it ends."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.out = Path(crawler.settings["MEMORY_PROBE_FILE"])
        self.trace = crawler.settings.getbool("MEMORY_PROBE_TRACE")
        self.timeline: list[dict[str, float]] = []
        self.best_traced = 0
        self.started = time.perf_counter()
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MemoryProbe:
        return cls(crawler)

    def opened(self) -> None:
        if self.trace:
            tracemalloc.start(4)
        self.loop = task.LoopingCall(self.sample)
        self.loop.start(1.0)

    def sample(self) -> None:
        scheduler: Any = self.crawler.engine._slot.scheduler
        stats = self.crawler.stats
        row = {
            "t": round(time.perf_counter() - self.started, 1),
            "rss_mb": round(proc_mb("VmRSS") or 0, 1),
            "pending": len(scheduler),
            "pending_disk": len(scheduler.dqs) if getattr(scheduler, "dqs", None) is not None else 0,
            "fingerprints": len(getattr(scheduler.df, "fingerprints", ())),
            "pages": stats.get_value("articles/pages", 0),
        }
        if self.trace:
            current, _ = tracemalloc.get_traced_memory()
            row["traced_mb"] = round(current / 2**20, 1)
            if current > self.best_traced * 1.02:
                self.best_traced = current
                tracemalloc.take_snapshot().dump(str(self.out.with_suffix(".snapshot")))
        self.timeline.append(row)

    def closed(self) -> None:
        self.sample()
        self.loop.stop()
        fingerprints = getattr(self.crawler.engine._slot.scheduler.df, "fingerprints", set())
        self.out.write_text(json.dumps({
            "peak_rss_mb": round(proc_mb("VmHWM") or 0, 1),
            # The duplicate filter's set: what a crawl must keep per URL it has seen.
            "fingerprint_set_mb": round((sys.getsizeof(fingerprints) + sum(map(sys.getsizeof, fingerprints))) / 2**20, 2),
            "max_pending": max(row["pending"] for row in self.timeline),
            "fingerprints": self.timeline[-1]["fingerprints"],
            "stats": {k: v for k, v in self.crawler.stats.get_stats().items() if isinstance(v, (int, float))},
            "timeline": self.timeline,
        }))


def crawl(base: str, site: Path, work: Path, label: str, trace: bool, jobdir: bool, extra: list[str]) -> dict[str, Any]:
    start_paths = json.loads((site / "site.json").read_text())["start_paths"]
    probe = work / f"{label}.json"
    settings = {
        "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "LOG_LEVEL": "INFO", "DEDUP_STORE": work / f"{label}.sqlite",
        "EXTENSIONS": json.dumps({"crawl_memory.MemoryProbe": 0}), "MEMORY_PROBE_FILE": probe,
        "MEMORY_PROBE_TRACE": trace, **({"JOBDIR": work / f"{label}.job"} if jobdir else {}),
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "southfront",
               "-a", "start_url=" + ",".join(base + path for path in start_paths), "-O", str(work / f"{label}.jsonl"),
               *(arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")),
               *(arg for setting in extra for arg in ("-s", setting))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(BENCHMARKS), os.environ.get("PYTHONPATH"))))}
    with (work / f"{label}.log").open("w") as log:
        subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=True)
    return json.loads(probe.read_text())


def growth_by_line(small: Path, large: Path, top: int = 25) -> list[str]:
    """What the larger crawl's snapshot holds more than the smaller's, per allocating line (4 frames deep)."""
    before, after = tracemalloc.Snapshot.load(str(small)), tracemalloc.Snapshot.load(str(large))
    rows = []
    for stat in after.compare_to(before, "traceback")[:top]:
        frames = " <- ".join(f"{short(f.filename)}:{f.lineno}" for f in stat.traceback)
        rows.append(f"{stat.size_diff / 2**20:+7.2f} MB {stat.count_diff:+8d} blocks  {frames}")
    return rows


def short(filename: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def main() -> None:
    from memserve import serving
    from sitegen import generate

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs=2, default=(2000, 6000), metavar=("SMALL", "LARGE"))
    parser.add_argument("--trace", action="store_true", help="tracemalloc: what grows, per source line (slow)")
    parser.add_argument("--jobdir", action="store_true", help="each crawl as a job, with a JOBDIR of its own")
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="conflict-feeds-memory-") as tmp:
        work = Path(tmp)
        sites = [work / f"site{size}" for size in args.sizes]
        for site, size in zip(sites, args.sizes):
            generate(site, size)
        results = {}
        with serving(sites) as urls:
            for site, size, url in zip(sites, args.sizes, urls):
                print(f"[{time.strftime('%H:%M:%S')}] crawl of {size} pages", file=sys.stderr, flush=True)
                results[size] = crawl(url, site, work, f"crawl{size}", args.trace, args.jobdir,
                                      args.settings)
        small, large = args.sizes
        for size, result in results.items():
            print(f"{size} pages: peak RSS {result['peak_rss_mb']} MB, at most {result['max_pending']} requests "
                  f"waiting, {result['fingerprints']} fingerprints ({result['fingerprint_set_mb']} MB), articles/pages "
                  f"{result['stats'].get('articles/pages')}, scheduler/enqueued/disk "
                  f"{result['stats'].get('scheduler/enqueued/disk', 0)}, scheduler/spilled "
                  f"{result['stats'].get('scheduler/spilled', 0)}")
        growth = (results[large]["peak_rss_mb"] - results[small]["peak_rss_mb"]) / (large - small) * 1000
        print(f"peak RSS growth: {growth:+.2f} MB per 1,000 pages")
        print(json.dumps({size: r["timeline"][:: max(1, len(r["timeline"]) // 12)] for size, r in results.items()}))
        if args.trace:
            print("\nheld at the traced peak, larger crawl minus smaller, by allocating line:")
            print("\n".join(growth_by_line(work / f"crawl{small}.snapshot", work / f"crawl{large}.snapshot")))


if __name__ == "__main__":
    main()
