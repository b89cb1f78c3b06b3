"""Celery task of the comparison with official results; re-exported by tallies.tasks.

Thin: ids in, one service call. Safe to repeat: a comparison with the same inputs is reused.
"""

from celery import shared_task

from config.task_retry import RETRY

__all__ = ["run_comparison"]


@shared_task(**RETRY)
def run_comparison(*, organization_id: int, contest_id: int, snapshot_id: int | None = None) -> int:
    """Compare an organisation's copies with an official snapshot (default: latest final); return run id."""
    from tallies.services import comparison

    run = comparison.run_comparison(
        organization_id=organization_id, contest_id=contest_id, snapshot_id=snapshot_id
    )
    return run.pk
