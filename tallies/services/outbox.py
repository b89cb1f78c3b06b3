"""Sending a job whose data is already committed: a broker outage must not fail the request.

Every job sent after a commit here has its outbox in the database (a stale StationTallyState, a
pending Evidence) that a beat job drains, so a message that cannot be sent is left to that drain.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from kombu.exceptions import OperationalError as BrokerUnreachable

log = logging.getLogger(__name__)


def send_or_leave_to_sweep(task: Task, **kwargs: Any) -> bool:
    """`task.delay(**kwargs)`; on a broker connection error log it and return False instead of raising.

    Only broker errors are caught: a job that fails when Celery runs it in-process (the embedded
    default) still raises, as it should.
    """
    try:
        task.delay(**kwargs)
    except BrokerUnreachable as error:
        log.warning("broker unreachable, %s(%s) left to its sweep: %s", task.name, kwargs, error)
        return False
    return True
