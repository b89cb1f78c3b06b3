"""The sizes of a release's files and the time to publish it, at the POOL case's size.

    DATABASE_URL=postgres://.../observer_bench_x python -m bench.release_files --stations 10000,100000

For each size: the coalition of seven (bench.pooled) publishes through its tasks
(bench.pooled_releases), then one organisation with a copy from every station publishes its own
release. Prints each file's size, the largest, the total, and what one bulk INSERT of them all
measured before (hex-escaped: 2 bytes per byte) against PostgreSQL's 1 GiB.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from bench.run import setup_django

GIB = 1024**3


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stations", default="10000")
    sizes = [int(s) for s in parser.parse_args().stations.split(",")]
    setup_django(os.environ["DATABASE_URL"])
    from bench import database
    from bench.report import Report

    database.reset_schema()
    for size in sizes:
        _one_size(Report(), size)
    return 0


def _one_size(report, size: int) -> None:  # type: ignore[no-untyped-def]
    from bench import fixtures
    from bench.pooled import build_pooled_case
    from bench.pooled_releases import run_release_requests
    from tallies.services import releases
    from tallies.services.releases import publish

    stored: list[dict[str, bytes]] = []
    original = publish.store_files

    def recording(release_id: int, files: dict[str, bytes]) -> None:
        started = time.perf_counter()
        original(release_id, files)
        print(f"  store_files: {len(files)} files in {time.perf_counter() - started:.2f} s", flush=True)
        stored.append(files)

    publish.store_files = recording  # type: ignore[assignment]
    case = build_pooled_case(report, size, recomputes=0)
    run_release_requests(report, case)
    _sizes(f"coalition release, {size:,} stations", stored)
    observer = fixtures.fixture_observer(fixtures.bench_organization())
    fixtures.add_generated_copies(case.contest, observer, stations=fixtures.station_ids(case.contest))
    started = time.perf_counter()
    releases.publish_release(
        organization=observer.organization, contest=case.contest, published_by=None, changelog="bench"
    )
    print(f"  organisation's publish_release: {time.perf_counter() - started:.2f} s", flush=True)
    _sizes(f"organisation release, {size:,} stations", stored)
    publish.store_files = original  # type: ignore[assignment]


def _sizes(title: str, stored: list[dict[str, bytes]]) -> None:
    if not stored:
        print(f"{title}: nothing stored", flush=True)
        return
    files = stored.pop()
    total = sum(len(c) for c in files.values())
    print(f"{title}: {len(files)} files, {total / 2**20:.1f} MiB in all", flush=True)
    for name, content in sorted(files.items(), key=lambda item: -len(item[1])):
        print(f"  {name}: {len(content):,} bytes ({len(content) / 2**20:.1f} MiB)", flush=True)
    escaped = 2 * total
    print(f"  one bulk INSERT, hex-escaped: ~{escaped / GIB:.2f} GiB of query text (limit 1 GiB)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
