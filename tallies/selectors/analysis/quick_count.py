"""The quick-count page: the sample, its reports, the estimate, warnings and the convergence."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from elections.models import Contest
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
        return None if self.share is None or self.margin is None else self.share + self.margin


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
    return QuickCountPage(sample, max(earlier - 1, 0), stations, state, rows, warnings(state.result))


def sampled_stations(
    organization: Organization, contest: Contest, sample: QuickCountSample
) -> list[SampledStation]:
    """Return the sample's stations by region and number, each marked reported or not."""
    reported = set(
        StationTallyState.objects.filter(
            organization=organization, contest=contest, current_copy__isnull=False
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
    "skewed_stratum": gettext_lazy(
        "Skewed reporting: the regions' shares of the reports differ from their shares of the sample "
        "by more than 10 points in %(regions)s."
    ),
    "empty_stratum": gettext_lazy("No sampled station has reported yet in %(count)d regions: %(regions)s."),
    "thin_stratum": gettext_lazy(
        "Only one sampled station has reported in %(count)d regions, so their margins of error are "
        "unknown: %(regions)s."
    ),
}
REGIONS_NAMED = 10


def warnings(result: dict[str, Any]) -> list[str]:
    """Return the run's warnings as sentences in the active language, one per kind (regions grouped)."""
    regions: dict[str, list[str]] = {}
    for warning in result.get("warnings", []):
        regions.setdefault(warning["code"], []).append(warning.get("stratum") or "")
    return [
        str(WARNINGS[code]) % {"n": result.get("reported", 0), "count": len(names), "regions": _names(names)}
        for code, names in regions.items()
    ]


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
