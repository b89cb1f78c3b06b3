"""A quick-count sample's reports and the estimate built from them, as the JSON of a run.

Shares are percent (text, 0.01), margins percentage points at 95 % with the finite-population
correction, both from the estimator of the design the sample was drawn with
(`tallies.analysis.quickcount_design`). The convergence holds at most
CONVERGENCE_POINTS running estimates, in the order the stations first reported.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Min

from elections import roles
from elections.models import Contest
from elections.numbers import percent
from elections.protocol import Figures
from observers.models import Organization
from tallies.analysis import quickcount
from tallies.analysis import quickcount_design as design
from tallies.models import ProtocolCopy, QuickCountSample, StationTallyState

CONVERGENCE_POINTS = 60


@dataclass
class Report:
    """One sampled station's accepted figures: voters who took part, voters on the list, option votes."""

    station_id: int
    took_part: int = 0
    voters: int = 0
    votes: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.votes.values())


def sample_reports(organization: Organization, contest: Contest, station_ids: list[int]) -> list[Report]:
    """Return the reports of the given stations, in the order the stations first sent a copy.

    A report is the station's accepted figures as the tallies count them (StationTallyState
    applied_lines/applied_options): a quarantined copy or an unresolved conflict is no report.
    """
    states = StationTallyState.objects.filter(
        organization=organization, contest=contest, station_id__in=station_ids, is_counted=True
    ).values_list("station_id", "applied_lines", "applied_options")
    figures = {station_id: Figures(lines, options) for station_id, lines, options in states}
    return reports_of(contest, figures, arrival_order([organization.pk], contest, list(figures)))


def reports_of(contest: Contest, figures: dict[int, Figures], order: dict[int, tuple]) -> list[Report]:  # type: ignore[type-arg]
    """Reports from station id → accepted figures (one organisation's, or a coalition's pool),
    sorted by `order` (station id → sort key, tallies.services.analysis.pooled for a pool)."""
    base, numerators = _turnout_lines(contest)
    reports = [
        Report(
            pk,
            sum(f.lines.get(code, 0) for code in numerators),
            f.lines.get(base, 0) if base else 0,
            dict(f.options),
        )
        for pk, f in figures.items()
    ]
    return sorted(reports, key=lambda report: order[report.station_id])


def _turnout_lines(contest: Contest) -> tuple[str | None, set[str]]:
    lines = list(contest.form.lines.all())
    base = roles.base_line(lines)
    return (base.code if base else None), {line.code for line in roles.took_part_lines(lines)}


def arrival_order(organization_ids: list[int], contest: Contest, station_ids: list[int]) -> dict[int, tuple]:  # type: ignore[type-arg]
    """Station id → (when its first copy from these organisations arrived, station id)."""
    copies = ProtocolCopy.objects.filter(
        organization_id__in=organization_ids, contest=contest, station_id__in=station_ids
    )
    first = copies.values("station_id").annotate(first=Min("submitted_at")).order_by()
    return {row["station_id"]: (row["first"], row["station_id"]) for row in first}


def estimate_sample(
    organization: Organization,
    contest: Contest,
    sample: QuickCountSample,
    population: list[tuple[str, str, int]],
    reports: list[Report] | None = None,
) -> dict[str, Any]:
    """Estimate turnout and each option's share as the sample was drawn; warnings and convergence.

    `reports` are the sampled stations' reports when given (a coalition's pool: only those of
    the sample's stations count), else the organisation's (sample_reports).

    The method (stratified, simple, or post-stratified for differential non-response), the
    collapsed strata, the response test and the warnings come from `quickcount_design.assess`.
    """
    drawn = dict(sample.stations.values_list("station_id", "stratum"))
    if reports is None:
        reports = sample_reports(organization, contest, list(drawn))
    options = list(contest.options.values_list("code", flat=True))
    as_sample = _as_sample(sample, drawn, population)
    assessment = design.assess(as_sample, _ids(reports))
    return {
        "population_stations": len(population),
        "drawn": len(drawn),
        "reported": len(reports),
        "method": assessment.method,
        "turnout": _estimate_json(_estimate(as_sample, assessment, reports, "turnout")),
        "options": {
            code: _estimate_json(_estimate(as_sample, assessment, reports, code)) for code in options
        },
        "warnings": [_warning_json(w, assessment) for w in assessment.warnings],
        "collapsed": [list(names) for names in assessment.collapsed],
        "strata": _strata(as_sample, reports),
        "convergence": _convergence(as_sample, reports, options),
    }


def _estimate(
    sample: quickcount.Sample, assessment: design.Assessment, reports: list[Report], code: str
) -> quickcount.Estimate:
    pairs = dict(zip(_ids(reports), _pairs(reports, code), strict=True))
    return design.estimate_share(sample, assessment, pairs)


def _pairs(reports: list[Report], code: str) -> list[tuple[int, int]]:
    """Return (a, m) per report: (took part, on the list) for "turnout", else (option votes, all votes)."""
    if code == "turnout":
        return [(report.took_part, report.voters) for report in reports]
    return [(report.votes.get(code, 0), report.total) for report in reports]


def _ids(reports: list[Report]) -> list[str]:
    return [str(report.station_id) for report in reports]


def _as_sample(
    sample: QuickCountSample, drawn: dict[int, str], population: list[tuple[str, str, int]]
) -> quickcount.Sample:
    """Rebuild the arithmetic's Sample from the stored stations and the population's strata."""
    stations, voters = Counter[str](), Counter[str]()
    for _, stratum, registered in population:
        stations[stratum] += 1
        voters[stratum] += registered
    per_stratum = Counter(drawn.values())
    strata = {s: quickcount.StratumDraw(stations[s], voters[s], per_stratum[s]) for s in sorted(stations)}
    stratum_of = {str(station_id): stratum for station_id, stratum in drawn.items()}
    ids = tuple(sorted(stratum_of))
    return quickcount.Sample(ids, sample.seed, sample.is_stratified, len(population), strata, stratum_of)


def _estimate_json(estimate: quickcount.Estimate) -> dict[str, Any]:
    share, margin = estimate.share, estimate.margin_of_error_95
    return {"share": None if share is None else str(share), "margin": None if margin is None else str(margin)}


def _warning_json(warning: design.DesignWarning, assessment: design.Assessment) -> dict[str, Any]:
    found: dict[str, Any] = {"code": warning.code, "strata": list(warning.strata)}
    if warning.share_of_voters is not None:
        found["share_of_voters"] = str(warning.share_of_voters)
    if warning.code == "differential_response" and assessment.response is not None:
        response = assessment.response
        found |= {
            "statistic": str(response.statistic),
            "degrees_of_freedom": response.degrees_of_freedom,
            "p_value": str(response.p_value),
            "post_stratified": assessment.method == "post_stratified",
        }
    return found


def _strata(sample: quickcount.Sample, reports: list[Report]) -> list[dict[str, Any]]:
    """Each stratum that was drawn or reported: its stations, drawn, reported and response rate (%)."""
    reported = Counter(sample.stratum_of[str(report.station_id)] for report in reports)
    return [
        {
            "stratum": s,
            "stations": draw.stations,
            "drawn": draw.drawn,
            "reported": reported[s],
            "response": None if not draw.drawn else str(percent(reported[s], draw.drawn)),
        }
        for s, draw in sample.strata.items()
        if draw.drawn or reported[s]
    ]


def _convergence(sample: quickcount.Sample, reports: list[Report], options: list[str]) -> dict[str, Any]:
    """Running design estimates as reports arrived, thinned to CONVERGENCE_POINTS (the last kept).

    "stable_at" is the number of reports from which every later running estimate of every row
    stayed inside the final 95 % interval (None while a final margin is unknown): the point where
    the quick count stabilised, as PVT practice reads it.
    """
    k = len(reports)
    keep = sorted({k * (i + 1) // CONVERGENCE_POINTS for i in range(CONVERGENCE_POINTS)} - {0})
    series: dict[str, list[str | None]] = defaultdict(list)
    margins: dict[str, list[str | None]] = defaultdict(list)
    for step in keep:
        so_far = reports[:step]
        assessment = design.assess(sample, _ids(so_far))
        for code in ["turnout", *options]:
            point = _estimate_json(_estimate(sample, assessment, so_far, code))
            series[code].append(point["share"])
            margins[code].append(point["margin"])
    return {
        "reports": keep,
        "series": dict(series),
        "margins": dict(margins),
        "stable_at": stable_at(keep, series, margins),
    }


def stable_at(
    steps: list[int], series: Mapping[str, list[str | None]], margins: Mapping[str, list[str | None]]
) -> int | None:
    """Return the first step from which every row's running share stays within its final interval."""
    first = 0
    for code, shares in series.items():
        final, margin = shares[-1] if shares else None, margins[code][-1] if shares else None
        if final is None or margin is None:
            return None
        low, high = Decimal(final) - Decimal(margin), Decimal(final) + Decimal(margin)
        outside = [i for i, share in enumerate(shares) if share is None or not low <= Decimal(share) <= high]
        first = max(first, outside[-1] + 1 if outside else 0)
    return steps[first] if steps and first < len(steps) else None
