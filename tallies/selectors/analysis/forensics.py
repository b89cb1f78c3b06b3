"""The forensics page: each test's table and chart data, from the latest done forensics run."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from elections.models import Contest
from elections.numbers import localized
from observers.models import Organization
from tallies.models import AnalysisRun, OfficialSnapshot
from tallies.selectors import input_versions as versions
from tallies.selectors.analysis.runs import RunState, run_state
from tallies.services.analysis import forensics as service

COARSE = 5  # percentage points per heat-map cell
LEVELS = 5  # heat-map colour classes heat-1 .. heat-5 (heat-0: no station)


@dataclass(frozen=True)
class IntegerRow:
    """One integer-percentage test: stations at whole percentages, observed against expected.

    `excess` = observed − expected (stations), `spread` the simulations' standard deviation;
    `p_value` the Monte Carlo p-value (the one compared with the threshold), `p_normal` the normal
    approximation's, both as text.
    """

    label: str
    observed: int
    expected: float
    excess: float
    spread: float
    z: float
    p_value: str
    p_normal: str
    is_excess: bool
    stations: int


@dataclass(frozen=True)
class DigitRow:
    """One option's last-digit test: counts tested, χ² and p (None when the test does not apply)."""

    option: str
    counts: int
    slope_bias: float
    chi_square: float | None
    p_value: str
    reason: str
    is_lead: bool


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
    digit_tests: list[DigitRow]
    heat_columns: list[str]
    heat_rows: list[HeatRow]
    outliers: dict[str, Any]

    @property
    def integer(self) -> dict[str, Any]:
        """The stored integer-percentage block: stations, exclusions, draws, seed ({} before a run)."""
        return self.state.result.get("integer") or {}


def forensics_page(
    organization: Organization, contest: Contest, source: str, snapshot_id: int | None
) -> ForensicsPage:
    """Gather the run of the chosen source (official snapshot or observers' copies) and its tables."""
    snapshot = versions.station_snapshot(contest, snapshot_id) if source == service.OFFICIAL else None
    match: dict[str, Any] = {"source": source, "method": service.METHOD}
    if snapshot is not None:
        match["snapshot_id"] = snapshot.pk
    parameters = {"source": source, "snapshot_id": snapshot.pk if snapshot else None}
    state = run_state(organization, contest, AnalysisRun.Kind.FORENSICS, parameters, **match)
    result = state.result
    columns, rows = heat_map(result.get("fingerprint"))
    return ForensicsPage(
        source, snapshot, versions.station_snapshots(contest), state, _leader(contest, result),
        integer_rows(result), tenth_rows(result), digit_rows(result), digit_tests(contest, result),
        columns, rows,
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
    """Return the turnout, leader-share and "either" integer-percentage tests as table rows."""
    labels = {
        "turnout": _("Turnout"),
        "leader": _("Leader's share"),
        "combined": _("Turnout or leader's share"),
    }
    tests = result.get("integer") or {}
    return [
        _integer_row(str(label), tests[key], tests["stations"])
        for key, label in labels.items()
        if key in tests
    ]


def _integer_row(label: str, test: dict[str, Any], stations: int) -> IntegerRow:
    return IntegerRow(
        label, test["observed"], test["expected"], test["excess"], test["simulated_sd"], test["z"],
        p_text(test["p_value_monte_carlo"]), p_text(test["p_value"]), test["is_excess"], stations,
    )  # fmt: skip


def tenth_rows(result: dict[str, Any]) -> list[list[Any]]:
    """Return [tenth digit, turnout stations, leader-share stations] rows; digit 0 is "whole percent"."""
    tests = result.get("integer") or {}
    if not tests:
        return []
    return [
        [localized(f"0.{digit}")[1:], tests["turnout"]["tenths"][digit], tests["leader"]["tenths"][digit]]
        for digit in range(10)
    ]


def digit_rows(result: dict[str, Any]) -> list[list[Any]]:
    """Return [last digit, counts ending in it, expected if uniform] over the options tested."""
    found = result.get("digits")
    if not found:
        return []
    tested = [o["digits"] for o in found["options"] if o["p_value"] is not None]
    totals = [sum(digits[d] for digits in tested) for d in range(10)]
    expected = (Decimal(sum(totals)) / 10).quantize(Decimal("0.1"))
    return [[digit, count, expected] for digit, count in enumerate(totals)] if tested else []


def digit_tests(contest: Contest, result: dict[str, Any]) -> list[DigitRow]:
    """Return each option's last-digit test, named as on the ballot."""
    found = result.get("digits")
    if not found:
        return []
    names = {o.code: str(o) for o in contest.options.all()}
    return [
        DigitRow(
            names.get(o["option"], o["option"]),
            o["counts"],
            o["slope_bias"],
            o["chi_square"],
            "" if o["p_value"] is None else p_text(o["p_value"]),
            o["reason"],
            o["is_lead"],
        )
        for o in found["options"]
    ]


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
