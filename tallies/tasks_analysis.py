"""Celery tasks of the analysis runs (seats, quick count, forensics); re-exported by tallies.tasks.

Thin: ids in, one service call. Safe to repeat: a run computed once is returned as it is.
"""

from celery import shared_task

from config.task_retry import RETRY

__all__ = ["compute_analysis_run"]


@shared_task(**RETRY)
def compute_analysis_run(*, run_id: int) -> str:
    """Compute a requested analysis run and store its result; return its status."""
    from tallies.services import analysis

    return analysis.compute_run(run_id=run_id).status
