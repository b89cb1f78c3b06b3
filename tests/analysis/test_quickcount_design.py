"""Quick count by design: stratified ratio estimators worked by hand, collapsed strata, non-response."""

from decimal import Decimal
from fractions import Fraction

import pytest

from tallies.analysis.quickcount import Sample, StratumDraw, draw_sample, estimate
from tallies.analysis.quickcount_design import assess, collapse, estimate_share, group


def sample_of(strata: dict[str, tuple[int, int, list[str]]], stratified: bool = True) -> Sample:
    """A Sample from {stratum: (stations, registered voters, drawn station ids)}."""
    draws = {s: StratumDraw(stations, voters, len(ids)) for s, (stations, voters, ids) in strata.items()}
    stratum_of = {i: s for s, (_, _, ids) in strata.items() for i in ids}
    population = sum(stations for stations, _, _ in strata.values())
    return Sample(tuple(sorted(stratum_of)), 1, stratified, population, draws, stratum_of)


# Stratum A: 10 stations, reports (y, x) = (30, 100), (50, 100); stratum B: 20 stations, reports
# (10, 50), (20, 50), (30, 100).
TWO_STRATA = sample_of({"A": (10, 20_000, ["a1", "a2"]), "B": (20, 20_000, ["b1", "b2", "b3"])})
REPORTS = {"a1": (30, 100), "a2": (50, 100), "b1": (10, 50), "b2": (20, 50), "b3": (30, 100)}


def test_it_weights_each_strata_share_by_its_estimated_valid_votes():
    # Ŷ = 10·(80/2) + 20·(60/3) = 400 + 400 = 800;  X̂ = 10·(200/2) + 20·(200/3) = 7,000/3
    # R = 800 / (7,000/3) = 12/35 = 34.29 %. Weighting by registered voters (equal here) would give
    # ½·(80/200) + ½·(60/200) = 35.00 %: the stratum with fewer valid votes would count too much.
    # Residuals d = y − R·x.  A: −150/35, 550/35 → s² = 200, f = 2/10: 10²·0.8/2·200 = 8,000
    # B: −250/35, 100/35, −150/35 → mean −100/35, s² = (150² + 200² + 50²)/35²/2 = 1,300/49,
    #    f = 3/20: 20²·(17/20)/3·1,300/49 = 442,000/147
    # v = (8,000 + 442,000/147) / (7,000/3)² ;  √v = 0.04496 → 1.96·4.496 = 8.81 points
    assessment = assess(TWO_STRATA, REPORTS)
    result = estimate_share(TWO_STRATA, assessment, REPORTS)

    assert assessment.method == "stratified"
    assert result.ratio == Fraction(12, 35)
    assert result.share == Decimal("34.29")
    assert result.variance == (8_000 + Fraction(442_000, 147)) / Fraction(7_000, 3) ** 2
    assert result.margin_of_error_95 == Decimal("8.81")


def test_it_keeps_the_pooled_estimator_for_a_simple_random_sample():
    sample = sample_of(
        {"A": (10, 20_000, ["a1", "a2"]), "B": (20, 20_000, ["b1", "b2", "b3"])}, stratified=False
    )

    result = estimate_share(sample, assess(sample, REPORTS), REPORTS)

    assert result == estimate(REPORTS.values(), population_stations=30)


def test_it_collapses_a_stratum_with_one_report_into_the_next_and_the_last_into_the_one_before():
    sample = sample_of(
        {
            "A": (10, 100, ["a1"]),
            "B": (10, 100, ["b1", "b2"]),
            "C": (10, 100, ["c1", "c2"]),
            "D": (10, 100, ["d1"]),
        }
    )
    reports = dict.fromkeys(["a1", "b1", "b2", "c1", "c2", "d1"], (5, 10))

    strata, groups = collapse(group(sample, reports))

    assert groups == (("A", "B"), ("C", "D"))
    assert [(s.stations, len(s.reports)) for s in strata] == [(20, 3), (20, 3)]
    assert assess(sample, reports).collapsed == groups
    # one report in a region is a note on the method, not a warning (only the sample's size is)
    assert [w.code for w in assess(sample, reports).warnings] == ["few_stations"]


def test_it_refuses_to_estimate_when_regions_with_a_material_share_of_voters_have_not_reported():
    sample = sample_of(
        {"A": (50, 90_000, ["a1", "a2", "a3"]), "B": (50, 4_000, ["b1", "b2"]), "C": (5, 6_000, ["c1"])}
    )
    reports = dict.fromkeys(["a1", "a2", "a3", "b1", "b2"], (5, 10))  # C: 6 % of the voters, silent

    assessment = assess(sample, reports)
    result = estimate_share(sample, assessment, reports)

    assert assessment.refused
    assert [(w.code, w.strata, w.share_of_voters) for w in assessment.warnings] == [
        ("refused", ("C",), Decimal("6.00"))
    ]
    assert result.share is None and result.margin_of_error_95 is None


def test_it_warns_about_silent_regions_between_one_and_five_percent_of_voters_and_estimates():
    sample = sample_of(
        {"A": (50, 97_000, ["a1", "a2", "a3"]), "B": (50, 1_000, ["b1", "b2"]), "C": (5, 2_000, ["c1"])}
    )
    reports = dict.fromkeys(["a1", "a2", "a3", "b1", "b2"], (5, 10))

    assessment = assess(sample, reports)

    assert not assessment.refused
    assert ("unreported_strata", ("C",), Decimal("2.00")) in [
        (w.code, w.strata, w.share_of_voters) for w in assessment.warnings
    ]
    assert estimate_share(sample, assessment, reports).share == Decimal("50.00")


def test_it_raises_no_warning_for_a_complete_report_even_with_one_station_regions():
    population = [(f"a{i:03}", "A", 1000) for i in range(400)] + [(f"b{i:03}", "B", 1000) for i in range(400)]
    population += [(f"c{i:03}", "C", 1000) for i in range(8)]  # one station drawn from C
    sample = draw_sample(population, 101, seed=1)

    assert sample.strata["C"].drawn == 1
    assert assess(sample, sample.station_ids).warnings == ()


def test_it_detects_response_that_differs_between_regions_beyond_chance():
    population = [(f"a{i:03}", "A", 1000) for i in range(500)] + [(f"b{i:03}", "B", 1000) for i in range(500)]
    sample = draw_sample(population, 200, seed=3)
    from_a = [i for i in sample.station_ids if sample.stratum_of[i] == "A"]
    from_b = [i for i in sample.station_ids if sample.stratum_of[i] == "B"]

    uneven = assess(sample, from_a[:90] + from_b[:30])  # 90 % against 30 %
    even = assess(sample, from_a[:80] + from_b[:78])  # 80 % against 78 %: chance

    assert "differential_response" in [w.code for w in uneven.warnings]
    assert uneven.response is not None and uneven.response.p_value < Decimal("0.01")
    assert "differential_response" not in [w.code for w in even.warnings]


def test_it_post_stratifies_a_simple_random_sample_whose_response_differs_between_regions():
    population = [(f"a{i:03}", "A", 1000) for i in range(500)] + [(f"b{i:03}", "B", 1000) for i in range(500)]
    sample = draw_sample(population, 200, seed=3, stratified=False)
    from_a = [i for i in sample.station_ids if sample.stratum_of[i] == "A"]
    from_b = [i for i in sample.station_ids if sample.stratum_of[i] == "B"]
    # Region A votes 70 % for the option, B 30 %: the truth is 50 %.
    reports = {i: (70, 100) for i in from_a[: len(from_a) * 9 // 10]}
    reports |= {i: (30, 100) for i in from_b[: len(from_b) * 3 // 10]}

    assessment = assess(sample, reports)
    result = estimate_share(sample, assessment, reports)
    pooled = estimate(reports.values(), population_stations=1000)

    assert assessment.method == "post_stratified"
    assert pooled.share > Decimal("55")  # whoever reported, pooled: A counts three times as much
    assert abs(result.share - Decimal(50)) < Decimal("1")


def test_it_refuses_results_from_stations_outside_the_sample():
    with pytest.raises(ValueError, match="outside the sample"):
        assess(TWO_STRATA, {"z9": (1, 2)})
