"""Observer aggregates against official totals published per region, TEC or nation, with coverage.

When the official side publishes no station protocols, the finest honest comparison is the
organisation's tally of a commission against that commission's official total. Alongside it:
how much of the commission the copies cover (stations, registered voters, option votes) and a
95 % margin for the observer turnout and shares — tallies.analysis.quickcount.estimate over the
stations with copies, treated as a sample of the commission's stations (finite-population
correction on). Copies are not a random sample, so the margin covers sampling noise only.
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
from tallies.models import CopyFigure, ObserverTally, OfficialProtocol, OfficialSnapshot, StationTallyState
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
    """The organisation's stations that have a copy counting for the contest."""
    return StationTallyState.objects.filter(
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
        _aggregate(p, _under(stations, p.commission.path), layout, tallies.get(p.commission_id, Figures()))
        for p in sorted(protocols, key=lambda p: p.commission.path)
    ]


def _stations(organization_id: int, contest: Contest) -> dict[str, list[_Station]]:
    """Every station of the election with its registered voters and current copy, by ancestor path."""
    copies = dict(current_states(organization_id, contest).values_list("station_id", "current_copy_id"))
    lines: dict[int, dict[str, int]] = defaultdict(dict)
    options: dict[int, dict[str, int]] = defaultdict(dict)
    for copy_id, line, option, value in CopyFigure.objects.filter(copy_id__in=copies.values()).values_list(
        "copy_id", "line__code", "option__code", "value"
    ):
        (lines[copy_id] if line else options[copy_id])[line or option] = value
    grouped: dict[str, list[_Station]] = defaultdict(list)
    rows = PollingStation.objects.filter(pec__election_id=contest.election_id)
    for pk, path, voters in rows.values_list("pk", "pec__path", "registered_voters"):
        copy = Figures(lines[copies[pk]], options[copies[pk]]) if pk in copies else None
        for ancestor in _ancestor_paths(path):
            grouped[ancestor].append(_Station(path, voters, copy))
    return grouped


def _ancestor_paths(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]


def _under(stations: dict[str, list[_Station]], path: str) -> list[_Station]:
    """The stations below the commission at `path` (stations grouped by their ancestors' paths)."""
    return stations.get(path, [])


def _aggregate(
    protocol: OfficialProtocol, stations: list[_Station], layout: Layout, observer: Figures
) -> AggregateComparison:
    official = protocol.figures()
    coverage = _coverage(protocol, stations, official, layout)
    incomplete = _station_list_incomplete(coverage)
    population = UNKNOWN_POPULATION if incomplete else coverage.stations_total
    copies = [s.copy for s in stations if s.copy is not None]
    turnout = _share("turnout", _turnout_pairs(copies, layout), population, layout.turnout(official))
    official_shares = layout.shares(official)
    shares = tuple(
        _share(
            o.code,
            [(c.options.get(o.code, 0), sum(c.options.values())) for c in copies],
            population,
            official_shares[o.code] if official.options else None,
        )
        for o in layout.options
    )
    commission = protocol.commission
    return AggregateComparison(
        commission.pk,
        commission.name,
        LEVEL_NAMES[commission.level],
        coverage,
        turnout,
        shares,
        observer,
        official,
        incomplete,
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

    A station's registered voters come from the station list, else from its copy's base line.
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
