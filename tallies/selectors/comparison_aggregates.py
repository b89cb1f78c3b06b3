"""Observer aggregates against official totals published per region, TEC or nation, with coverage.

Without official station protocols, the finest honest comparison is a commission's observer
tally against its official total, with how much the copies cover (stations, registered voters,
option votes) and a 95 % margin for the observer turnout and shares: quickcount.estimate over the
stations with copies as a sample of the commission's stations (finite-population correction on).
Copies are not a random sample, so the margin covers sampling noise only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from elections.models import Contest, PollingStation
from elections.numbers import percent
from elections.protocol import Figures
from tallies.analysis.quickcount import estimate
from tallies.models import ObserverTally, OfficialProtocol, OfficialSnapshot, StationTallyState
from tallies.selectors.layout import Layout

LEVEL_NAMES = {"PEC": "station", "TEC": "tec", "SEC": "region", "CEC": "nation"}
UNKNOWN_POPULATION = 10**12  # stations; makes the finite-population correction ≈ 1 (off)


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
class ShareComparison:
    """Turnout or an option's share: observer estimate ± margin (pp, 95 %) against the official share."""

    code: str
    observer: Decimal | None
    margin: Decimal | None
    official: Decimal | None
    difference: Decimal | None  # official − observer, percentage points
    outside_margin: bool | None
    stations: int


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


@dataclass(frozen=True)
class _Station:
    path: str
    registered: int | None
    copy: Figures | None


def current_states(organization_id: int, contest: Contest) -> QuerySet[StationTallyState]:
    """The organisation's stations whose accepted figures count in its tallies for the contest."""
    return StationTallyState.objects.counted().filter(
        organization_id=organization_id, contest=contest, current_copy__isnull=False
    )


def aggregate_comparisons(
    organization_id: int, contest: Contest, snapshot: OfficialSnapshot
) -> list[AggregateComparison]:
    """Compare each commission the snapshot publishes with the organisation's tally, in path order."""
    layout = Layout.of(contest)
    protocols = list(snapshot.protocols.filter(is_derived=False).select_related("commission"))
    stations = _stations(organization_id, contest)
    tallies = {
        t.commission_id: t.figures()
        for t in ObserverTally.objects.filter(
            organization_id=organization_id, contest=contest, commission__in=[p.commission for p in protocols]
        )
    }
    return [
        _aggregate(p, stations.get(p.commission.path, []), layout, tallies.get(p.commission_id, Figures()))
        for p in sorted(protocols, key=lambda p: p.commission.path)
    ]


def _stations(organization_id: int, contest: Contest) -> dict[str, list[_Station]]:
    """Every station with its registered voters and counted figures (None: no copy), by ancestor path."""
    counted = current_states(organization_id, contest).values_list(
        "station_id", "applied_lines", "applied_options"
    )
    copies = {station_id: Figures(lines, options) for station_id, lines, options in counted}
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
    """Compare one published commission: coverage, then turnout and each option's share."""
    official, commission = protocol.figures(), protocol.commission
    coverage = _coverage(protocol, stations, official, layout)
    incomplete = _station_list_incomplete(coverage)
    population = UNKNOWN_POPULATION if incomplete else coverage.stations_total
    copies = [s.copy for s in stations if s.copy is not None]
    turnout = _share("turnout", _turnout_pairs(copies, layout), population, layout.turnout(official))
    shares = _shares(copies, layout, population, official)
    level = LEVEL_NAMES[commission.level]
    return AggregateComparison(
        commission.pk, commission.name, level, coverage, turnout, shares, observer, official, incomplete
    )


def _shares(
    copies: list[Figures], layout: Layout, population: int, official: Figures
) -> tuple[ShareComparison, ...]:
    """Each option's share of all option votes: (option votes, option total) per copy."""
    official_shares = layout.shares(official) if official.options else {}
    totals = [sum(copy.options.values()) for copy in copies]
    return tuple(
        _share(
            option.code,
            [(copy.options.get(option.code, 0), total) for copy, total in zip(copies, totals, strict=True)],
            population,
            official_shares.get(option.code),
        )
        for option in layout.options
    )


def _turnout_pairs(copies: list[Figures], layout: Layout) -> list[tuple[int, int]]:
    """(voters who took part, voters on the list) per copy, from the form's turnout lines."""
    base = _base_code(layout)
    numerators = [line.code for line in layout.lines if line.is_turnout_numerator]
    if not base or not numerators:
        return []
    return [(sum(c.lines.get(code, 0) for code in numerators), c.lines.get(base, 0)) for c in copies]


def _share(
    code: str, pairs: list[tuple[int, int]], population: int, official: Decimal | None
) -> ShareComparison:
    """Estimate a share from per-station (part, whole) pairs and set it against the official share."""
    result = estimate(pairs, max(population, len(pairs), 1))
    difference = None if result.share is None or official is None else official - result.share
    outside = (
        None
        if difference is None or result.margin_of_error_95 is None
        else abs(difference) > result.margin_of_error_95
    )
    return ShareComparison(
        code, result.share, result.margin_of_error_95, official, difference, outside, result.n
    )


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
    base = _base_code(layout)
    voters = [s.copy.lines.get(base) if s.registered is None and s.copy else s.registered for s in stations]
    covered = sum(v or 0 for s, v in zip(stations, voters, strict=True) if s.copy is not None)
    if base in official.lines:
        return covered, official.lines[base], "official"
    if stations and None not in voters:
        return covered, sum(v or 0 for v in voters), "app"
    return covered, None, ""


def _base_code(layout: Layout) -> str:
    """The code of the line counting voters on the list ("" when the form has none)."""
    return next((line.code for line in layout.lines if line.is_turnout_base), "")


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
