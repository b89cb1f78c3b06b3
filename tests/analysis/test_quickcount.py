"""Quick count: the ratio estimator worked by hand, finite-population correction, sampler, warnings."""

import random
from decimal import Decimal
from fractions import Fraction

import pytest

from tallies.analysis.quickcount import convergence, draw_sample, estimate

# (votes for the option a_i, total votes m_i) at five stations
FIVE_STATIONS = [(60, 100), (45, 90), (70, 140), (30, 60), (55, 110)]


def stations(sizes: dict[str, int]) -> list[tuple[str, str, int]]:
    """Return (station_id, stratum, registered_voters) rows: `sizes[stratum]` stations per stratum."""
    return [(f"{s}{i:04}", s, 1000 + i) for s, count in sizes.items() for i in range(count)]


def test_it_computes_the_ratio_estimate_and_margin_worked_by_hand():
    # p = Σa / Σm = 260 / 500 = 0.52
    # residuals a_i − p·m_i: 60 − 52 = 8; 45 − 46.8 = −1.8; 70 − 72.8 = −2.8; 30 − 31.2 = −1.2;
    #   55 − 57.2 = −2.2 (they sum to 0); squares: 64 + 3.24 + 7.84 + 1.44 + 4.84 = 81.36
    # Σ(...)² / (k − 1) = 81.36 / 4 = 20.34;  m̄ = 500 / 5 = 100, k·m̄² = 5 · 10,000 = 50,000
    # N = 50 stations → f = 5 / 50 = 0.1, 1 − f = 0.9
    # Var = 0.9 / 50,000 · 20.34 = 0.00036612;  √Var = 0.0191342...
    # MOE = 1.96 · 0.0191342 · 100 = 3.7503 → 3.75 percentage points
    result = estimate(FIVE_STATIONS, population_stations=50)

    assert result.share == Decimal("52.00")
    assert result.ratio == Fraction(13, 25)
    assert result.fpc == Fraction(9, 10)
    assert result.variance == Fraction(36612, 100_000_000)
    assert result.margin_of_error_95 == Decimal("3.75")
    assert result.n == 5


def test_it_estimates_turnout_from_voters_who_took_part_and_registered_voters():
    # (took part, registered): p = 1,200 / 2,000 = 60 %
    result = estimate([(300, 500), (450, 700), (450, 800)], population_stations=1000)

    assert result.share == Decimal("60.00")
    assert result.margin_of_error_95 is not None


def test_it_narrows_the_margin_with_the_finite_population_correction():
    # Without the correction (N → ∞): Var = 20.34 / 50,000 = 0.0004068, MOE = 1.96·0.020169·100 = 3.95
    corrected = estimate(FIVE_STATIONS, population_stations=50)
    uncorrected = estimate(FIVE_STATIONS, population_stations=10**15)

    assert uncorrected.margin_of_error_95 == Decimal("3.95")
    assert corrected.margin_of_error_95 < uncorrected.margin_of_error_95
    assert corrected.variance == uncorrected.variance * Fraction(9, 10) / uncorrected.fpc


def test_it_has_no_margin_of_error_when_the_sample_is_the_whole_population():
    result = estimate(FIVE_STATIONS, population_stations=5)

    assert result.fpc == 0
    assert result.variance == 0
    assert result.margin_of_error_95 == Decimal("0.00")


def test_it_gives_no_margin_for_a_single_station_and_refuses_more_stations_than_exist():
    assert estimate([(60, 100)], population_stations=50).margin_of_error_95 is None
    with pytest.raises(ValueError, match="more reported stations"):
        estimate(FIVE_STATIONS, population_stations=4)


def test_it_draws_the_same_sample_from_the_same_seed_whatever_the_input_order():
    population = stations({"north": 600, "south": 300, "east": 100})
    shuffled = population[:]
    random.Random(7).shuffle(shuffled)

    first = draw_sample(population, 50, seed=2026)
    again = draw_sample(shuffled, 50, seed=2026)
    other = draw_sample(population, 50, seed=2027)

    assert first.station_ids == again.station_ids
    assert first.station_ids != other.station_ids
    assert list(first.station_ids) == sorted(first.station_ids)
    assert first.seed == 2026


def test_it_draws_each_stratum_in_proportion_to_its_stations():
    sample = draw_sample(stations({"north": 600, "south": 300, "east": 100}), 50, seed=1)

    assert {s: draw.drawn for s, draw in sample.strata.items()} == {"east": 5, "north": 30, "south": 15}
    assert sample.strata["east"].voters == sum(1000 + i for i in range(100))
    assert len(set(sample.station_ids)) == 50


def test_it_rounds_stratum_sizes_by_largest_remainders():
    # 4 of 10 stations: quotas 2.0, 1.2, 0.8 → floors 2, 1, 0; the one left goes to C (.8)
    sample = draw_sample(stations({"A": 5, "B": 3, "C": 2}), 4, seed=3)

    assert {s: draw.drawn for s, draw in sample.strata.items()} == {"A": 2, "B": 1, "C": 1}


def test_it_draws_a_simple_random_sample_when_not_stratified():
    sample = draw_sample(stations({"A": 50, "B": 50}), 20, seed=5, stratified=False)

    assert len(sample.station_ids) == 20
    assert sum(draw.drawn for draw in sample.strata.values()) == 20
    assert sample.stratified is False


def test_it_refuses_a_sample_larger_than_the_population_or_repeated_stations():
    with pytest.raises(ValueError, match="sample size"):
        draw_sample(stations({"A": 3}), 4, seed=1)
    with pytest.raises(ValueError, match="unique"):
        draw_sample([("1", "A", 10), ("1", "B", 20)], 1, seed=1)


def test_it_reports_the_running_estimate_after_each_report():
    running = convergence(FIVE_STATIONS, population_stations=50)

    assert [e.n for e in running] == [1, 2, 3, 4, 5]
    assert running[0].share == Decimal("60.00") and running[0].margin_of_error_95 is None
    assert running[1].ratio == Fraction(105, 190)
    assert running[-1] == estimate(FIVE_STATIONS, population_stations=50)
