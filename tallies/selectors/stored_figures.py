"""An organisation's stored per-commission figures (CommissionFigures) and whether they are current.

The results pages show, per commission, the stations with copies, compared and discrepant
(tallies.selectors.station_sets) and the copies' coverage (tallies.selectors.copy_coverage).
Counting them reads every station under the commission; reading them stored costs one row per
commission shown (issue 17, scope 4). They are as current as their inputs' versions, which cost
a few index lookups whatever the size of the election:

- **tallies**: the id and row version (PostgreSQL's ``xmin``) of the organisation's tally of the
  root commission. Every tally job that applies a station (a copy, a revision, a quarantine, a
  resolution) rewrites every tally above the station, the root's included, in the transaction
  that records the station's counted figures (tallies.services.apply_sql); a recompute touches
  the root tallies (tallies.tasks.recompute_observer_tallies). So the stations with copies and
  their figures cannot change without this version changing. A copy not yet applied is in
  neither the tallies nor these figures until its tally job runs;
- **run**: the latest finished reconciliation run (its comparisons are fixed once it finishes);
- **official**: the snapshot the page compares with, its level and whether its totals are summed;
- **register**: the election's `register_version`, which PostgreSQL moves with every change of its
  commissions or stations (registered voters, a station added or retired; elections migration
  0009), whatever wrote it.

Reads only: the refresh and its claim are tallies.services.stored_figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from elections.models import Commission, Contest
from tallies.models import (
    CommissionFigures,
    CommissionFiguresState,
    ObserverTally,
    OfficialSnapshot,
    ReconciliationRun,
)
from tallies.selectors import station_sets
from tallies.selectors.coalition_pool import ROW_VERSION, register_version
from tallies.selectors.copy_coverage import commission_coverage, coverage_of_every_commission
from tallies.selectors.layout import Layout
from tallies.selectors.station_sets import StationCounts


@dataclass(frozen=True)
class Stored:
    """Stored figures of some commissions: `status` "current" (computed from the inputs as they are
    now), "updating" (the inputs moved since `computed_at`: a refresh is due) or "none" (nothing
    stored for one of them: the caller counts live); `counts` and `coverage` by commission id;
    `run_behind` station_sets.is_behind of the run as far as the versions tell it (None: ask it)."""

    status: str
    computed_at: datetime | None = None
    counts: dict[int, StationCounts] = field(default_factory=dict)
    coverage: dict[int, dict[str, Any]] = field(default_factory=dict)
    run_behind: bool | None = None


def inputs_of(
    organization_id: int, contest: Contest, run: ReconciliationRun | None, snapshot: OfficialSnapshot | None
) -> dict[str, Any]:
    """The versions of the figures' inputs now (module docstring), as a JSON document; two queries.

    Shape: {"register": the election's register_version, "tallies": [[root tally id, "<xmin>"],
    ...], "run": run id or None, "official": [snapshot id, level, is_tallied] or None}. Two reads
    are equal exactly when the inputs did not move.
    """
    roots = ObserverTally.objects.filter(
        organization_id=organization_id,
        contest=contest,
        commission__election_id=contest.election_id,
        commission__parent__isnull=True,
    )
    versions = roots.annotate(version=ROW_VERSION).order_by("pk").values_list("pk", "version")
    return {
        "register": register_version(contest),
        "tallies": [[pk, version] for pk, version in versions],
        "run": run.pk if run else None,
        "official": [snapshot.pk, snapshot.level, snapshot.is_tallied] if snapshot else None,
    }


def compute(
    organization_id: int, contest: Contest, run: ReconciliationRun | None, snapshot: OfficialSnapshot | None
) -> dict[int, tuple[StationCounts, dict[str, Any]]]:
    """Commission id → (its StationCounts, its coverage document) for every commission above the
    stations, counted live (station_sets, copy_coverage); a few queries over the whole election."""
    base = Layout.of(contest).turnout_base_code()
    coverage = coverage_of_every_commission(organization_id, contest, snapshot, base)
    paths = dict(Commission.objects.filter(pk__in=list(coverage)).values_list("pk", "path"))
    compared = station_sets.compared_by_path(run)
    found = {}
    for pk, document in coverage.items():
        runs = compared.get(paths[pk], StationCounts())
        counts = StationCounts(document["stations_with_copies"], runs.compared, runs.discrepant)
        found[pk] = (counts, document)
    return found


def read(
    organization_id: int,
    contest: Contest,
    run: ReconciliationRun | None,
    snapshot: OfficialSnapshot | None,
    commissions: list[Commission],
) -> Stored:
    """The stored figures of those of `commissions` above the stations, and whether they are current
    for this `run` and `snapshot` (three queries; one when nothing is stored)."""
    commission_ids = [c.pk for c in commissions if c.level != Commission.Level.PEC]
    state = CommissionFiguresState.objects.filter(organization_id=organization_id, contest=contest).first()
    if state is None or state.computed_at is None:
        return Stored("none")
    rows = CommissionFigures.objects.filter(
        organization_id=organization_id, contest=contest, commission_id__in=commission_ids
    ).values_list("commission_id", "with_copies", "compared", "discrepant", "coverage")
    found = {pk: (StationCounts(w, c, d), coverage) for pk, w, c, d, coverage in rows}
    if set(commission_ids) - set(found):  # a commission added since the refresh
        return Stored("none")
    now = inputs_of(organization_id, contest, run, snapshot)
    return Stored(
        "current" if state.inputs == now else "updating",
        state.computed_at,
        {pk: counts for pk, (counts, _) in found.items()},
        {pk: coverage for pk, (_, coverage) in found.items()},
        _run_behind(state, now),
    )


def _run_behind(state: CommissionFiguresState, now: dict[str, Any]) -> bool | None:
    """Whether the run is behind the tallies, from the versions: as stored while the tallies and the
    run are those of the refresh; True once the tallies moved under the same run (the refresh
    followed the run, so stations were applied after it); None (ask station_sets.is_behind) for
    another run. A recompute that moved no station still moves the versions: then True until the
    next refresh, which the page asks for at once."""
    if now["run"] != state.inputs.get("run"):
        return None
    return state.run_behind or now["tallies"] != state.inputs.get("tallies")


def run_behind(stored: Stored, run: ReconciliationRun | None) -> bool:
    """station_sets.is_behind(run), from the stored versions when they tell it (Stored.run_behind)."""
    return station_sets.is_behind(run) if stored.run_behind is None else stored.run_behind


def counts_and_coverage(
    organization_id: int,
    contest: Contest,
    run: ReconciliationRun | None,
    snapshot: OfficialSnapshot | None,
    commission: Commission,
    stored: Stored,
) -> tuple[StationCounts, dict[str, Any]]:
    """The commission's StationCounts and coverage document: stored (with "as_of", the time they were
    counted, while they are being updated: public/_coverage.html says so), or counted live."""
    if stored.status == "updating":
        return stored.counts[commission.pk], {**stored.coverage[commission.pk], "as_of": stored.computed_at}
    if stored.status == "current":
        return stored.counts[commission.pk], stored.coverage[commission.pk]
    counts = station_sets.counts(organization_id, contest.pk, run, commission)
    base = Layout.of(contest).turnout_base_code()
    return counts, commission_coverage(organization_id, contest, snapshot, commission, base)


def child_counts(
    organization_id: int,
    contest_id: int,
    run: ReconciliationRun | None,
    children: list[Commission],
    stored: Stored,
) -> dict[int, StationCounts]:
    """Child id → StationCounts: stored above the stations (counted live when none are stored), and
    for PECs counted over their own stations, so the cost follows the children, not the election."""
    above = [child for child in children if child.level != Commission.Level.PEC]
    pecs = [child.pk for child in children if child.level == Commission.Level.PEC]
    if stored.status != "none":
        found = {child.pk: stored.counts[child.pk] for child in above}
    else:
        found = station_sets.counts_by_child(organization_id, contest_id, run, above)
    return found | station_sets.counts_of_pecs(organization_id, contest_id, run, pecs)
