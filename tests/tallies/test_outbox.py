"""A job sent after its data committed: a broker outage is logged and left to the sweep."""

from __future__ import annotations

import logging

import pytest
from kombu.exceptions import OperationalError

from tallies.services.outbox import send_or_leave_to_sweep


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
