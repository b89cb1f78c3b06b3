"""Election forensics: statistical leads for observers to follow up, never verdicts of fraud.

Each test returns its statistic, a p-value or threshold, a one-line method and a reference. Station
figures are exact ratios (numerator, denominator). Counting is exact; probabilities are floats, with
the chi-square and normal tails computed here (incomplete gamma, Numerical Recipes §6.2; math.erfc).
The integer-percentage tests (Kobak et al. 2016) are in `tallies.analysis.integers`.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

Ratio = tuple[int, int]

KLIMEK = "Klimek, Yegorov, Hanel & Thurner (2012), PNAS 109(41):16469-16473"
DIGITS = "Beber & Scacco (2012), Political Analysis 20(2):211-234; caveats: Mebane (2006), Election forensics"
MAD = "Leys, Ley, Klein, Bernard & Licata (2013), J. Experimental Social Psychology 49(4):764-766"
MAD_TO_SD = Fraction(14826, 10000)  # 1 / Φ⁻¹(3/4): MAD × 1.4826 estimates σ of a normal distribution
MIN_DIGIT_COUNT = 100  # votes: last digits of smaller counts are not uniform by arithmetic (Mebane 2006)
MIN_DIGIT_SAMPLE = 50  # counts per option: 5 expected per digit, Cochran's rule for a chi-square test
MAX_SLOPE_BIAS = 1.0  # chi-square the counts' slope alone may add (9 on average when honest)


@dataclass(frozen=True)
class Fingerprint:
    """2-D histogram counts[turnout_bin][share_bin] of stations; bin i = [i, i+1) %, the last = 100 %."""

    counts: list[list[int]]
    bins: int
    stations: int
    method: str = "stations binned by turnout × leader's share (the 'election fingerprint')"
    reference: str = KLIMEK


@dataclass(frozen=True)
class LastDigitTest:
    """Last digits of one option's vote counts of `MIN_DIGIT_COUNT` and more, tested where valid.

    `digits`: how many counts end in 0..9. `slope_bias`: the chi-square that the shape of the
    counts' distribution alone gives (the last digit of a count drawn from a sloping density is not
    uniform: a density falling across a ten favours low digits). The test `applies` only with at
    least `MIN_DIGIT_SAMPLE` counts and a slope bias of at most `MAX_SLOPE_BIAS`; otherwise
    `chi_square` and `p_value` are None and `reason` says why ("few counts" or "slope").
    """

    option: str
    counts: int
    digits: list[int]
    slope_bias: float
    chi_square: float | None
    p_value: float | None
    reason: str = ""
    method: str = (
        "chi-square (9 df) of the last digits of one option's counts of 100 votes and more against "
        "uniform, only where the counts' slope cannot make them non-uniform by itself"
    )
    reference: str = DIGITS

    @property
    def applies(self) -> bool:
        """True when the test was run (enough counts, a flat enough distribution)."""
        return self.p_value is not None


@dataclass(frozen=True)
class Outlier:
    """A station whose turnout (proportion) is more than k robust SDs from its group's median."""

    station_id: str
    group: str
    turnout: Fraction
    median: Fraction
    robust_sd: Fraction
    score: Fraction
    method: str = "turnout further than k × 1.4826 × MAD from the median of its group (TEC)"
    reference: str = MAD

    @property
    def side(self) -> str:
        """ "above" or "below": the side of the group's median turnout the station lies on."""
        return "above" if self.score > 0 else "below"


def fingerprint(stations: Iterable[tuple[Ratio, Ratio]], bins: int = 100) -> Fingerprint:
    """Bin stations by (turnout, leader share) ratios into (bins + 1)² counts; skip zero denominators."""
    counts = [[0] * (bins + 1) for _ in range(bins + 1)]
    for (turnout, voters), (leader, ballots) in stations:
        if voters > 0 and ballots > 0:
            counts[min(turnout * bins // voters, bins)][min(leader * bins // ballots, bins)] += 1
    return Fingerprint(counts, bins, sum(map(sum, counts)))


def last_digit_tests(option_counts: dict[str, list[int]]) -> list[LastDigitTest]:
    """Test the last digits of each option's vote counts separately (option code → station counts).

    Per option, because options of very different sizes mix differently sloping distributions.
    """
    return [last_digit_test(option, counts) for option, counts in option_counts.items()]


def last_digit_test(option: str, counts: Sequence[int]) -> LastDigitTest:
    """Chi-square test (9 df) that the last digits of one option's counts ≥ MIN_DIGIT_COUNT are uniform.

    Validity (Beber & Scacco 2012; Mebane 2006): the last digit of an honest count is close to
    uniform only when the count's distribution is nearly flat across ten votes. `slope_bias` is the
    chi-square the distribution's own slope would give: counts per ten votes (all counts, so the ten
    below the cut-off counts too) give a local linear density in each ten, whose expected digits are
    compared with uniform. Returns the test, run or not (see LastDigitTest).
    """
    tested = [count for count in counts if count >= MIN_DIGIT_COUNT]
    tally = Counter(count % 10 for count in tested)
    digits = [tally[digit] for digit in range(10)]
    bias = slope_bias(counts)
    if len(tested) < MIN_DIGIT_SAMPLE:
        return LastDigitTest(option, len(tested), digits, bias, None, None, "few counts")
    if bias > MAX_SLOPE_BIAS:
        return LastDigitTest(option, len(tested), digits, bias, None, None, "slope")
    chi_square = float(sum(Fraction((10 * d - len(tested)) ** 2, 10 * len(tested)) for d in digits))
    return LastDigitTest(option, len(tested), digits, bias, chi_square, chi_square_sf(chi_square, 9))


def slope_bias(counts: Sequence[int]) -> float:
    """Return the chi-square (on counts ≥ MIN_DIGIT_COUNT) that a locally linear density alone gives.

    In the ten [10m, 10m + 9] holding t_m counts, a density with slope (t_(m+1) − t_(m−1)) / 200 per
    vote expects t_m / 10 + slope × (d − 4.5) counts ending in d; summed over the tens, the expected
    digits are N/10 + S·(d − 4.5), whose chi-square against uniform is S² · Σ(d − 4.5)² / (N/10).
    """
    tens = Counter(count // 10 for count in counts)
    tested = [m for m in tens if 10 * m >= MIN_DIGIT_COUNT]
    total = sum(tens[m] for m in tested)
    if not total:
        return 0.0
    slope = sum(Fraction(tens[m + 1] - tens[m - 1], 200) for m in tested)
    return float(slope**2 * Fraction(165, 2) * 10 / total)  # Σ (d − 4.5)² over 0..9 = 82.5


def outliers_by_group(
    stations: Iterable[tuple[str, str, Ratio]], k: Fraction = Fraction(3), min_group: int = 5
) -> list[Outlier]:
    """Flag stations (id, group, (ballots, voters)) over k robust SDs from their group's median turnout.

    Groups under `min_group` stations or with a MAD of 0 (most stations alike) are not scored.
    """
    groups: dict[str, list[tuple[str, Fraction]]] = defaultdict(list)
    for station_id, group, (ballots, voters) in stations:
        if voters > 0:
            groups[group].append((station_id, Fraction(ballots, voters)))
    found: list[Outlier] = []
    for group, members in groups.items():
        if len(members) >= min_group:
            found += _outliers(group, members, k)
    return sorted(found, key=lambda o: (-abs(o.score), o.group, o.station_id))


def _outliers(group: str, members: list[tuple[str, Fraction]], k: Fraction) -> list[Outlier]:
    median = statistics.median(t for _, t in members)
    robust_sd = MAD_TO_SD * statistics.median(abs(t - median) for _, t in members)
    if robust_sd == 0:
        return []
    scored = [(station_id, t, (t - median) / robust_sd) for station_id, t in members]
    return [Outlier(i, group, t, median, robust_sd, score) for i, t, score in scored if abs(score) > k]


def normal_sf(z: float) -> float:
    """Return P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2))


def chi_square_sf(x: float, df: int) -> float:
    """Return P(χ²_df > x), the chi-square survival function, as Q(df/2, x/2)."""
    return gamma_q(df / 2, x / 2) if x > 0 else 1.0


def gamma_q(a: float, x: float) -> float:
    """Return the regularised upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a) (Numerical Recipes §6.2)."""
    if x < a + 1:
        return 1.0 - _gamma_p_series(a, x)
    return _gamma_q_fraction(a, x)


def _gamma_p_series(a: float, x: float) -> float:
    term = total = 1.0 / a
    for n in range(1, 1000):
        term *= x / (a + n)
        total += term
        if abs(term) < abs(total) * 1e-16:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gamma_q_fraction(a: float, x: float) -> float:
    tiny = 1e-300  # modified Lentz's method for the continued fraction
    b, c, d = x + 1 - a, 1 / tiny, 1 / (x + 1 - a)
    h = d
    for i in range(1, 1000):
        an, b = -i * (i - a), b + 2
        d = 1 / (an * d + b or tiny)
        c = b + an / c or tiny
        h *= d * c
        if abs(d * c - 1) < 1e-16:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h
