"""Observer aggregates against official totals published per region, TEC or nation, with coverage.

Without official station protocols, the finest honest comparison is a commission's observer
tally against its official total, with how much the copies cover (stations, registered voters,
option votes). The observer turnout and shares carry a 95 % margin only where the copies' design
supports one (tallies.analysis.uncertainty: never from one copy; at least 30 stations in at
least 5 TECs; TECs as clusters with Student's t). Copies are not a random sample, so a margin
covers sampling noise only.

Beside it, the assumption-light figure (issue 22, scope 4): what the official total implies for
the stations the observers did not see — official total minus the observed protocols — on the
one assumption that the observed protocols entered the official total unchanged. The shares,
their margins and the implied figure are computed in tallies.selectors.aggregate_shares.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from elections.models import Contest, PollingStation
from elections.numbers import percent
from elections.protocol import Figures, sum_figures
from tallies.analysis.uncertainty import design_of
from tallies.models import ObserverTally, OfficialProtocol, OfficialSnapshot, StationTallyState
from tallies.selectors import station_sets
from tallies.selectors.aggregate_shares import (
    ShareComparison,
    copies_giving,
    design_of_giving,
    implied_shares,
    option_shares,
    share_comparison,
    turnout_pairs,
)
from tallies.selectors.layout import Layout

LEVEL_NAMES = {"PEC": "station", "TEC": "tec", "SEC": "region", "CEC": "nation"}


@dataclass(frozen=True)
class Coverage:
    """What the copies cover in a commission: stations, registered voters, option votes (percent 0.01).

    `*_source` says where a total comes from: "official" (the file), "app" (the station list in
    the app), "" (unknown).
    """

    stations_with_copies: int
    stations_total: int
    stations_source: str
    stations_percent: Decimal | None
    voters_covered: int
    voters_total: int | None
    voters_source: str
    voters_percent: Decimal | None
    votes_covered: int
    votes_official: int | None
    votes_percent: Decimal | None


@dataclass(frozen=True)
class Uncertainty:
    """The copies' design: stations, TECs among them and TECs in all, why no margin, the quantile."""

    stations: int
    tecs: int
    tecs_total: int
    reasons: tuple[str, ...]
    quantile: Decimal | None


@dataclass(frozen=True)
class Unobserved:
    """What the official total implies for the stations without copies (issue 22, scope 4).

    `stations`: how many (None when the total is unknown); `turnout` and the shares are in
    `ShareComparison.implied`; `consistent` is False when the observed protocols hold more than
    the official total somewhere (then the assumption itself fails).
    """

    stations: int | None
    voters: int | None
    consistent: bool


@dataclass(frozen=True)
class AggregateComparison:
    """One commission whose official figures are published only as a total (region, TEC, nation)."""

    commission_id: int
    name: str
    level: str
    coverage: Coverage
    turnout: ShareComparison
    shares: tuple[ShareComparison, ...]
    observer: Figures
    official: Figures
    station_list_incomplete: bool
    uncertainty: Uncertainty | None = None
    unobserved: Unobserved | None = None


@dataclass(frozen=True)
class _Station:
    path: str
    registered: int | None
    copy: Figures | None

    @property
    def tec(self) -> str:
        """The path of the station's parent commission (its TEC)."""
        return self.path.rsplit("/", 2)[0] + "/"


def current_states(organization_id: int, contest: Contest) -> QuerySet[StationTallyState]:
    """The organisation's stations whose accepted figures count in its tallies for the contest."""
    return station_sets.with_copies(organization_id, contest.pk)


def aggregate_comparisons(
    organization_id: int, contest: Contest, snapshot: OfficialSnapshot
) -> list[AggregateComparison]:
    """Compare each commission the snapshot publishes with the organisation's tally, in path order."""
    protocols = list(snapshot.protocols.filter(is_derived=False).select_related("commission"))
    tallies = {
        t.commission_id: t.figures()
        for t in ObserverTally.objects.filter(
            organization_id=organization_id, contest=contest, commission__in=[p.commission for p in protocols]
        )
    }
    counted = current_states(organization_id, contest).values_list(
        "station_id", "applied_lines", "applied_options"
    )
    copies = {station_id: Figures(lines, options) for station_id, lines, options in counted}
    return _compare(contest, protocols, copies, tallies)


def aggregate_comparisons_of(
    copies: dict[int, Figures], contest: Contest, snapshot: OfficialSnapshot
) -> list[AggregateComparison]:
    """The same comparison for any station figures (a coalition's pool): station id → figures.

    Each commission's observer total is the sum of the figures of its stations.
    """
    protocols = list(snapshot.protocols.filter(is_derived=False).select_related("commission"))
    return _compare(contest, protocols, copies, None)


def _compare(
    contest: Contest,
    protocols: list[OfficialProtocol],
    copies: dict[int, Figures],
    tallies: dict[int, Figures] | None,
) -> list[AggregateComparison]:
    layout = Layout.of(contest)
    stations = _stations(contest, copies)
    found = []
    for protocol in sorted(protocols, key=lambda p: p.commission.path):
        under = stations.get(protocol.commission.path, [])
        if tallies is None:
            observer = sum_figures(s.copy for s in under if s.copy is not None)
        else:
            observer = tallies.get(protocol.commission_id, Figures())
        found.append(_aggregate(protocol, under, layout, observer))
    return found


def _stations(contest: Contest, copies: dict[int, Figures]) -> dict[str, list[_Station]]:
    """Every station with its registered voters and counted figures (None: no copy), by ancestor path."""
    grouped: dict[str, list[_Station]] = defaultdict(list)
    rows = PollingStation.objects.filter(pec__election_id=contest.election_id)
    for pk, path, voters in rows.values_list("pk", "pec__path", "registered_voters"):
        station = _Station(path, voters, copies.get(pk))
        for ancestor in _ancestor_paths(path):
            grouped[ancestor].append(station)
    return grouped


def _ancestor_paths(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]


def _aggregate(
    protocol: OfficialProtocol, stations: list[_Station], layout: Layout, observer: Figures
) -> AggregateComparison:
    """Compare one published commission: coverage, design, then turnout and each option's share."""
    official, commission = protocol.figures(), protocol.commission
    coverage = _coverage(protocol, stations, official, layout)
    incomplete = _station_list_incomplete(coverage)
    copied = [s for s in stations if s.copy is not None]
    design = design_of(s.tec for s in copied)
    tecs_total = len({s.tec for s in stations})
    copies = [(s.tec, s.copy) for s in copied if s.copy is not None]
    implied, consistent = implied_shares(layout, official, [copy for _tec, copy in copies])
    # A partial copy (a figure "not on the copy") counts only in the percentages it gives every
    # figure of; each one's design (stations, TECs: its margin) is over those copies.
    giving_turnout = copies_giving(copies, layout.turnout_keys())
    turnout = share_comparison(
        "turnout",
        turnout_pairs(giving_turnout, layout),
        design_of_giving(giving_turnout, design, copies),
        layout.turnout(official),
        implied.get("turnout"),
    )
    giving_shares = copies_giving(copies, layout.share_keys())
    shares = option_shares(
        giving_shares, layout, design_of_giving(giving_shares, design, copies), official, implied
    )
    level = LEVEL_NAMES[commission.level]
    uncertainty = Uncertainty(design.stations, design.tecs, tecs_total, design.reasons, design.quantile)
    unobserved = _unobserved(coverage, official, incomplete, consistent)
    return AggregateComparison(
        commission.pk,
        commission.name,
        level,
        coverage,
        turnout,
        shares,
        observer,
        official,
        incomplete,
        uncertainty,
        unobserved,
    )


def _unobserved(
    coverage: Coverage, official: Figures, incomplete: bool, consistent: bool
) -> Unobserved | None:
    """The stations and voters without copies, and whether the official total can hold the copies."""
    if not official.lines and not official.options:
        return None
    known = coverage.stations_source and not incomplete
    stations = coverage.stations_total - coverage.stations_with_copies if known else None
    voters = coverage.voters_total - coverage.voters_covered if coverage.voters_total is not None else None
    return Unobserved(stations, voters, consistent)


def _coverage(
    protocol: OfficialProtocol, stations: list[_Station], official: Figures, layout: Layout
) -> Coverage:
    """Stations (the file's count, else the app's list), registered voters and option votes covered."""
    copied = [s.copy for s in stations if s.copy is not None]
    total, source = (
        (protocol.stations_count, "official") if protocol.stations_count else (len(stations), "app")
    )
    total = max(total, len(copied))
    covered, voters_total, voters_source = _voters(stations, official, layout)
    votes = sum(sum(copy.options.values()) for copy in copied)
    votes_official = sum(official.options.values()) or None
    return Coverage(
        len(copied),
        total,
        source,
        percent(len(copied), total),
        covered,
        voters_total,
        voters_source,
        percent(covered, voters_total or 0),
        votes,
        votes_official,
        percent(votes, votes_official or 0),
    )


def _voters(stations: list[_Station], official: Figures, layout: Layout) -> tuple[int, int | None, str]:
    """Registered voters at stations with copies, and in the commission (official, app or unknown).

    A station's registered voters come from the station list, else from its copy's base line
    (voters on the list).
    """
    base = layout.turnout_base_code()
    voters = [s.copy.lines.get(base) if s.registered is None and s.copy else s.registered for s in stations]
    covered = sum(v or 0 for s, v in zip(stations, voters, strict=True) if s.copy is not None)
    if base in official.lines:
        return covered, official.lines[base], "official"
    if stations and None not in voters:
        return covered, sum(v or 0 for v in voters), "app"
    return covered, None, ""


def _station_list_incomplete(coverage: Coverage) -> bool:
    """True when the app's station list is likely short: copies cover far fewer votes than stations.

    Then the station share and the finite-population correction would overstate the precision.
    """
    if (
        coverage.stations_source != "app"
        or coverage.votes_percent is None
        or coverage.stations_percent is None
    ):
        return False
    return coverage.votes_percent * 2 < coverage.stations_percent
