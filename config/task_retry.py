"""How the project's Celery tasks survive what goes wrong around them (docs/faults.md, "Bounds").

- A transient database error (a dropped connection, a restarting server: django.db
  OperationalError, InterfaceError) is retried: the task is sent again with an exponential,
  jittered countdown (RETRY). The countdown is capped below the broker's visibility timeout: on
  Redis a message held for its countdown longer than that is handed out a second time. It is
  retried for as long as the error lasts, not a number of times: a count is a span of time
  that the jitter makes as short as chance has it (countdowns drawn from 0 up to the cap), and
  twelve retries ran out in 14 s while a PostgreSQL server on a loaded machine recovered from a
  crash (issue 21): the job failed, was acknowledged, and its station waited for the sweep.
  Retrying costs one message every cap seconds at most; once the database answers, the job
  runs within one countdown.
- A job that cannot finish *now* (it reached its soft time limit, say while PostgreSQL was slow
  to accept a connection, or the rows it needs stay locked) puts its message back at the end of
  the queue (`requeue_if_not_now`, and REQUEUE for the hard time limit). Failing instead would
  acknowledge the message (acks_late acknowledges failures and time-outs), and the work would
  wait for a beat sweep, minutes later. Only tasks safe to repeat use these.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from celery.exceptions import Reject, SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections

TRANSIENT = (OperationalError, InterfaceError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": max(1, settings.CELERY_VISIBILITY_TIMEOUT // 2),  # seconds
    "max_retries": None,  # while the error lasts: see above
}
REQUEUE = {"acks_on_timeout": False}  # a job killed at its hard time limit is redelivered


@contextmanager
def requeue_if_not_now(*busy: type[Exception]) -> Iterator[None]:
    """Turn SoftTimeLimitExceeded, and any of `busy`, into Reject(requeue=True): try again later.

    The soft time limit interrupts whatever runs, a database statement included. Interrupting a
    COMMIT, it makes Django's clean-up fail in turn ("can't change 'autocommit' now: connection in
    transaction status ACTIVE"), and that error is what leaves the job; an error raised while
    handling the time limit counts as the time limit. The pool process's connections are then
    closed, so that the next job opens new ones. Whether the interrupted COMMIT took effect does not
    matter: a station's tallies and its applied version are written in the same transaction.
    """
    try:
        yield
    except Exception as error:
        if _time_limit_in(error):
            connections.close_all()
        elif not isinstance(error, busy):
            raise
        raise Reject(error, requeue=True) from error


def _time_limit_in(error: BaseException | None) -> bool:
    """True if `error`, or an error it was raised while handling, is SoftTimeLimitExceeded."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, SoftTimeLimitExceeded):
            return True
        error, seen = error.__context__, seen + 1
    return False
