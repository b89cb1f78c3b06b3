"""Seat allocation for party-list elections, with the electoral rule as data.

Everything is exact: votes are integers, quotas and quotients `Fraction`s; nothing is rounded.
Methods: Hare or Droop quota with largest remainders, D'Hondt or Sainte-Laguë highest averages.

Kazakhstan (Mazhilis, one national district): Constitutional Law "On elections", Art. 97-1 —
the sum of the votes of the lists that passed the threshold divided by the number of mandates is
the "first electoral quotient" (a Hare quota); the law does not quote the remainder rule, largest
remainders reproduce the published 2021 and 2023 seats (domain.md §5.11, §5.12, §6).

Ties. The law does not say how equal remainders (or equal averages) are broken. We break them
deterministically: larger vote total first, then party name in alphabetical order, and report the
parties tied at the last seat in `Allocation.tied`, so a person can see that a lot may be due.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

Method = Literal["hare_largest_remainder", "droop_largest_remainder", "dhondt", "sainte_lague"]
ThresholdBase = Literal["valid_votes", "voters_took_part"]


@dataclass(frozen=True)
class AllocationRule:
    """The arithmetic of a seat allocation: seats to fill, threshold (percent of a base), method.

    A contest's stored seat rule (elections.models.SeatRule, audited) becomes one of these through
    tallies.services.analysis.seats.as_rule; the fixed rules below are the laws' own.

    `next_party_if_single`: if only one list passes, the list with the next-largest vote also takes
    part in the distribution (Art. 97-1.2, 2021 text). `next_party_min_seats`: that list gets at
    least this many seats, taken from the largest list (the 2009 wording in force in 2012: two).
    """

    seats: int
    threshold_percent: Decimal
    threshold_base: ThresholdBase = "valid_votes"
    method: Method = "hare_largest_remainder"
    next_party_if_single: bool = False
    next_party_min_seats: int = 0


# Mazhilis party lists: 98 seats, 7 % of the votes for lists (2007 – May 2021 law).
KZ_MAZHILIS_2021 = AllocationRule(98, Decimal("7"), "valid_votes", "hare_largest_remainder", True)
# Same, with the 2009 wording used in 2012: the admitted second party gets at least two seats.
KZ_MAZHILIS_2012 = AllocationRule(98, Decimal("7"), "valid_votes", "hare_largest_remainder", True, 2)
# Law of 24 May 2021 (first used 2023): 69 list seats, 5 % of the voters who took part.
KZ_MAZHILIS_2023 = AllocationRule(69, Decimal("5"), "voters_took_part", "hare_largest_remainder", True)


@dataclass(frozen=True)
class Distribution:
    """Seats per party from one method, with the quota and remainders of quota methods."""

    seats: dict[str, int]
    quota: Fraction | None
    remainders: dict[str, Fraction]
    tied: tuple[str, ...]


@dataclass(frozen=True)
class Allocation:
    """Result of `allocate`: seats per party (0 when not admitted) and how they came about.

    `threshold` is in the unit of the input (votes, or percent for `allocate_from_shares`);
    `quota` is the votes (or percent) per seat of quota methods, None for divisor methods.
    """

    seats: dict[str, int]
    passed: tuple[str, ...]
    admitted: tuple[str, ...]
    threshold: Fraction
    quota: Fraction | None
    remainders: dict[str, Fraction]
    tied: tuple[str, ...]


def hare_quota(total: Fraction, seats: int) -> Fraction:
    """Return the Hare quota total / seats (votes per seat), exact."""
    return total / seats


def droop_quota(total: Fraction, seats: int) -> Fraction:
    """Return the Droop quota floor(total / (seats + 1)) + 1 (votes per seat)."""
    return Fraction(math.floor(total / (seats + 1)) + 1)


QUOTAS: dict[str, Callable[[Fraction, int], Fraction]] = {
    "hare_largest_remainder": hare_quota,
    "droop_largest_remainder": droop_quota,
}
DIVISORS: dict[str, Callable[[int], int]] = {
    "dhondt": lambda won: won + 1,  # 1, 2, 3, ...
    "sainte_lague": lambda won: 2 * won + 1,  # 1, 3, 5, ...
}


def allocate(
    votes: Mapping[str, int], rule: AllocationRule, voters_took_part: int | None = None
) -> Allocation:
    """Allocate `rule.seats` among parties from their votes; raise ValueError on a missing base."""
    base = _threshold_base(votes, rule, voters_took_part)
    threshold = Fraction(rule.threshold_percent) * base / 100
    return _allocate({party: Fraction(count) for party, count in votes.items()}, threshold, rule)


def allocate_from_shares(shares: Mapping[str, Decimal], rule: AllocationRule) -> Allocation:
    """Allocate seats from published percentages (percent of the rule's threshold base)."""
    weights = {party: Fraction(share) for party, share in shares.items()}
    return _allocate(weights, Fraction(rule.threshold_percent), rule)


def distribute(weights: Mapping[str, Fraction], seats: int, method: Method) -> Distribution:
    """Share `seats` among the given weights (votes) with one method; raise ValueError if all are 0."""
    total = sum(weights.values(), Fraction(0))
    if total <= 0:
        raise ValueError("cannot distribute seats over zero votes")
    if method in QUOTAS:
        return _largest_remainder(weights, seats, QUOTAS[method](total, seats))
    return _highest_averages(weights, seats, DIVISORS[method])


def _threshold_base(votes: Mapping[str, int], rule: AllocationRule, voters_took_part: int | None) -> int:
    valid = sum(votes.values())
    if rule.threshold_base == "valid_votes":
        return valid
    if voters_took_part is None or voters_took_part < valid:
        raise ValueError("voters_took_part is required and must be at least the sum of the votes")
    return voters_took_part


def _allocate(weights: dict[str, Fraction], threshold: Fraction, rule: AllocationRule) -> Allocation:
    ranked = sorted(weights, key=lambda party: (-weights[party], party))
    passed = tuple(party for party in ranked if weights[party] >= threshold)
    admitted = _admitted(ranked, passed, rule)
    result = distribute({party: weights[party] for party in admitted}, rule.seats, rule.method)
    seats = {party: result.seats.get(party, 0) for party in ranked}
    if len(admitted) > len(passed):
        _guarantee_minimum(seats, admitted[-1], rule.next_party_min_seats, admitted[0])
    return Allocation(seats, passed, admitted, threshold, result.quota, result.remainders, result.tied)


def _admitted(ranked: list[str], passed: tuple[str, ...], rule: AllocationRule) -> tuple[str, ...]:
    if not passed:
        raise ValueError("no party passed the threshold")
    if rule.next_party_if_single and len(passed) == 1 and len(ranked) > 1:
        return (*passed, ranked[1])
    return passed


def _guarantee_minimum(seats: dict[str, int], party: str, minimum: int, donor: str) -> None:
    short = minimum - seats[party]
    if short > 0:
        seats[party] += short
        seats[donor] -= short


def _largest_remainder(weights: Mapping[str, Fraction], seats: int, quota: Fraction) -> Distribution:
    quotients = {party: weight / quota for party, weight in weights.items()}
    won = {party: math.floor(quotient) for party, quotient in quotients.items()}
    remainders = {party: quotients[party] - won[party] for party in weights}
    order = sorted(weights, key=lambda party: (-remainders[party], -weights[party], party))
    left = seats - sum(won.values())
    for party in order[:left]:
        won[party] += 1
    return Distribution(won, quota, remainders, _tied_at(order, left, remainders))


def _highest_averages(
    weights: Mapping[str, Fraction], seats: int, divisor: Callable[[int], int]
) -> Distribution:
    won = dict.fromkeys(sorted(weights), 0)  # max() keeps the first of equals: ties go alphabetically
    last = Fraction(0)
    for _ in range(seats):
        party = max(won, key=lambda p: (weights[p] / divisor(won[p]), weights[p]))
        last = weights[party] / divisor(won[party])
        won[party] += 1
    return Distribution(won, None, {}, _tied_average(won, weights, divisor, last))


def _tied_average(
    won: Mapping[str, int], weights: Mapping[str, Fraction], divisor: Callable[[int], int], last: Fraction
) -> tuple[str, ...]:
    waiting = {party for party in won if weights[party] / divisor(won[party]) == last}
    if not waiting:
        return ()
    seated = {party for party in won if won[party] and weights[party] / divisor(won[party] - 1) == last}
    return tuple(sorted(waiting | seated))


def _tied_at(order: list[str], cut: int, key: Mapping[str, Fraction]) -> tuple[str, ...]:
    if 0 < cut < len(order) and key[order[cut - 1]] == key[order[cut]]:
        return tuple(sorted(party for party in order if key[party] == key[order[cut]]))
    return ()
