"""Keeping an organisation's per-commission figures stored (CommissionFigures): a task counts, the
results pages read (issue 17, scope 4; tallies.selectors.stored_figures says what is stored and
when it is current).

`refresh` (the task tallies.tasks.refresh_commission_figures) counts every commission's figures
and reads their inputs' versions in one database snapshot, then replaces the stored rows; if the
inputs moved meanwhile, it asks again. A refresh is asked for by a conditional UPDATE that claims
the state row (`requested_at`), so at most one is in flight per organisation and contest however
many pages find the figures out of date, and not before the last one has rested
(tallies.services.refresh_rest). Who asks: a results page that found them out of date or
absent (`refresh_for_page`), a reconciliation run that finished (tallies.tasks.reconcile), and the
beat job `sweep` every minute (the outbox drain: a lost message, tallies moved with no page read).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config.outbox import enqueue_on_commit, send_or_leave_to_sweep
from elections.models import Contest
from observers.models import Organization
from tallies.models import CommissionFigures, CommissionFiguresState, OfficialSnapshot, ReconciliationRun
from tallies.selectors import station_sets
from tallies.selectors.commission import latest_run
from tallies.selectors.snapshots import latest_snapshot
from tallies.selectors.stored_figures import compute, inputs_of
from tallies.services.coalition_pool import lost_after, one_snapshot
from tallies.services.refresh_rest import rest_until, rested

Scope = tuple[ReconciliationRun | None, OfficialSnapshot | None]


def _scope(organization: Organization, contest: Contest) -> Scope:
    """The run and snapshot the results pages compare with (tallies.selectors.commission._scope)."""
    run = latest_run(organization, contest)
    return run, run.snapshot if run else latest_snapshot(contest)


def refresh(*, organization_id: int, contest_id: int) -> bool:
    """Count and store every commission's figures with their inputs; ask again if they moved meanwhile.

    Returns False when the organisation or the contest is gone (nothing to store), else True.
    """
    organization = Organization.objects.filter(pk=organization_id).first()
    contest = Contest.objects.filter(pk=contest_id).first()
    if organization is None or contest is None:
        return False
    with one_snapshot():
        computed_at = timezone.now()
        run, snapshot = _scope(organization, contest)
        inputs = inputs_of(organization_id, contest, run, snapshot)
        found = compute(organization_id, contest, run, snapshot)
        run_behind = station_sets.is_behind(run)
    rows = [
        CommissionFigures(
            organization_id=organization_id,
            contest_id=contest_id,
            commission_id=pk,
            with_copies=counts.with_copies,
            compared=counts.compared,
            discrepant=counts.discrepant,
            coverage=coverage,
        )
        for pk, (counts, coverage) in found.items()
    ]
    _ensure_state(organization_id, contest_id)
    with transaction.atomic():
        state = CommissionFiguresState.objects.select_for_update().get(
            organization_id=organization_id, contest_id=contest_id
        )
        CommissionFigures.objects.filter(organization_id=organization_id, contest_id=contest_id).delete()
        CommissionFigures.objects.bulk_create(rows, batch_size=1000)
        state.inputs, state.computed_at, state.run_behind = inputs, computed_at, run_behind
        state.requested_at, state.rest_until = None, rest_until(computed_at)
        state.save(update_fields=["inputs", "computed_at", "run_behind", "requested_at", "rest_until"])
    run, snapshot = _scope(organization, contest)
    if inputs_of(organization_id, contest, run, snapshot) != inputs:
        request_refresh(organization_id=organization_id, contest_id=contest_id)
    return True


def _ensure_state(organization_id: int, contest_id: int) -> None:
    row = CommissionFiguresState(organization_id=organization_id, contest_id=contest_id)
    CommissionFiguresState.objects.bulk_create([row], ignore_conflicts=True)


def _claimable() -> Q:
    """Not in flight (or its claim lost) and done resting (tallies.services.refresh_rest)."""
    now = timezone.now()
    return (Q(requested_at__isnull=True) | Q(requested_at__lt=now - lost_after())) & rested(now)


def request_refresh(*, organization_id: int, contest_id: int) -> bool:
    """Ask for a refresh after the current transaction commits; False when one is in flight."""
    _ensure_state(organization_id, contest_id)
    rows = CommissionFiguresState.objects.filter(organization_id=organization_id, contest_id=contest_id)
    if not rows.filter(_claimable()).update(requested_at=timezone.now()):
        return False
    from tallies import tasks  # tasks import services; import here to avoid a cycle

    task = tasks.refresh_commission_figures
    enqueue_on_commit(task, organization_id=organization_id, contest_id=contest_id)
    return True


def refresh_for_page(*, organization_id: int, contest_id: int) -> bool:
    """A page found the stored figures out of date or absent: claim the refresh and send it now.

    Pages write nothing else and run in autocommit, so the claim is committed by itself. True when
    sent; False when one is in flight already or the broker is down (the claim is released: the
    next reading or the sweep asks again).
    """
    _ensure_state(organization_id, contest_id)
    rows = CommissionFiguresState.objects.filter(organization_id=organization_id, contest_id=contest_id)
    now = timezone.now()
    if not rows.filter(_claimable()).update(requested_at=now):
        return False
    from tallies import tasks  # tasks import services; import here to avoid a cycle

    task = tasks.refresh_commission_figures
    if send_or_leave_to_sweep(task, organization_id=organization_id, contest_id=contest_id):
        return True
    rows.filter(requested_at=now).update(requested_at=None)
    return False


def sweep() -> int:
    """Ask for a refresh of every stored organisation and contest whose inputs moved and that
    nobody refreshes (the beat job, every minute); return how many were asked for."""
    asked = 0
    states = CommissionFiguresState.objects.filter(_claimable()).select_related("organization", "contest")
    for state in states:
        run, snapshot = _scope(state.organization, state.contest)
        if state.computed_at is None or state.inputs != inputs_of(
            state.organization_id, state.contest, run, snapshot
        ):
            asked += request_refresh(organization_id=state.organization_id, contest_id=state.contest_id)
    return asked
