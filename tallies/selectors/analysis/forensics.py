"""The forensics page: each test's table and chart data, from the latest done forensics run."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from elections.models import Contest
from observers.models import Organization
from tallies.models import AnalysisRun, OfficialSnapshot
from tallies.selectors.analysis.runs import RunState, run_state
from tallies.services.analysis import forensics as service
from tallies.services.analysis import versions

COARSE = 5  # percentage points per heat-map cell
LEVELS = 5  # heat-map colour classes heat-1 .. heat-5 (heat-0: no station)


@dataclass(frozen=True)
class IntegerRow:
    """One integer-percentage test: stations near whole percentages, observed against expected."""

    label: str
    observed: int
    expected: float
    z: float
    p_value: str
    is_excess: bool
    stations: int


@dataclass(frozen=True)
class HeatRow:
    """One leader-share band of the heat map: its label and (stations, colour level) per turnout band."""

    label: str
    cells: list[tuple[int, int]]


@dataclass(frozen=True)
class ForensicsPage:
    """What the forensics page shows for one source of station figures."""

    source: str
    snapshot: OfficialSnapshot | None
    snapshots: list[OfficialSnapshot]
    state: RunState
    leader: str
    integer_rows: list[IntegerRow]
    tenth_rows: list[list[Any]]
    digit_rows: list[list[Any]]
    heat_columns: list[str]
    heat_rows: list[HeatRow]
    outliers: dict[str, Any]

    @property
    def digit_p(self) -> str:
        """The last-digit test's p-value for people ("" when there was nothing to test)."""
        found = self.state.result.get("digits")
        return p_phrase(found["p_value"]) if found else ""


def forensics_page(
    organization: Organization, contest: Contest, source: str, snapshot_id: int | None
) -> ForensicsPage:
    """Gather the run of the chosen source (official snapshot or observers' copies) and its tables."""
    snapshot = versions.station_snapshot(contest, snapshot_id) if source == service.OFFICIAL else None
    match: dict[str, Any] = {"source": source}
    if snapshot is not None:
        match["snapshot_id"] = snapshot.pk
    parameters = {"source": source, "snapshot_id": snapshot.pk if snapshot else None}
    state = run_state(organization, contest, AnalysisRun.Kind.FORENSICS, parameters, **match)
    result = state.result
    columns, rows = heat_map(result.get("fingerprint"))
    return ForensicsPage(
        source, snapshot, versions.station_snapshots(contest), state, _leader(contest, result),
        integer_rows(result), tenth_rows(result), digit_rows(result), columns, rows,
        result.get("outliers") or {"count": 0, "top": []},
    )  # fmt: skip


def _leader(contest: Contest, result: dict[str, Any]) -> str:
    option = contest.options.filter(code=result.get("leader")).first()
    return str(option) if option else ""


def p_text(p_value: float) -> str:
    """Format a p-value for people: four decimals, or "< 0.0001"."""
    return "< 0.0001" if p_value < 0.0001 else f"{p_value:.4f}"


def p_phrase(p_value: float) -> str:
    """Format a p-value in a sentence: "p < 0.0001" or "p = 0.0123"."""
    return "p < 0.0001" if p_value < 0.0001 else f"p = {p_value:.4f}"


def integer_rows(result: dict[str, Any]) -> list[IntegerRow]:
    """Return the turnout and leader-share integer-percentage tests as table rows."""
    labels = {"turnout": _("Turnout"), "leader": _("Leader's share")}
    tests = result.get("integer") or {}
    return [_integer_row(str(label), tests[key]) for key, label in labels.items() if key in tests]


def _integer_row(label: str, test: dict[str, Any]) -> IntegerRow:
    p_value = p_text(test["p_value"])
    return IntegerRow(
        label, test["observed"], test["expected"], test["z"], p_value, test["is_excess"], test["stations"]
    )


def tenth_rows(result: dict[str, Any]) -> list[list[Any]]:
    """Return [tenth digit, turnout stations, leader-share stations] rows; digit 0 is "whole percent"."""
    tests = result.get("integer") or {}
    if not tests:
        return []
    return [
        [f".{digit}", tests["turnout"]["tenths"][digit], tests["leader"]["tenths"][digit]]
        for digit in range(10)
    ]


def digit_rows(result: dict[str, Any]) -> list[list[Any]]:
    """Return [last digit, counts ending in it, expected if uniform] rows of the last-digit test."""
    found = result.get("digits")
    if not found:
        return []
    total = sum(found["digits"])
    expected = (Decimal(total) / 10).quantize(Decimal("0.1"))
    return [[digit, count, expected] for digit, count in enumerate(found["digits"])]


def heat_map(found: dict[str, Any] | None) -> tuple[list[str], list[HeatRow]]:
    """Return the fingerprint in 5-point bands: turnout columns, leader-share rows (highest first)."""
    if not found:
        return [], []
    bands = found["bins"] // COARSE + 1
    grid = [[0] * bands for _ in range(bands)]
    for turnout, share, stations in found["cells"]:
        grid[min(share // COARSE, bands - 1)][min(turnout // COARSE, bands - 1)] += stations
    top = max(max(row) for row in grid) or 1
    labels = [_band(i, bands) for i in range(bands)]
    rows = [HeatRow(labels[s], [(n, _level(n, top)) for n in grid[s]]) for s in reversed(range(bands))]
    return labels, rows


def _band(index: int, bands: int) -> str:
    return "100" if index == bands - 1 else f"{index * COARSE}–{index * COARSE + COARSE - 1}"


def _level(stations: int, top: int) -> int:
    """Colour level 0-5 on a logarithmic scale (stations per cell span orders of magnitude)."""
    if stations == 0:
        return 0
    return 1 + min(LEVELS - 1, int((LEVELS - 1) * math.log1p(stations) / math.log1p(top)))
