"""The stations an official total's percentages can be over (issue 14, partial official files).

A derived official total (a TEC, region or the nation summed by `tally_official_snapshot`) sums
each figure over the published rows that give it. Where a station's protocol lacks a figure
(the Belarus 2020 files lack whole columns at some stations), turnout as the ratio of those sums
would divide sums over different stations. Each derived row therefore keeps, per percentage,
the sums over the rows giving every figure it needs and how many stations lack each figure
(complete_stations.Bases), so pages, the API and releases say "over N of M stations", as the
observer side does, or show no percentage when no row gives them all.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import QuerySet

from elections.models import Commission
from elections.protocol import Figures
from tallies.models import OfficialProtocol, OfficialSnapshot
from tallies.selectors.complete_stations import Bases, needs
from tallies.selectors.layout import Layout


def official_bases(
    snapshot: OfficialSnapshot, published: QuerySet[OfficialProtocol], derived: Collection[int]
) -> dict[int, dict[str, Any]]:
    """Derived commission id → Bases.as_json over the published rows below it.

    A station protocol covers one station, a region or TEC row the stations it states (0:
    unknown). Keeps only the figures a percentage needs (turnout lines, options): three queries.
    """
    if not derived:
        return {}
    layout = Layout.of(snapshot.contest)
    wanted = needs(layout)
    by_path = dict(Commission.objects.filter(pk__in=list(derived)).values_list("path", "pk"))
    units = {
        pk: (path, 1 if level == Commission.Level.PEC else stations)
        for pk, path, level, stations in published.values_list(
            "pk", "commission__path", "commission__level", "stations_count"
        )
    }
    bases = {pk: Bases(wanted) for pk in by_path.values()}
    for protocol_id, figures in _needed_figures(snapshot, layout, published).items():
        path, stations = units.pop(protocol_id)
        _add(bases, by_path, path, figures, stations)
    for path, stations in units.values():  # rows giving none of the needed figures
        _add(bases, by_path, path, Figures(), stations)
    return {pk: found.as_json() for pk, found in bases.items()}


def _add(
    bases: dict[int, Bases], by_path: dict[str, int], path: str, figures: Figures, stations: int
) -> None:
    for ancestor in Commission(path=path).ancestor_paths():
        if ancestor in by_path:
            bases[by_path[ancestor]].add(figures, stations)


def _needed_figures(
    snapshot: OfficialSnapshot, layout: Layout, published: QuerySet[OfficialProtocol]
) -> dict[int, Figures]:
    """Protocol id → its turnout lines and option votes (protocols giving none are left out)."""
    turnout_codes = {key.partition(".")[2] for key in layout.turnout_keys()}
    stored = snapshot.figure_layout
    found: dict[int, Figures] = {}
    rows = published.values_list("pk", "figure_values")
    for protocol_id, values in rows.iterator(chunk_size=20_000):
        figures = stored.figures(values)
        given = Figures({c: v for c, v in figures.lines.items() if c in turnout_codes}, figures.options)
        if given.lines or given.options:
            found[protocol_id] = given
    return found


def fill_missing_bases(protocols: QuerySet[OfficialProtocol]) -> int:
    """Give derived rows tallied before bases were kept (bases null) theirs; return rows filled.

    For migration 0023 and safe to repeat: per snapshot, the same sums `tally_official_snapshot`
    now stores (the published rows below each derived one).
    """
    filled = 0
    pending = protocols.filter(is_derived=True, bases__isnull=True)
    for snapshot_id in pending.values_list("snapshot_id", flat=True).distinct():
        snapshot = OfficialSnapshot.objects.get(pk=snapshot_id)
        rows = dict(pending.filter(snapshot=snapshot).values_list("commission_id", "pk"))
        bases = official_bases(snapshot, snapshot.protocols.filter(is_derived=False), rows.keys())
        for commission_id, found in bases.items():
            filled += OfficialProtocol.objects.filter(pk=rows[commission_id]).update(bases=found)
    return filled
