"""Election forensics: distribution functions, the fingerprint, integer percentages, last digits, outliers.

The integer-percentage tests run on generated elections (honest, then with stuffing) and, marked slow,
on the official Russian station protocols: 2011 pins the figures of Kobak, Shpilkin & Pshenichnikov's
method on this file (loaded once per test session), 2018 and 2021 show the same kind of excess.
"""

import functools
import math
import os
import random
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from django.conf import settings

from elections.generator import plan_election
from tallies.analysis import loaders
from tallies.analysis.forensics import (
    MAX_SLOPE_BIAS,
    chi_square_sf,
    fingerprint,
    gamma_q,
    last_digit_test,
    last_digit_tests,
    normal_sf,
    outliers_by_group,
    slope_bias,
)
from tallies.analysis.integers import (
    StationFigures,
    hits_near,
    integer_percent_excess,
    integer_percent_tests,
    is_integer_percent,
)


def test_it_computes_the_incomplete_gamma_against_closed_forms():
    for x in (0.1, 0.5, 1.0, 2.5, 7.0, 30.0):
        assert gamma_q(1, x) == pytest.approx(math.exp(-x), rel=1e-12)  # Q(1, x) = e^−x
        assert gamma_q(0.5, x) == pytest.approx(math.erfc(math.sqrt(x)), rel=1e-10)  # Q(½, x) = erfc √x
        assert chi_square_sf(2 * x, 2) == pytest.approx(math.exp(-x), rel=1e-12)


def test_it_computes_chi_square_and_normal_tails_at_known_critical_values():
    assert chi_square_sf(3.841458820694124, 1) == pytest.approx(0.05, rel=1e-9)
    assert chi_square_sf(16.918977604620448, 9) == pytest.approx(0.05, rel=1e-9)
    assert chi_square_sf(21.665994333461924, 9) == pytest.approx(0.01, rel=1e-9)
    assert chi_square_sf(0, 9) == 1.0
    assert normal_sf(1.959963984540054) == pytest.approx(0.025, rel=1e-12)


def test_it_bins_stations_by_turnout_and_leader_share():
    stations = [((500, 1000), (300, 500)), ((999, 1000), (1, 3)), ((100, 100), (100, 100)), ((5, 0), (1, 5))]

    result = fingerprint(stations)

    assert result.stations == 3  # the station without voters is skipped
    assert result.counts[50][60] == 1
    assert result.counts[99][33] == 1
    assert result.counts[100][100] == 1  # the "100 % / 100 %" corner
    assert sum(map(sum, result.counts)) == 3
    assert "PNAS" in result.reference


def test_it_recognises_integer_percentages_exactly_with_the_bounds_included():
    assert is_integer_percent(600, 1000)  # 60 %
    assert is_integer_percent(1209, 2015)  # 59.9999... %
    assert is_integer_percent(1201, 2000)  # 60.05 %: on the bound, which counts (the paper)
    assert is_integer_percent(1199, 2000)  # 59.95 %
    assert not is_integer_percent(12011, 20000)  # 60.055 %
    assert not is_integer_percent(601, 1000)  # 60.1 %
    assert is_integer_percent(1000, 1000) and is_integer_percent(0, 1000)  # 100 % and 0 % are whole
    assert not is_integer_percent(1, 3)  # 33.33 %
    assert is_integer_percent(601, 1000, window=Fraction(1, 5))


def test_it_lists_the_numerators_on_a_whole_percent_with_the_bounds_included():
    assert list(hits_near(60, 2000, Fraction(1, 20))) == [1199, 1200, 1201]
    assert list(hits_near(0, 2000, Fraction(1, 20))) == [0, 1]
    assert list(hits_near(100, 2000, Fraction(1, 20))) == [1999, 2000]
    for n in (101, 997, 2000, 3001):
        hits = [k for j in range(101) for k in hits_near(j, n, Fraction(1, 20))]
        assert hits == [k for k in range(n + 1) if is_integer_percent(k, n)]


def test_it_applies_the_papers_inclusion_rule():
    assert StationFigures(100, 50, 50, 25).is_included
    assert not StationFigures(99, 50, 50, 25).is_included  # fewer than 100 voters
    assert not StationFigures(1000, 500, 0, 0).is_included  # no ballot in the boxes
    assert StationFigures(1000, 990, 990, 980).is_included  # 99 % and 98.99 %: kept
    assert not StationFigures(1000, 991, 991, 500).is_included  # turnout 99.1 %
    assert not StationFigures(1000, 600, 600, 595).is_included  # leader 99.2 %: out of both tests


def honest_figures(stations: int = 20_000, seed: int = 2016) -> list[StationFigures]:
    """Stations of a generated honest election (elections.generator), as the paper reads them."""
    plan = plan_election(seed=seed, stations=stations, falsify=Decimal(0), copies=Decimal(0))
    return [
        StationFigures(
            s.honest.lines["voters_on_list"],
            sum(s.honest.lines[f"ballots_issued_{w}"] for w in ("early", "in_station", "outside")),
            s.honest.lines["ballots_invalid"] + s.honest.lines["ballots_valid"],
            max(s.honest.options.values()),
        )
        for s in plan
    ]


@functools.cache
def honest_results():
    figures = honest_figures()
    return figures, integer_percent_tests(figures, seed=1)


def test_it_finds_no_integer_excess_in_a_generated_honest_election():
    figures, result = honest_results()

    assert result.stations == len(figures) - result.excluded > 19_000
    for test in (result.turnout, result.leader, result.combined):
        assert test.p_value_monte_carlo > 0.01 and test.p_value > 0.01
        assert abs(test.excess) < 3 * test.sd
        assert test.simulated_mean == pytest.approx(test.expected, abs=4 * test.sd / math.sqrt(1_000))
    assert result.simulations == 1_000 and result.seed == 1
    assert "Annals of Applied Statistics" in result.reference


def test_it_finds_no_last_digit_lead_in_a_generated_honest_election():
    plan = plan_election(seed=2016, stations=20_000, falsify=Decimal(0), copies=Decimal(0))
    options = {code: [s.honest.options[code] for s in plan] for code in plan[0].honest.options}

    found = {test.option: test for test in last_digit_tests(options)}

    assert found["p6_UR"].applies  # the large party's counts are spread evenly: the test runs
    assert found["p3_Patriots"].reason == "few counts"  # a 1 % party hardly reaches 100 votes
    tested = [test for test in found.values() if test.applies]
    assert all(test.p_value > 0.001 / len(tested) for test in tested)


def stuff(figures: list[StationFigures], share: Fraction, seed: int = 1) -> list[StationFigures]:
    """Rewrite `share` of the stations' issued ballots so that turnout is the nearest whole percent."""
    rng = random.Random(seed)
    stuffed = figures[:]
    for i in rng.sample(range(len(stuffed)), int(len(stuffed) * share)):
        s = stuffed[i]
        issued = round(round(100 * s.issued / s.voters) * s.voters / 100)  # within 0.05 points
        stuffed[i] = StationFigures(s.voters, issued, s.ballots, s.leader)
    return stuffed


def test_it_finds_turnouts_written_to_whole_percentages_in_5_percent_of_stations():
    figures, _ = honest_results()

    result = integer_percent_tests(stuff(figures, Fraction(5, 100)), seed=1)

    assert result.turnout.excess > 500 and result.combined.excess > 500
    assert result.turnout.p_value < 1e-6
    assert result.turnout.p_value_monte_carlo == pytest.approx(1 / 1_001)  # every draw below: < 0.001
    assert result.leader.p_value_monte_carlo > 0.01  # the leader's figures were left alone


def test_it_is_reproducible_by_seed():
    ratios = [(s.issued, s.voters) for s in honest_figures(stations=3_000)]

    first = integer_percent_excess(ratios, simulations=50, seed=9)

    assert first == integer_percent_excess(ratios, simulations=50, seed=9)
    assert first.simulated_mean != integer_percent_excess(ratios, simulations=50, seed=10).simulated_mean
    with pytest.raises(ValueError, match="simulations"):
        integer_percent_excess(ratios, simulations=1)


def test_it_refuses_an_election_without_a_station_to_test():
    with pytest.raises(ValueError, match="no station"):
        integer_percent_tests([StationFigures(50, 20, 20, 10)])


def test_it_passes_uniform_last_digits_of_counts_spread_over_whole_tens():
    rng = random.Random(10)

    result = last_digit_test("a", [rng.randint(100, 4_999) for _ in range(5_000)])

    assert result.counts == 5_000 and result.applies
    assert result.slope_bias < MAX_SLOPE_BIAS
    assert result.p_value > 0.01


def test_it_fails_last_digits_with_too_many_zeros_and_fives():
    rng = random.Random(10)
    counts = [rng.randint(100, 4_999) for _ in range(5_000)]
    rounded = [5 * round(c / 5) if i % 4 == 0 else c for i, c in enumerate(counts)]

    result = last_digit_test("a", rounded)

    assert result.digits[0] > 700 and result.digits[5] > 700
    assert result.p_value < 0.001


def test_it_says_nothing_about_a_small_partys_counts_just_above_the_cut_off():
    rng = random.Random(3)
    counts = [rng.binomialvariate(1_500, 0.05) for _ in range(40_000)]  # about 75 ± 8 votes

    result = last_digit_test("small", counts)

    assert result.counts >= 50  # enough counts of 100 and more, but on a steeply falling tail
    assert result.reason == "slope" and not result.applies and result.p_value is None
    assert result.slope_bias > MAX_SLOPE_BIAS
    assert last_digit_test("tiny", [3, 7, 12, 25, 140]).reason == "few counts"


def test_it_measures_the_slope_bias_as_the_density_at_the_cut_off():
    assert slope_bias(list(range(100, 1_000))) == 0.0  # flat over whole tens: no bias
    counts = [c for c in range(90, 300) for _ in range(300 - c)]  # falling: 210 at 90 down to 1
    tens = {m: sum(1 for c in counts if c // 10 == m) for m in range(9, 31)}
    slope = sum(Fraction(tens.get(m + 1, 0) - tens[m - 1], 200) for m in range(10, 30))
    tested = sum(1 for c in counts if c >= 100)
    assert slope_bias(counts) == pytest.approx(float(slope**2 * Fraction(825) / tested))
    assert slope < 0  # low digits commoner by arithmetic


def test_it_flags_a_station_far_from_its_tec_median_turnout():
    tec_a = [(f"a{i}", "TEC A", (500 + 10 * i, 1000)) for i in range(10)]  # 50 % .. 59 %
    tec_b = [(f"b{i}", "TEC B", (900, 1000)) for i in range(10)]  # all 90 %: MAD 0, not scored
    suspicious = ("a-stuffed", "TEC A", (950, 1000))

    found = outliers_by_group([*tec_a, *tec_b, suspicious])

    assert [o.station_id for o in found] == ["a-stuffed"]
    outlier = found[0]
    assert outlier.median == Fraction(55, 100)  # median of 50..59 % and 95 % (11 stations)
    assert outlier.robust_sd == Fraction(14826, 10000) * Fraction(3, 100)
    assert outlier.score > 3


def test_it_says_which_side_of_the_median_an_outlier_is_on():
    tec = [(f"a{i}", "TEC A", (500 + 10 * i, 1000)) for i in range(10)]
    found = outliers_by_group([*tec, ("high", "TEC A", (950, 1000)), ("low", "TEC A", (50, 1000))])

    assert {o.station_id: o.side for o in found} == {"high": "above", "low": "below"}


def ru_data() -> Path:
    """The Russian station files; skip when absent, except under CI where they must be there."""
    path = Path(settings.SHARED_DATA_DIR)
    if not (path / loaders.RU_STATIONS_DIR / "2011.csv.zip").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"real data missing at {path}: CI must run the real-data tests")
        pytest.skip(f"real data not found at {path} (set SHARED_DATA_DIR)")
    return path


RU_STATIONS = {2011: (95_225, 109_229_337), 2018: (97_699, 109_008_428), 2021: (96_325, 109_204_662)}


@functools.cache
def ru_stations(year: int) -> list[loaders.StationRow]:
    """One national file, read once per test process (the tests of this file share a worker)."""
    return loaders.read_ru_stations(ru_data(), year)


@functools.cache
def ru_integer_tests(year: int):
    stations = ru_stations(year)
    return integer_percent_tests(
        (StationFigures(s.voters, s.issued, s.ballots, s.leader) for s in stations), seed=year
    )


@pytest.mark.slow
def test_it_reproduces_the_2011_integer_percentage_excess_by_the_papers_method():
    result = ru_integer_tests(2011)

    assert (len(ru_stations(2011)), sum(s.voters for s in ru_stations(2011))) == RU_STATIONS[2011]
    assert (result.stations, result.excluded) == (86_718, 8_507)
    assert (result.turnout.observed, result.leader.observed, result.combined.observed) == (
        9_216,
        9_708,
        17_803,
    )
    for test, published in ((result.turnout, 451), (result.leader, 771), (result.combined, 1_009)):
        assert abs(test.excess - published) < test.simulated_sd  # within the simulations' spread
        assert test.p_value_monte_carlo < 0.001  # no draw of the honest model reaches the count
    assert result.simulations >= 1_000


@pytest.mark.slow
def test_it_finds_no_last_digit_lead_in_2011_where_the_test_applies():
    stations = ru_stations(2011)
    options = {str(i): [s.options[i] for s in stations] for i in range(len(stations[0].options))}

    found = last_digit_tests(options)

    assert [t.reason for t in found] == [
        "slope",
        "slope",
        "few counts",
        "slope",
        "slope",
        "slope",
        "few counts",
    ]
    assert not any(t.applies for t in found)  # the page says in words that the test says nothing


@pytest.mark.slow
@pytest.mark.parametrize("year", [2018, 2021])
def test_it_finds_integer_turnout_peaks_in_later_russian_results(year):
    result = ru_integer_tests(year)

    assert (len(ru_stations(year)), sum(s.voters for s in ru_stations(year))) == RU_STATIONS[year]
    assert result.turnout.excess > 3 * result.turnout.sd
    assert result.turnout.p_value_monte_carlo < 0.001


@pytest.mark.slow
def test_it_draws_the_2011_fingerprint_with_a_100_percent_corner():
    stations = ru_stations(2011)

    result = fingerprint(((s.ballots, s.voters), (s.leader, s.ballots)) for s in stations)

    assert result.stations == len(stations) - sum(1 for s in stations if not s.voters or not s.ballots)
    assert result.counts[100][100] > 0
