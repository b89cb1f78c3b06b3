"""Results of one station: the line-by-line comparison and the copy's broken control relations."""

from __future__ import annotations

from dataclasses import dataclass

from elections.models import Commission, Contest, PollingStation
from elections.protocol import Figures
from observers.models import Organization
from tallies.models import (
    ControlFinding,
    OfficialSnapshot,
    ProtocolCopy,
    ReconciliationRun,
    StationTallyState,
)
from tallies.selectors.commission import _figures, _official_protocol, _scope, breadcrumb
from tallies.selectors.layout import ComparedRow, Layout, ShareRow, Source, _source, share_rows


@dataclass(frozen=True)
class FindingRow:
    """A control relation the copy breaks: both sides in votes and lhs − rhs."""

    label: str
    expression: str
    lhs: int
    rhs: int
    difference: int


@dataclass(frozen=True)
class StationResults:
    """One station: the organisation's current copy against the official protocol."""

    contest: Contest
    station: PollingStation
    breadcrumb: list[Commission]
    layout: Layout
    run: ReconciliationRun | None
    snapshot: OfficialSnapshot | None
    copy: ProtocolCopy | None
    observer: Source | None
    official: Source | None
    findings: list[FindingRow]

    @property
    def rows(self) -> list[ComparedRow]:
        """Every line and option: observer, official and official − observer."""
        return self.layout.rows(_figures(self.observer), _figures(self.official))

    @property
    def is_discrepant(self) -> bool | None:
        """Whether any figure differs; None unless both sources are present."""
        if self.observer is None or self.official is None:
            return None
        return any(row.difference for row in self.rows)

    @property
    def share_rows(self) -> list[ShareRow]:
        moved = {
            row.code: row.difference
            for row in self.rows
            if row.kind == "option" and row.difference is not None
        }
        return share_rows(self.layout, (self.observer, self.official), moved)


def station_results(
    *, organization: Organization, contest: Contest, station: PollingStation
) -> StationResults:
    """Gather a station's copy, official protocol and control findings for one organisation."""
    scope = _scope(organization, contest)
    copy = _current_copy(organization, contest, station)
    protocol = _official_protocol(scope.snapshot, station.pec)
    return StationResults(
        contest=contest,
        station=station,
        breadcrumb=breadcrumb(station.pec),
        layout=scope.layout,
        run=scope.run,
        snapshot=scope.snapshot,
        copy=copy,
        observer=_copy_source(scope.layout, copy.figures()) if copy else None,
        official=_source(scope.layout, protocol.figures(), 1) if protocol else None,
        findings=_findings(copy),
    )


def _copy_source(layout: Layout, figures: Figures) -> Source | None:
    """One copy as a source; partial when it lacks a figure of the form (not on the copy)."""
    return _source(layout, figures, 1, partial=int(layout.lacks_any(figures)))


def _current_copy(
    organization: Organization, contest: Contest, station: PollingStation
) -> ProtocolCopy | None:
    states = StationTallyState.objects.filter(organization=organization, contest=contest, station=station)
    state = states.select_related("current_copy__observer").first()
    return state.current_copy if state else None


def _findings(copy: ProtocolCopy | None) -> list[FindingRow]:
    if copy is None:
        return []
    findings = ControlFinding.objects.filter(copy=copy).select_related("relation")
    return [FindingRow(f.relation.label, f.relation.expression, f.lhs, f.rhs, f.difference) for f in findings]
