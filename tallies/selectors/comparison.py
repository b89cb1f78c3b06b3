"""What the comparison pages read: the stored comparison with its caveats, discrepancy reports, diffs.

The comparison itself is computed in Celery (tallies.services.comparison) and stored as an
AnalysisRun; these functions read the latest stored run, label it in the active language and say
whether it is still current (same snapshot, same newest copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from elections.models import Commission, Contest
from observers.models import Organization
from tallies.models import AnalysisRun, OfficialSnapshot, ReconciliationRun, StationTallyState
from tallies.selectors import discrepancies
from tallies.selectors.comparison_aggregates import current_states
from tallies.selectors.layout import Layout
from tallies.selectors.snapshot_diff import CommissionChange
from tallies.selectors.snapshots import latest_snapshot

CAVEATS = {
    "no_official": _("No official results have been imported for this contest: nothing to compare with."),
    "aggregate_only": _(
        "Official results are published only as totals, so totals are compared: "
        "nothing here is a claim about any single station."
    ),
    "not_random": _(
        "Copies are not a random sample of stations: the margin covers sampling noise only, "
        "not the bias of where observers were."
    ),
    "station_list_incomplete": _(
        "The station list looks incomplete (the copies cover far fewer votes than stations): "
        "station coverage is overstated and the margin is computed without the finite-population correction."
    ),
    "partial_official": _(
        "Official station protocols are partial: only stations that have one are compared."
    ),
    "copies_without_official": _(
        "Some stations have an observer's copy but no official protocol; they are not compared."
    ),
}
NO_MARGIN = {
    "one_copy": _("One copy: the observer figure is that station's, and no comparison is made."),
    "few_stations": _(
        "Fewer than 30 stations with copies: the observer figure is given at the observed stations, "
        "without a margin."
    ),
    "few_tecs": _(
        "The copies come from fewer than 5 territorial commissions: stations of one commission are "
        "alike, so no margin can be given."
    ),
}
UNOBSERVED = _(
    "What the official total implies for the stations without copies: the official total minus "
    "the observed protocols. It assumes one thing: that the observed protocols entered the "
    "official total unchanged."
)
LEVELS = {
    "station": _("station by station"),
    "tec": _("territorial commission totals"),
    "region": _("regional totals"),
    "nation": _("national totals"),
    "none": _("nothing compared"),
}
CLASS_LABELS = {
    discrepancies.MATCH: _("Copy matches the official protocol"),
    discrepancies.TURNOUT: _("Turnout lines differ"),
    discrepancies.PARTY: _("Party or candidate votes differ"),
    discrepancies.BOTH: _("Both turnout lines and votes differ"),
    discrepancies.OTHER: _("Only other lines differ"),
}


def comparison_inputs(
    organization_id: int, contest: Contest, snapshot: OfficialSnapshot | None
) -> dict[str, Any]:
    """The versions of a comparison's inputs: the snapshot (id, level) and the counted copies.

    ``newest_copy_id`` and ``copies`` change with every copy; ``inputs_version`` (the sum of the
    stations' applied versions) with every quarantine or conflict resolution too.
    """
    states = StationTallyState.objects.filter(organization_id=organization_id, contest=contest)
    found = states.aggregate(version=Sum("applied_version"))
    counts = current_states(organization_id, contest).aggregate(n=Count("pk"), newest=Max("current_copy_id"))
    return {
        "snapshot_id": snapshot.pk if snapshot else None,
        "level": snapshot.level if snapshot else "",
        "newest_copy_id": counts["newest"] or 0,
        "copies": counts["n"],
        "inputs_version": found["version"] or 0,
    }


def snapshots(contest: Contest) -> QuerySet[OfficialSnapshot]:
    """The contest's official snapshots, newest first."""
    return contest.official_snapshots.order_by("-imported_at", "-id")


def chosen_snapshot(contest: Contest, snapshot_id: str | int | None) -> OfficialSnapshot | None:
    """The snapshot with `snapshot_id` in the contest, else the latest final one (None: no snapshot)."""
    if snapshot_id and str(snapshot_id).isdigit():
        chosen = snapshots(contest).filter(pk=int(snapshot_id)).first()
        if chosen:
            return chosen
    return latest_snapshot(contest)


@dataclass(frozen=True)
class ShareLine:
    """Turnout or an option: observer estimate ± margin, the official share and the share the
    official total implies for the stations without copies (percent, strings)."""

    label: str
    observer: str | None
    margin: str | None
    official: str | None
    difference: str | None
    outside_margin: bool | None
    implied: str | None = None


@dataclass(frozen=True)
class StoredComparison:
    """The latest stored comparison for a snapshot, labelled; `is_current` when its inputs still hold."""

    run: AnalysisRun | None
    snapshot: OfficialSnapshot | None
    is_current: bool
    result: dict[str, Any]
    level: str
    caveats: list[str]
    classes: list[tuple[str, int]]
    aggregates: list[tuple[dict[str, Any], list[ShareLine], list[str]]]  # (stored, lines, no-margin reasons)


def stored_comparison(
    organization: Organization, contest: Contest, snapshot: OfficialSnapshot | None
) -> StoredComparison:
    """Read the latest done comparison of `snapshot` for the organisation (an empty one if none)."""
    runs = AnalysisRun.objects.done().filter(
        organization=organization, contest=contest, kind=AnalysisRun.Kind.COMPARISON
    )
    run = runs.filter(inputs__snapshot_id=snapshot.pk if snapshot else None).first()
    result = run.result if run else {}
    current = run is not None and run.inputs == comparison_inputs(organization.pk, contest, snapshot)
    station = result.get("station") or {}
    layout = Layout.of(contest)
    return StoredComparison(
        run=run,
        snapshot=snapshot,
        is_current=current,
        result=result,
        level=str(LEVELS.get(result.get("level", ""), "")),
        caveats=[str(CAVEATS[code]) for code in result.get("caveats", []) if code in CAVEATS],
        classes=[
            (str(CLASS_LABELS[k]), n) for k, n in station.get("classes", {}).items() if k in CLASS_LABELS
        ],
        aggregates=[
            (item, _share_lines(layout, item), no_margin_reasons(item))
            for item in result.get("aggregates", [])
        ],
    )


def _share_lines(layout: Layout, aggregate: dict[str, Any]) -> list[ShareLine]:
    names = {option.code: str(option) for option in layout.options}
    items = [(str(_("Turnout")), aggregate["turnout"])]
    items += [(names.get(share["code"], share["code"]), share) for share in aggregate["shares"]]
    return [
        ShareLine(
            label,
            s["observer"],
            s["margin"],
            s["official"],
            _signed(s["difference"]),
            s["outside_margin"],
            s.get("implied"),
        )
        for label, s in items
    ]


def no_margin_reasons(aggregate: dict[str, Any]) -> list[str]:
    """Why a stored aggregate's observer figures carry no margin, in the active language."""
    reasons = (aggregate.get("uncertainty") or {}).get("reasons", [])
    return [str(NO_MARGIN[code]) for code in reasons if code in NO_MARGIN]


def _signed(points: str | None) -> str | None:
    """Show a positive difference with its sign ("+1.43"); zero and negatives as they are."""
    if points is None or points.startswith("-") or not points.strip("0."):
        return points
    return "+" + points


@dataclass(frozen=True)
class RollupRow:
    """A roll-up with its net votes moved per option in ballot order (official − observer)."""

    rollup: discrepancies.Rollup
    moved: list[int]


@dataclass(frozen=True)
class DiscrepancyReport:
    """A run's classes, its regions' roll-ups and its TECs ranked by votes moved to the leading option."""

    run: ReconciliationRun | None
    classes: list[tuple[str, int]]
    regions: list[RollupRow]
    leading: str | None
    leading_label: str
    ranking: list[RollupRow]


def latest_reconciliation(
    organization: Organization, contest: Contest, snapshot: OfficialSnapshot | None
) -> ReconciliationRun | None:
    """The organisation's latest finished reconciliation run of the snapshot."""
    runs = ReconciliationRun.objects.filter(
        organization=organization, contest=contest, finished_at__isnull=False
    )
    return runs.filter(snapshot=snapshot).select_related("snapshot").order_by("-finished_at", "-id").first()


def discrepancy_report(run: ReconciliationRun | None) -> DiscrepancyReport:
    """Classes, region roll-ups and the TEC ranking of a run (all empty without a run)."""
    if run is None:
        return DiscrepancyReport(None, [], [], None, "", [])
    items = discrepancies.station_discrepancies(run)
    counts = discrepancies.class_counts(run, items)
    leading, ranking = discrepancies.tec_ranking(run, items)
    options = list(run.contest.options.all())
    names = {option.code: str(option) for option in options}

    def rows(rollups: list[discrepancies.Rollup]) -> list[RollupRow]:
        return [RollupRow(r, [r.moved(option.code) for option in options]) for r in rollups]

    return DiscrepancyReport(
        run=run,
        classes=[(str(CLASS_LABELS[k]), n) for k, n in counts.items()],
        regions=rows(discrepancies.rollups(run, Commission.Level.SEC, items)),
        leading=leading,
        leading_label=names.get(leading or "", ""),
        ranking=rows(ranking),
    )


@dataclass(frozen=True)
class ChangeRow:
    """One changed line or option of a commission between two snapshots (votes)."""

    number: str
    label: str
    before: int | None
    after: int | None
    delta: int | None


def change_rows(layout: Layout, change: CommissionChange) -> list[ChangeRow]:
    """Label a commission's changes in form order (lines, then options in ballot order)."""
    by_key = {(c.kind, c.code): c for c in change.changes}
    return [
        ChangeRow(
            number, label, by_key[(kind, code)].before, by_key[(kind, code)].after, by_key[(kind, code)].delta
        )
        for kind, code, number, label in layout.entries()
        if (kind, code) in by_key
    ]
