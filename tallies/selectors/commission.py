"""Results of one commission (any level): both sources, children, discrepant stations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from elections.models import Commission, Contest
from elections.protocol import Figures
from observers.models import Organization
from tallies.models import (
    CommissionReconciliation,
    ObserverTally,
    OfficialProtocol,
    OfficialSnapshot,
    ProtocolCopy,
    ReconciliationRun,
)
from tallies.selectors import station_sets, stored_figures
from tallies.selectors.comparison import LEVELS
from tallies.selectors.comparison_aggregates import LEVEL_NAMES
from tallies.selectors.complete_stations import Basis, from_json, percentages, subsets_of_tallies
from tallies.selectors.copy_coverage import official_in_regions_with_copies
from tallies.selectors.layout import (
    BasisNote,
    ComparedRow,
    Layout,
    RegionsRow,
    ShareRow,
    Source,
    _source,
    basis_notes,
    regions_rows,
    share_rows,
    tally_source,
)
from tallies.selectors.official_percentages import official_turnouts
from tallies.selectors.snapshots import latest_snapshot

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
    # The stations `observer_turnout` is over when some lack a turnout line (None: all of them)
    observer_turnout_basis: Basis | None = None
    official_turnout_basis: Basis | None = None  # the same for a derived official total

    @property
    def observer_turnout_stations(self) -> int | None:
        return self.observer_turnout_basis.stations if self.observer_turnout_basis else None

    @property
    def official_turnout_stations(self) -> int | None:
        return self.official_turnout_basis.stations if self.official_turnout_basis else None


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
    # True when stations changed since the run: its compared totals wait for the next run
    comparison_behind: bool = False
    coverage: dict[str, Any] = field(default_factory=dict)  # copy_coverage's, "as_of" when updating
    official_in_regions_with_copies: Source | None = None  # the root only
    figures_status: str = "none"  # counts and coverage: tallies.selectors.stored_figures.Stored.status
    figures_as_of: datetime | None = None

    @property
    def figure_rows(self) -> list[ComparedRow]:
        """Lines and options over the compared stations: observer against official."""
        return self.layout.rows(_figures(self.compared_observer), _figures(self.compared_official))

    @property
    def total_rows(self) -> list[ComparedRow]:
        """Lines and options as each source reports them (different station sets)."""
        return self.layout.rows(_figures(self.observer), _figures(self.official))

    @property
    def regions_rows(self) -> list[RegionsRow]:
        """At the root: observer, official over the regions with copies, official national."""
        return regions_rows(self.layout, (self.observer, self.official_in_regions_with_copies, self.official))

    @property
    def basis_notes(self) -> list[BasisNote]:
        """The percentages over fewer stations than their source's: some copies or (derived official
        totals) station protocols lack a figure they need; the compared side's hold for both sides."""
        return (
            basis_notes(self.layout, self.observer)
            + basis_notes(self.layout, self.official, "official")
            + basis_notes(self.layout, self.compared_observer, "compared")
        )

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
    children = sorted(commission.children.select_related("station"), key=_natural_key)
    stored = stored_figures.read(organization.pk, contest, scope.run, scope.snapshot, [commission, *children])
    counts, coverage = stored_figures.counts_and_coverage(
        organization.pk, contest, scope.run, scope.snapshot, commission, stored
    )
    rollup = _current_rollup(scope, commission, counts)
    layout = scope.layout
    compared_observer, compared_official = _compared_sources(layout, rollup)
    return CommissionResults(
        contest=contest,
        commission=commission,
        breadcrumb=breadcrumb(commission),
        layout=layout,
        run=scope.run,
        snapshot=scope.snapshot,
        observer=tally_source(layout, tally) if tally else None,
        official=_official_source(layout, protocol),
        compared_observer=compared_observer,
        compared_official=compared_official,
        stations_compared=counts.compared,
        stations_discrepant=counts.discrepant,
        votes_moved=rollup.votes_moved() if rollup else {},
        children=_child_rows(scope, children, stored),
        comparison_level=LEVEL_NAMES.get(scope.snapshot.level, "none") if scope.snapshot else "none",
        comparison_behind=stored_figures.run_behind(stored, scope.run),
        coverage=coverage,
        official_in_regions_with_copies=_in_regions(scope, commission),
        figures_status=stored.status,
        figures_as_of=stored.computed_at,
    )


def _current_rollup(
    scope: _Scope, commission: Commission, counts: station_sets.StationCounts
) -> CommissionReconciliation | None:
    """The run's totals over the compared stations, while they are the stations compared now.

    A station that left the comparison since the run (station_sets.compared) is still in the
    run's totals: those would be totals over other stations than the count says, so none are
    shown until the next run.
    """
    rollup = scope.run.commissions.filter(commission=commission).first() if scope.run else None
    if rollup is None or rollup.stations_compared != counts.compared:
        return None
    return rollup


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
    if found is None:
        return None
    missing, subsets = from_json(found[3])  # over the stations giving every figure, when known
    return _source(scope.layout, found[0], found[1], missing, subsets=subsets)


def _compared_sources(
    layout: Layout, rollup: CommissionReconciliation | None
) -> tuple[Source | None, Source | None]:
    if rollup is None:
        return None, None
    stations = rollup.stations_compared
    found = []
    for side, figures in (("observer", rollup.observer_figures()), ("official", rollup.official_figures())):
        missing, subsets = rollup.percent_bases(side)  # over the stations giving both sides' figures
        found.append(_source(layout, figures, stations, missing, subsets=subsets))
    return found[0], found[1]


def _official_source(layout: Layout, protocol: OfficialProtocol | None) -> Source | None:
    """The snapshot's figures; a derived total's percentages over the stations giving their figures."""
    if protocol is None:
        return None
    missing, subsets = protocol.percent_bases()
    return _source(layout, protocol.figures(), protocol.stations_count, missing, subsets=subsets)


def _official_protocol(snapshot: OfficialSnapshot | None, commission: Commission) -> OfficialProtocol | None:
    return snapshot.protocols.filter(commission=commission).first() if snapshot else None


def _natural_key(commission: Commission) -> list[str | int]:
    """Sort "92" before "120": digits compare as numbers (parts alternate text, number)."""
    return [int(part) if i % 2 else part for i, part in enumerate(re.split(r"(\d+)", commission.code))]


def _child_rows(scope: _Scope, children: list[Commission], stored: stored_figures.Stored) -> list[ChildRow]:
    organization, contest = scope.organization, scope.contest
    official, official_bases = official_turnouts(scope.snapshot, scope.layout, children)
    turnouts, bases = _observer_turnouts(scope, children)
    counts = stored_figures.child_counts(organization.pk, contest.pk, scope.run, children, stored)
    return [
        ChildRow(
            child,
            getattr(getattr(child, "station", None), "pk", None),
            official.get(child.pk),
            turnouts.get(child.pk),
            counts[child.pk].with_copies,
            counts[child.pk].compared,
            counts[child.pk].discrepant,
            bases.get(child.pk),
            official_bases.get(child.pk),
        )
        for child in children
    ]


def _observer_turnouts(
    scope: _Scope, children: list[Commission]
) -> tuple[dict[int, Decimal | None], dict[int, Basis]]:
    """Observer turnout per child: tallies above PECs (over their stations giving every turnout
    line), the counted stations' figures for PECs."""
    tallies = list(
        ObserverTally.objects.filter(
            organization=scope.organization,
            contest=scope.contest,
            commission__in=[child for child in children if child.level != PEC],
            stations_count__gt=0,
        )
    )
    layout = scope.layout
    subsets = subsets_of_tallies(layout, tallies)  # one query, only if some station lacks a line
    found = {
        t.commission_id: percentages(
            layout, t.figures(), t.stations_count, t.missing, subsets.get(t.commission_id)
        )
        for t in tallies
    }
    turnouts = {pk: p.turnout for pk, p in found.items()}
    bases = {pk: p.turnout_basis for pk, p in found.items() if p.turnout_basis and not p.turnout_basis.is_all}
    pecs = [child.pk for child in children if child.level == PEC]
    return turnouts | _station_turnouts(scope, pecs), bases


def _station_turnouts(scope: _Scope, pec_ids: list[int]) -> dict[int, Decimal | None]:
    """PEC id → the turnout of its accepted figures, for the stations with copies (one query)."""
    if not pec_ids:
        return {}
    states = station_sets.with_copies(scope.organization.pk, scope.contest.pk).filter(
        station__pec_id__in=pec_ids
    )
    return {
        pec_id: scope.layout.turnout(Figures(lines))
        for pec_id, lines in states.values_list("station__pec_id", "applied_lines")
    }
