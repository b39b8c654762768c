from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings

from plugins.chain import Chain

ROOT = Path(__file__).resolve().parents[1]
SITES = ROOT / "tests" / "sites"
# Settings that let a test crawl a loopback mirror quickly.
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=INFO"]


def run_scrapy(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the real ``scrapy`` command line of this project in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args], cwd=cwd, env={**os.environ, **(env or {})},
        capture_output=True, text=True, timeout=300, check=False,
    )


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def chain(tmp_path: Path):
    """A chain with its own deduplication store and quarantine file."""
    chain = Chain(Settings({"DEDUP_STORE": str(tmp_path / "state.sqlite"),
                            "QUARANTINE_FILE": str(tmp_path / "quarantine.jsonl")}))
    chain.open()
    yield chain
    chain.close()
