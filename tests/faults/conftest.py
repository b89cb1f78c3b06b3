"""Fixtures of the fault suite: a real stack (private Redis, Celery worker, gunicorn) per case.

The scale comes from FAULTS_SCALE: "short" (the default, part of `make test` and CI: a few dozen
copies per case) or "long" (`make faults`: hundreds of copies, more phones, repeated faults).
The cases need PostgreSQL (the workers and gunicorn share the test database) and the
redis-server program; without them they skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults import processes
from tests.faults.field import Field, Phones, build_field

LONG = os.environ.get("FAULTS_SCALE", "short") == "long"
REPEATS = 5 if LONG else 1  # how many times a case injects its fault
# per_phone copies per round; the worker case sends 1 + REPEATS rounds, so each phone's share of
# the stations (stations / observers) must hold 1 + REPEATS × per_phone of them.
SCALE = (
    {"stations": 1200, "observers": 8, "per_phone": 25}
    if LONG
    else {"stations": 60, "observers": 3, "per_phone": 5}
)
SETTLE = 300.0 if LONG else 90.0  # seconds the workers get to apply every station after a fault
assert SCALE["stations"] // SCALE["observers"] >= 1 + REPEATS * SCALE["per_phone"]


def require_stack() -> None:
    """Skip without redis-server; fail instead under CI, which must run the cases."""
    reason = None
    if shutil.which("redis-server") is None:
        reason = "the fault cases start their own redis-server, which is not installed"
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
        parts = []
        for log in sorted(self.folder.glob("*.log")):
            parts.append(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)


def start_stack(folder: Path, appendonly: bool = False) -> Stack:
    redis = processes.PrivateRedis(folder, appendonly=appendonly)
    redis.start()
    env = processes.stack_env(redis.url, folder / "media")
    stack = Stack(
        folder,
        redis,
        processes.Worker(env, folder / "worker.log"),
        processes.Gunicorn(env, folder / "gunicorn.log"),
    )
    stack.worker.start()
    stack.gunicorn.start()
    return stack


def stop_stack(stack: Stack) -> None:
    stack.gunicorn.stop()
    if stack.worker.process is not None:
        processes.stop(stack.worker.process, signal.SIGQUIT)  # cold shutdown: the case is over
    if stack.redis.process is not None:
        processes.stop(stack.redis.process)


@pytest.fixture
def field(transactional_db) -> Field:
    require_stack()
    return build_field(seed=7, stations=SCALE["stations"], observers=SCALE["observers"])


@pytest.fixture
def stack(field, request) -> Iterator[Stack]:
    """The running stack; parametrized indirectly with True, its Redis keeps an append-only file."""
    with processes.temporary_folder() as folder:
        running = start_stack(folder, appendonly=getattr(request, "param", False))
        try:
            yield running
        finally:
            stop_stack(running)


@pytest.fixture
def phones(field, stack) -> Phones:
    return Phones(stack.gunicorn.base, field)
