"""Percentages over the stations that give every figure they need (issue 14, partial copies).

Turnout needs the voters on the list and the voters who took part (lines found by their roles:
`Layout.turnout_keys`, elections.roles); the shares need every option's votes
(`Layout.share_keys`: a share is an option's votes over all options' votes). A tally sums each
figure over the stations that give it, so where some counted station lacks one of those figures
the ratio of the tally's sums would divide sums over different stations: not a true number.
The percentage is then taken over the stations that give all its figures, summed from the
stations' applied figures (StationTallyState: exactly what the tallies hold), and it says so
with a `Basis`: "over N of M stations with copies, the others lack line …".

Only observer figures get a basis: a tally knows which figures its stations lack
(ObserverTally.missing), a list of station figures too. Official totals carry none.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection

from elections.protocol import Figures
from tallies.models import ObserverTally

if TYPE_CHECKING:  # layout.py builds its sources with `percentages`
    from tallies.selectors.layout import Layout

PERCENTAGES = ("turnout", "shares")


@dataclass(frozen=True)
class Basis:
    """The stations a percentage is over: `stations` (N) of the `of` (M) counted ones.

    `lacking`: the figures it needs (``lines.<code>``/``options.<code>``) that some of the
    others lack; empty when N = M.
    """

    stations: int
    of: int
    lacking: tuple[str, ...] = ()

    @property
    def is_all(self) -> bool:
        return self.stations == self.of


@dataclass(frozen=True)
class Subset:
    """The sums of one percentage's figures over the `stations` stations that give all of them."""

    figures: Figures
    stations: int


@dataclass(frozen=True)
class Percentages:
    """Turnout and shares (percent, None when unknown) with the stations each is over (None: not known)."""

    turnout: Decimal | None
    shares: dict[str, Decimal | None]
    turnout_basis: Basis | None = None
    shares_basis: Basis | None = None


def needs(layout: Layout) -> dict[str, tuple[str, ...]]:
    """Percentage name → the figure keys it needs (empty when the form cannot give it)."""
    return {"turnout": layout.turnout_keys(), "shares": layout.share_keys()}


def percentages(
    layout: Layout,
    figures: Figures,
    stations: int,
    missing: Collection[str] | Mapping[str, int] | None = None,
    subsets: Mapping[str, Subset] | None = None,
) -> Percentages:
    """Turnout and shares of `figures` summed over `stations` stations.

    `missing` (ObserverTally.missing: key → stations lacking it) None: the stations are not
    known figure by figure (official totals, one protocol): the percentages come from the
    figures as they are, with no basis. Otherwise a percentage whose figures no station lacks
    is over all `stations`; one whose figures some lack is over `subsets[name]` when given
    (`subsets_of_tallies`, `subsets_of_stations`), else unknown (None).
    """
    if missing is None:
        return Percentages(layout.turnout(figures), layout.shares(figures))
    found: dict[str, tuple[Figures, Basis | None]] = {}
    for name, keys in needs(layout).items():
        lacking = tuple(key for key in keys if key in missing and (_count(missing, key) > 0))
        subset = (subsets or {}).get(name)
        if not lacking:
            found[name] = (figures, Basis(stations, stations))
        elif subset is not None:
            found[name] = (subset.figures, Basis(subset.stations, stations, lacking))
        else:
            found[name] = (Figures(), None)
    turnout_figures, turnout_basis = found["turnout"]
    shares_figures, shares_basis = found["shares"]
    turnout = layout.turnout(turnout_figures) if turnout_basis else None
    shares = layout.shares(shares_figures) if shares_basis else dict.fromkeys(layout.shares(Figures()))
    return Percentages(turnout, shares, turnout_basis, shares_basis)


def _count(missing: Collection[str] | Mapping[str, int], key: str) -> int:
    return missing[key] if isinstance(missing, Mapping) else 1


def subsets_of_stations(
    layout: Layout, stations: Sequence[Figures]
) -> tuple[Figures, dict[str, int], dict[str, Subset]]:
    """For station figures (a coalition's pool): their sum, what they lack, each percentage's subset.

    Returns (the sum, key → stations lacking it among the keys some percentage needs,
    percentage name → its Subset).
    """
    total = sum_of(stations)
    missing: dict[str, int] = {}
    subsets: dict[str, Subset] = {}
    for name, keys in needs(layout).items():
        for key in keys:
            lacking = sum(1 for figures in stations if not gives(figures, (key,)))
            if lacking:
                missing[key] = lacking
        giving = [figures for figures in stations if gives(figures, keys)]
        subsets[name] = Subset(_only(sum_of(giving), keys), len(giving))
    return total, missing, subsets


def gives(figures: Figures, keys: Iterable[str]) -> bool:
    """Whether one station's `figures` give every key (``lines.<code>``/``options.<code>``)."""
    return all(code in (figures.lines if kind == "lines" else figures.options) for kind, code in _split(keys))


def sum_of(stations: Iterable[Figures]) -> Figures:
    total = Figures()
    for figures in stations:
        total = total.plus(figures)
    return total


def _only(figures: Figures, keys: Iterable[str]) -> Figures:
    split = list(_split(keys))
    return Figures(
        {code: figures.lines.get(code, 0) for kind, code in split if kind == "lines"},
        {code: figures.options.get(code, 0) for kind, code in split if kind == "options"},
    )


def _split(keys: Iterable[str]) -> Iterable[tuple[str, str]]:
    for key in keys:
        kind, _, code = key.partition(".")
        yield kind, code


def subsets_of_tallies(layout: Layout, tallies: Iterable[ObserverTally]) -> dict[int, dict[str, Subset]]:
    """Commission id → percentage name → Subset, for the tallies where some station lacks a figure
    a percentage needs (one query for all of them; none when no tally does).

    The sums are over the organisation's counted stations under each commission
    (StationTallyState.applied_*: what its tally holds) that give every figure the percentage needs.
    """
    wanted = needs(layout)
    tallies = [t for t in tallies if any(keys and t.lacks_any(keys) for keys in wanted.values())]
    if not tallies:
        return {}
    columns, params = _sum_columns(wanted)
    first = tallies[0]
    query = SUBSETS.format(columns=", ".join(columns))
    with connection.cursor() as cursor:
        cursor.execute(
            query, [*params, [t.commission_id for t in tallies], first.organization_id, first.contest_id]
        )
        rows = cursor.fetchall()
    return {row[0]: _subsets(wanted, row[1:]) for row in rows}


# The counted stations of one organisation and contest under each commission (path prefix).
SUBSETS = """
SELECT c.id, {columns}
FROM elections_commission c
JOIN elections_commission pec ON pec.election_id = c.election_id AND starts_with(pec.path, c.path)
JOIN elections_pollingstation ps ON ps.pec_id = pec.id
JOIN tallies_stationtallystate s ON s.station_id = ps.id
WHERE c.id = ANY(%s) AND s.organization_id = %s AND s.contest_id = %s AND s.is_counted
GROUP BY c.id
"""
COLUMN = {"lines": "s.applied_lines", "options": "s.applied_options"}


def _gives_sql(keys: tuple[str, ...]) -> tuple[str, list[Any]]:
    """SQL: the station's applied figures hold every key; and its parameters."""
    conditions: list[str] = []
    params: list[Any] = []
    for kind in ("lines", "options"):
        codes = [code for k, code in _split(keys) if k == kind]
        if codes:
            conditions.append(f"{COLUMN[kind]} ?& %s::text[]")
            params.append(codes)
    return " AND ".join(conditions) or "TRUE", params


def _sum_columns(wanted: dict[str, tuple[str, ...]]) -> tuple[list[str], list[Any]]:
    """Per percentage: COUNT of the stations giving its figures, then the SUM of each figure there."""
    columns: list[str] = []
    params: list[Any] = []
    for keys in wanted.values():
        condition, condition_params = _gives_sql(keys)
        columns.append(f"COUNT(*) FILTER (WHERE {condition})")
        params += condition_params
        for kind, code in _split(keys):
            columns.append(f"SUM(({COLUMN[kind]} ->> %s)::bigint) FILTER (WHERE {condition})")
            params += [code, *condition_params]
    return columns, params


def _subsets(wanted: dict[str, tuple[str, ...]], values: Sequence[Any]) -> dict[str, Subset]:
    """Read one row of `_sum_columns` back: per percentage, its stations and its figures' sums."""
    found, at = {}, 0
    for name, keys in wanted.items():
        stations, sums = int(values[at]), values[at + 1 : at + 1 + len(keys)]
        at += 1 + len(keys)
        given = [
            (kind, code, int(value or 0)) for (kind, code), value in zip(_split(keys), sums, strict=True)
        ]
        lines = {code: value for kind, code, value in given if kind == "lines"}
        options = {code: value for kind, code, value in given if kind == "options"}
        found[name] = Subset(Figures(lines, options) if stations else Figures(), stations)
    return found


class Bases:
    """Accumulates what `percentages` needs for a sum of units whose figures are known one by one
    (official station protocols summed up the hierarchy, compared stations' totals): per
    percentage, the units' figures where a unit gives all of them, and per needed key the stations
    lacking it. Stored as JSON (`as_json`) beside the sums, read back with `from_json`.

    A unit covers `stations` stations (1 for a station protocol; a region row its stated count).
    A unit of unknown size (0) that lacks a figure leaves that percentage unknown: how many
    stations it is over cannot be said.
    """

    def __init__(self, wanted: Mapping[str, tuple[str, ...]]) -> None:
        self.wanted = wanted
        self.missing: dict[str, int] = {}
        self.subsets: dict[str, Subset | None] = {name: Subset(Figures(), 0) for name in wanted}

    def add(self, figures: Figures, stations: int = 1) -> None:
        """Add one unit's figures (as that unit gives them)."""
        for name, keys in self.wanted.items():
            lacking = [key for key in keys if not gives(figures, (key,))]
            for key in lacking:
                self.missing[key] = self.missing.get(key, 0) + max(stations, 1)
            subset = self.subsets[name]
            if subset is None:
                continue
            if not lacking:
                summed = subset.figures.plus(_only(figures, keys))
                self.subsets[name] = Subset(summed, subset.stations + stations)
            elif not stations:
                self.subsets[name] = None

    def as_json(self) -> dict[str, Any]:
        """{"missing": {key: stations}, "subsets": {name: {"stations", "lines", "options"} | null}}."""
        return {
            "missing": dict(sorted(self.missing.items())),
            "subsets": {
                name: None
                if subset is None
                else {
                    "stations": subset.stations,
                    "lines": dict(subset.figures.lines),
                    "options": dict(subset.figures.options),
                }
                for name, subset in self.subsets.items()
            },
        }


def from_json(data: Mapping[str, Any] | None) -> tuple[dict[str, int] | None, dict[str, Subset]]:
    """(missing, subsets) for `percentages` from `Bases.as_json`; (None, {}) for no record (a
    published protocol, a row stored before bases were kept): its percentages come as they are."""
    if data is None:
        return None, {}
    subsets = {
        name: Subset(Figures(found["lines"], found["options"]), found["stations"])
        for name, found in data.get("subsets", {}).items()
        if found is not None
    }
    return dict(data.get("missing", {})), subsets


def joined(records: Iterable[Mapping[str, Any] | None]) -> dict[str, Any] | None:
    """`Bases.as_json` records of disjoint sets of stations (several regions) joined into one:
    lacking stations and subsets add up. None when any is None (a total as published: what its
    stations lack is not known) or there are none."""
    found: dict[str, Any] = {"missing": {}, "subsets": {}}
    records = list(records)
    if not records or any(record is None for record in records):
        return None
    for record in records:
        assert record is not None
        for key, stations in record.get("missing", {}).items():
            found["missing"][key] = found["missing"].get(key, 0) + stations
        for name, subset in record.get("subsets", {}).items():
            if name in found["subsets"] and found["subsets"][name] is None:
                continue
            if subset is None:
                found["subsets"][name] = None
                continue
            before = found["subsets"].get(name) or {"stations": 0, "lines": {}, "options": {}}
            summed = Figures(before["lines"], before["options"]).plus(
                Figures(subset["lines"], subset["options"])
            )
            found["subsets"][name] = {
                "stations": before["stations"] + subset["stations"],
                "lines": dict(summed.lines),
                "options": dict(summed.options),
            }
    return found
