"""A quick-count sample's reports and the estimate built from them, as the JSON of a run.

Shares are percent (text, 0.01), margins percentage points at 95 % with the finite-population
correction; "n" is the number of reported stations. The convergence holds at most
CONVERGENCE_POINTS running estimates, in the order the stations first reported.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Min

from elections.models import Contest
from observers.models import Organization
from tallies.analysis import quickcount
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
    base, numerators = _turnout_lines(contest)
    reports = {}
    for station_id, lines, options in states:
        took_part = sum(lines.get(code, 0) for code in numerators)
        voters = lines.get(base, 0) if base else 0
        reports[station_id] = Report(station_id, took_part, voters, dict(options))
    order = _arrival_order(organization, contest, list(reports))
    return sorted(reports.values(), key=lambda report: order[report.station_id])


def _turnout_lines(contest: Contest) -> tuple[str | None, set[str]]:
    lines = list(contest.form.lines.all())
    base = next((line.code for line in lines if line.is_turnout_base), None)
    return base, {line.code for line in lines if line.is_turnout_numerator}


def _arrival_order(organization: Organization, contest: Contest, station_ids: list[int]) -> dict[int, tuple]:  # type: ignore[type-arg]
    copies = ProtocolCopy.objects.filter(
        organization=organization, contest=contest, station_id__in=station_ids
    )
    first = copies.values("station_id").annotate(first=Min("submitted_at")).order_by()
    return {row["station_id"]: (row["first"], row["station_id"]) for row in first}


def estimate_sample(
    organization: Organization,
    contest: Contest,
    sample: QuickCountSample,
    population: list[tuple[str, str, int]],
) -> dict[str, Any]:
    """Estimate turnout and each option's share from the sample's reports; warnings and convergence."""
    drawn = dict(sample.stations.values_list("station_id", "stratum"))
    reports = sample_reports(organization, contest, list(drawn))
    big_n = len(population)
    options = list(contest.options.values_list("code", flat=True))
    as_sample = _as_sample(sample, drawn, population)
    return {
        "population_stations": big_n,
        "drawn": len(drawn),
        "reported": len(reports),
        "turnout": _estimate_json(quickcount.estimate(_pairs(reports, "turnout"), big_n)),
        "options": {
            code: _estimate_json(quickcount.estimate(_pairs(reports, code), big_n)) for code in options
        },
        "warnings": [_warning_json(w) for w in quickcount.reporting_warnings(as_sample, _ids(reports))],
        "strata": _strata(as_sample, reports),
        "convergence": _convergence(reports, big_n, options),
    }


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


def _warning_json(warning: quickcount.SampleWarning) -> dict[str, Any]:
    return {"code": warning.code, "stratum": warning.stratum, "message": warning.message}


def _strata(sample: quickcount.Sample, reports: list[Report]) -> list[dict[str, Any]]:
    reported = Counter(sample.stratum_of[str(report.station_id)] for report in reports)
    return [
        {"stratum": s, "stations": draw.stations, "drawn": draw.drawn, "reported": reported[s]}
        for s, draw in sample.strata.items()
        if draw.drawn or reported[s]
    ]


def _convergence(reports: list[Report], big_n: int, options: list[str]) -> dict[str, Any]:
    """Running estimates after each report, thinned to at most CONVERGENCE_POINTS (the last kept)."""
    k = len(reports)
    keep = sorted({k * (i + 1) // CONVERGENCE_POINTS for i in range(CONVERGENCE_POINTS)} - {0})
    series: dict[str, list[str | None]] = defaultdict(list)
    margins: dict[str, list[str | None]] = defaultdict(list)
    for code in ["turnout", *options]:
        running = quickcount.convergence(_pairs(reports, code), big_n)
        for step in keep:
            point = _estimate_json(running[step - 1])
            series[code].append(point["share"])
            margins[code].append(point["margin"])
    return {"reports": keep, "series": dict(series), "margins": dict(margins)}
