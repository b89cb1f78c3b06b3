"""Observer turnout and option shares of a commission against the official ones, and what is left.

Each share is estimated from the copies that give every figure it needs (a figure "not on the
copy" is never taken as 0), with a 95 % margin where the copies' design supports one
(tallies.analysis.uncertainty), and set against the official share. `implied_shares` is the
assumption-light figure (issue 22, scope 4): the official total minus the observed protocols.
Used by tallies.selectors.comparison_aggregates for each published commission; percent (0.01).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from elections import roles
from elections.numbers import percent
from elections.protocol import Figures
from tallies.analysis.uncertainty import Design, clustered_share, design_of
from tallies.selectors.complete_stations import gives
from tallies.selectors.layout import Layout


@dataclass(frozen=True)
class ShareComparison:
    """Turnout or an option's share: observer estimate ± margin (pp, 95 %) against the official share.

    `margin` and `outside_margin` are None when the design allows no margin; `difference` is
    None when there is nothing to compare (one copy). `implied` is the share the official total
    implies for the stations without copies (percent), None when it cannot be computed.
    """

    code: str
    observer: Decimal | None
    margin: Decimal | None
    official: Decimal | None
    difference: Decimal | None  # official − observer, percentage points
    outside_margin: bool | None
    stations: int
    implied: Decimal | None = None


Copies = list[tuple[str, Figures]]  # (TEC path, the station's counted figures) per station with a copy


def copies_giving(copies: Copies, keys: tuple[str, ...]) -> Copies:
    """The copies that give every figure of `keys` (a missing figure is never taken as 0)."""
    return [(tec, copy) for tec, copy in copies if gives(copy, keys)]


def design_of_giving(giving: Copies, design: Design, copies: Copies) -> Design:
    """The design of the copies `giving` a figure: `design` (that of all `copies`) when all give it."""
    return design if len(giving) == len(copies) else design_of(tec for tec, _copy in giving)


def option_shares(
    copies: Copies, layout: Layout, design: Design, official: Figures, implied: dict[str, Decimal | None]
) -> tuple[ShareComparison, ...]:
    """Each option's share of all option votes: (TEC, option votes, option total) per copy."""
    official_shares = layout.shares(official) if official.options else {}
    totals = [sum(copy.options.values()) for _tec, copy in copies]
    return tuple(
        share_comparison(
            option.code,
            [
                (tec, copy.options.get(option.code, 0), total)
                for (tec, copy), total in zip(copies, totals, strict=True)
            ],
            design,
            official_shares.get(option.code),
            implied.get(option.code),
        )
        for option in layout.options
    )


def turnout_pairs(copies: Copies, layout: Layout) -> list[tuple[str, int, int]]:
    """(TEC, voters who took part, voters on the list) per copy, from the form's turnout lines."""
    base = _base_code(layout)
    numerators = _numerator_codes(layout)
    if not base or not numerators:
        return []
    return [
        (tec, sum(c.lines.get(code, 0) for code in numerators), c.lines.get(base, 0)) for tec, c in copies
    ]


def _numerator_codes(layout: Layout) -> list[str]:
    return [line.code for line in roles.took_part_lines(layout.lines)]


def share_comparison(
    code: str,
    pairs: list[tuple[str, int, int]],
    design: Design,
    official: Decimal | None,
    implied: Decimal | None,
) -> ShareComparison:
    """Estimate a share from per-station (TEC, part, whole) and set it against the official share."""
    result = clustered_share(pairs, design)
    compared = design.comparable and result.share is not None and official is not None
    difference = (
        official - result.share if compared and official is not None and result.share is not None else None
    )
    outside = None if difference is None or result.margin is None else abs(difference) > result.margin
    return ShareComparison(
        code, result.share, result.margin, official, difference, outside, design.stations, implied
    )


def implied_shares(
    layout: Layout, official: Figures, copies: list[Figures]
) -> tuple[dict[str, Decimal | None], bool]:
    """Turnout and each option's share over the stations without copies: official minus observed.

    Percent (0.01); None where the official total lacks the figure or nothing is left over.
    The flag is False when the observed protocols hold more than the official total (a negative
    remainder): then the one assumption, that they entered it unchanged, cannot hold.
    """
    found: dict[str, Decimal | None] = {}
    consistent = True
    base, numerators = _base_code(layout), _numerator_codes(layout)
    # Official minus observed needs every observed figure: a copy lacking one leaves it unknown.
    if not all(gives(copy, layout.turnout_keys()) for copy in copies):
        base = ""
    if not all(gives(copy, layout.share_keys()) for copy in copies):
        official = Figures(official.lines)
    if base in official.lines and numerators and all(code in official.lines for code in numerators):
        voted = sum(official.lines[code] for code in numerators) - sum(
            c.lines.get(code, 0) for c in copies for code in numerators
        )
        listed = official.lines[base] - sum(c.lines.get(base, 0) for c in copies)
        found["turnout"] = percent(voted, listed) if listed > 0 and voted >= 0 else None
        consistent &= voted >= 0 and listed >= 0
    if official.options:
        left_total = sum(official.options.values()) - sum(sum(c.options.values()) for c in copies)
        for option in layout.options:
            left = official.options.get(option.code, 0) - sum(c.options.get(option.code, 0) for c in copies)
            found[option.code] = percent(left, left_total) if left_total > 0 and left >= 0 else None
            consistent &= left >= 0
    return found, consistent


def _base_code(layout: Layout) -> str:
    """The code of the line counting voters on the list ("" when the form has none)."""
    return layout.turnout_base_code()
