"""Results of one commission (any level): both sources, children, discrepant stations."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from elections.models import Commission, Contest, PollingStation, stations_within
from elections.protocol import Figures
from observers.models import Organization
from tallies.models import (
    CommissionReconciliation,
    CopyFigure,
    ObserverTally,
    OfficialFigure,
    OfficialProtocol,
    OfficialSnapshot,
    ProtocolCopy,
    ReconciliationRun,
    StationComparison,
    StationTallyState,
)
from tallies.selectors.comparison import LEVELS
from tallies.selectors.comparison_aggregates import LEVEL_NAMES
from tallies.selectors.copy_coverage import commission_coverage, official_in_regions_with_copies
from tallies.selectors.layout import (
    FigureRow,
    Layout,
    RegionsRow,
    ShareRow,
    Source,
    _source,
    regions_rows,
    share_rows,
)
from tallies.services.reconciliation import latest_snapshot

DISCREPANT_PER_PAGE = 50
PEC = Commission.Level.PEC


@dataclass(frozen=True)
class ChildRow:
    """A child commission's row in the drill-down table; `station_id` is set for a PEC."""

    commission: Commission
    station_id: int | None
    official_turnout: Decimal | None
    observer_turnout: Decimal | None
    stations_with_copies: int
    stations_compared: int
    stations_discrepant: int


@dataclass(frozen=True)
class DiscrepantStation:
    """A station whose copy differs from the official protocol, with the differing rows."""

    station: PollingStation
    differences: list[FigureRow]


@dataclass(frozen=True)
class CommissionResults:
    """What a coordinator sees for one commission, except the paged list of discrepant stations."""

    contest: Contest
    commission: Commission
    breadcrumb: list[Commission]
    layout: Layout
    run: ReconciliationRun | None
    snapshot: OfficialSnapshot | None
    observer: Source | None  # the organisation's tally: every station it has a copy of
    official: Source | None  # the snapshot's protocol: every station of the commission
    compared_observer: Source | None  # both sources over the compared stations only
    compared_official: Source | None
    stations_compared: int
    stations_discrepant: int
    votes_moved: dict[str, int]
    children: list[ChildRow]
    comparison_level: str = "none"  # "station", "tec", "region", "nation" or "none"
    coverage: dict[str, Any] = field(default_factory=dict)  # tallies.selectors.copy_coverage
    official_in_regions_with_copies: Source | None = None  # the root only

    @property
    def figure_rows(self) -> list[FigureRow]:
        """Lines and options over the compared stations: observer against official."""
        return self.layout.rows(_figures(self.compared_observer), _figures(self.compared_official))

    @property
    def total_rows(self) -> list[FigureRow]:
        """Lines and options as each source reports them (different station sets)."""
        return self.layout.rows(_figures(self.observer), _figures(self.official))

    @property
    def regions_rows(self) -> list[RegionsRow]:
        """At the root: observer, official over the regions with copies, official national."""
        return regions_rows(self.layout, (self.observer, self.official_in_regions_with_copies, self.official))

    @property
    def share_rows(self) -> list[ShareRow]:
        sources = (self.observer, self.official, self.compared_observer, self.compared_official)
        return share_rows(self.layout, sources, self.votes_moved)


def _figures(source: Source | None) -> Figures | None:
    return source.figures if source else None


@dataclass(frozen=True)
class _Scope:
    organization: Organization
    contest: Contest
    layout: Layout
    run: ReconciliationRun | None
    snapshot: OfficialSnapshot | None


def _scope(organization: Organization, contest: Contest) -> _Scope:
    run = latest_run(organization, contest)
    snapshot = run.snapshot if run else latest_snapshot(contest)
    return _Scope(organization, contest, Layout.of(contest), run, snapshot)


def comparison_level(snapshot: OfficialSnapshot | None, stations_compared: int) -> dict[str, object]:
    """What a results page needs to say the level of its comparison (issue 22).

    `station_level`: the official snapshot holds station protocols; `compared`: some station
    here was compared one by one; `official_level`: the snapshot's level in words.
    """
    level = LEVEL_NAMES.get(snapshot.level, "") if snapshot else ""
    return {
        "station_level": level == "station",
        "compared": stations_compared > 0,
        "official_level": str(LEVELS.get(level, LEVELS["none"])),
    }


def contests_with_data(organization: Organization) -> QuerySet[Contest]:
    """Return the contests the organisation has copies or reconciliation runs for."""
    return (
        Contest.objects.filter(
            Q(pk__in=ProtocolCopy.objects.of(organization).values("contest_id"))
            | Q(pk__in=ReconciliationRun.objects.filter(organization=organization).values("contest_id"))
        )
        .select_related("election")
        .order_by("-election__held_on", "pk")
    )


def root_commission(contest: Contest) -> Commission | None:
    """Return the root of the contest's commission tree (the CEC), or None before any import."""
    return (
        Commission.objects.filter(election_id=contest.election_id, parent__isnull=True)
        .order_by("path")
        .first()
    )


def latest_run(organization: Organization, contest: Contest) -> ReconciliationRun | None:
    """Return the organisation's latest finished reconciliation run of the contest, with its snapshot."""
    runs = ReconciliationRun.objects.filter(
        organization=organization, contest=contest, finished_at__isnull=False
    )
    return runs.select_related("snapshot").order_by("-finished_at", "-id").first()


def breadcrumb(commission: Commission) -> list[Commission]:
    """Return the commission's ancestors, root first (one query)."""
    ancestors = Commission.objects.filter(
        election_id=commission.election_id, path__in=commission.ancestor_paths()
    )
    return sorted(ancestors, key=lambda c: len(c.path))


def commission_results(
    *, organization: Organization, contest: Contest, commission: Commission
) -> CommissionResults:
    """Gather a commission's figures by source, its comparison and its children (fixed query count)."""
    scope = _scope(organization, contest)
    tally = ObserverTally.objects.filter(
        organization=organization, contest=contest, commission=commission
    ).first()
    protocol = _official_protocol(scope.snapshot, commission)
    rollup = scope.run.commissions.filter(commission=commission).first() if scope.run else None
    layout = scope.layout
    compared_observer, compared_official = _compared_sources(layout, rollup)
    return CommissionResults(
        contest=contest,
        commission=commission,
        breadcrumb=breadcrumb(commission),
        layout=layout,
        run=scope.run,
        snapshot=scope.snapshot,
        observer=_source(layout, tally.figures(), tally.stations_count) if tally else None,
        official=_source(layout, protocol.figures(), protocol.stations_count) if protocol else None,
        compared_observer=compared_observer,
        compared_official=compared_official,
        stations_compared=rollup.stations_compared if rollup else 0,
        stations_discrepant=rollup.stations_discrepant if rollup else 0,
        votes_moved=rollup.votes_moved() if rollup else {},
        children=_child_rows(scope, commission),
        comparison_level=LEVEL_NAMES.get(scope.snapshot.level, "none") if scope.snapshot else "none",
        coverage=commission_coverage(
            organization.pk, contest, scope.snapshot, commission, layout.turnout_base_code()
        ),
        official_in_regions_with_copies=_in_regions(scope, commission),
    )


def _in_regions(scope: _Scope, commission: Commission) -> Source | None:
    """At the root: the official figures summed over the regions where the organisation has copies."""
    if commission.parent_id is not None:
        return None
    regions = ObserverTally.objects.filter(
        organization=scope.organization,
        contest=scope.contest,
        commission__parent=commission,
        stations_count__gt=0,
    )
    found = official_in_regions_with_copies(
        scope.snapshot, list(regions.values_list("commission_id", flat=True))
    )
    return _source(scope.layout, found[0], found[1]) if found else None


def _compared_sources(
    layout: Layout, rollup: CommissionReconciliation | None
) -> tuple[Source | None, Source | None]:
    if rollup is None:
        return None, None
    stations = rollup.stations_compared
    return (
        _source(layout, rollup.observer_figures(), stations),
        _source(layout, rollup.official_figures(), stations),
    )


def _official_protocol(snapshot: OfficialSnapshot | None, commission: Commission) -> OfficialProtocol | None:
    return snapshot.protocols.filter(commission=commission).first() if snapshot else None


def _natural_key(commission: Commission) -> list[str | int]:
    """Sort "92" before "120": digits compare as numbers (parts alternate text, number)."""
    return [int(part) if i % 2 else part for i, part in enumerate(re.split(r"(\d+)", commission.code))]


def _child_rows(scope: _Scope, commission: Commission) -> list[ChildRow]:
    children = sorted(commission.children.select_related("station"), key=_natural_key)
    official = _official_turnouts(scope, children)
    observer = _observer_facts(scope, children)
    compared = _compared_facts(scope, children)
    return [
        ChildRow(
            child,
            getattr(getattr(child, "station", None), "pk", None),
            official.get(child.pk),
            *observer.get(child.pk, (None, 0)),
            *compared.get(child.pk, (0, 0)),
        )
        for child in children
    ]


def _line_figures(rows: Iterable[tuple[int, str, int]]) -> dict[int, Figures]:
    lines: dict[int, dict[str, int]] = defaultdict(dict)
    for key, code, value in rows:
        lines[key][code] = value
    return {key: Figures(values) for key, values in lines.items()}


def _official_turnouts(scope: _Scope, children: list[Commission]) -> dict[int, Decimal | None]:
    if scope.snapshot is None:
        return {}
    rows = OfficialFigure.objects.filter(
        protocol__snapshot=scope.snapshot,
        protocol__commission__in=children,
        line_id__in=scope.layout.turnout_line_ids(),
    ).values_list("protocol__commission_id", "line__code", "value")
    return {key: scope.layout.turnout(figures) for key, figures in _line_figures(rows).items()}


def _observer_facts(scope: _Scope, children: list[Commission]) -> dict[int, tuple[Decimal | None, int]]:
    """Observer turnout and stations with copies: tallies above PECs, current copies for PECs."""
    tallies = ObserverTally.objects.filter(
        organization=scope.organization,
        contest=scope.contest,
        commission__in=[child for child in children if child.level != PEC],
    )
    facts = {
        tally.commission_id: (scope.layout.turnout(tally.figures()), tally.stations_count)
        for tally in tallies
    }
    return facts | _station_copy_facts(scope, [child.pk for child in children if child.level == PEC])


def _station_copy_facts(scope: _Scope, pec_ids: list[int]) -> dict[int, tuple[Decimal | None, int]]:
    if not pec_ids:
        return {}
    copies = dict(
        StationTallyState.objects.filter(
            organization=scope.organization,
            contest=scope.contest,
            station__pec_id__in=pec_ids,
            current_copy__isnull=False,
        ).values_list("current_copy_id", "station__pec_id")
    )
    rows = CopyFigure.objects.filter(
        copy_id__in=list(copies), line_id__in=scope.layout.turnout_line_ids()
    ).values_list("copy_id", "line__code", "value")
    figures = _line_figures((copies[copy_id], code, value) for copy_id, code, value in rows)
    return {pec_id: (scope.layout.turnout(figures.get(pec_id, Figures())), 1) for pec_id in copies.values()}


def _compared_facts(scope: _Scope, children: list[Commission]) -> dict[int, tuple[int, int]]:
    """Stations compared and discrepant: roll-ups above PECs, station comparisons for PECs."""
    if scope.run is None:
        return {}
    rollups = scope.run.commissions.filter(commission__in=children).values_list(
        "commission_id", "stations_compared", "stations_discrepant"
    )
    stations = scope.run.stations.filter(
        station__pec__in=[child for child in children if child.level == PEC]
    ).values_list("station__pec_id", "is_discrepant")
    return {key: (compared, discrepant) for key, compared, discrepant in rollups} | {
        pec_id: (1, int(is_discrepant)) for pec_id, is_discrepant in stations
    }


def discrepant_comparisons(results: CommissionResults) -> QuerySet[StationComparison]:
    """Return the run's discrepant stations under the commission, in path order (none without a run)."""
    if results.run is None:
        return StationComparison.objects.none()
    return (
        StationComparison.objects.filter(
            stations_within(results.commission, "station__"), run=results.run, is_discrepant=True
        )
        .select_related("station__pec__parent")
        .order_by("station__pec__path")
    )


def discrepant_stations(
    results: CommissionResults, comparisons: Iterable[StationComparison]
) -> list[DiscrepantStation]:
    """Label each comparison's differing lines (number + label) and options (short name)."""
    return [DiscrepantStation(c.station, results.layout.differences(c.differences)) for c in comparisons]


def discrepant_page(
    results: CommissionResults, page_number: int | str | None, per_page: int = DISCREPANT_PER_PAGE
) -> Page:
    """Return one page of discrepant stations (a bad or too large page number gives the nearest page)."""
    page = Paginator(discrepant_comparisons(results), per_page).get_page(page_number)
    page.object_list = discrepant_stations(results, page.object_list)  # type: ignore[assignment]
    return page
