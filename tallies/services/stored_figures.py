"""Keeping an organisation's per-commission figures stored (CommissionFigures): a task counts, the
results pages read (issue 17, scope 4; tallies.selectors.stored_figures says what is stored and
when it is current).

`refresh` (the task tallies.tasks.refresh_commission_figures) counts every commission's figures
and reads their inputs' versions in one database snapshot, then replaces the stored rows; if the
inputs moved meanwhile, it asks again. A refresh is claimed on the state row
(CommissionFiguresState), so at most one is in flight per organisation and contest however many
pages find the figures out of date, and not before the last one has rested
(tallies.services.claimed_refresh). Who asks: a results page that found them out of date or
absent (`refresh_for_page`), a reconciliation run that finished (tallies.tasks.reconcile), and the
beat job `sweep` every minute (the outbox drain: a lost message, tallies moved with no page read).
"""

from __future__ import annotations

from typing import Any

from elections.models import Contest
from observers.models import Organization
from tallies.models import CommissionFigures, CommissionFiguresState, OfficialSnapshot, ReconciliationRun
from tallies.selectors import station_sets
from tallies.selectors.commission import latest_run
from tallies.selectors.snapshots import latest_snapshot
from tallies.selectors.station_sets import StationCounts
from tallies.selectors.stored_figures import compute, inputs_of
from tallies.services.claimed_refresh import ClaimedRefresh, Inputs, Key

Scope = tuple[ReconciliationRun | None, OfficialSnapshot | None]
Found = tuple[dict[int, tuple[StationCounts, dict[str, Any]]], bool]  # compute's, run behind
FIGURES = ClaimedRefresh(
    CommissionFiguresState, ("organization_id", "contest_id"), "refresh_commission_figures"
)


def _scope(organization: Organization, contest: Contest) -> Scope:
    """The run and snapshot the results pages compare with (tallies.selectors.commission._scope)."""
    run = latest_run(organization, contest)
    return run, run.snapshot if run else latest_snapshot(contest)


def _key(organization_id: int, contest_id: int) -> Key:
    return {"organization_id": organization_id, "contest_id": contest_id}


def refresh(*, organization_id: int, contest_id: int) -> bool:
    """Count and store every commission's figures with their inputs; ask again if they moved meanwhile.

    Returns False when the organisation or the contest is gone (nothing to store), else True.
    """
    organization = Organization.objects.filter(pk=organization_id).first()
    contest = Contest.objects.filter(pk=contest_id).first()
    if organization is None or contest is None:
        return False
    key = _key(organization_id, contest_id)
    FIGURES.refresh(
        key,
        measure=lambda: _measure(organization, contest),
        write=lambda found: _write(key, found),
        inputs_now=lambda: _inputs(organization, contest),
    )
    return True


def _measure(organization: Organization, contest: Contest) -> tuple[Inputs, Found]:
    run, snapshot = _scope(organization, contest)
    inputs = inputs_of(organization.pk, contest, run, snapshot)
    return inputs, (compute(organization.pk, contest, run, snapshot), station_sets.is_behind(run))


def _write(key: Key, found: Found) -> dict[str, Any]:
    """Replace the stored rows; the state's own field to set with them."""
    counted, run_behind = found
    rows = [
        CommissionFigures(
            **key,
            commission_id=pk,
            with_copies=counts.with_copies,
            compared=counts.compared,
            discrepant=counts.discrepant,
            coverage=coverage,
        )
        for pk, (counts, coverage) in counted.items()
    ]
    CommissionFigures.objects.filter(**key).delete()
    CommissionFigures.objects.bulk_create(rows, batch_size=1000)
    return {"run_behind": run_behind}


def _inputs(organization: Organization, contest: Contest) -> Inputs:
    return inputs_of(organization.pk, contest, *_scope(organization, contest))


def request_refresh(*, organization_id: int, contest_id: int) -> bool:
    """Ask for a refresh after the current transaction commits; False when one is in flight or the
    figures rest (ClaimedRefresh.request)."""
    return FIGURES.request(_key(organization_id, contest_id))


def refresh_for_page(*, organization_id: int, contest_id: int) -> bool:
    """A page found the stored figures out of date or absent: claim the refresh and send it now.

    True when sent; False when one is in flight already, the figures rest, or the broker is down
    (the claim is released: the next reading or the sweep asks again; ClaimedRefresh.request_now).
    """
    return FIGURES.request_now(_key(organization_id, contest_id))


def sweep() -> int:
    """Ask for a refresh of every stored organisation and contest whose inputs moved and that
    nobody refreshes (the beat job, every minute); return how many were asked for."""
    return FIGURES.sweep(lambda state: _inputs(state.organization, state.contest))
