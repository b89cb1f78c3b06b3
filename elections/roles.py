"""What the lines of a protocol form are for, read from their roles (ProtocolLine.Role).

Turnout, the seat threshold's "voters who took part" and the discrepancy classes read these
functions instead of line codes: a new form only has to say each line's role. The voters who took
part are the line whose role is ``took_part`` if the form has one (Kazakhstan, line 10), else the
sum of the ``ballots_issued`` lines (Russia 2011, lines 3 + 4 + 5). A form defined without any
role (before roles existed) falls back to its turnout flags and, for the ballots in the boxes, to
the codes in LEGACY_BOX_CODES.
"""

from __future__ import annotations

from collections.abc import Iterable

from elections.models import ProtocolLine

Role = ProtocolLine.Role
LEGACY_BOX_CODES = ("ballots_in_boxes", "ballots_in_stationary_boxes", "ballots_in_portable_boxes")


def has_roles(lines: Iterable[ProtocolLine]) -> bool:
    return any(line.role for line in lines)


def base_line(lines: Iterable[ProtocolLine]) -> ProtocolLine | None:
    """The line counting the voters on the list (turnout's denominator), None if the form has none."""
    lines = list(lines)
    if has_roles(lines):
        return next((line for line in lines if line.role == Role.REGISTERED), None)
    return next((line for line in lines if line.is_turnout_base), None)


def took_part_lines(lines: Iterable[ProtocolLine]) -> list[ProtocolLine]:
    """The lines whose sum is the voters who took part (turnout's numerator; the seat threshold base)."""
    lines = list(lines)
    if not has_roles(lines):
        return [line for line in lines if line.is_turnout_numerator]
    took_part = [line for line in lines if line.role == Role.TOOK_PART]
    return took_part[:1] or [line for line in lines if line.role == Role.BALLOTS_ISSUED]


def turnout_lines(lines: Iterable[ProtocolLine]) -> list[ProtocolLine]:
    """Every line a turnout discrepancy is about: the base, the voters who took part, the ballots in
    the boxes (the discrepancy class "turnout", tallies.selectors.discrepancies)."""
    lines = list(lines)
    base = base_line(lines)
    found = {line.pk for line in took_part_lines(lines)} | ({base.pk} if base else set())
    if has_roles(lines):
        found |= {line.pk for line in lines if line.role in (Role.BALLOTS_IN_BOXES, Role.TOOK_PART)}
    else:
        found |= {line.pk for line in lines if line.code in LEGACY_BOX_CODES}
    return [line for line in lines if line.pk in found]
