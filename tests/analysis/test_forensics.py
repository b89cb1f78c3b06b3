"""Election forensics: distribution functions, the fingerprint, integer percentages, last digits, outliers.

The integer-percentage test runs on generated elections (clean, then with stuffing) and, marked slow,
on the official Russian station protocols of 2011, 2018 and 2021 (Kobak, Shpilkin & Pshenichnikov
report integer-turnout peaks in all of them).
"""

import math
import os
import random
from fractions import Fraction
from pathlib import Path

import pytest
from django.conf import settings

from tallies.analysis import loaders
from tallies.analysis.forensics import (
    chi_square_sf,
    fingerprint,
    gamma_q,
    integer_percent_excess,
    is_integer_percent,
    last_digit_test,
    normal_sf,
    outliers_by_group,
)

RU_STATIONS = {2011: (95_225, 109_229_337), 2018: (97_699, 109_008_428), 2021: (96_325, 109_204_662)}


def ru_data() -> Path:
    """The Russian station files; skip when absent, except under CI where they must be there."""
    path = Path(settings.SHARED_DATA_DIR)
    if not (path / loaders.RU_STATIONS_DIR / "2011.csv.zip").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"real data missing at {path}: CI must run the real-data tests")
        pytest.skip(f"real data not found at {path} (set SHARED_DATA_DIR)")
    return path


def clean_election(stations: int = 20_000, seed: int = 2016) -> list[tuple[int, int]]:
    """Return (ballots, voters) per station: 1,000-3,000 voters, binomial turnout around a smooth mean."""
    rng = random.Random(seed)
    result = []
    for _ in range(stations):
        voters = rng.randint(1_000, 3_000)
        mean = min(max(rng.gauss(0.55, 0.08), 0.2), 0.9)
        result.append((rng.binomialvariate(voters, mean), voters))
    return result


def stuff(election: list[tuple[int, int]], share: Fraction, seed: int = 1) -> list[tuple[int, int]]:
    """Set `share` of the stations' ballots so that turnout is the nearest whole percent."""
    rng = random.Random(seed)
    stuffed = election[:]
    for i in rng.sample(range(len(stuffed)), int(len(stuffed) * share)):
        ballots, voters = stuffed[i]
        whole = round(100 * ballots / voters)
        stuffed[i] = (round(whole * voters / 100), voters)  # within 50 / voters ≤ 0.05 pp of `whole`
    return stuffed


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


def test_it_recognises_integer_percentages_exactly():
    assert is_integer_percent(600, 1000)  # 60 %
    assert is_integer_percent(1209, 2015)  # 59.9999... %
    assert not is_integer_percent(601, 1000)  # 60.1 %
    assert not is_integer_percent(1000, 1000)  # 100 % is not counted
    assert not is_integer_percent(1, 3)  # 33.33 %
    assert is_integer_percent(601, 1000, window=Fraction(1, 5))


def test_it_finds_no_integer_excess_in_a_clean_generated_election():
    result = integer_percent_excess(clean_election(), simulations=200, seed=1)

    assert result.stations == 20_000
    assert result.p_value > 0.01
    assert result.simulated_mean == pytest.approx(
        result.expected, abs=4 * result.simulated_sd / math.sqrt(200)
    )
    assert "Annals of Applied Statistics" in result.reference


def test_it_finds_ballot_stuffing_to_whole_percentages_in_5_percent_of_stations():
    stuffed = stuff(clean_election(), Fraction(5, 100))

    result = integer_percent_excess(stuffed, simulations=200, seed=1)

    assert result.observed - result.expected > 500
    assert result.p_value < 1e-6
    assert result.p_value_monte_carlo == pytest.approx(1 / 201)


def test_it_is_reproducible_by_seed():
    election = clean_election(stations=5_000)

    first = integer_percent_excess(election, simulations=50, seed=9)

    assert first == integer_percent_excess(election, simulations=50, seed=9)
    assert first.simulated_mean != integer_percent_excess(election, simulations=50, seed=10).simulated_mean


def test_it_passes_uniform_last_digits():
    rng = random.Random(10)

    result = last_digit_test(rng.randint(10, 5_000) for _ in range(5_000))

    assert result.counts == 5_000
    assert result.p_value > 0.01


def test_it_fails_last_digits_with_too_many_zeros_and_fives():
    rng = random.Random(10)
    counts = [rng.randint(10, 5_000) for _ in range(5_000)]
    rounded = [5 * round(c / 5) if i % 4 == 0 else c for i, c in enumerate(counts)]

    result = last_digit_test(rounded)

    assert result.digits[0] > 700 and result.digits[5] > 700
    assert result.p_value < 0.001


def test_it_ignores_counts_below_ten_in_the_last_digit_test():
    assert last_digit_test([3, 7, 12, 25]).counts == 2
    with pytest.raises(ValueError, match="no counts"):
        last_digit_test([1, 2, 3])


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


@pytest.mark.slow
@pytest.mark.parametrize("year", [2011, 2018, 2021])
def test_it_finds_integer_turnout_peaks_in_official_russian_results(year):
    stations = loaders.read_ru_stations(ru_data(), year)

    result = integer_percent_excess([(s.ballots, s.voters) for s in stations], simulations=200, seed=year)

    assert (len(stations), sum(s.voters for s in stations)) == RU_STATIONS[year]
    assert result.observed > result.expected
    assert result.p_value < 0.001


@pytest.mark.slow
def test_it_draws_the_2011_fingerprint_with_a_100_percent_corner():
    stations = loaders.read_ru_stations(ru_data(), 2011)

    result = fingerprint(((s.ballots, s.voters), (s.leader, s.ballots)) for s in stations)

    assert result.stations == len(stations) - sum(1 for s in stations if not s.voters or not s.ballots)
    assert result.counts[100][100] > 0
