"""Celery tasks of the observers app: thin wrappers that take ids and call one service each."""

from celery import shared_task

from config.task_retry import REQUEUE, RETRY, requeue_if_not_now


@shared_task(**RETRY, **REQUEUE)
def sanitise_evidence(*, evidence_id: int) -> str:
    """Re-encode an uploaded photo without metadata; return its status (safe to repeat).

    At its time limit the message goes back to the queue rather than fail (config/task_retry.py).
    """
    from observers.services import evidence

    with requeue_if_not_now():
        return evidence.sanitise_evidence(evidence_id=evidence_id)


@shared_task(**RETRY)
def sweep_pending_evidence(*, older_than: float = 120.0) -> int:
    """Queue sanitising again for photos pending over `older_than` seconds (runs every minute)."""
    from observers.services import evidence

    return evidence.requeue_pending_evidence(older_than=older_than)


@shared_task(**RETRY)
def sweep_orphaned_evidence() -> int:
    """Delete evidence files no row names, an hour after they were written (runs every 10 minutes)."""
    from observers.services import evidence_orphans

    return evidence_orphans.delete_orphaned_evidence()
