"""Celery tasks of the election-night coverage samples; re-exported by tallies.tasks.

Thin: ids in, one service call. Repeating one only adds a sample at a slightly later moment.
"""

from celery import shared_task

from config.task_retry import RETRY

__all__ = ["record_coverage", "record_election_night_coverage"]


@shared_task(**RETRY)
def record_coverage(*, organization_id: int, election_id: int) -> int:
    """Record the organisation's coverage counts for the election now; return the sample id."""
    from tallies.services import coverage

    return coverage.record_coverage(organization_id=organization_id, election_id=election_id).pk


@shared_task(**RETRY)
def record_election_night_coverage() -> int:
    """Record coverage for every organisation in an election being held (beat: every 5 minutes)."""
    from tallies.services import coverage

    return coverage.record_election_night_coverage()
