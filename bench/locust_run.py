"""Run locust headless in its own process and read its CSV statistics."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

USERS, SECONDS = 50, 30
LOCUSTFILE = Path(__file__).with_name("locustfile.py")


@dataclass(frozen=True)
class LocustStats:
    """The "Aggregated" row of a locust run: counts, requests per second, latencies in seconds."""

    requests: int
    failures: int
    per_second: float
    p50: float
    p95: float
    seconds: int


def run_locust(
    base: str, user_class: str, spec: Path, prefix: Path, acks: Path | None = None, seconds: int = SECONDS
) -> LocustStats:
    """Run `user_class` × USERS against `base` for `seconds`; RuntimeError if no statistics come back."""
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(USERS)]
    command += ["-r", str(USERS), "-t", f"{seconds}s", "--csv", str(prefix), "--host", base, "--only-summary"]
    command += ["--loglevel", "WARNING", "--stop-timeout", "5", user_class]
    env = {**os.environ, "BENCH_P1_SPEC": str(spec), "BENCH_P1_ACKS": str(acks or "")}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 90, check=False)
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        raise RuntimeError(f"locust wrote no statistics: {done.stderr[-2000:]}")
    return parse_stats(stats, seconds)


def parse_stats(path: Path, seconds: int) -> LocustStats:
    """Read the "Aggregated" row of a locust `_stats.csv` file (latencies there are in ms)."""
    with open(path, encoding="utf-8", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
    return LocustStats(
        int(row["Request Count"]),
        int(row["Failure Count"]),
        float(row["Requests/s"]),
        float(row["50%"]) / 1000,
        float(row["95%"]) / 1000,
        seconds,
    )
