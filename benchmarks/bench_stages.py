"""The cost of each stage of the hook chain, in-process, without the crawls of ``bench_pipeline.py``: a
minute instead of eight, for work on one stage. From the repository root:

    .venv/bin/python benchmarks/bench_stages.py [--pages 1000] [--profile-pages 300] [--json FILE]

Generates a SouthFront copy of ``--pages`` article pages (``benchmarks/sitegen.py``, the same pages as the
pipeline benchmark's first ``--pages``) as saved HTML, runs ``Chain.process`` on every page timing each
stage (``measure.stage_costs``), then profiles the chain over the first ``--profile-pages`` pages
(``measure.profile_chain``). Prints microseconds per article of each stage and the hot spots, then the
JSON. A measurement to read, not a test: nothing here fails.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_pipeline import STAGE_ROWS  # noqa: E402
from measure import profile_chain, read_archive, stage_costs  # noqa: E402
from sitegen import generate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000, help="article pages (default 1000)")
    parser.add_argument("--profile-pages", type=int, default=300, help="pages profiled with cProfile (0: none)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dup-share", type=float, default=0.1, help="share of near-duplicate posts (default 0.1)")
    parser.add_argument("--commit-every", type=int, default=None,
                        help="DEDUP_COMMIT_EVERY of the chain's store (default: the project's setting)")
    parser.add_argument("--json", type=Path, help="also write the JSON figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the generated pages, feed and profile")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="conflict-feeds-stages-"))
    try:
        archive = work / "archive.jsonl"
        generate(work / "site", args.pages, args.seed, args.dup_share, archive=archive)
        started = time.perf_counter()
        settings = {} if args.commit_every is None else {"DEDUP_COMMIT_EVERY": args.commit_every}
        stages = stage_costs(read_archive(archive), work, **settings)
        stages["seconds"] = round(time.perf_counter() - started, 1)
        profile = (profile_chain(read_archive(archive, args.profile_pages), work, work / "chain.pstats")
                   if args.profile_pages else None)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    us, total = stages["us_per_page"], stages["total_us_per_page"]
    print(f"{stages['pages']:,} pages: {stages['outcomes']}\n")
    print("| stage of `Chain.process` | µs per article |\n|---|---|")
    for label, names in STAGE_ROWS:
        print(f"| {label} | {sum(us.get(name, 0) for name in names):,} |")
    print(f"| **total** | **{total:,}** |")
    if profile:
        print(f"\ncProfile over {profile['pages']} pages ({profile['seconds']} s), by own time:")
        for row in profile["by_own_time"]:
            print(f"  {row['own_share']:6.1%} {row['cumulative_share']:6.1%} {row['calls_per_page']:>8} {row['function']}")
        print("project functions by cumulative time:")
        for row in profile["project_by_cumulative_time"]:
            print(f"  {row['own_share']:6.1%} {row['cumulative_share']:6.1%} {row['calls_per_page']:>8} {row['function']}")
    text = json.dumps({"stages": stages, "profile": profile}, indent=2, ensure_ascii=False)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
