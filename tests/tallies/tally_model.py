"""The test's own statement of which figures count, to hold the tallies against (no tests here).

It restates tallies.selectors.accepted from its docstring, on what a test knows it stored: a
station's current copies out of quarantine count; a line they agree on is accepted, a line they
disagree on takes the coordinator's latest resolution, else the station is left out. A copy may
lack figures (marked "not on the copy"): a line is then judged on the copies that give it, and a
tally sums each figure over the stations giving it and counts, per figure, the stations lacking it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from elections.models import Contest
from tallies.models import ObserverTally


@dataclass
class Model:
    """What the test knows was stored: each copy's organisation, station and figures."""

    copies: dict[int, tuple[int, int, dict[str, int]]] = field(default_factory=dict)
    superseded: set[int] = field(default_factory=set)
    held: set[int] = field(default_factory=set)  # copies in quarantine now
    resolved: dict[tuple[int, int, str], int] = field(default_factory=dict)  # latest per line

    def countable(self, organization: int, station: int) -> dict[int, dict[str, int]]:
        """The station's current copies out of quarantine: copy id → figures."""
        return {
            pk: values
            for pk, (org, at, values) in self.copies.items()
            if (org, at) == (organization, station) and pk not in self.superseded | self.held
        }

    def accepted(self, organization: int, station: int) -> dict[str, int] | None:
        """The rule of tallies.selectors.accepted, stated again: agreement, else the resolution."""
        countable = self.countable(organization, station).values()
        accepted = {}
        for code in {code for values in countable for code in values}:
            given = {values[code] for values in countable if code in values}
            if len(given) > 1 and (organization, station, code) not in self.resolved:
                return None
            accepted[code] = given.pop() if len(given) == 1 else self.resolved[organization, station, code]
        return accepted or None

    def disputed(self, codes: list[str]) -> list[tuple[int, int, str]]:
        """(organisation, station, code) of every line that a station's countable copies disagree on."""
        return sorted(
            (org, at, code)
            for org, at in {(org, at) for org, at, _ in self.copies.values()}
            for code in codes
            if len({values[code] for values in self.countable(org, at).values() if code in values}) > 1
        )

    def tallies(self, above: dict[int, list[int]], expected: set[str]) -> dict:
        """What every tally should hold, in the shape of `tallies`; `above`: station → commissions,
        `expected`: every figure of the form ("lines.<code>", "options.<code>")."""
        totals: dict = defaultdict(lambda: (defaultdict(int), [], defaultdict(int), []))
        for organization, station in {(org, at) for org, at, _ in self.copies.values()}:
            accepted = self.accepted(organization, station)
            for commission in above[station] if accepted else []:
                sums, stations, missing, partial = totals[organization, commission]
                stations.append(station)
                for code, value in accepted.items():
                    sums[code] += value
                for code in expected - accepted.keys():
                    missing[code] += 1
                partial += [station] if expected - accepted.keys() else []
        return {
            key: (dict(sums), len(stations), dict(missing), len(partial))
            for key, (sums, stations, missing, partial) in totals.items()
        }


def tallies(contest: Contest) -> dict:
    """Every tally of the contest holding anything: (organisation, commission) → (totals, stations,
    stations lacking each figure, partial stations)."""
    return {
        (t.organization_id, t.commission_id): (
            coded(t.line_totals, t.option_totals),
            t.stations_count,
            t.missing,
            t.partial_stations,
        )
        for t in ObserverTally.objects.filter(contest=contest)
        if t.stations_count or any(t.line_totals.values()) or any(t.option_totals.values())
    }


def coded(lines: dict[str, int], options: dict[str, int]) -> dict[str, int]:
    return {**{f"lines.{k}": v for k, v in lines.items()}, **{f"options.{k}": v for k, v in options.items()}}
