"""The sharpest honest comparison of an organisation's copies with official results, at any level.

The level follows the official snapshot (the latest final one unless another is chosen):

- station protocols (PEC): station by station, i.e. the ReconciliationRun, summarised with the
  discrepancy classes; a snapshot with fewer station protocols than the election has stations is
  *partial*, and only the stations it covers are compared;
- region, TEC or national totals: each published commission's observer tally against its
  official figures, with the coverage of the copies (stations, registered voters, votes) and a
  95 % margin for the observer turnout and shares (tallies.analysis.quickcount.estimate over the
  stations with copies, as if they were a sample of the commission's stations). Copies are not
  a random sample, so the margin covers sampling noise only. Never a station-level claim.

`run_comparison` stores the result as an AnalysisRun(kind="comparison") with its inputs.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import OperationalError
from django.db.models import Max
from django.utils import timezone

from elections.models import Commission, Contest, PollingStation
from elections.numbers import percent
from tallies.models import AnalysisRun, OfficialSnapshot
from tallies.selectors import discrepancies, station_sets
from tallies.selectors.comparison import comparison_inputs
from tallies.selectors.comparison_aggregates import (
    LEVEL_NAMES,
    AggregateComparison,
    aggregate_comparisons,
    current_states,
)
from tallies.selectors.snapshots import latest_snapshot
from tallies.services.reconciliation import reconcile

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StationLevel:
    """A station-level comparison: how much the official data covers, and the discrepancy classes."""

    run_id: int
    official_stations: int
    stations_total: int
    official_percent: Decimal | None
    stations_with_copies: int
    stations_compared: int
    classes: dict[str, int]


@dataclass(frozen=True)
class Comparison:
    """The result: the level compared ("station", "tec", "region", "nation" or "none") and caveats."""

    contest_id: int
    snapshot_id: int | None
    snapshot_status: str
    level: str
    is_partial: bool
    newest_copy_id: int
    station: StationLevel | None
    aggregates: tuple[AggregateComparison, ...]
    caveats: tuple[str, ...]


def compare(*, organization_id: int, contest: Contest, snapshot: OfficialSnapshot | None) -> Comparison:
    """Compare at the finest level the snapshot allows (None: nothing official to compare with)."""
    newest = newest_copy_id(organization_id, contest)
    if snapshot is None:
        return Comparison(contest.pk, None, "", "none", False, newest, None, (), ("no_official",))
    if snapshot.level == Commission.Level.PEC:
        station = _station_level(organization_id, contest, snapshot)
        caveats = _station_caveats(station)
        partial = "partial_official" in caveats
        return Comparison(
            contest.pk, snapshot.pk, snapshot.status, "station", partial, newest, station, (), caveats
        )
    aggregates = tuple(aggregate_comparisons(organization_id, contest, snapshot))
    caveats = ("aggregate_only", "not_random")
    if any(a.station_list_incomplete for a in aggregates):
        caveats += ("station_list_incomplete",)
    level = LEVEL_NAMES[snapshot.level]
    return Comparison(
        contest.pk, snapshot.pk, snapshot.status, level, False, newest, None, aggregates, caveats
    )


def newest_copy_id(organization_id: int, contest: Contest) -> int:
    """Return the id of the newest copy that counts for the organisation (0 without copies)."""
    return current_states(organization_id, contest).aggregate(newest=Max("current_copy_id"))["newest"] or 0


def _station_level(organization_id: int, contest: Contest, snapshot: OfficialSnapshot) -> StationLevel:
    """Reconcile station by station (reusing an up-to-date run) and summarise coverage and classes."""
    run = reconcile(organization_id=organization_id, contest_id=contest.pk, snapshot_id=snapshot.pk)
    assert run is not None  # the snapshot exists
    official = snapshot.protocols.filter(is_derived=False).count()
    total = PollingStation.objects.filter(pec__election_id=contest.election_id).count()
    with_copies = station_sets.with_copies(organization_id, contest.pk).count()
    classes = discrepancies.class_counts(run)
    compared = sum(classes.values())
    return StationLevel(run.pk, official, total, percent(official, total), with_copies, compared, classes)


def _station_caveats(station: StationLevel) -> tuple[str, ...]:
    """ "partial_official" when some stations lack an official protocol; "copies_without_official"."""
    partial = station.official_stations < station.stations_total
    uncompared = station.stations_with_copies > station.stations_compared
    return ("partial_official",) * partial + ("copies_without_official",) * uncompared


def run_comparison(*, organization_id: int, contest_id: int, snapshot_id: int | None = None) -> AnalysisRun:
    """Compute and store a comparison (latest final snapshot unless `snapshot_id`); reuse an identical run.

    A failure is stored on the run (status "failed" with the error); a database error is raised
    again so that the task retries.
    """
    contest = Contest.objects.select_related("form").get(pk=contest_id)
    snapshot = _snapshot(contest, snapshot_id)
    inputs = comparison_inputs(organization_id, contest, snapshot)
    kind = AnalysisRun.Kind.COMPARISON
    runs = AnalysisRun.objects.done().filter(organization_id=organization_id, contest=contest, kind=kind)
    previous = runs.filter(inputs=inputs).first()
    if previous:
        return previous
    run = AnalysisRun.objects.create(
        organization_id=organization_id, contest=contest, kind=kind, inputs=inputs
    )
    _compute(run, snapshot)
    return run


def _snapshot(contest: Contest, snapshot_id: int | None) -> OfficialSnapshot | None:
    if snapshot_id:
        return OfficialSnapshot.objects.get(pk=snapshot_id, contest=contest)
    return latest_snapshot(contest)


def _compute(run: AnalysisRun, snapshot: OfficialSnapshot | None) -> None:
    try:
        result = compare(organization_id=run.organization_id, contest=run.contest, snapshot=snapshot)
    except Exception as error:  # recorded, so the page says it failed rather than "running"
        _finish(run, AnalysisRun.Status.FAILED, {}, f"{type(error).__name__}: {error}")
        if isinstance(error, OperationalError):
            raise  # transient: the task retries
        logger.exception("comparison run %s failed", run.pk)
        return
    _finish(run, AnalysisRun.Status.DONE, as_json(result), "")


def _finish(run: AnalysisRun, status: str, result: dict[str, Any], error: str) -> None:
    run.status, run.result, run.error, run.finished_at = status, result, error, timezone.now()
    run.save(update_fields=["status", "result", "error", "finished_at"])


def as_json(value: Any) -> Any:
    """Convert dataclasses, mappings and sequences to JSON values; Decimals become strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    return str(value) if isinstance(value, Decimal) else value
