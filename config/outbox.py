"""Sending a job whose data is already committed: a broker outage must not fail the request.

Every job sent after a commit here has its outbox in the database that a drain picks up, so a
message that cannot be sent is left to that drain:

- a stale StationTallyState: the beat job `tallies.tasks.sweep_stale_tallies`;
- a pending Evidence: the beat job `observers.tasks.sweep_pending_evidence`;
- an untallied OfficialSnapshot: the beat job `tallies.tasks.sweep_untallied_snapshots`;
- an organisation's stored per-commission figures out of date (CommissionFiguresState): the beat
  job `tallies.tasks.sweep_commission_figures`;
- a coalition's asked release preview or publish (CoalitionReleasePreview): the beat job
  `tallies.tasks.sweep_release_previews`, once its claim counts as lost;
- a running AnalysisRun: counted as lost after `RUNNING_FOR_AT_MOST` and started again by the next
  request for it (tallies/services/analysis/runs.py).

A job a person asks for from a page that stores nothing first (a coverage sample, a comparison
computed afresh) has no outbox: `enqueue_asked` says whether it was sent, and the page tells them.

Shared infrastructure of every app (elections ← observers ← tallies), so it lives in `config`.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError as BrokerUnreachable

log = logging.getLogger(__name__)
# What a page says when `enqueue_asked` could not send the job the person asked for.
NOT_STARTED = _("The job could not be started just now. Please try again in a moment.")


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
    return _send(task, "left to its sweep", kwargs)


def enqueue_asked(task: Task, **ids: Any) -> bool:
    """Send a job a person asked for from a page that writes nothing first; False if the broker is down.

    Such a job has no outbox row (a coverage sample, a comparison computed afresh): the request
    itself is the outbox. On False the page says the job was not started, and the person asks
    again; nothing is left half-done. Errors as `send_or_leave_to_sweep`.
    """
    return _send(task, "not started, the page says so", ids)


def _send(task: Task, otherwise: str, kwargs: dict[str, Any]) -> bool:
    try:
        task.delay(**kwargs)
    except BrokerUnreachable as error:
        log.warning("broker unreachable, %s(%s) %s: %s", task.name, kwargs, otherwise, error)
        return False
    return True
