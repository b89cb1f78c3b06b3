"""A station's accepted figures, derived from its copies; never stored over them.

Rule (issue 4; Apollo's master-submission model, landscape.md §4.5): take the station's current
copies (the newest revision of each), leave out quarantined ones; a line (or option) whose
copies all agree is accepted; where they disagree, the coordinator's latest resolution of that
line is accepted, else the line is a conflict. A station counts in the tallies only when every
line is accepted, so a tally never mixes lines from different stations' sets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from elections.protocol import Figures
from tallies.models import ConflictResolution, CopyFigure, ProtocolCopy, Quarantine

LINE, OPTION = "lines", "options"


@dataclass(frozen=True)
class Accepted:
    """The accepted figures of a station (None when nothing counts) and the codes in conflict."""

    figures: Figures | None
    conflicts: list[str] = field(default_factory=list)
    copies: int = 0


def countable_copies(organization_id: int, contest_id: int, station_ids: Iterable[int] | None = None):  # type: ignore[no-untyped-def]
    """Current, unquarantined copies of the organisation for the contest (optionally some stations)."""
    copies = ProtocolCopy.objects.current().filter(organization_id=organization_id, contest_id=contest_id)
    if station_ids is not None:
        copies = copies.filter(station_id__in=list(station_ids))
    held = Quarantine.objects.active().values("copy_id")
    return copies.exclude(pk__in=held)


def accepted_for_stations(
    organization_id: int, contest_id: int, station_ids: Iterable[int] | None = None
) -> dict[int, Accepted]:
    """Accepted figures for each station with a countable copy: station id → Accepted.

    Three queries whatever the number of stations: copies' figures, resolutions, nothing else.
    """
    copies = countable_copies(organization_id, contest_id, station_ids)
    per_station: dict[int, dict[int, dict[tuple[str, str], int]]] = defaultdict(dict)
    rows = CopyFigure.objects.filter(copy__in=copies).values_list(
        "copy__station_id", "copy_id", "line__code", "option__code", "value"
    )
    for station_id, copy_id, line, option, value in rows.iterator(chunk_size=20_000):
        key = (LINE, line) if line else (OPTION, option)
        per_station[station_id].setdefault(copy_id, {})[key] = value
    resolutions = _resolutions(organization_id, contest_id, per_station.keys())
    return {
        station_id: _merge(by_copy, resolutions.get(station_id, {}))
        for station_id, by_copy in per_station.items()
    }


def _resolutions(
    organization_id: int, contest_id: int, station_ids: Iterable[int]
) -> dict[int, dict[tuple[str, str], int]]:
    """The latest resolution of each line per station (ordered by time, so later ones win)."""
    found: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
    rows = ConflictResolution.objects.filter(
        Q(organization_id=organization_id, contest_id=contest_id, station_id__in=list(station_ids))
    ).order_by("resolved_at", "id")
    for station_id, line, option, value in rows.values_list(
        "station_id", "line__code", "option__code", "value"
    ):
        found[station_id][(LINE, line) if line else (OPTION, option)] = value
    return found


def _merge(by_copy: dict[int, dict[tuple[str, str], int]], resolved: dict[tuple[str, str], int]) -> Accepted:
    keys = sorted({key for values in by_copy.values() for key in values})
    accepted: dict[tuple[str, str], int] = {}
    conflicts = []
    for key in keys:
        values = {values[key] for values in by_copy.values() if key in values}
        if len(values) == 1:
            accepted[key] = values.pop()
        elif key in resolved:
            accepted[key] = resolved[key]
        else:
            conflicts.append(f"{key[0]}.{key[1]}")
    if conflicts:
        return Accepted(None, conflicts, len(by_copy))
    lines = {code: value for (kind, code), value in accepted.items() if kind == LINE}
    options = {code: value for (kind, code), value in accepted.items() if kind == OPTION}
    return Accepted(Figures(lines, options), [], len(by_copy))
