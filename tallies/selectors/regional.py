"""The regional comparison as published data: one row per region, empty ones too (issue 22, scope 5).

Each row is plain JSON (counts as integers, percentages as strings): the region's coverage, the
copies' design (TECs, why no margin), turnout and every option's share by source with the margin
where the design allows one (tallies.analysis.uncertainty), what the official total implies for
the stations without copies, and the caveats as codes (tallies.publication.regions_table.CAVEATS),
so that a CSV, the API and a release carry the same statements as the page.

`status` says what the row may claim:
- "no_official": the official results have no row for the region;
- "no_copies": nothing observed, nothing compared;
- "one_copy": the figure of one station, no comparison (never a regional comparison from one copy);
- "no_margin": the figures at the N observed stations, a difference but no margin;
- "margin": an estimate ± its margin, and whether the official figure lies outside it.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from elections.models import Commission, Contest
from elections.protocol import Figures
from tallies.models import OfficialSnapshot
from tallies.publication.regions_table import SHARE_KEYS
from tallies.selectors.aggregate_shares import ShareComparison
from tallies.selectors.comparison_aggregates import (
    AggregateComparison,
    aggregate_comparisons,
    aggregate_comparisons_of,
)


def regional_rows(
    organization_id: int, contest: Contest, snapshot: OfficialSnapshot | None
) -> list[dict[str, Any]]:
    """One row per region of the election (the commissions under the root), in path order.

    Empty without a snapshot of regional totals (level SEC): other levels are compared elsewhere.
    """
    if snapshot is None or snapshot.level != Commission.Level.SEC:
        return []
    return _rows(contest, aggregate_comparisons(organization_id, contest, snapshot))


def pooled_regional_rows(
    counted: dict[int, Figures], contest: Contest, snapshot: OfficialSnapshot | None
) -> list[dict[str, Any]]:
    """regional_rows for a coalition's pool: `counted` is station id → pooled figures
    (tallies.selectors.pool.Pool.counted), compared as one organisation's copies are."""
    if snapshot is None or snapshot.level != Commission.Level.SEC:
        return []
    return _rows(contest, aggregate_comparisons_of(counted, contest, snapshot))


def _rows(contest: Contest, comparisons: list[AggregateComparison]) -> list[dict[str, Any]]:
    compared = {a.commission_id: a for a in comparisons}
    regions = Commission.objects.filter(
        election_id=contest.election_id, parent__isnull=False, parent__parent__isnull=True
    ).order_by("path")
    return [_row(region, compared.get(region.pk)) for region in regions]


def _row(region: Commission, found: AggregateComparison | None) -> dict[str, Any]:
    base: dict[str, Any] = {"commission_id": region.pk, "name": region.name}
    if found is None:
        return {**base, "status": "no_official", "caveats": ["no_official"]}
    coverage = {k: _json(v) for k, v in asdict(found.coverage).items()}
    uncertainty = asdict(found.uncertainty) if found.uncertainty else {}
    status = _status(found)
    row = {
        **base,
        "status": status,
        "coverage": coverage,
        "tecs_with_copies": uncertainty.get("tecs", 0),
        "tecs_total": uncertainty.get("tecs_total"),
        "no_margin_reasons": list(uncertainty.get("reasons", [])),
        "quantile": _json(uncertainty.get("quantile")),
        "turnout": _share(found.turnout),
        "shares": {share.code: _share(share) for share in found.shares},
        "unobserved_stations": found.unobserved.stations if found.unobserved else None,
        "consistent": found.unobserved.consistent if found.unobserved else None,
    }
    return {**row, "caveats": _caveats(found, status)}


def _status(found: AggregateComparison) -> str:
    copies = found.coverage.stations_with_copies
    if copies == 0:
        return "no_copies"
    if copies == 1:
        return "one_copy"
    return "margin" if found.uncertainty and not found.uncertainty.reasons else "no_margin"


def _caveats(found: AggregateComparison, status: str) -> list[str]:
    if status == "no_copies":
        return ["no_copies"]
    codes = ["not_random", *(found.uncertainty.reasons if found.uncertainty else ())]
    codes += ["station_list_incomplete"] * found.station_list_incomplete
    codes.append("implied_assumes_unchanged")
    if found.unobserved and not found.unobserved.consistent:
        codes.append("assumption_fails")
    return codes


def _share(share: ShareComparison) -> dict[str, Any]:
    return {key: _json(getattr(share, key)) for key in SHARE_KEYS}


def _json(value: Any) -> Any:
    """Decimals as exact strings; everything else as it is."""
    return str(value) if isinstance(value, Decimal) else value
