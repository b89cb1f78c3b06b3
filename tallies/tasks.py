"""Celery tasks of the tallies app: thin wrappers that take ids and call one service each.

All are safe to repeat, and all share one retry policy (config/task_retry.py). Tasks that once
lived in tasks_analysis, tasks_comparison and tasks_coverage keep the names Celery registered them
under (`name=`), so the beat schedule and messages already queued still find them.
"""

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
    from tallies.services import coalition_pool

    with requeue_if_not_now(StationBusy):
        changed = services.apply_station_tally(state_id=state_id)
    if changed:  # the coalitions pooling this organisation's figures are out of date now
        coalition_pool.request_for_state(state_id=state_id)
    return changed


@shared_task(**RETRY, **REQUEUE)
def sweep_stale_tallies() -> int:
    """Apply every station left stale by a lost message (the outbox drain; runs every minute).

    Each station is applied in its own transaction, so a sweep stopped at its time limit has kept
    what it did; its message goes back to the queue and the next run goes on with the rest.
    """
    from tallies import services

    with requeue_if_not_now():
        return services.sweep_stale_tallies()


@shared_task(**RETRY, **REQUEUE)
def sweep_untallied_snapshots() -> int:
    """Tally every official snapshot whose tally message was lost (the outbox drain; every minute)."""
    from tallies import services

    with requeue_if_not_now():
        return services.sweep_untallied_snapshots()


@shared_task(**RETRY, **REQUEUE)
def refresh_coalition_pool(*, coalition_id: int, contest_id: int) -> bool:
    """Pool a coalition's members' figures for a contest and store the result for its pages."""
    from tallies.services import coalition_pool

    with requeue_if_not_now():
        return coalition_pool.refresh(coalition_id=coalition_id, contest_id=contest_id)


@shared_task(**RETRY)
def sweep_coalition_pools() -> int:
    """Ask for a refresh of every stored coalition pool whose inputs moved (beat: every minute)."""
    from tallies.services import coalition_pool

    return coalition_pool.sweep()


@shared_task(**RETRY, **REQUEUE)
def refresh_commission_figures(*, organization_id: int, contest_id: int) -> bool:
    """Count an organisation's per-commission figures for a contest and store them for its pages."""
    from tallies.services import stored_figures

    with requeue_if_not_now():
        return stored_figures.refresh(organization_id=organization_id, contest_id=contest_id)


@shared_task(**RETRY)
def sweep_commission_figures() -> int:
    """Ask for a refresh of every stored organisation's figures whose inputs moved (beat: every minute)."""
    from tallies.services import stored_figures

    return stored_figures.sweep()


@shared_task(**RETRY)
def seal_copies() -> int:
    """Write the digests of new observer copies into their organisations' audit chains."""
    from tallies.services import seals

    return seals.seal_copies()


@shared_task(**RETRY)
def recompute_observer_tallies(*, organization_id: int, contest_id: int) -> int:
    """Rebuild an organisation's tallies for a contest from its copies."""
    from django.db import transaction

    from tallies import services
    from tallies.services import coalition_pool

    with transaction.atomic():  # a new version of the root tallies: stored pools read as stale
        counted = services.recompute_observer_tallies(organization_id=organization_id, contest_id=contest_id)
        coalition_pool.touch_root_tallies(organization_id=organization_id, contest_id=contest_id)
    return counted


@shared_task(**RETRY)
def tally_official_snapshot(*, snapshot_id: int) -> int:
    """Sum an official snapshot's station protocols up to TEC, region and nation."""
    from tallies import services

    return services.tally_official_snapshot(snapshot_id=snapshot_id)


@shared_task(**RETRY)
def reconcile(*, organization_id: int, contest_id: int, snapshot_id: int | None = None) -> int | None:
    """Compare an organisation's copies with the official snapshot; return the run id."""
    from tallies import services
    from tallies.services import stored_figures

    run = services.reconcile(organization_id=organization_id, contest_id=contest_id, snapshot_id=snapshot_id)
    if run is not None:  # the pages' stored compared and discrepant counts are of the previous run
        stored_figures.request_refresh(organization_id=organization_id, contest_id=contest_id)
    return run.pk if run else None


@shared_task(name="tallies.tasks_analysis.compute_analysis_run", **RETRY)
def compute_analysis_run(*, run_id: int) -> str:
    """Compute a requested analysis run (seats, quick count, forensics) and store it; return its status.

    A run computed once is returned as it is.
    """
    from tallies.services import analysis

    return analysis.compute_run(run_id=run_id).status


@shared_task(name="tallies.tasks_comparison.run_comparison", **RETRY)
def run_comparison(*, organization_id: int, contest_id: int, snapshot_id: int | None = None) -> int:
    """Compare an organisation's copies with an official snapshot (default: latest final); return run id.

    A comparison with the same inputs is reused.
    """
    from tallies.services import comparison

    run = comparison.run_comparison(
        organization_id=organization_id, contest_id=contest_id, snapshot_id=snapshot_id
    )
    return run.pk


@shared_task(name="tallies.tasks_coverage.record_coverage", **RETRY)
def record_coverage(*, organization_id: int, election_id: int) -> int:
    """Record the organisation's coverage counts for the election now; return the sample id.

    Repeating it only adds a sample at a slightly later moment.
    """
    from tallies.services import coverage

    return coverage.record_coverage(organization_id=organization_id, election_id=election_id).pk


@shared_task(name="tallies.tasks_coverage.record_election_night_coverage", **RETRY)
def record_election_night_coverage() -> int:
    """Record coverage for every organisation in an election being held (beat: every 5 minutes)."""
    from tallies.services import coverage

    return coverage.record_election_night_coverage()


@shared_task(**RETRY, **REQUEUE)
def prepare_release_preview(*, coalition_id: int, contest_id: int) -> bool:
    """Prepare a coalition's asked release preview and store its content's SHA-256 for consent."""
    from tallies.services import coalition_release_jobs

    with requeue_if_not_now():
        return coalition_release_jobs.prepare(coalition_id=coalition_id, contest_id=contest_id)


@shared_task(**RETRY, **REQUEUE)
def publish_asked_release(*, coalition_id: int, contest_id: int) -> int | None:
    """Publish a coalition's asked release, exactly the content its members consented to."""
    from tallies.services import coalition_release_jobs

    with requeue_if_not_now():
        return coalition_release_jobs.publish(coalition_id=coalition_id, contest_id=contest_id)


@shared_task(**RETRY)
def sweep_release_previews() -> int:
    """Send again every asked release preview or publish whose message was lost (beat: every minute)."""
    from tallies.services import coalition_release_jobs

    return coalition_release_jobs.sweep()
