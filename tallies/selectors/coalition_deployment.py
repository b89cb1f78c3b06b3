"""Deployment across coalition members: which partner organisation covers which station.

Issue 15: the coverage dashboard and the call list show which member covers which station, so
that two members do not send observers to the same station while others stay empty. A partner
is an organisation sharing with the scope's organisation for the election (observers.access.
sharing_organizations: both consents current). Only organisation names cross organisations:
never a partner's observer, code or phone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from observers.access import sharing_organizations
from observers.models import Mandate
from tallies.models import StationTallyState
from tallies.selectors.coverage import CoverageScope

ROWS_SHOWN = 100


def partners_at(scope: CoverageScope, station_ids: Iterable[int] | None = None) -> dict[int, list[str]]:
    """Station id → names of the partners with a live mandate or a counted copy there (sorted).

    `station_ids` limits the stations (None: every station of the scope). Two queries plus one
    for the partners; empty when the organisation shares with nobody for the election.
    """
    partners = sharing_organizations(scope.organization, scope.contest.election)[1:]
    if not partners:
        return {}
    names = {o.pk: o.name for o in partners}
    stations: Any = scope.stations().values("pk") if station_ids is None else list(station_ids)
    links = (
        Mandate.stations.through.objects.filter(
            mandate__organization_id__in=names,
            mandate__election_id=scope.contest.election_id,
            pollingstation_id__in=stations,
        )
        .exclude(mandate__status__in=Mandate.Status.ended())
        .values_list("pollingstation_id", "mandate__organization_id")
    )
    copies = StationTallyState.objects.counted().filter(
        organization_id__in=names, contest=scope.contest, station_id__in=stations
    )
    found: dict[int, set[str]] = defaultdict(set)
    for station_id, organization_id in [*links, *copies.values_list("station_id", "organization_id")]:
        found[station_id].add(names[organization_id])
    return {station_id: sorted(members) for station_id, members in found.items()}


@dataclass(frozen=True)
class PartnerRow:
    """A station a partner covers: its number, TEC, the partners, and whether we send someone too."""

    station_id: int
    station: str
    tec: str
    partners: list[str]
    ours_too: bool


def deployment(scope: CoverageScope, limit: int = ROWS_SHOWN) -> tuple[int, int, list[PartnerRow]]:
    """(stations partners cover, of them also mandated by us, the first `limit` rows, doubled first)."""
    covered = partners_at(scope)
    if not covered:
        return 0, 0, []
    ours = set(
        Mandate.stations.through.objects.filter(
            mandate__organization_id=scope.organization.pk,
            mandate__election_id=scope.contest.election_id,
            pollingstation_id__in=list(covered),
        )
        .exclude(mandate__status__in=Mandate.Status.ended())
        .values_list("pollingstation_id", flat=True)
    )
    rows = (
        scope.stations()
        .filter(pk__in=list(covered))
        .values_list("pk", "number", "pec__parent__name", "pec__path")
    )
    ordered = sorted(rows, key=lambda row: (row[0] not in ours, row[3]))
    shown = [
        PartnerRow(pk, number, tec, covered[pk], pk in ours) for pk, number, tec, _path in ordered[:limit]
    ]
    return len(rows), len(ours), shown
