"""When copies may carry a margin, and how wide: tallies.analysis.uncertainty (issue 22, scope 3)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tallies.analysis.uncertainty import MIN_STATIONS, MIN_TECS, clustered_share, design_of, t_975


def test_students_t_is_used_for_few_degrees_of_freedom_and_never_narrower_between_rows():
    assert t_975(1) == Decimal("12.706") and t_975(4) == Decimal("2.776")
    assert t_975(35) == t_975(30) == Decimal("2.042")  # 35 is not tabulated: the wider 30's
    assert t_975(10_000) == Decimal("1.980")
    with pytest.raises(ValueError):
        t_975(0)


@pytest.mark.parametrize(
    ("tecs", "reasons"),
    [
        (["A"], ("one_copy",)),
        (["A"] * 4, ("few_stations", "few_tecs")),  # Karaganda: 4 copies of one TEC
        (["A"] * 70, ("few_tecs",)),  # West Kazakhstan: 70 copies, all in one of its 12 TECs
        ([f"T{i % 4}" for i in range(40)], ("few_tecs",)),
        ([f"T{i % 5}" for i in range(29)], ("few_stations",)),
        ([f"T{i % 5}" for i in range(30)], ()),
    ],
)
def test_a_margin_needs_thirty_stations_in_five_tecs(tecs, reasons):
    design = design_of(tecs)

    assert design.reasons == reasons and design.has_margin is (not reasons)
    assert design.comparable is (len(tecs) > 1)
    assert (MIN_STATIONS, MIN_TECS) == (30, 5)


def test_clustered_copies_widen_the_margin_worked_out_by_hand():
    # Five TECs of six stations each; every station of a TEC alike: 50, 55, 45, 60, 40 of 100 votes.
    pairs = [(f"T{t}", a, 100) for t, a in enumerate((50, 55, 45, 60, 40)) for _ in range(6)]
    design = design_of(tec for tec, _a, _m in pairs)

    result = clustered_share(pairs, design)

    # TEC totals 300, 330, 270, 360, 240 of 600; p = 0.5; residuals 0, ±30, ±60, Σ² = 9000;
    # Var = 1 / (5 · 600²) · 9000 / 4 = 0.00125; MOE = t(4) 2.776 · 0.035355 · 100 = 9.81 points.
    assert (result.share, result.margin) == (Decimal("50.00"), Decimal("9.81"))
    # As 30 independent stations with 1.96 it would have been 2.57 points: four times too sure.


def test_no_margin_below_the_design_minimum():
    pairs = [("T1", 40, 100), ("T1", 60, 100), ("T1", 50, 100), ("T1", 30, 100)]

    result = clustered_share(pairs, design_of(tec for tec, _a, _m in pairs))

    assert result.share == Decimal("45.00") and result.margin is None
