"""A coalition's pooled count, read: one figure per station from several organisations' accepted figures.

Rule (issue 15, as the seven Kazakh groups pooled their 505 copies in 2021): the pool reads each
member organisation's *accepted* figures (tallies.selectors.accepted: its desk has already settled
its own copies), only from members that agreed to the coalition for its election. A station that
several members cover counts once: a line (or option) on which the members agree is taken; where
they disagree, the latest coalition resolution of that line is taken, else the station is a
**coalition conflict** and stays out of the pooled count until coordinators of the members settle
it (tallies.services.coalitions.resolve_conflict, the write). A member that leaves takes its
figures out of the pool from that moment; published releases never change (they are stored).

Reads only (issue 16): the pool, who pools, whose photos a member sees, the pool against official
station protocols. Observers' identities never cross organisations: the pool names organisations.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from elections.models import Contest, PollingStation
from elections.protocol import Figures
from observers.models import Coalition, CoalitionMember, Organization
from tallies.models import CoalitionResolution, OfficialSnapshot, StationTallyState

Key = tuple[str, str]  # ("lines" | "options", code)


@dataclass(frozen=True)
class PooledStation:
    """A station in the pool: its pooled figures (None while in conflict), who supplied them.

    `conflicts` maps each unresolved (kind, code) to {organisation id: value}.
    """

    station_id: int
    figures: Figures | None
    members: tuple[int, ...]
    conflicts: dict[Key, dict[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Pool:
    """A coalition's pooled stations for one contest, and the members whose figures it holds."""

    coalition: Coalition
    contest: Contest
    members: tuple[Organization, ...]
    stations: dict[int, PooledStation]

    def counted(self) -> dict[int, Figures]:
        """Station id → pooled figures, for every station that counts (no open conflict)."""
        return {pk: s.figures for pk, s in self.stations.items() if s.figures is not None}

    def in_conflict(self) -> list[PooledStation]:
        return [s for s in self.stations.values() if s.conflicts]

    def total(self) -> Figures:
        """The pooled figures summed over the stations that count (votes, voters, ballots)."""
        total = Figures()
        for figures in self.counted().values():
            total = total.plus(figures)
        return total

    def covered_by(self) -> dict[int, int]:
        """Organisation id → stations it supplied figures for (a shared station counts for each)."""
        counts: dict[int, int] = defaultdict(int)
        for station in self.stations.values():
            for member in station.members:
                counts[member] += 1
        return dict(counts)


def pooling_members(coalition: Coalition) -> list[Organization]:
    """The approved organisations of `coalition` that agree to it now (pending and ended seats excluded)."""
    agreed = CoalitionMember.objects.agreed().filter(coalition=coalition)
    return list(
        Organization.objects.approved().filter(pk__in=agreed.values("organization_id")).order_by("name")
    )


def pool(coalition: Coalition, contest: Contest, station_ids: list[int] | None = None) -> Pool:
    """Pool the members' accepted figures for `contest` (only `station_ids` when given).

    Raises ValueError if the contest is not of the coalition's election.
    """
    if contest.election_id != coalition.election_id:
        raise ValueError("the contest is not of the coalition's election")
    members = pooling_members(coalition)
    by_station: dict[int, dict[int, Figures]] = defaultdict(dict)
    states = StationTallyState.objects.counted().filter(
        organization__in=members, contest=contest, current_copy__isnull=False
    )
    resolutions = CoalitionResolution.objects.filter(coalition=coalition, contest=contest)
    if station_ids is not None:
        states = states.filter(station_id__in=station_ids)
        resolutions = resolutions.filter(station_id__in=station_ids)
    for organization_id, station_id, lines, options in states.values_list(
        "organization_id", "station_id", "applied_lines", "applied_options"
    ):
        by_station[station_id][organization_id] = Figures(lines, options)
    resolved = _latest_resolutions(resolutions)
    stations = {
        station_id: _pooled(station_id, supplied, resolved.get(station_id, {}))
        for station_id, supplied in sorted(by_station.items())
    }
    return Pool(coalition, contest, tuple(members), stations)


def _latest_resolutions(rows: QuerySet[CoalitionResolution]) -> dict[int, dict[Key, int]]:
    found: dict[int, dict[Key, int]] = defaultdict(dict)
    for station_id, kind, code, value in rows.order_by("resolved_at", "id").values_list(
        "station_id", "kind", "code", "value"
    ):
        found[station_id][(kind, code)] = value  # the latest wins
    return found


def _pooled(station_id: int, supplied: dict[int, Figures], resolved: dict[Key, int]) -> PooledStation:
    """Agreeing lines are taken, disagreeing ones resolved or left in conflict."""
    values: dict[Key, dict[int, int]] = defaultdict(dict)
    for organization_id, figures in supplied.items():
        for kind, mapping in (("lines", figures.lines), ("options", figures.options)):
            for code, value in mapping.items():
                values[(kind, code)][organization_id] = value
    chosen: dict[Key, int] = {}
    conflicts: dict[Key, dict[int, int]] = {}
    for key, by_member in values.items():
        distinct = set(by_member.values())
        if len(distinct) == 1:
            chosen[key] = distinct.pop()
        elif key in resolved:
            chosen[key] = resolved[key]
        else:
            conflicts[key] = by_member
    members = tuple(sorted(supplied))
    if conflicts:
        return PooledStation(station_id, None, members, conflicts)
    lines = {code: value for (kind, code), value in chosen.items() if kind == "lines"}
    options = {code: value for (kind, code), value in chosen.items() if kind == "options"}
    return PooledStation(station_id, Figures(lines, options), members)


def photo_members(coalition: Coalition, viewer: Organization) -> set[int]:
    """Ids of the members whose protocol photos `viewer` may see: its own, and those whose consent
    includes photos (CoalitionMember.shares_photos); none when `viewer` is not agreed in `coalition`."""
    seats = CoalitionMember.objects.agreed().filter(coalition=coalition)
    if not seats.filter(organization=viewer).exists():
        return set()
    return {viewer.pk, *seats.filter(shares_photos=True).values_list("organization_id", flat=True)}


@dataclass(frozen=True)
class StationComparison:
    """The pool against official station protocols: stations compared and discrepant, votes moved.

    `votes_moved` is official minus pooled, per option, summed over the compared stations only
    (stations that both sources cover); it is empty when no station was compared.
    """

    stations_pooled: int
    stations_compared: int
    stations_discrepant: int
    votes_moved: dict[str, int]


def compare_stations(pooled: Pool, snapshot: OfficialSnapshot) -> StationComparison:
    """Compare each pooled station with its official protocol in a station-level (PEC) snapshot."""
    counted = pooled.counted()
    pecs = dict(PollingStation.objects.filter(pk__in=counted).values_list("pec_id", "pk"))
    protocols = snapshot.protocols.filter(commission_id__in=pecs, is_derived=False)
    layout = snapshot.figure_layout
    official = {
        pecs[pec]: layout.figures(values)
        for pec, values in protocols.values_list("commission_id", "figure_values")
    }
    moved: dict[str, int] = defaultdict(int)
    discrepant = 0
    for station_id, theirs in official.items():
        ours = counted[station_id]
        lines, options = ours.differing(theirs)
        discrepant += bool(lines or options)
        for code, value in theirs.options.items():
            moved[code] += value - ours.options.get(code, 0)
    return StationComparison(len(counted), len(official), discrepant, dict(moved))
