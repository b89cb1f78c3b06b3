"""What an analysis is based on: the versions of its inputs, recorded in AnalysisRun.inputs.

A run whose recorded inputs equal the current ones is up to date and is reused, not recomputed.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Max

from elections.models import Commission, Contest
from observers.models import Organization
from tallies.models import OfficialSnapshot, StationTallyState
from tallies.selectors.snapshots import latest_snapshot

FINAL = OfficialSnapshot.Status.FINAL


def official_snapshot(contest: Contest) -> OfficialSnapshot | None:
    """Return the snapshot the seats come from: the newest final one, else the newest of any status."""
    return latest_snapshot(contest)


def station_snapshots(contest: Contest) -> list[OfficialSnapshot]:
    """Return the contest's snapshots of station protocols, final ones first, newest first."""
    snapshots = contest.official_snapshots.current().filter(level=Commission.Level.PEC)
    return sorted(snapshots, key=lambda s: (s.status != FINAL, -s.imported_at.timestamp(), -s.pk))


def station_snapshot(contest: Contest, snapshot_id: int | None = None) -> OfficialSnapshot | None:
    """Return the chosen station-level snapshot, or the newest final one (None when there is none)."""
    snapshots = station_snapshots(contest)
    if snapshot_id is not None:
        return next((s for s in snapshots if s.pk == snapshot_id), None)
    return snapshots[0] if snapshots else None


def copies_version(
    organization: Organization, contest: Contest, station_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """Return {"copies": stations with a copy, "newest_copy_id": the newest current copy (0 if none)}."""
    states = StationTallyState.objects.filter(
        organization=organization, contest=contest, current_copy__isnull=False
    )
    if station_ids is not None:
        states = states.filter(station_id__in=list(station_ids))
    found = states.aggregate(copies=Count("pk"), newest=Max("current_copy_id"))
    return {"copies": found["copies"], "newest_copy_id": found["newest"] or 0}
