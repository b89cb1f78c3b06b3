"""Sending a job whose data is already committed: a broker outage must not fail the request.

Every job sent after a commit here has its outbox in the database that a drain picks up, so a
message that cannot be sent is left to that drain:

- a stale StationTallyState: the beat job `tallies.tasks.sweep_stale_tallies`;
- a pending Evidence: the beat job `observers.tasks.sweep_pending_evidence`;
- a running AnalysisRun: counted as lost after `RUNNING_FOR_AT_MOST` and started again by the next
  request for it (tallies/services/analysis/runs.py).

Shared infrastructure of every app (elections ← observers ← tallies), so it lives in `config`.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnreachable

log = logging.getLogger(__name__)


def enqueue_on_commit(task: Task, **ids: Any) -> None:
    """Send `task.delay(**ids)` once the current transaction commits (at once outside one).

    `ids` are the primary keys the job reads (integers). A broker outage is logged and the job
    left to its drain (`send_or_leave_to_sweep`), never raised after the data is committed.
    """
    transaction.on_commit(lambda: send_or_leave_to_sweep(task, **ids))


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
