"""Celery tasks: thin wrappers that take ids and call one service each. All are safe to repeat."""

from celery import shared_task

from config.task_retry import REQUEUE, RETRY, requeue_if_not_now


@shared_task(**RETRY, **REQUEUE)
def apply_station_tally(*, state_id: int) -> bool:
    """Move the TEC, region and nation tallies to the station's current copy.

    When it cannot finish now (its tally rows stay locked: StationBusy; its time limit), the
    message goes back to the queue rather than fail and be acknowledged (config/task_retry.py).
    """
    from tallies import services
    from tallies.errors import StationBusy

    with requeue_if_not_now(StationBusy):
        return services.apply_station_tally(state_id=state_id)


@shared_task(**RETRY, **REQUEUE)
def sweep_stale_tallies() -> int:
    """Apply every station left stale by a lost message (the outbox drain; runs every minute).

    Each station is applied in its own transaction, so a sweep stopped at its time limit has kept
    what it did; its message goes back to the queue and the next run goes on with the rest.
    """
    from tallies import services

    with requeue_if_not_now():
        return services.sweep_stale_tallies()


@shared_task(**RETRY)
def seal_copies() -> int:
    """Write the digests of new observer copies into their organisations' audit chains."""
    from tallies.services import seals

    return seals.seal_copies()


@shared_task(**RETRY)
def recompute_observer_tallies(*, organization_id: int, contest_id: int) -> int:
    """Rebuild an organisation's tallies for a contest from its copies."""
    from tallies import services

    return services.recompute_observer_tallies(organization_id=organization_id, contest_id=contest_id)


@shared_task(**RETRY)
def tally_official_snapshot(*, snapshot_id: int) -> int:
    """Sum an official snapshot's station protocols up to TEC, region and nation."""
    from tallies import services

    return services.tally_official_snapshot(snapshot_id=snapshot_id)


@shared_task(**RETRY)
def reconcile(*, organization_id: int, contest_id: int, snapshot_id: int | None = None) -> int | None:
    """Compare an organisation's copies with the official snapshot; return the run id."""
    from tallies import services

    run = services.reconcile(organization_id=organization_id, contest_id=contest_id, snapshot_id=snapshot_id)
    return run.pk if run else None


from tallies.tasks_analysis import *  # noqa: E402, F403
from tallies.tasks_comparison import *  # noqa: E402, F403
from tallies.tasks_coverage import *  # noqa: E402, F403
