"""What the copies cover, per commission: the denominators every observer-vs-official figure needs.

For each commission above the stations (issue 22, scope 2 and 6):

- stations with copies out of the stations it has: the official file's count where the file
  states one (a region or TEC total with a ``stations`` column), else the app's station list;
- registered voters at the stations with copies out of all: the official total's line 1
  (voters on the list) where the file has it, else the station list's, else unknown;
- TECs with copies out of its TECs, and regions with copies out of its regions (the hierarchy;
  regions also from the official file).

The app's station list can hold only the observed stations (HAQ's deployment, `load_haq_2021`):
then "505 of 505 stations (100 %)" would be false. When the list's share of stations is more
than twice the copies' share of the official votes, the list is taken as incomplete and the
total is left unknown (None, source "") rather than overstated; the same rule as
tallies.selectors.comparison_aggregates._station_list_incomplete.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from elections.models import Commission, Contest, PollingStation
from elections.numbers import percent
from elections.protocol import Figures
from tallies.models import OfficialProtocol, OfficialSnapshot, StationTallyState
from tallies.selectors import station_sets
from tallies.selectors.complete_stations import joined

PEC, TEC, SEC = Commission.Level.PEC, Commission.Level.TEC, Commission.Level.SEC


@dataclass
class _Tally:
    """Running counts under one commission."""

    stations: int = 0
    stations_with_copies: int = 0
    voters: int = 0
    voters_unknown: bool = False
    voters_covered: int = 0
    votes_covered: int = 0


@dataclass(frozen=True)
class _Official:
    stations: int
    voters: int | None
    votes: int | None


def coverage_by_commission(
    contest: Contest,
    snapshot: OfficialSnapshot | None,
    states: list[StationTallyState],
    base: str,
    under: str = "",
) -> dict[int, dict[str, Any]]:
    """Commission id → its coverage document (see the module docstring), for every non-PEC commission.

    `states` are the counted stations with copies; `base` the code of the line counting voters on
    the list ("" when the form has none); `under` limits the work to one commission's subtree
    (its path; "" for the whole election). Counts are integers, percentages strings (0.01).
    """
    copies = {s.station_id: s.applied_figures() for s in states}
    return coverage_of_figures(contest, snapshot, copies, base, under)


def coverage_of_figures(
    contest: Contest,
    snapshot: OfficialSnapshot | None,
    copies: dict[int, Figures],
    base: str,
    under: str = "",
) -> dict[int, dict[str, Any]]:
    """coverage_by_commission from station id → counted figures, whoever counted them (one
    organisation's accepted figures, or a coalition's pool: tallies.services.coalitions)."""
    commissions = _commissions_under(contest, under)
    tallies, tecs, regions = _walk(contest, commissions, copies, base, under)
    official = _official(snapshot, base, [c.pk for c in commissions])
    return {
        c.pk: _document(c, tallies[c.path], official.get(c.pk), tecs[c.path], regions[c.path])
        for c in commissions
    }


def _commissions_under(contest: Contest, under: str) -> list[Commission]:
    """The contest's commissions above the stations whose path starts with `under`, by path."""
    found = Commission.objects.filter(election_id=contest.election_id, path__startswith=under)
    return list(found.exclude(level=PEC).order_by("path"))


def _walk(
    contest: Contest, commissions: list[Commission], copies: dict[int, Figures], base: str, under: str
) -> tuple[dict[str, _Tally], dict[str, list[int]], dict[str, list[int]]]:
    """Station counts per ancestor path, and [with copies, total] TECs and regions under each."""
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    copied_paths: set[str] = set()
    rows = PollingStation.objects.filter(pec__election_id=contest.election_id, pec__path__startswith=under)
    for pk, path, voters in rows.values_list("pk", "pec__path", "registered_voters"):
        copy = copies.get(pk)
        if voters is None and copy is not None:
            voters = copy.lines.get(base)
        for ancestor in _ancestors(path):
            _count(tallies[ancestor], voters, copy)
            if copy is not None:
                copied_paths.add(ancestor)
    return tallies, *_units(commissions, copied_paths)


def _units(
    commissions: list[Commission], copied_paths: set[str]
) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """[with copies, total] TECs and regions under each commission's path."""
    tecs: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    regions: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c in commissions:
        target = tecs if c.level == TEC else regions if c.level == SEC else None
        if target is None:
            continue
        for ancestor in _ancestors(c.path + "x"):
            if ancestor != c.path:
                target[ancestor][0] += c.path in copied_paths
                target[ancestor][1] += 1
    return tecs, regions


def _count(tally: _Tally, voters: int | None, copy: Figures | None) -> None:
    tally.stations += 1
    tally.voters += voters or 0
    tally.voters_unknown |= voters is None
    if copy is not None:
        tally.stations_with_copies += 1
        tally.voters_covered += voters or 0
        tally.votes_covered += sum(copy.options.values())


def _ancestors(path: str) -> list[str]:
    """ "A/B/C/" → ["A/", "A/B/"]: the commissions above a PEC (or above "A/B/x")."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]


def _official(
    snapshot: OfficialSnapshot | None, base: str, commission_ids: list[int]
) -> dict[int, _Official]:
    """Commission id → the snapshot's stations, voters on the list and option votes (two queries).

    A derived total some of whose station protocols lack voters on the list (or an option's
    votes) sums fewer stations than it covers: that total is unknown (None), never set against
    the copies' stations (OfficialProtocol.bases)."""
    if snapshot is None:
        return {}
    figures = protocol_figures(snapshot, commission_ids)
    found = {}
    for cid, (given, stations, bases) in figures.items():
        lacking: dict[str, int] = (bases or {}).get("missing", {})
        voters = None if lacking.get(f"lines.{base}") else given.lines.get(base)
        whole = given.options and not any(key.startswith("options.") and n for key, n in lacking.items())
        found[cid] = _Official(stations, voters, sum(given.options.values()) if whole else None)
    return found


def protocol_figures(
    snapshot: OfficialSnapshot, commission_ids: list[int]
) -> dict[int, tuple[Figures, int, dict[str, Any] | None]]:
    """Commission id → (official figures, stations stated, OfficialProtocol.bases: None for a
    published row) of the snapshot's protocols (three queries)."""
    protocols = OfficialProtocol.objects.filter(snapshot=snapshot, commission_id__in=commission_ids)
    layout = snapshot.figure_layout
    rows = protocols.values_list("commission_id", "stations_count", "bases", "figure_values")
    return {cid: (layout.figures(values), stations, bases) for cid, stations, bases, values in rows}


def _document(
    commission: Commission, tally: _Tally, official: _Official | None, tecs: list[int], regions: list[int]
) -> dict[str, Any]:
    stations_total, stations_source = _stations_total(tally, official)
    voters_total, voters_source = _voters_total(tally, official)
    return {
        "stations_with_copies": tally.stations_with_copies,
        "stations_total": stations_total,
        "stations_source": stations_source,
        "stations_percent": _text(percent(tally.stations_with_copies, stations_total or 0)),
        "registered_voters_covered": tally.voters_covered,
        "registered_voters_total": voters_total,
        "registered_voters_source": voters_source,
        "registered_voters_percent": _text(percent(tally.voters_covered, voters_total or 0)),
        "votes_covered": tally.votes_covered,
        "votes_official": official.votes if official else None,
        "tecs_with_copies": tecs[0] if commission.level != TEC else None,
        "tecs_total": tecs[1] if commission.level != TEC else None,
        "regions_with_copies": regions[0] if commission.parent_id is None else None,
        "regions_total": regions[1] if commission.parent_id is None else None,
    }


def _stations_total(tally: _Tally, official: _Official | None) -> tuple[int | None, str]:
    """The file's station count, else the app's list unless it looks incomplete; (None, "")."""
    if official and official.stations:
        return max(official.stations, tally.stations_with_copies), "official"
    if not tally.stations or _list_incomplete(tally, official):
        return None, ""
    return tally.stations, "app"


def _voters_total(tally: _Tally, official: _Official | None) -> tuple[int | None, str]:
    if official and official.voters:
        return official.voters, "official"
    if tally.stations and not tally.voters_unknown and not _list_incomplete(tally, official):
        return tally.voters, "app"
    return None, ""


def _list_incomplete(tally: _Tally, official: _Official | None) -> bool:
    """True when the station list's share is over twice the copies' share of the official votes."""
    if official is None or not official.votes or not tally.stations:
        return False
    station_share = percent(tally.stations_with_copies, tally.stations)
    vote_share = percent(tally.votes_covered, official.votes)
    return station_share is not None and vote_share is not None and vote_share * 2 < station_share


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def commission_coverage(
    organization_id: int,
    contest: Contest,
    snapshot: OfficialSnapshot | None,
    commission: Commission,
    base: str,
) -> dict[str, Any]:
    """The coverage document of one commission (see the module docstring) for live pages and the API.

    `base` is the code of the line counting voters on the list (Layout.turnout_base_code()).
    """
    states = station_sets.with_copies(organization_id, contest.pk, commission)
    under = commission.path
    commissions = _commissions_under(contest, under)
    tallies, copied_paths = _tallies_in_sql(contest, states, base, under)
    tecs, regions = _units(commissions, copied_paths)
    official = _official(snapshot, base, [commission.pk])
    return _document(commission, tallies[under], official.get(commission.pk), tecs[under], regions[under])


def coverage_of_every_commission(
    organization_id: int, contest: Contest, snapshot: OfficialSnapshot | None, base: str
) -> dict[int, dict[str, Any]]:
    """commission_coverage of every commission above the stations, from one pass over the
    organisation's stations with copies (the stored figures' refresh: tallies.services.
    stored_figures); a few queries, whatever the number of commissions."""
    states = station_sets.with_copies(organization_id, contest.pk)
    commissions = _commissions_under(contest, "")
    tallies, copied_paths = _tallies_in_sql(contest, states, base, "")
    tecs, regions = _units(commissions, copied_paths)
    official = _official(snapshot, base, [c.pk for c in commissions])
    return {
        c.pk: _document(c, tallies[c.path], official.get(c.pk), tecs[c.path], regions[c.path])
        for c in commissions
    }


# The counts of _walk, summed by PostgreSQL per PEC parent, so that a page does not bring every
# station of the election into Python (5 s at 95,000 stations for the national page).
PARENT_TALLIES = """
WITH copies AS ({states}),
stations AS (
    SELECT parent.path, c.station_id IS NOT NULL AS copied,
        COALESCE(ps.registered_voters::numeric, (c.applied_lines ->> %s)::numeric) AS voters,
        (SELECT SUM(o.value::numeric) FROM jsonb_each_text(c.applied_options) o) AS votes
    FROM elections_pollingstation ps
    JOIN elections_commission pec ON pec.id = ps.pec_id
    JOIN elections_commission parent ON parent.id = pec.parent_id
    LEFT JOIN copies c ON c.station_id = ps.id
    WHERE pec.election_id = %s AND starts_with(pec.path, %s)
)
SELECT path, COUNT(*), COALESCE(SUM(voters), 0), BOOL_OR(voters IS NULL), COUNT(*) FILTER (WHERE copied),
    COALESCE(SUM(voters) FILTER (WHERE copied), 0), COALESCE(SUM(votes) FILTER (WHERE copied), 0)
FROM stations GROUP BY path
"""


def _tallies_in_sql(
    contest: Contest, states: QuerySet[StationTallyState], base: str, under: str
) -> tuple[dict[str, _Tally], set[str]]:
    """_walk's station counts per ancestor path, and the paths with copies, from one query."""
    sql, params = states.values("station_id", "applied_lines", "applied_options").query.sql_with_params()
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    copied_paths: set[str] = set()
    with connection.cursor() as cursor:
        cursor.execute(PARENT_TALLIES.format(states=sql), [*params, base, contest.election_id, under])
        rows = cursor.fetchall()
    for path, stations, voters, unknown, copied, voters_covered, votes_covered in rows:
        for ancestor in _ancestors(path + "x/"):
            tally = tallies[ancestor]
            tally.stations += stations
            tally.voters += int(voters)
            tally.voters_unknown |= unknown
            tally.stations_with_copies += copied
            tally.voters_covered += int(voters_covered)
            tally.votes_covered += int(votes_covered)
            if copied:
                copied_paths.add(ancestor)
    return tallies, copied_paths


def official_in_regions_with_copies(
    snapshot: OfficialSnapshot | None, region_ids: list[int]
) -> tuple[Figures, int, int, dict[str, Any] | None] | None:
    """The official figures summed over the given regions: (figures, stations stated, regions,
    the stations each percentage can be over: complete_stations.joined of the regions' bases).

    Stations are 0 when a region's row does not state them. None without a snapshot or without
    an official row for any of the regions.
    """
    if snapshot is None or not region_ids:
        return None
    found = protocol_figures(snapshot, region_ids)
    if not found:
        return None
    total = Figures()
    for figures, _stations, _bases in found.values():
        total = total.plus(figures)
    known = all(stations for _figures, stations, _bases in found.values())
    stations = sum(stations for _figures, stations, _bases in found.values()) if known else 0
    return total, stations, len(found), joined(bases for _figures, _stations, bases in found.values())
