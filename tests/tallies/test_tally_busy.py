"""A station whose tally rows another transaction holds is busy: nothing written, tried again later.

The tally job waits at most settings.TALLY_LOCK_TIMEOUT for the rows, then raises StationBusy;
the task puts its message back in the queue (Reject with requeue) instead of failing, since a
failed job's message is acknowledged and lost (docs/faults.md), and the sweep passes over the
busy organisation until its next round.
"""

from decimal import Decimal

import pytest
from celery.exceptions import Reject, Retry, SoftTimeLimitExceeded
from django.db import OperationalError, ProgrammingError
from django.db.models import F

from config import task_retry
from elections.generator import plan_election
from tallies import generator, services, tasks
from tallies.errors import StationBusy
from tallies.models import StationTallyState
from tests.faults.processes import holding_lock

ROOT_TALLY = (
    "SELECT t.id FROM tallies_observertally t JOIN elections_commission c ON c.id = t.commission_id "
    "WHERE c.parent_id IS NULL FOR UPDATE OF t"
)


@pytest.fixture
def stale(transactional_db, settings):
    """A tallied generated election whose stations have all changed since (as touch_station does)."""
    settings.TALLY_LOCK_TIMEOUT = 0.2  # seconds
    plan = plan_election(seed=5, stations=40, falsify=Decimal(0), copies=Decimal("0.5"))
    contest = generator.load_contest(5)
    generator.import_official(contest, plan, 5)
    generator.submit_copies(contest, generator.generated_organization(), plan, 5)  # tallied: rows exist
    StationTallyState.objects.update(wanted_version=F("wanted_version") + 1)
    return StationTallyState.objects.stale().order_by("pk")


def test_a_station_whose_tally_rows_stay_locked_is_busy_and_nothing_is_written(stale):
    state = stale.first()

    with holding_lock(ROOT_TALLY, []), pytest.raises(StationBusy) as busy:
        services.apply_station_tally(state_id=state.pk)

    assert busy.value.state_id == state.pk
    state.refresh_from_db()
    assert state.applied_version != state.wanted_version


def test_the_task_puts_a_busy_station_back_in_the_queue(stale):
    with holding_lock(ROOT_TALLY, []), pytest.raises(Reject) as rejected:
        tasks.apply_station_tally.run(state_id=stale.first().pk)

    assert rejected.value.requeue is True


def test_the_sweep_leaves_a_busy_organisation_to_its_next_round_and_applies_it_then(stale):
    waiting = stale.count()

    with holding_lock(ROOT_TALLY, []):
        assert services.sweep_stale_tallies() == 0

    assert stale.count() == waiting > 1
    assert services.sweep_stale_tallies() == waiting
    assert not stale.exists()


def test_a_job_at_its_soft_time_limit_goes_back_to_the_queue_and_one_at_its_hard_limit_too(monkeypatch):
    def slow(**kwargs):  # type: ignore[no-untyped-def]
        raise SoftTimeLimitExceeded()  # e.g. PostgreSQL slow to accept a connection

    monkeypatch.setattr(services, "apply_station_tally", slow)

    with pytest.raises(Reject) as rejected:
        tasks.apply_station_tally.run(state_id=1)

    assert rejected.value.requeue is True
    assert tasks.apply_station_tally.acks_on_timeout is False  # killed at the hard limit: redelivered


def test_a_sweep_at_its_soft_time_limit_goes_back_to_the_queue_on_new_connections(monkeypatch):
    closed = []

    def slow(**kwargs):  # type: ignore[no-untyped-def]
        raise SoftTimeLimitExceeded()  # a long backlog, a slow machine, maybe mid-statement

    monkeypatch.setattr(services, "sweep_stale_tallies", slow)
    monkeypatch.setattr(task_retry.connections, "close_all", lambda: closed.append(True))

    with pytest.raises(Reject) as rejected:
        tasks.sweep_stale_tallies.run()

    assert rejected.value.requeue is True
    assert closed == [True]  # the interrupted statement's connection is not reused
    assert tasks.sweep_stale_tallies.acks_on_timeout is False


def test_an_error_raised_while_the_soft_time_limit_is_handled_counts_as_the_time_limit(monkeypatch):
    closed = []

    def commit_interrupted(**kwargs):  # type: ignore[no-untyped-def]
        try:
            raise SoftTimeLimitExceeded()  # arrives during COMMIT
        except SoftTimeLimitExceeded:  # Django's clean-up then fails on the busy connection
            raise ProgrammingError("can't change 'autocommit' now")  # noqa: B904  (as Django's raises)

    monkeypatch.setattr(services, "sweep_stale_tallies", commit_interrupted)
    monkeypatch.setattr(task_retry.connections, "close_all", lambda: closed.append(True))

    with pytest.raises(Reject) as rejected:
        tasks.sweep_stale_tallies.run()

    assert rejected.value.requeue is True and closed == [True]


def test_another_error_still_fails_the_job(monkeypatch):
    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise ProgrammingError("column does not exist")

    monkeypatch.setattr(services, "sweep_stale_tallies", broken)

    with pytest.raises(ProgrammingError):
        tasks.sweep_stale_tallies.run()


def test_a_database_error_is_retried_for_as_long_as_it_lasts_not_a_number_of_times(monkeypatch):
    def restarting(**kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("the database system is not yet accepting connections")

    monkeypatch.setattr(services, "apply_station_tally", restarting)

    with pytest.raises(Retry):  # the 51st failure in a row is retried too, not failed and acknowledged
        tasks.apply_station_tally.apply(kwargs={"state_id": 1}, retries=50, throw=True)
