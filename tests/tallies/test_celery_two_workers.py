"""Two real Celery workers draining one queue: every tally job runs once, none is lost or doubled.

Scaling out (docs/scaling.md, `docker compose up --scale worker=N`) means several workers taking
jobs from the same Redis queue. Two `celery worker` processes are started on a queue of this
test's own; 120 stations' tally jobs are sent once both are ready. Each job's id must appear as
succeeded exactly once across both workers' logs, both workers must have done some of them, and
the national tally must equal the sum of the copies. Needs PostgreSQL and Redis at
127.0.0.1:6379; skipped without them, except under CI where it must run.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import transaction

from bench.timing import held_tasks
from elections.generator import plan_election
from elections.models import Commission
from elections.protocol import sum_figures
from tallies import generator, tasks
from tallies.models import ObserverTally, StationTallyState
from tests.tallies.workers import BROKER_URL, database_url, require_services

STATIONS, TIMEOUT = 120, 120  # seconds
SUCCEEDED = re.compile(r"Task tallies\.tasks\.apply_station_tally\[([0-9a-f-]+)\] succeeded")
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_workers(queue):
    """Start two `celery worker` processes (w1, w2) on `queue`; yield [(process, log path)]."""
    require_services()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_TRACE_LOG_LEVEL": "INFO",  # a "succeeded" line per job, read below
    }
    celery = str(Path(sys.executable).parent / "celery")
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        workers = []
        for name in ("w1", "w2"):
            log = Path(folder) / f"{name}.log"
            command = [celery, "-A", "config", "worker", "--pool=solo", "--concurrency=1", "-Q", queue]
            command += ["-n", f"{name}@%h", "--loglevel=INFO", "--without-mingle", "--without-gossip"]
            handle = stack.enter_context(open(log, "wb"))
            process = subprocess.Popen(
                command, cwd=django_settings.BASE_DIR, env=env, stdout=handle, stderr=subprocess.STDOUT
            )
            stack.callback(_stop, process)
            workers.append((process, log))
        yield workers


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until(check, workers, what: str):
    """Poll `check` until true; fail with both workers' logs after TIMEOUT or if one exits."""
    deadline = time.monotonic() + TIMEOUT
    while not (result := check()):
        if any(p.poll() is not None for p, _ in workers) or time.monotonic() > deadline:
            logs = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')}" for _, log in workers)
            pytest.fail(f"{what}: not done (exit codes {[p.poll() for p, _ in workers]})\n{logs}")
        time.sleep(0.25)
    return result


@pytest.mark.usefixtures("celery_through_redis")
def test_two_workers_drain_one_queue_running_every_job_once(two_workers):
    plan = plan_election(seed=12, stations=STATIONS, falsify=Decimal("0"), copies=Decimal("1"))
    contest = generator.load_contest(12)
    organization = generator.generated_organization()
    with held_tasks():  # the jobs are sent below, once both workers listen
        generator.import_official(contest, plan, 12)  # the stations
        with transaction.atomic():
            generator.submit_copies(contest, organization, plan, 12)
    states = list(StationTallyState.objects.filter(contest=contest).values_list("pk", flat=True))
    wait_until(lambda: all(b"ready" in log.read_bytes() for _, log in two_workers), two_workers, "start")

    sent = [tasks.apply_station_tally.delay(state_id=pk).id for pk in states]

    def succeeded() -> list[Counter[str]] | None:
        done = [Counter(SUCCEEDED.findall(log.read_text(errors="replace"))) for _, log in two_workers]
        return done if (done[0] + done[1]).total() >= len(sent) else None

    done = wait_until(succeeded, two_workers, "every job")
    time.sleep(1)  # a job run twice would show up here
    done = [Counter(SUCCEEDED.findall(log.read_text(errors="replace"))) for _, log in two_workers]
    root = Commission.objects.get(election=contest.election, parent__isnull=True)
    tally = ObserverTally.objects.get(commission=root, contest=contest, organization=organization)
    expected = sum_figures(s.honest for s in plan)
    assert len(sent) == STATIONS
    assert not StationTallyState.objects.filter(contest=contest).stale().exists()
    assert done[0] + done[1] == Counter(sent)  # each job once: none lost, none run twice
    assert all(done), "both workers took jobs from the queue"
    assert (tally.stations_count, tally.line_totals, tally.option_totals) == (
        STATIONS,
        dict(expected.lines),
        dict(expected.options),
    )
