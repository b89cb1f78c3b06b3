"""Celery tasks of the observers app: thin wrappers that take ids and call one service each."""

from celery import shared_task
from django.db import OperationalError

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 8}


@shared_task(**RETRY)
def sanitise_evidence(*, evidence_id: int) -> str:
    """Re-encode an uploaded photo without metadata; return its status (safe to repeat)."""
    from observers.services import evidence

    return evidence.sanitise_evidence(evidence_id=evidence_id)


@shared_task(**RETRY)
def sweep_pending_evidence(*, older_than: float = 120.0) -> int:
    """Queue sanitising again for photos pending over `older_than` seconds (runs every minute)."""
    from observers.services import evidence

    return evidence.requeue_pending_evidence(older_than=older_than)
