"""Fixtures of the fault suite: a real stack (private Redis, Celery worker, gunicorn) per case.

The scale comes from FAULTS_SCALE: "short" (the default, part of `make test` and CI: a few dozen
copies per case) or "long" (`make faults`: hundreds of copies, more phones, repeated faults).
FAULTS_LOAD lists the loads every case runs under: "quiet" (the machine as it is) and "loaded"
(a CPU hog keeps every core busy during the case); `make faults` runs both, the short version
only "quiet". The cases need PostgreSQL (the workers and gunicorn share the test database) and
the redis-server program; without them they skip, except under CI=true, where they fail.

Every process a case starts is in a process group of its own and stopped at the end of the
case, or at once on SIGTERM, SIGINT or SIGHUP; the session ends by checking that none is left
(tests/faults/groups.py). A failing case prints its assertion and logs as it fails
(tests/faults/report.py), and the run ends with a table of every case.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from tests.faults import groups, private_postgres, processes, report
from tests.faults.field import Field, Phones, build_field
from tests.faults.private_postgres import PrivatePostgres

LONG = os.environ.get("FAULTS_SCALE", "short") == "long"
REPEATS = 5 if LONG else 1  # how many times a case injects its fault
# per_phone copies per round; the worker case sends 1 + REPEATS rounds, so each phone's share of
# the stations (stations / observers) must hold 1 + REPEATS × per_phone of them.
SCALE = (
    {"stations": 1200, "observers": 8, "per_phone": 25}
    if LONG
    else {"stations": 60, "observers": 3, "per_phone": 5}
)
assert SCALE["stations"] // SCALE["observers"] >= 1 + REPEATS * SCALE["per_phone"]
LOADS = os.environ.get("FAULTS_LOAD", "quiet,loaded" if LONG else "quiet").split(",")


@dataclass(frozen=True)
class Bound:
    """Seconds within which every station is applied once the last fault of a case is over.

    `redelivery` covers the slowest way a job comes back with the suite's settings (a whole
    worker: the 6 s visibility timeout, the 10 s scan for unacknowledged jobs, the worker's
    restart; a retry's countdown is at most 3 s, a busy station's wait 1 s); `per_job` the time
    to work off each station still waiting when the check starts (one pool process). See
    docs/faults.md, "Bounds".
    """

    redelivery: float
    per_job: float

    def seconds(self, waiting: int) -> float:
        return self.redelivery + waiting * self.per_job


BOUND = {"quiet": Bound(redelivery=30.0, per_job=0.25), "loaded": Bound(redelivery=60.0, per_job=0.5)}


def require_stack() -> None:
    """Skip without redis-server; fail instead under CI, which must run the cases."""
    if shutil.which("redis-server") is None:
        require("the fault cases start their own redis-server, which is not installed")


def require(reason: str | None) -> None:
    """Skip for `reason` (None: nothing missing); fail instead under CI, which must run the cases."""
    if reason and os.environ.get("CI") == "true":
        pytest.fail(reason)
    if reason:
        pytest.skip(reason)


@dataclass
class Stack:
    """The running processes of one case and the folder holding their logs and media."""

    folder: Path
    redis: processes.PrivateRedis
    worker: processes.Worker
    gunicorn: processes.Gunicorn

    def logs(self) -> str:
        """The tail of every log, for a failure message."""
        return report.log_tails(self.folder)


def start_stack(folder: Path, appendonly: bool = False) -> Stack:
    """Redis, then the worker and gunicorn at once (they import the project side by side)."""
    redis = processes.PrivateRedis(folder, appendonly=appendonly)
    redis.start()
    env = processes.stack_env(redis.url, folder / "media")
    stack = Stack(
        folder,
        redis,
        processes.Worker(env, folder / "worker.log"),
        processes.Gunicorn(env, folder / "gunicorn.log"),
    )
    stack.worker.launch()
    stack.gunicorn.launch()
    stack.worker.wait_ready()
    stack.gunicorn.wait_ready()
    return stack


@pytest.fixture(scope="session", autouse=True)
def nothing_left_behind(request) -> Iterator[None]:
    """Stop every process on SIGTERM/SIGINT/SIGHUP; at the end, assert that no process is left."""
    _terminal.append(request.config.pluginmanager.get_plugin("terminalreporter"))
    restore = groups.install_signal_handlers(lambda name: _say(report.interrupted_text(name)))
    try:
        yield
    finally:
        restore()
    left = groups.left_behind()
    groups.stop_all()
    assert not left, f"processes the fault cases started are still running: {left}"
    _say("\n[faults] no process left behind: every process group the cases started is gone")


@pytest.fixture(params=LOADS)
def load(request) -> str:
    """'quiet', or 'loaded': one busy process per core once the stack runs (see `stack`)."""
    return request.param


@pytest.fixture
def folder(request) -> Iterator[Path]:
    """The case's temporary folder: its processes' logs (reported on failure) and media."""
    with processes.temporary_folder() as path:
        report.current[request.node.nodeid] = path
        try:
            yield path
        finally:
            report.current.pop(request.node.nodeid, None)


@pytest.fixture
def database(transactional_db, folder, request) -> Iterator[PrivatePostgres | None]:
    """The case's database: the machine's test database (None), or a server of the case's own.

    Parametrized indirectly with "private": a PostgreSQL server the case may kill and restart,
    holding a copy of the test database, which the test process and the stack then use
    (tests/faults/private_postgres.py); it is stopped and its data deleted after the case.
    """
    if getattr(request, "param", None) != "private":
        yield None
        return
    require(private_postgres.available())
    server = PrivatePostgres(folder / "postgres.log")
    try:
        server.init()
        server.start()
        server.load_copy_of(connection.settings_dict)
        with private_postgres.connected_to(server):
            yield server
    finally:
        server.remove()


@pytest.fixture
def field(database, load) -> Field:
    require_stack()
    return build_field(seed=7, stations=SCALE["stations"], observers=SCALE["observers"])


@pytest.fixture
def stack(field, folder, database, load, request) -> Iterator[Stack]:
    """The running stack; parametrized indirectly with True, its Redis keeps an append-only file.

    Loaded, the CPU hog starts once the stack is up, for the rest of the case: the faults, the
    recovery and the final check run under it; building the field and starting the servers
    (which is no fault) do not. At the end every process of the stack is SIGKILLed at once: the
    case has checked what it had to, and a graceful stop only cost time (celery's cold shutdown
    waits `worker_soft_shutdown_timeout`, 30 s, even when idle; our wait for it was 15 s).
    """
    hog = processes.CpuHog(folder) if load == "loaded" else None
    try:
        running = start_stack(folder, appendonly=getattr(request, "param", False))
        if hog is not None:
            hog.start()
        yield running
    finally:
        # the whole stack, even if it failed to start; the database fixture stops its own server
        own = [database.process.pid] if database and database.process else []
        groups.stop_all(keep=frozenset(own))


@pytest.fixture
def phones(field, stack, load) -> Phones:
    return Phones(stack.gunicorn.base, field, settle_bound=BOUND[load])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    """Print a failure the moment it happens; note each case's verdict for the table."""
    result = yield
    if result.failed:
        message = call.excinfo.exconly() if call.excinfo else str(result.longrepr)[-2000:]
        _say(report.failure_text(item.nodeid, result.when, message))
    found = report.row(item.nodeid)
    if result.when == "call" or not result.passed:
        found.verdict = "skipped" if result.skipped else ("FAILED" if result.failed else "passed")
        if result.skipped and isinstance(result.longrepr, tuple):
            found.verdict = f"skipped: {result.longrepr[2].removeprefix('Skipped: ')}"
    return result


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if report.rows:
        terminalreporter.section("fault cases (make faults; docs/faults.md)")
        for line in report.table():
            terminalreporter.write_line(line)


_terminal: list = []  # pytest's terminal reporter (None in an xdist worker)


def _say(text: str) -> None:
    """Write to the terminal at once, whatever pytest captures (stderr in an xdist worker)."""
    terminal = _terminal[0] if _terminal else None
    if terminal is not None:
        terminal.write_line(text)
        terminal.flush()  # type: ignore[no-untyped-call]
    else:
        print(text, file=sys.stderr, flush=True)
