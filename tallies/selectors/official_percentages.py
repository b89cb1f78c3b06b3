"""Official percentages of a commission's children (the drill-down table), over the stations
that give every figure they need (complete_stations, tallies.services.official_bases)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from elections.models import Commission
from elections.protocol import Figures
from tallies.models import OfficialSnapshot
from tallies.selectors.complete_stations import Basis, from_json, percentages
from tallies.selectors.layout import Layout


def official_turnouts(
    snapshot: OfficialSnapshot | None, layout: Layout, children: list[Commission]
) -> tuple[dict[int, Decimal | None], dict[int, Basis]]:
    """Official turnout per child (percent, None: unknown), and the stations it is over where a
    derived total's stations do not all give every turnout line (OfficialProtocol.bases).

    One query (the turnout lines' codes come from `layout`); children without turnout lines in
    the snapshot are left out."""
    if snapshot is None:
        return {}, {}
    wanted = set(layout.turnout_line_ids())
    codes = {line.pk: line.code for line in layout.lines if line.pk in wanted}
    at = {n: codes[pk] for n, pk in enumerate(snapshot.layout_lines) if pk in codes}
    rows = snapshot.protocols.filter(commission__in=children).values_list(
        "commission_id", "stations_count", "bases", "figure_values"
    )
    lines: dict[int, dict[str, int]] = defaultdict(dict)
    known: dict[int, tuple[int, Any]] = {}
    for pk, stations, bases, values in rows:
        given = {code: value for n, code in at.items() if (value := values[n]) is not None}
        if given:
            lines[pk] = given
            known[pk] = (stations, bases)
    found = {
        pk: percentages(layout, Figures(given), known[pk][0], *from_json(known[pk][1]))
        for pk, given in lines.items()
    }
    partial = {
        pk: p.turnout_basis for pk, p in found.items() if p.turnout_basis and not p.turnout_basis.is_all
    }
    return {pk: p.turnout for pk, p in found.items()}, partial
