"""A job sent after its data committed: a broker outage is logged and left to the sweep (config.outbox)."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from config.outbox import enqueue_asked, enqueue_on_commit, send_or_leave_to_sweep


class FakeTask:
    """Stands in for a Celery task whose `delay` raises `error`."""

    name = "tallies.tasks.apply_station_tally"

    def __init__(self, error: Exception | None) -> None:
        self.error, self.sent = error, []

    def delay(self, **kwargs):  # type: ignore[no-untyped-def]
        if self.error:
            raise self.error
        self.sent.append(kwargs)


def test_it_sends_the_job():
    task = FakeTask(None)

    assert send_or_leave_to_sweep(task, state_id=7) is True
    assert task.sent == [{"state_id": 7}]


def test_a_broker_outage_is_logged_not_raised(caplog):
    with caplog.at_level(logging.WARNING):
        assert send_or_leave_to_sweep(FakeTask(OperationalError("Connection refused")), state_id=7) is False

    assert "left to its sweep" in caplog.text and "state_id" in caplog.text


def test_a_failure_of_the_job_itself_still_raises():
    with pytest.raises(ZeroDivisionError):
        send_or_leave_to_sweep(FakeTask(ZeroDivisionError()), state_id=7)


@pytest.mark.django_db
def test_enqueue_on_commit_sends_only_once_the_transaction_commits(django_capture_on_commit_callbacks):
    task = FakeTask(None)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue_on_commit(task, run_id=3)
        assert task.sent == []  # nothing is sent while the data may still roll back

    assert task.sent == [{"run_id": 3}]


@pytest.mark.django_db
def test_enqueue_on_commit_with_the_broker_down_leaves_the_job_to_the_sweep(
    django_capture_on_commit_callbacks, caplog
):
    task = FakeTask(OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused."))

    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_on_commit(task, state_id=7)

    assert len(callbacks) == 1  # it ran, after the commit, and did not raise
    assert "left to its sweep" in caplog.text and "state_id" in caplog.text


@pytest.mark.django_db
def test_enqueue_on_commit_sends_nothing_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    task = FakeTask(None)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        enqueue_on_commit(task, state_id=7)
        raise ZeroDivisionError

    assert task.sent == []


def test_a_job_asked_for_from_a_page_says_whether_it_was_sent(caplog):
    sent = FakeTask(None)
    assert enqueue_asked(sent, contest_id=2) is True and sent.sent == [{"contest_id": 2}]

    with caplog.at_level(logging.WARNING):
        assert enqueue_asked(FakeTask(OperationalError("Connection refused")), contest_id=2) is False

    assert "not started" in caplog.text and "left to its sweep" not in caplog.text


def test_every_beat_job_and_every_name_a_queued_message_may_carry_is_a_registered_task():
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    # Names of tasks that moved into tallies/tasks.py: messages queued before the move carry them.
    moved = {
        "tallies.tasks_analysis.compute_analysis_run",
        "tallies.tasks_comparison.run_comparison",
        "tallies.tasks_coverage.record_coverage",
        "tallies.tasks_coverage.record_election_night_coverage",
    }

    assert "tallies.tasks.sweep_untallied_snapshots" in scheduled
    assert scheduled | moved <= set(app.tasks)


def test_no_module_but_the_outbox_sends_a_task_itself():
    """Every job goes through config/outbox.py (enqueue_on_commit, send_or_leave_to_sweep,
    enqueue_asked), which survive a broker outage; a bare `.delay(` or `.apply_async(` elsewhere in
    the apps would raise after the data is committed (issue 16)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sending = re.compile(r"\.(delay|apply_async)\(")
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for app in ("config", "elections", "observers", "tallies")
        for path in sorted((root / app).rglob("*.py"))
        if path.name != "outbox.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if sending.search(line) and not line.lstrip().startswith(("#", '"""'))
    ]
    assert offenders == []
