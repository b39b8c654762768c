"""Measurements of the pipeline benchmark: Scrapy runs as subprocesses (time, CPU, peak memory, the
crawl's own stats), and the hook chain in-process (cost of each stage, trafilatura beside it, a profile).
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Counters read from the stats Scrapy dumps when a run ends.
STAT = re.compile(r"'(elapsed_time_seconds|response_received_count|item_scraped_count|articles/\w+|scheduler/spilled)': "
                  r"([\d.]+)")


@dataclass
class Run:
    """One ``scrapy`` subprocess: wall time, CPU time and peak RSS of that process alone, its stats, and
    the machine's 1-minute load average at its end (other work on the machine skews the figures)."""

    command: list[str]
    wall_s: float
    cpu_s: float
    max_rss_mb: float
    stats: dict[str, float]
    rss_mb_by_quarter: list[float]
    load_avg: float
    server: dict[str, float] = field(default_factory=dict)

    @property
    def elapsed_s(self) -> float:
        """From the engine's start to its end, as Scrapy counts it: interpreter start-up left out."""
        return self.stats["elapsed_time_seconds"]

    def rate(self, counter: str) -> float:
        return self.stats.get(counter, 0) / self.elapsed_s


def run_scrapy(args: list[str], log: Path, project: bool = True) -> Run:
    """Run ``scrapy ARGS`` in the project directory, or with ``project=False`` outside it (Scrapy's own
    defaults, the repository only on the import path); the log goes to ``log``. Besides the peak, the
    process's RSS is sampled (Linux /proc) to tell a steady climb from a plateau: ``rss_mb_by_quarter``
    is the highest RSS seen in each quarter of the run's wall time.

    The peak is the process's own: a process started from another inherits its parent's peak as the
    floor of ``ru_maxrss`` (Linux carries it over fork and exec), and this benchmark's own process is
    larger than a small crawl. Above that floor ``ru_maxrss`` is the child's; at or below it, the
    child's own high-water mark (``VmHWM``) as last sampled, at most 0.2 s before it ended."""
    command = [sys.executable, "-m", "scrapy", *args]
    inherited_mb = proc_mb("VmHWM") or 0.0
    start = time.perf_counter()
    with log.open("w") as handle:
        env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
        if not project:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
        process = subprocess.Popen(command, cwd=ROOT if project else log.parent, env=env, stdout=handle,
                                   stderr=subprocess.STDOUT)
        samples: list[tuple[float, float, float]] = []  # (time, RSS, high-water mark)
        done = threading.Event()
        sampler = threading.Thread(target=sample_rss, args=(process.pid, start, samples, done))
        sampler.start()
        # wait4 gives the resources of this child alone (RUSAGE_CHILDREN would mix every run so far).
        _, status, usage = os.wait4(process.pid, 0)
        done.set()
        sampler.join()
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(encoding="utf-8", errors="replace")
    stats = {key: float(value) for key, value in STAT.findall(text)}
    if process.returncode or "elapsed_time_seconds" not in stats:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}); its log ends with:\n{text[-3000:]}")
    quarters = [max((mb for t, mb, _ in samples if q * wall / 4 <= t < (q + 1) * wall / 4), default=0.0)
                for q in range(4)]
    peak_mb = usage.ru_maxrss / 1024
    if peak_mb <= inherited_mb + 1:
        peak_mb = max((hwm for _, _, hwm in samples), default=peak_mb)
    return Run(command, wall, usage.ru_utime + usage.ru_stime, peak_mb, stats,
               [round(mb, 1) for mb in quarters], round(os.getloadavg()[0], 2))


def sample_rss(pid: int, start: float, samples: list[tuple[float, float, float]], done: threading.Event) -> None:
    while not done.wait(0.2):
        mb, peak = rss_mb(pid), proc_mb("VmHWM", pid)
        if mb is not None and peak is not None:
            samples.append((time.perf_counter() - start, mb, peak))


def rss_mb(pid: int | str = "self") -> float | None:
    """The resident set size of a process now (Linux), or None once it has ended."""
    return proc_mb("VmRSS", pid)


def proc_mb(field: str, pid: int | str = "self") -> float | None:
    """A memory figure of a process's own address space from /proc (Linux): VmRSS (now) or VmHWM (its
    peak), in MB; None once the process has ended."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith(field + ":")), None)


def server_stats(base_url: str) -> dict[str, float]:
    with urllib.request.urlopen(base_url + "/__stats") as response:
        return json.load(response)


def with_server_load(base_url: str, run: Callable[[], Run]) -> Run:
    """``run()``, with the server's share of the work: requests served, CPU used, how busy it was while
    the crawl's engine ran, and the pages per second it could serve on one core at that CPU cost."""
    before = server_stats(base_url)
    result = run()
    after = server_stats(base_url)
    requests = after["requests"] - before["requests"] - 1  # this probe's own request
    cpu = after["cpu_s"] - before["cpu_s"]
    result.server = {"requests": requests, "cpu_s": round(cpu, 3), "busy_share": round(cpu / result.elapsed_s, 3),
                     "capacity_per_s": round(requests / cpu) if cpu else None}
    return result


# --- in-process: the chain, stage by stage ----------------------------------------------------------

STAGES = ("parse", "extract_article", "clean_tree", "clean_lines", "normalise_article", "normalise: clashes",
          "deduplicate_article", "validate_article", "export_article", "quarantine_article", "record and bookkeeping",
          "feed line")
# Parts of a stage's time, also timed on their own.
INSIDE = ("clean_tree", "normalise: clashes")
# Timed outside ``Chain.process``.
OUTSIDE = ("parse", "feed line")
# The clock of the stage costs: CPU time of the calling thread.
clock = time.thread_time


def read_archive(path: Path, limit: int | None = None) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if limit is not None and number >= limit:
                return
            yield json.loads(line)


def new_chain(workdir: Path, name: str, **overrides: Any) -> Any:
    """A chain with the project's settings (and ``overrides`` over them) and its own deduplication store and
    quarantine file."""
    from scrapy.settings import Settings

    from plugins.chain import Chain

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("DEDUP_STORE", str(workdir / f"{name}.sqlite"))
    settings.set("QUARANTINE_FILE", str(workdir / f"{name}.quarantine.jsonl"))
    for key, value in overrides.items():
        settings.set(key, value)
    chain = Chain(settings)
    chain.open()
    return chain


def stage_costs(pages: Iterable[dict[str, str]], workdir: Path, **settings: Any) -> dict[str, Any]:
    """Run ``Chain.process`` on every page exactly as the pipeline does, timing each hook call through
    pluggy's call monitoring. A page arrives parsed, as from the spider, so the parse is timed on its
    own; nested hooks (``clean_tree`` inside ``extract_article``) are counted in both. "record and
    bookkeeping" is the rest of ``Chain.process``; "feed line" is Scrapy's JSON Lines exporter writing
    the exported record, which the feed export does after the pipeline. The normaliser's hook has two
    implementations, the group names and the clashes between them (``plugins/clashes.py``), so the
    clashes' share is timed apart too ("normalise: clashes"). Times are the CPU time of this thread
    (``CLOCK_THREAD_CPUTIME_ID``): the cost on one core, which other work on a busy machine does not
    inflate. The RSS of this process every 1,000 pages tells whether the chain itself keeps memory per
    page."""
    from scrapy.exporters import JsonLinesItemExporter

    from plugins.extract import parse_html
    from plugins.model import Page

    chain = new_chain(workdir, "stages", **settings)
    totals: dict[str, float] = defaultdict(float)
    started: list[float] = []  # a stack: hooks call hooks

    def before(name: str, impls: Any, kwargs: Any) -> None:
        started.append(clock())

    def after(outcome: Any, name: str, impls: Any, kwargs: Any) -> None:
        totals[name] += clock() - started.pop()

    undo = chain.pm.add_hookcall_monitoring(before, after)
    undo_clashes = time_implementation(chain, "normalise_article", "plugins.clashes", "normalise: clashes", totals)
    outcomes: dict[str, int] = defaultdict(int)
    rss: list[float] = []
    count, chain_time = 0, 0.0
    with (workdir / "stages.jsonl").open("wb") as feed:
        exporter = JsonLinesItemExporter(feed, encoding="utf-8")
        for line in pages:
            t0 = clock()
            tree = parse_html(line["html"])
            t1 = clock()
            outcome = chain.process(Page(url=line["url"], outlet=line["outlet"], html=line["html"], tree=tree))
            t2 = clock()
            if outcome.status == "exported":
                exporter.export_item(outcome.record)
            totals["feed line"] += clock() - t2
            totals["parse"] += t1 - t0
            chain_time += t2 - t1
            outcomes[outcome.status] += 1
            count += 1
            if count % 1000 == 0:
                rss.append(round(rss_mb() or 0.0, 1))
    undo()
    undo_clashes()
    chain.close()
    top_level = sum(v for k, v in totals.items() if k not in INSIDE + OUTSIDE)
    totals["record and bookkeeping"] = chain_time - top_level
    per_page = {stage: round(totals[stage] / count * 1e6) for stage in STAGES if stage in totals}
    total_us = sum(v for k, v in totals.items() if k not in INSIDE) / count * 1e6
    return {"pages": count, "outcomes": dict(outcomes), "us_per_page": per_page, "total_us_per_page": round(total_us),
            "rss_mb_every_1000_pages": rss, "clock": "thread CPU time"}


def time_implementation(chain: Any, hook: str, module: str, label: str, totals: dict[str, float]) -> Callable[[], None]:
    """Time the implementation of ``hook`` by the plugin ``module`` into ``totals[label]``; returns the undo."""
    undo: list[Callable[[], None]] = []
    for impl in getattr(chain.pm.hook, hook).get_hookimpls():
        if impl.plugin_name != module and getattr(impl.plugin, "__name__", None) != module:
            continue
        function = impl.function

        def timed(*args: Any, _function: Callable[..., Any] = function, **kwargs: Any) -> Any:
            start = clock()
            try:
                return _function(*args, **kwargs)
            finally:
                totals[label] += clock() - start

        impl.function = timed
        undo.append(lambda impl=impl, function=function: setattr(impl, "function", function))
    return lambda: [step() for step in undo]


def trafilatura_rate(pages: Iterable[dict[str, str]]) -> dict[str, float]:
    """trafilatura's own ``extract()`` (default options) on the same HTML: parse, clean and extract."""
    import trafilatura

    count, spent = 0, 0.0
    for line in pages:
        start = time.perf_counter()
        trafilatura.extract(line["html"], url=line["url"])
        spent += time.perf_counter() - start
        count += 1
    return {"pages": count, "pages_per_s": round(count / spent, 1), "us_per_page": round(spent / count * 1e6)}


def profile_chain(pages: Iterable[dict[str, str]], workdir: Path, out: Path, top: int = 15) -> dict[str, Any]:
    """cProfile of ``Chain.process`` (parse included) over ``pages``; the stats go to ``out``. Returns the
    functions with the most time of their own, and the project's functions with the most time in all,
    each with calls per page and share of the profiled total."""
    from plugins.extract import parse_html
    from plugins.model import Page

    chain = new_chain(workdir, "profile")
    lines = list(pages)
    profiler = cProfile.Profile()
    profiler.enable()
    for line in lines:
        page = Page(url=line["url"], outlet=line["outlet"], html=line["html"], tree=parse_html(line["html"]))
        chain.process(page)
    profiler.disable()
    chain.close()
    profiler.dump_stats(out)
    stats = pstats.Stats(str(out), stream=io.StringIO())
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = [
        {"function": f"{short_path(filename)}:{line}({function})", "calls_per_page": round(calls / len(lines), 1),
         "own_share": round(own / total, 3), "cumulative_share": round(cumulative / total, 3)}
        for (filename, line, function), (_, calls, own, cumulative, _) in stats.stats.items()  # type: ignore[attr-defined]
    ]
    project = [r for r in rows if r["function"].startswith(("plugins/", "crawler/"))]
    return {
        "pages": len(lines),
        "seconds": round(total, 2),
        "by_own_time": sorted(rows, key=lambda r: -r["own_share"])[:top],
        "project_by_cumulative_time": sorted(project, key=lambda r: -r["cumulative_share"])[:top],
    }


def short_path(filename: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/", f"python{sys.version_info.major}.{sys.version_info.minor}/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename
