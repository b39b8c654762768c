"""What a page costs: the southfront crawl with the full hook chain beside bare Scrapy on the same pages,
``scrapy process`` over a feed and over saved HTML, the cost of each stage of the chain, trafilatura as
the peer of the extraction step, and the crawls' peak memory at two sizes. From the repository root:

    .venv/bin/python benchmarks/bench_pipeline.py [--pages 5000] [--small-pages 1000] [--json FILE]

Everything is generated (``benchmarks/sitegen.py``: a SouthFront copy of 40-80 kB pages, 10 % near-
duplicates, found through the feed, the sitemap index and the paginated category archives) into a
temporary directory, and served from memory on 127.0.0.1 (``benchmarks/memserve.py``); nothing is
downloaded and nothing is written into the repository. About 7 minutes on 2 cores with the defaults.

Figures, all from this one run and on the same pages:

- crawls, article pages/s over the engine's elapsed time (interpreter start-up left out), all with the
  same settings (no AutoThrottle, no delay, ``--concurrency`` requests at a time, robots.txt obeyed):
  ``bare``, the floor: ``benchmarks/bare_spider.py`` (the southfront spider's discovery and requests,
  but an article yields only its URL) on Scrapy's own defaults; ``bare_project``, the same spider with
  the project's settings (its middlewares, dupefilter and feed storage, no item pipeline); and
  ``full_chain``, ``scrapy crawl southfront -a start_url=... -O feed.jsonl``. The bare crawls are short
  and noisy, so each runs ``--repeat`` times and its median counts. The headline is full chain ÷ bare.
  The server's CPU share during each crawl shows that the crawl never waits for it;
- ``scrapy process``, articles/s: over the crawl's exported feed (records with a body, ``-j`` = cores) and
  over saved HTML (``{"url", "outlet", "html"}`` lines of the same pages: the archive case) with ``-j 1``
  (one process) and ``-j`` = cores, and the scaling factor between the two;
- in-process, on the same saved HTML: microseconds per article of each stage of ``Chain.process``
  (pluggy's hook-call monitoring around the real chain), our extraction step beside
  ``trafilatura.extract()``, and a cProfile of the chain over the first ``--profile-pages`` pages;
- memory: peak RSS of every crawl at ``--small-pages`` and ``--pages`` pages (the crawl process's own peak,
  not the one it inherits from this larger process: see ``measure.run_scrapy``), its course over the run,
  the requests that waited on disk rather than in memory (``SCHEDULER_SPILL_AFTER``, crawler/squeues.py),
  and the in-process chain's peak RSS every 1,000 pages. ``benchmarks/crawl_memory.py`` tells where a
  crawl's memory goes.

Prints a Markdown summary (for the README's Performance section), then the JSON (also written to
``--json FILE`` when given). A measurement to read, not a test: nothing here fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from measure import (  # noqa: E402
    Run, profile_chain, read_archive, run_scrapy, stage_costs, trafilatura_rate, with_server_load,
)
from memserve import serving  # noqa: E402
from sitegen import generate  # noqa: E402

BARE_SPIDER = str(Path(__file__).resolve().with_name("bare_spider.py"))
TARGET_RATIO = 0.7
# `scrapy process` on saved HTML: pages/s on one core (-j 1), and how much more with one process per core.
TARGET_PROCESS = 400
TARGET_SCALING = 1.8
# "Flat": the full crawl's peak RSS grows by at most this much per 1,000 pages (300 MB over a 300,000-page backfill).
FLAT_MB_PER_1000 = 1.0
# The crawls, each with the stat that counts its article pages.
PAGES_STAT = {"bare": "item_scraped_count", "bare_project": "item_scraped_count", "full_chain": "articles/pages"}


def crawl_settings(concurrency: int) -> list[str]:
    settings = {
        "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency, "ROBOTSTXT_OBEY": True, "LOG_LEVEL": "INFO",
    }
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


def start_url(base: str, site: Path) -> str:
    start_paths = json.loads((site / "site.json").read_text())["start_paths"]
    return "start_url=" + ",".join(base + path for path in start_paths)


def crawl(kind: str, base: str, site: Path, work: Path, label: str, concurrency: int) -> Run:
    """One crawl of the site at ``base``: "bare" (the bare spider on Scrapy's own defaults), "bare_project"
    (the bare spider with the project's settings: its middlewares, dupefilter and feed storage, no item
    pipeline) or "full_chain" (``scrapy crawl southfront``)."""
    target = ["-a", start_url(base, site), "-O", str(work / f"{label}.jsonl"), *crawl_settings(concurrency)]
    if kind == "full_chain":
        args = ["crawl", "southfront", *target, "-s", f"DEDUP_STORE={work / f'{label}.sqlite'}",
                "-s", "LOG_DETAILS=True"]  # measure.py reads the stats dump
    else:
        args = ["runspider", BARE_SPIDER, *target]
    return with_server_load(base, lambda: run_scrapy(args, work / f"{label}.log", project=kind != "bare"))


def process_run(source: Path, work: Path, label: str, jobs: int) -> Run:
    args = ["process", str(source), "-O", str(work / f"{label}.out.jsonl"), "-j", str(jobs),
            "-s", f"DEDUP_STORE={work / f'{label}.sqlite'}",
            "-s", f"QUARANTINE_FILE={work / f'{label}.quarantine.jsonl'}", "-s", "LOG_LEVEL=INFO"]
    return run_scrapy(args, work / f"{label}.log")


def process_figures(run: Run) -> dict[str, Any]:
    return {
        "articles": int(run.stats.get("articles/pages", 0)),
        "exported": int(run.stats.get("articles/exported", 0)),
        "quarantined": int(run.stats.get("articles/quarantined", 0)),
        "articles_per_s": round(run.rate("articles/pages"), 1),
        "elapsed_s": round(run.elapsed_s, 2),
        "wall_s": round(run.wall_s, 2),
        "cpu_share": round(run.cpu_s / run.wall_s, 2),
        "max_rss_mb": round(run.max_rss_mb, 1),
        "rss_mb_by_quarter": run.rss_mb_by_quarter,
        "load_avg": run.load_avg,
    }


def crawl_figures(kind: str, runs: list[Run], small: Run, sizes: tuple[int, int]) -> dict[str, Any]:
    """The median of ``runs`` (all at the larger size), and memory at both sizes."""
    counter = PAGES_STAT[kind]
    runs = sorted(runs, key=lambda run: run.rate(counter))
    run = runs[len(runs) // 2]
    figures = {
        "article_pages": int(run.stats.get(counter, 0)),
        "pages_per_s": round(run.rate(counter), 1),
        "runs_pages_per_s": [round(r.rate(counter), 1) for r in runs],
        "responses_per_s": round(run.rate("response_received_count"), 1),
        "elapsed_s": round(run.elapsed_s, 2),
        "wall_s": round(run.wall_s, 2),
        "cpu_share": round(run.cpu_s / run.wall_s, 2),
        "max_rss_mb": {str(sizes[0]): round(small.max_rss_mb, 1), str(sizes[1]): round(run.max_rss_mb, 1)},
        "rss_growth_mb_per_1000_pages": round((run.max_rss_mb - small.max_rss_mb) / (sizes[1] - sizes[0]) * 1000, 2),
        "requests_spilled_to_disk": {str(sizes[0]): int(small.stats.get("scheduler/spilled", 0)),
                                     str(sizes[1]): int(run.stats.get("scheduler/spilled", 0))},
        "rss_mb_by_quarter": run.rss_mb_by_quarter,
        "load_avg": [r.load_avg for r in runs],
        "server": run.server,
    }
    if kind == "full_chain":
        figures.update({key.split("/")[1]: int(run.stats.get(key, 0)) for key in (
            "articles/exported", "articles/near_duplicates", "articles/quarantined", "articles/duplicates")})
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=5000, help="article pages of the main site (default 5000)")
    parser.add_argument("--small-pages", type=int, default=1000, help="pages of the second site, for memory growth")
    parser.add_argument("--dup-share", type=float, default=0.1, help="share of near-duplicate posts (default 0.1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS(_PER_DOMAIN) of both crawls")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the bare crawl; the median counts")
    parser.add_argument("--profile-pages", type=int, default=1000, help="pages profiled with cProfile")
    parser.add_argument("--json", type=Path, help="also write the JSON figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the generated site, feeds, logs and profile")
    args = parser.parse_args()
    if not 0 < args.small_pages < args.pages:
        parser.error("give 0 < --small-pages < --pages")

    work = Path(tempfile.mkdtemp(prefix="conflict-feeds-bench-"))
    started = time.perf_counter()
    try:
        results = measure(args, work)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    results["benchmark_wall_s"] = round(time.perf_counter() - started, 1)
    print(markdown(results))
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


def measure(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    def note(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    large, small, archive = work / "site", work / "site-small", work / "archive.jsonl"
    note(f"generating {args.pages} + {args.small_pages} pages into {work}")
    site = generate(large, args.pages, args.seed, args.dup_share, archive=archive)
    generate(small, args.small_pages, args.seed, args.dup_share)

    sizes = (args.small_pages, args.pages)
    crawls: dict[str, dict[str, Any]] = {}
    with serving([large, small]) as (large_url, small_url):
        for kind in PAGES_STAT:
            repeat = 1 if kind == "full_chain" else args.repeat  # the full crawl is long enough to be steady
            runs = []
            for n in range(repeat):
                note(f"{kind} crawl {n + 1}/{repeat}, {args.pages} pages")
                runs.append(crawl(kind, large_url, large, work, f"{kind}{n}", args.concurrency))
            note(f"{kind} crawl, {args.small_pages} pages")
            crawls[kind] = crawl_figures(kind, runs, crawl(kind, small_url, small, work, f"{kind}-small",
                                                           args.concurrency), sizes)

    cores = os.cpu_count() or 1
    note(f"scrapy process -j {cores} over the exported feed")
    feed_run = process_run(work / "full_chain0.jsonl", work, "process-feed", cores)
    note("scrapy process -j 1 over saved HTML")
    html_run = process_run(archive, work, "process-html", 1)
    note(f"scrapy process -j {cores} over saved HTML")
    html_cores_run = process_run(archive, work, "process-html-cores", cores)
    scaling = html_cores_run.rate("articles/pages") / html_run.rate("articles/pages")
    note("stages of the chain, in-process")
    stages = stage_costs(read_archive(archive), work)
    note("trafilatura.extract(), in-process")
    peer = trafilatura_rate(read_archive(archive))
    note(f"cProfile of the chain over {args.profile_pages} pages")
    profile = profile_chain(read_archive(archive, args.profile_pages), work, work / "chain.pstats")

    rate = {kind: figures["pages_per_s"] for kind, figures in crawls.items()}
    ratio = rate["full_chain"] / rate["bare"]
    us = stages["us_per_page"]
    extraction_us = us["parse"] + us["extract_article"] + us["clean_lines"]
    growth = crawls["full_chain"]["rss_growth_mb_per_1000_pages"]
    return {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    **{name: version(name) for name in ("scrapy", "twisted", "lxml", "pluggy", "trafilatura",
                                                        "jsonschema", "pyahocorasick", "numpy")}},
        "options": {"pages": args.pages, "small_pages": args.small_pages, "dup_share": args.dup_share,
                    "seed": args.seed, "concurrency": args.concurrency, "robotstxt_obey": True, "repeat": args.repeat},
        "site": site,
        "crawl": {
            **crawls,
            "ratio_full_to_bare": round(ratio, 3),
            "ratio_full_to_bare_project": round(rate["full_chain"] / rate["bare_project"], 3),
            "extra_ms_per_page": {kind: round(1000 / rate["full_chain"] - 1000 / rate[kind], 2)
                                  for kind in ("bare", "bare_project")},
        },
        "process": {"feed_records": {"jobs": cores, **process_figures(feed_run)},
                    "saved_html": {"jobs": 1, **process_figures(html_run)},
                    "saved_html_all_cores": {"jobs": cores, **process_figures(html_cores_run)},
                    "scaling": round(scaling, 2)},
        "extraction": {
            "ours_pages_per_s": round(1e6 / extraction_us, 1),
            "ours_us_per_page": extraction_us,
            "trafilatura_pages_per_s": peer["pages_per_s"],
            "trafilatura_us_per_page": peer["us_per_page"],
        },
        "stages": stages,
        "profile": profile,
        "targets": {
            "full_chain_vs_bare": {"target": TARGET_RATIO, "value": round(ratio, 3), "met": ratio >= TARGET_RATIO},
            "process_saved_html_per_s": {"target": TARGET_PROCESS, "value": round(html_run.rate("articles/pages"), 1),
                                         "met": html_run.rate("articles/pages") >= TARGET_PROCESS},
            "process_feed_per_s": {"target": TARGET_PROCESS, "value": round(feed_run.rate("articles/pages"), 1),
                                   "met": feed_run.rate("articles/pages") >= TARGET_PROCESS},
            "process_scaling": {"target": TARGET_SCALING, "value": round(scaling, 2), "met": scaling >= TARGET_SCALING},
            "crawl_memory_flat": {"target_mb_per_1000_pages": FLAT_MB_PER_1000, "value": growth,
                                  "met": growth <= FLAT_MB_PER_1000},
        },
    }


CRAWL_LABELS = {
    "bare": "bare Scrapy (the floor: Scrapy's defaults, an article yields its URL)",
    "bare_project": "bare spider with the project's settings (middlewares, dupefilter, feed storage; no pipeline)",
    "full_chain": "full chain: `scrapy crawl southfront`",
}
STAGE_ROWS = (  # (label, stages whose times add up to it)
    ("extract (parse + `extract_article`)", ("parse", "extract_article")),
    ("  of which parse (lxml)", ("parse",)),
    ("  of which `clean_tree`", ("clean_tree",)),
    ("`clean_lines`", ("clean_lines",)),
    ("normalise (`normalise_article`)", ("normalise_article",)),
    ("  of which clashes (`plugins/clashes.py`)", ("normalise: clashes",)),
    ("deduplicate (`deduplicate_article`)", ("deduplicate_article",)),
    ("validate (`validate_article`)", ("validate_article",)),
    ("export (`export_article`: the dedup store)", ("export_article",)),
    ("rest of `Chain.process` (record, stats)", ("record and bookkeeping",)),
    ("feed line (Scrapy's JSON Lines exporter)", ("feed line",)),
)


def markdown(r: dict[str, Any]) -> str:
    crawl, process, targets, site = r["crawl"], r["process"], r["targets"], r["site"]
    small, large = str(r["options"]["small_pages"]), str(r["options"]["pages"])
    verdict = {True: "met", False: "**not met**"}
    lines = [
        f"Generated SouthFront copy: {site['posts']:,} article pages of {site['html_kb_min']:.0f}-"
        f"{site['html_kb_max']:.0f} kB (median {site['html_kb_median']:.0f} kB), {site['near_duplicates']} "
        f"near-duplicates, served from memory on 127.0.0.1; {r['machine']['cpus']} cores, Python "
        f"{r['machine']['python']}, Scrapy {r['machine']['scrapy']}; {r['options']['concurrency']} requests at a "
        "time, no delay, no AutoThrottle. Rates are article pages per second of the crawl (start-up excluded).",
        "",
        f"| crawl of {int(large):,} pages | pages/s | peak RSS {int(small):,} → {int(large):,} pages | server busy |",
        "|---|---|---|---|",
    ]
    for kind, label in CRAWL_LABELS.items():
        c = crawl[kind]
        runs = f" (runs {', '.join(f'{x:.0f}' for x in c['runs_pages_per_s'])})" if len(c["runs_pages_per_s"]) > 1 else ""
        lines.append(f"| {label} | {c['pages_per_s']:.0f}{runs} | {c['max_rss_mb'][small]:.0f} → "
                     f"{c['max_rss_mb'][large]:.0f} MB | {c['server']['busy_share']:.0%} |")
    lines += [
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| **full chain ÷ bare Scrapy** | **{crawl['ratio_full_to_bare']:.2f}×** "
        f"(+{crawl['extra_ms_per_page']['bare']:.1f} ms per page) | ≥ {TARGET_RATIO}×: "
        f"{verdict[targets['full_chain_vs_bare']['met']]} |",
        f"| full chain ÷ bare spider with the project's settings | {crawl['ratio_full_to_bare_project']:.2f}× "
        f"(+{crawl['extra_ms_per_page']['bare_project']:.1f} ms per page) | |",
        f"| `scrapy process -j 1`, saved HTML, articles/s | {process['saved_html']['articles_per_s']:.0f} | "
        f"≥ {TARGET_PROCESS}: {verdict[targets['process_saved_html_per_s']['met']]} |",
        f"| `scrapy process -j {process['saved_html_all_cores']['jobs']}`, saved HTML, articles/s (÷ `-j 1`) | "
        f"{process['saved_html_all_cores']['articles_per_s']:.0f} ({process['scaling']:.2f}×) | "
        f"≥ {TARGET_SCALING}×: {verdict[targets['process_scaling']['met']]} |",
        f"| `scrapy process -j {process['feed_records']['jobs']}`, exported feed (body), articles/s | "
        f"{process['feed_records']['articles_per_s']:.0f} | ≥ {TARGET_PROCESS}: {verdict[targets['process_feed_per_s']['met']]} |",
        f"| full-chain crawl, peak RSS growth per 1,000 pages | {targets['crawl_memory_flat']['value']:+.1f} MB "
        f"({crawl['full_chain']['requests_spilled_to_disk'][large]:,} requests waited on disk) | "
        f"≤ {FLAT_MB_PER_1000} MB (flat): {verdict[targets['crawl_memory_flat']['met']]} |",
        f"| the chain in-process, RSS every 1,000 pages | "
        f"{' → '.join(f'{x:.0f}' for x in r['stages']['rss_mb_every_1000_pages']) or 'n/a'} MB | |",
        f"| extraction step (parse + `extract_article` + `clean_lines`), pages/s | "
        f"{r['extraction']['ours_pages_per_s']:.0f} | |",
        f"| `trafilatura.extract()` on the same HTML, pages/s | {r['extraction']['trafilatura_pages_per_s']:.0f} | |",
        "",
        "| stage of `Chain.process` (in-process, same pages) | µs of CPU per article | share |",
        "|---|---|---|",
    ]
    us, total = r["stages"]["us_per_page"], r["stages"]["total_us_per_page"]
    for label, stages in STAGE_ROWS:
        value = sum(us.get(stage, 0) for stage in stages)
        lines.append(f"| {label} | {value:,} | {value / total:.0%} |")
    lines += [f"| **total** | **{total:,}** | |", "",
              f"Hot spots: cProfile of the chain over {r['profile']['pages']:,} pages, by own time:", "",
              "| function | calls per page | own time | cumulative |", "|---|---|---|---|"]
    lines += [f"| `{row['function']}` | {row['calls_per_page']} | {row['own_share']:.0%} | {row['cumulative_share']:.0%} |"
              for row in r["profile"]["by_own_time"][:12]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
