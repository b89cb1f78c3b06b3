"""Exact arithmetic for percentages: the one place where anything is rounded.

Counts are integers (votes, voters). Percentages are `Decimal`, computed from integers and
rounded half-up to 0.01 here and nowhere else; they are never stored.
"""

from decimal import ROUND_HALF_UP, Decimal

PERCENT_QUANTUM = Decimal("0.01")


def percent(part: int, whole: int) -> Decimal | None:
    """Return 100 × part / whole in percent, rounded half-up to 0.01; None when whole is 0."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT_QUANTUM, ROUND_HALF_UP)


def percent_points(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    """Return a − b in percentage points, or None when either side is unknown."""
    if a is None or b is None:
        return None
    return a - b
