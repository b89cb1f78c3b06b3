"""Profile the two hot paths with cProfile and print where the time goes (evidence for the report).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/observer_bench \\
        python -m bench.profiling [--stations 10000]

1. One full recompute_observer_tallies on a tallied election of N stations × 20 options.
2. Twenty POST /api/copies/ through Django's test client (tally jobs held back, as with a
   broker), with the number of SQL statements per request.
3. One import_stations_file of the first N rows of the 2011 file (COPY).
4. (`--only cpu`) CPU per request of CPU_REQUESTS first copies, the same copies resent, and the
   bare endpoint, through Django's test client: this process's CPU and its PostgreSQL
   backend's (/proc/<pid>/stat), which a loaded machine inflates far less than wall time.
   The tally jobs are held back there; with CELERY_BROKER_URL set to a Redis database nothing
   else uses (redis://127.0.0.1:6379/14: P1 uses /15), a last line gives the CPU of sending
   one as a first copy's request sends it (config.outbox); that queue is emptied afterwards.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
import uuid

REQUESTS = 20
CPU_REQUESTS = 200


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


def cpu_per_request(stations: int) -> str:
    """Django and PostgreSQL CPU per request (ms) of first copies, resends and the bare endpoint."""
    from django.db import connection
    from django.test import Client

    from bench import database, fixtures
    from bench.p1_api import p1_spec
    from bench.timing import held_tasks

    database.clear_data()
    spec = p1_spec(fixtures.define_generated_election(stations), users=1, each=CPU_REQUESTS + 1)
    observer, client = spec["observers"][0], Client()
    bodies = [
        json.dumps(
            {"client_uuid": str(uuid.uuid4()), "contest": spec["contest"], "station": s} | spec["figures"]
        )
        for s in observer["stations"]
    ]
    headers = {"HTTP_AUTHORIZATION": f"Token {observer['token']}", "secure": True}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    lines = []
    with held_tasks():
        client.post("/api/copies/", bodies[0], "application/json", **headers)  # warm: imports, caches
        for name, path, sent in (
            ("first copy", "/api/copies/", bodies[1:]),
            ("resend", "/api/copies/", bodies[1:]),
            ("bare endpoint", "/bench/hello/", bodies[1:]),
        ):
            django, postgres = time.process_time(), _backend_cpu(backend)
            for body in sent:
                client.post(path, body, "application/json", **headers)
            django, postgres = time.process_time() - django, _backend_cpu(backend) - postgres
            lines.append(
                f"{name:>14}: Django {django * 1000 / len(sent):.2f} ms, "
                f"PostgreSQL {postgres * 1000 / len(sent):.2f} ms per request ({len(sent)} requests)"
            )
    lines.append(_send_cpu())
    return "\n".join(lines) + f"\nload average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n"


def _send_cpu() -> str:
    """CPU per tally job sent to the broker (ms), or why it was not measured."""
    from django.conf import settings

    from config.outbox import send_or_leave_to_sweep
    from tallies import tasks

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "     tally job: not measured (no CELERY_BROKER_URL: jobs run in-process)"
    app = tasks.apply_station_tally.app
    with app.connection_for_write() as broker:
        transport = type(broker.transport).__module__
        queue = app.conf.task_default_queue
        try:
            send_or_leave_to_sweep(tasks.apply_station_tally, state_id=0)  # warm: connection, declare
            start = time.process_time()
            for _ in range(CPU_REQUESTS):
                send_or_leave_to_sweep(tasks.apply_station_tally, state_id=0)
            spent = time.process_time() - start
        finally:
            broker.default_channel.queue_purge(queue)
    return (
        f"     tally job: send {spent * 1000 / CPU_REQUESTS:.2f} ms per job "
        f"({CPU_REQUESTS} jobs, transport {transport}, queue {queue!r} purged)"
    )


def _backend_cpu(pid: int) -> float:
    """User + system CPU seconds of process `pid` so far (a PostgreSQL backend on this machine)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    if "cpu" in only:
        print(f"== CPU per request, {CPU_REQUESTS} requests each\n{cpu_per_request(args.stations)}")
    if "import" in only:
        print(
            f"== import_stations_file, first {args.stations:,} rows of 2011\n{profile_import(args.stations)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
