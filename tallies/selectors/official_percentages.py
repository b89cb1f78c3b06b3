"""Official percentages of a commission's children (the drill-down table), over the stations
that give every figure they need (complete_stations, tallies.services.official_bases)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from elections.models import Commission
from elections.protocol import Figures
from tallies.models import OfficialFigure, OfficialSnapshot
from tallies.selectors.complete_stations import Basis, from_json, percentages
from tallies.selectors.layout import Layout


def official_turnouts(
    snapshot: OfficialSnapshot | None, layout: Layout, children: list[Commission]
) -> tuple[dict[int, Decimal | None], dict[int, Basis]]:
    """Official turnout per child (percent, None: unknown), and the stations it is over where a
    derived total's stations do not all give every turnout line (OfficialProtocol.bases).

    One query; children without turnout lines in the snapshot are left out."""
    if snapshot is None:
        return {}, {}
    rows = OfficialFigure.objects.filter(
        protocol__snapshot=snapshot,
        protocol__commission__in=children,
        line_id__in=layout.turnout_line_ids(),
    ).values_list(
        "protocol__commission_id", "protocol__stations_count", "protocol__bases", "line__code", "value"
    )
    lines: dict[int, dict[str, int]] = defaultdict(dict)
    known: dict[int, tuple[int, Any]] = {}
    for pk, stations, bases, code, value in rows:
        lines[pk][code] = value
        known[pk] = (stations, bases)
    found = {
        pk: percentages(layout, Figures(given), known[pk][0], *from_json(known[pk][1]))
        for pk, given in lines.items()
    }
    partial = {
        pk: p.turnout_basis for pk, p in found.items() if p.turnout_basis and not p.turnout_basis.is_all
    }
    return {pk: p.turnout for pk, p in found.items()}, partial
