"""Profile the two hot paths with cProfile and print where the time goes (evidence for the report).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/observer_bench \\
        python -m bench.profiling [--stations 10000]

1. One full recompute_observer_tallies on a tallied election of N stations × 20 options.
2. Twenty POST /api/copies/ through Django's test client (tally jobs held back, as with a
   broker), with the number of SQL statements per request.
3. One import_stations_file of the first N rows of the 2011 file (COPY).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import uuid

REQUESTS = 20


PROJECT = r"/(tallies|observers|elections|config)/"


def _top(profile: cProfile.Profile, lines: int = 18) -> str:
    """The project's functions by cumulative time, then any function by its own time."""
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(PROJECT, lines)
    stats.sort_stats("tottime").print_stats(10)
    return out.getvalue()


def profile_recompute(stations: int) -> str:
    """cProfile of one full recompute on a freshly built, tallied election."""
    from bench import database, fixtures
    from tallies import services

    database.clear_data()
    contest = fixtures.define_generated_election(stations)
    observer = fixtures.fixture_observer(fixtures.bench_organization())
    fixtures.add_generated_copies(contest, observer)
    database.analyze()
    profile = cProfile.Profile()
    profile.runcall(
        services.recompute_observer_tallies, organization_id=observer.organization_id, contest_id=contest.pk
    )
    return _top(profile)


def profile_submission(stations: int) -> str:
    """cProfile of REQUESTS copy submissions through the API, and SQL statements per request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench import database, fixtures
    from bench.p1_api import p1_spec
    from bench.timing import held_tasks

    database.clear_data()
    spec = p1_spec(fixtures.define_generated_election(stations), users=1, each=REQUESTS + 1)
    observer, client, profile = spec["observers"][0], Client(), cProfile.Profile()
    bodies = [
        json.dumps(
            {"client_uuid": str(uuid.uuid4()), "contest": spec["contest"], "station": s} | spec["figures"]
        )
        for s in observer["stations"]
    ]
    headers = {"HTTP_AUTHORIZATION": f"Token {observer['token']}", "secure": True}
    with held_tasks(), CaptureQueriesContext(connection) as queries:
        client.post("/api/copies/", bodies[0], "application/json", **headers)  # warm: imports, caches
        before = len(queries)
        profile.enable()
        for body in bodies[1:]:
            client.post("/api/copies/", body, "application/json", **headers)
        profile.disable()
    per_request = (len(queries) - before) / REQUESTS
    last = "\n".join(f"  {q['sql'][:160]}" for q in queries.captured_queries[-round(per_request) :])
    return f"SQL statements per submission: {per_request:.1f}; the last one's:\n{last}\n" + _top(profile)


def profile_import(stations: int) -> str:
    """cProfile of one official import (the product's COPY path) of the first `stations` rows."""
    import tempfile
    from pathlib import Path

    from bench.p4_import import copy_import, fresh_contest, source_file

    with tempfile.TemporaryDirectory() as folder:
        path = source_file(stations, Path(folder))
        contest = fresh_contest()
        profile = cProfile.Profile()
        profile.runcall(copy_import, contest, path)
    return _top(profile)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Profile the recompute and the submission API.")
    parser.add_argument("--stations", type=int, default=10_000)
    parser.add_argument("--only", default="recompute,submission,import", help="comma-separated")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    from bench.run import setup_django

    setup_django(os.environ["DATABASE_URL"])
    from bench import database

    database.reset_schema()
    if "recompute" in only:
        print(
            f"== recompute_observer_tallies, {args.stations:,} stations\n{profile_recompute(args.stations)}"
        )
    if "submission" in only:
        print(f"== POST /api/copies/ × {REQUESTS}\n{profile_submission(args.stations)}")
    if "import" in only:
        print(
            f"== import_stations_file, first {args.stations:,} rows of 2011\n{profile_import(args.stations)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
