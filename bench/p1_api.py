"""P1: copy submissions through gunicorn on loopback against a bare Django endpoint on the same server.

50 locust users (headless, no wait) POST for SECONDS each: first to /bench/hello/, then fresh
copies to /api/copies/ as 50 observers with tokens and live mandates. Tally jobs go to a Redis
queue no worker reads, in Redis database 15 (the request path ends at the queue, as in
production). Afterwards every acknowledged copy must be stored exactly once with one queued job;
then the queue and kombu's bindings in database 15 are deleted.
"""

from __future__ import annotations

import json
import random
import urllib.request
import uuid
from pathlib import Path

import redis

from bench import database, fixtures, server
from bench.locust_run import USERS, LocustStats, run_locust
from bench.report import MET, MISSED, Report, Row, stations_text, verdict
from elections.models import Contest, PollingStation
from tallies import generator
from tallies.models import ProtocolCopy

STATIONS_EACH, WARM_UP = 20, 20
BROKER, QUEUE = "redis://127.0.0.1:6379/15", "bench"
RATIO, P95 = 0.25, 0.100


def p1_spec(contest: Contest, users: int = USERS, each: int = STATIONS_EACH) -> dict:
    """Create `users` observers with a token and a mandate for `each` stations; return the locust spec."""
    organization = fixtures.bench_organization()
    stations = list(
        PollingStation.objects.filter(pec__election=contest.election).order_by("id")[: users * each]
    )
    observers = []
    for index in range(users):
        mine = stations[index * each : (index + 1) * each] or stations[:each]
        token = generator.observer_with_token(
            organization, contest, mine, f"bench-observer-{index:03d}", f"BENCH-{index + 1:04d}"
        )
        observers.append({"token": token, "stations": [station.pk for station in mine]})
    figures = fixtures.honest_figures(random.Random(1))
    return {
        "contest": contest.pk,
        "observers": observers,
        "figures": {"lines": figures.lines, "options": figures.options},
    }


def warm_up(base: str, spec: dict, requests: int = WARM_UP) -> list[str]:
    """Send a few requests of each kind one by one (workers load code lazily); return copies' keys."""
    observer = spec["observers"][0]
    headers = {
        **server.HTTPS,
        "Content-Type": "application/json",
        "Authorization": f"Token {observer['token']}",
    }
    keys = []
    for index in range(requests):
        station = observer["stations"][index % len(observer["stations"])]
        body = {"client_uuid": str(uuid.uuid4()), "contest": spec["contest"], "station": station} | spec[
            "figures"
        ]
        for path in ("/bench/hello/", "/api/copies/"):
            request = urllib.request.Request(base + path, json.dumps(body).encode(), headers)
            with urllib.request.urlopen(request, timeout=60) as response:
                if path == "/api/copies/" and response.status == 201:
                    keys.append(body["client_uuid"])
    return keys


def run_p1(report: Report, stations: int, folder: Path) -> None:
    """Build the election and observers, serve, load both endpoints, check and report."""
    database.clear_data()
    contest = fixtures.define_generated_election(stations)
    spec_path, acks_path = folder / "p1-spec.json", folder / "p1-acknowledged.json"
    spec_path.write_text(json.dumps(p1_spec(contest)), encoding="utf-8")
    queue = redis.Redis.from_url(BROKER)
    queue.delete(QUEUE)
    with server.gunicorn(folder / "gunicorn.log", {"CELERY_BROKER_URL": BROKER}) as base:
        acknowledged = warm_up(base, json.loads(spec_path.read_text(encoding="utf-8")))
        hello = run_locust(base, "HelloUser", spec_path, folder / "hello")
        api = run_locust(base, "CopyUser", spec_path, folder / "api", acks=acks_path)
    acknowledged += json.loads(acks_path.read_text(encoding="utf-8"))
    stored = {
        str(key) for key in ProtocolCopy.objects.filter(contest=contest).values_list("client_uuid", flat=True)
    }
    queued = queue.llen(QUEUE)
    queue.delete(QUEUE, *queue.scan_iter("_kombu.binding*"))  # Redis database 15 is the bench's alone
    _report(report, stations, hello, api)
    _check(report, stations, acknowledged, stored, queued, api.failures + hello.failures)


def _report(report: Report, stations: int, hello: LocustStats, api: LocustStats) -> None:
    where = stations_text(stations)
    ratio = api.per_second / hello.per_second
    setup = f"{USERS} users, {api.seconds} s each, gunicorn {server.WORKERS}×{server.THREADS} gthread"
    figure = (
        f"POST /api/copies/ {api.per_second:,.1f} req/s vs bare POST /bench/hello/ "
        f"{hello.per_second:,.1f} req/s ({setup})"
    )
    report.add(Row("P1", where, figure, "≥ 0.25", f"{ratio:.3f}", verdict(ratio, ">=", RATIO)))
    latency = (
        f"POST /api/copies/ p95 {api.p95 * 1000:,.0f} ms, p50 {api.p50 * 1000:,.0f} ms; "
        f"bare endpoint p95 {hello.p95 * 1000:,.0f} ms, p50 {hello.p50 * 1000:,.0f} ms"
    )
    report.add(Row("P1", where, latency, "p95 ≤ 100 ms (§18.4)", "—", verdict(api.p95, "<=", P95)))
    report.cost("POST /api/copies/ p50 at 50 users (P1)", stations, api.p50, per_request=True)


def _check(
    report: Report, stations: int, acks: list[str], stored: set[str], queued: int, failed: int
) -> None:
    """Every acknowledged key stored once; the rest stored are answers cut off at the stop (≤ users)."""
    unanswered = len(stored) - len(set(acks))
    good = set(acks) <= stored and len(acks) == len(set(acks)) and 0 <= unanswered <= USERS
    good = good and queued == len(stored) and not failed
    figure = (
        f"{len(acks):,} acknowledged copies all stored once, {unanswered} more stored whose answer the "
        f"stop cut off; {queued:,} tally jobs queued for {len(stored):,} copies; {failed} failed requests"
    )
    report.add(Row("P1", stations_text(stations), figure, "nothing lost", "—", MET if good else MISSED))
