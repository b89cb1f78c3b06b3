"""A real Celery worker, fed through Redis, computes the tallies and the reconciliation.

The worker runs as a subprocess on the test database; the test sends nothing to it directly:
the import and the submissions send their jobs on commit, as in production. Needs PostgreSQL
and Redis at 127.0.0.1:6379; skipped without them, except under CI where it must run.
"""

import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import transaction

from elections.generator import plan_election
from elections.models import Commission
from elections.protocol import sum_figures
from tallies import generator, tasks
from tallies.models import ObserverTally, ReconciliationRun
from tests.tallies.workers import BROKER_URL, database_url, require_services

TIMEOUT = 60  # seconds
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(queue):
    """Start `celery worker` on `queue` and the test database; stop it afterwards."""
    require_services()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
    }
    command = [str(Path(sys.executable).parent / "celery"), "-A", "config", "worker", "--pool=solo"]
    command += ["--concurrency=1", "-Q", queue, "--loglevel=WARNING", "--without-mingle", "--without-gossip"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, cwd=django_settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield process, log
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(check, worker, what: str):
    """Poll `check` until it returns a true value; fail with the worker's log after TIMEOUT."""
    process, log = worker
    deadline = time.monotonic() + TIMEOUT
    while not (result := check()):
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            pytest.fail(
                f"{what}: no result from the worker (exit code {process.poll()})\n{log.read().decode()}"
            )
        time.sleep(0.25)
    return result


def test_it_tallies_and_reconciles_in_a_real_worker(worker, celery_through_redis):
    plan = plan_election(seed=11, stations=60, falsify=Decimal("0.5"), copies=Decimal("0.2"))
    contest = generator.load_contest(11)
    snapshot = generator.import_official(contest, plan, 11)  # sends tally_official_snapshot on commit
    organization = generator.generated_organization()
    with transaction.atomic():
        generator.submit_copies(contest, organization, plan, 11)  # each sends apply_station_tally on commit
    root = Commission.objects.get(election=contest.election, parent__isnull=True)
    expected = sum_figures(s.honest for s in plan if s.has_copy)

    tally = wait_for(
        lambda: ObserverTally.objects.filter(commission=root, stations_count=12).first(), worker, "tally"
    )
    assert (tally.line_totals, tally.option_totals) == (dict(expected.lines), dict(expected.options))
    wait_for(lambda: snapshot.protocols.filter(commission=root).exists(), worker, "official tally")

    tasks.reconcile.delay(organization_id=organization.pk, contest_id=contest.pk, snapshot_id=snapshot.pk)
    run = wait_for(
        lambda: ReconciliationRun.objects.filter(finished_at__isnull=False).first(), worker, "reconcile"
    )

    discrepant = set(run.stations.filter(is_discrepant=True).values_list("station__number", flat=True))
    assert discrepant == {s.number for s in plan if s.stuffed}
    assert len(discrepant) == 6
    assert run.commissions.get(commission=root).votes_moved()["p6_UR"] == sum(s.stuffed for s in plan)
