"""The quick-count page: the sample, its reports, the estimate, warnings and the convergence."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from elections.models import Contest
from elections.numbers import localized
from observers.models import Organization
from tallies.models import AnalysisRun, QuickCountSample, QuickCountStation, StationTallyState
from tallies.selectors.analysis.runs import RunState, run_state

SAMPLE_SHOWN = 300


@dataclass(frozen=True)
class EstimateRow:
    """Turnout or an option's share in percent, with its 95 % margin in percentage points."""

    code: str
    label: str
    share: Decimal | None
    margin: Decimal | None

    @property
    def low(self) -> Decimal | None:
        return (
            None if self.share is None or self.margin is None else max(self.share - self.margin, Decimal(0))
        )

    @property
    def high(self) -> Decimal | None:
        if self.share is None or self.margin is None:
            return None
        return min(self.share + self.margin, Decimal(100))


@dataclass(frozen=True)
class SampledStation:
    """A sampled station as the page lists it, and whether it has reported."""

    station_id: int
    number: str
    stratum: str
    tec: str
    has_reported: bool


@dataclass(frozen=True)
class QuickCountPage:
    """Everything the quick-count page shows for one organisation and contest."""

    sample: QuickCountSample | None
    earlier_samples: int
    stations: list[SampledStation]
    state: RunState
    rows: list[EstimateRow]
    warnings: list[str]
    notes: list[str]


def latest_sample(organization: Organization, contest: Contest) -> QuickCountSample | None:
    samples = QuickCountSample.objects.filter(organization=organization, contest=contest)
    return samples.select_related("created_by").order_by("-created_at", "-id").first()


def quick_count_page(organization: Organization, contest: Contest) -> QuickCountPage:
    """Gather the latest sample, its latest estimate run and the rows and warnings to show."""
    sample = latest_sample(organization, contest)
    earlier = QuickCountSample.objects.filter(organization=organization, contest=contest).count()
    parameters = {"sample_id": sample.pk} if sample else {}
    kind = AnalysisRun.Kind.QUICK_COUNT
    state = run_state(organization, contest, kind, parameters, **parameters)
    stations = sampled_stations(organization, contest, sample)[:SAMPLE_SHOWN] if sample else []
    rows = estimate_rows(contest, state.result)
    result = state.result
    return QuickCountPage(
        sample, max(earlier - 1, 0), stations, state, rows, warnings(result), notes(result) if result else []
    )


def sampled_stations(
    organization: Organization, contest: Contest, sample: QuickCountSample
) -> list[SampledStation]:
    """Return the sample's stations by region and number, each marked reported or not.

    A station has reported when its accepted figures count (as the estimate reads them): a copy
    that is quarantined or in conflict is not yet a report.
    """
    reported = set(
        StationTallyState.objects.filter(
            organization=organization, contest=contest, is_counted=True
        ).values_list("station_id", flat=True)
    )
    rows = QuickCountStation.objects.filter(sample=sample).values_list(
        "station_id", "station__number", "stratum", "station__pec__parent__name"
    )
    found = [SampledStation(pk, number, s, tec, pk in reported) for pk, number, s, tec in rows]
    return sorted(found, key=lambda row: (row.stratum, row.tec, _natural(row.number)))


def _natural(number: str) -> tuple[int, str]:
    return (int(number), "") if number.isdigit() else (10**9, number)


def estimate_rows(contest: Contest, result: dict[str, Any]) -> list[EstimateRow]:
    """Return the turnout row, then one per option, from a quick-count run's result."""
    if not result:
        return []
    rows = [_row("turnout", _("Turnout"), result["turnout"])]
    for option in contest.options.all():
        rows.append(_row(option.code, str(option), result["options"].get(option.code, {})))
    return rows


def _row(code: str, label: str, found: dict[str, Any]) -> EstimateRow:
    share, margin = found.get("share"), found.get("margin")
    return EstimateRow(code, label, _decimal(share), _decimal(margin))


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


WARNINGS = {
    "few_stations": gettext_lazy(
        "Only %(n)d sampled stations have reported, fewer than 30: the estimate is not reliable yet."
    ),
    "low_share": gettext_lazy(
        "Fewer than half of the sampled stations have reported: the reports so far may not represent "
        "the sample."
    ),
    "differential_response": gettext_lazy(
        "Response differs between regions more than chance explains (χ² = %(statistic)s, "
        "%(degrees_of_freedom)s degrees of freedom, p = %(p_value)s). The estimate is re-weighted "
        "within regions: it assumes that in each region the stations that reported voted like those "
        "that did not."
    ),
    "post_stratified": gettext_lazy(
        "The sample was drawn nationwide; because of the uneven response it is estimated region by "
        "region (post-stratified)."
    ),
    "unreported_strata": gettext_lazy(
        "No sampled station has reported in %(regions)s (%(share)s %% of the registered voters): "
        "their stations are estimated from a neighbouring region's reports."
    ),
    "refused": gettext_lazy(
        "The quick count cannot be estimated yet: no sampled station has reported in %(regions)s, "
        "which hold %(share)s %% of the registered voters (5 %% or more). An estimate now would "
        "speak for regions that have not reported."
    ),
}
REGIONS_NAMED = 10


def warnings(result: dict[str, Any]) -> list[str]:
    """Return the run's warnings as sentences in the active language, in the order they were found."""
    found = []
    for warning in result.get("warnings", []):
        code = warning["code"]
        if code not in WARNINGS:
            continue  # a run stored before the design's warnings: its old codes are not shown
        values = {
            "n": result.get("reported", 0),
            "regions": _names(warning.get("strata") or []),
            "share": localized(warning.get("share_of_voters")),
            "statistic": localized(warning.get("statistic")),
            "degrees_of_freedom": warning.get("degrees_of_freedom"),
            "p_value": localized(warning.get("p_value")),
        }
        found.append(str(WARNINGS[code]) % values)
        if warning.get("post_stratified"):
            found.append(str(WARNINGS["post_stratified"]))
    return found


def notes(result: dict[str, Any]) -> list[str]:
    """Return how the estimate was made, in words: the method and any strata collapsed together."""
    method = METHODS.get(result.get("method", ""))
    found = [str(method) % {}] if method else []
    collapsed = result.get("collapsed") or []
    if collapsed:
        groups = "; ".join(" + ".join(group) for group in collapsed[:REGIONS_NAMED])
        found.append(str(COLLAPSED) % {"count": len(collapsed), "groups": groups})
    return found


METHODS = {
    "stratified": gettext_lazy(
        "Stratified by region, as the sample was drawn: each region's reports stand for all of its "
        "stations; shares weighted by each region's estimated valid votes (combined ratio estimator), "
        "turnout by its registered voters (separate ratio estimator); 95 %% margins from the "
        "stratified variance with each region's finite-population correction (Cochran, Sampling "
        "Techniques, 1977, §6.10–6.12)."
    ),
    "simple": gettext_lazy(
        "Simple random sample: the ratio estimator over the reporting stations, with the "
        "finite-population correction (Cochran, Sampling Techniques, 1977, §6.3)."
    ),
    "post_stratified": gettext_lazy(
        "Simple random sample, post-stratified by region because the response differed between "
        "regions (Cochran, Sampling Techniques, 1977, §5A.9)."
    ),
}
COLLAPSED = gettext_lazy(
    "Regions with fewer than two reports have no margin of their own; %(count)d groups were "
    "combined with the next region for the estimate and its margin: %(groups)s."
)


def _names(regions: list[str]) -> str:
    """Return up to REGIONS_NAMED region names, then how many more."""
    named = ", ".join(regions[:REGIONS_NAMED])
    more = len(regions) - REGIONS_NAMED
    return named if more <= 0 else named + " " + _("and %(more)d more") % {"more": more}


def convergence_table(contest: Contest, result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Return the running estimates as (header, rows): reports received, turnout, each option's share."""
    convergence = result.get("convergence") or {"reports": [], "series": {}}
    codes = ["turnout", *contest.options.values_list("code", flat=True)]
    labels = [_("Turnout"), *(str(option) for option in contest.options.all())]
    header = [_("Reports received"), *(f"{label} (%)" for label in labels)]
    series = convergence["series"]
    rows = [
        [reports, *(series.get(code, [None] * (i + 1))[i] for code in codes)]
        for i, reports in enumerate(convergence["reports"])
    ]
    return header, rows
