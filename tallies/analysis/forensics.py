"""Election forensics: statistical leads for observers to follow up, never verdicts of fraud.

Each test returns its statistic, a p-value or threshold, a one-line method and a reference. Station
figures are exact ratios (numerator, denominator): turnout (ballots in the boxes, voters on the list),
leader's share (leader votes, ballots in the boxes). Counting is exact; probabilities are floats, with
the chi-square and normal tails computed here (incomplete gamma, Numerical Recipes §6.2; math.erfc).
"""

from __future__ import annotations

import bisect
import math
import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

Ratio = tuple[int, int]

KLIMEK = "Klimek, Yegorov, Hanel & Thurner (2012), PNAS 109(41):16469-16473"
KOBAK = "Kobak, Shpilkin & Pshenichnikov (2016), Annals of Applied Statistics 10(1):54-73"
DIGITS = "Beber & Scacco (2012), Political Analysis 20(2):211-234; caveats: Mebane (2006), Election forensics"
MAD = "Leys, Ley, Klein, Bernard & Licata (2013), J. Experimental Social Psychology 49(4):764-766"
MAD_TO_SD = Fraction(14826, 10000)  # 1 / Φ⁻¹(3/4): MAD × 1.4826 estimates σ of a normal distribution
SPREAD = 7  # binomial probabilities beyond 7 standard deviations (+ 10) are ignored (< 1e-11)


@dataclass(frozen=True)
class Fingerprint:
    """2-D histogram counts[turnout_bin][share_bin] of stations; bin i = [i, i+1) %, the last = 100 %."""

    counts: list[list[int]]
    bins: int
    stations: int
    method: str = "stations binned by turnout × leader's share (the 'election fingerprint')"
    reference: str = KLIMEK


@dataclass(frozen=True)
class IntegerPercentTest:
    """Stations whose percentage is (nearly) a whole number, against the number expected by chance."""

    observed: int
    expected: float
    simulated_mean: float
    simulated_sd: float
    z: float
    p_value: float
    p_value_monte_carlo: float
    stations: int
    simulations: int
    method: str = "stations within ±window of a whole percent (1..99) vs binomial resampling of each station"
    reference: str = KOBAK


@dataclass(frozen=True)
class LastDigitTest:
    """Chi-square test of uniform last digits of counts ≥ 10 (9 degrees of freedom)."""

    chi_square: float
    p_value: float
    digits: list[int]
    counts: int
    method: str = "chi-square of last-digit frequencies against uniform 0-9, counts of 10 and more"
    reference: str = DIGITS


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


def fingerprint(stations: Iterable[tuple[Ratio, Ratio]], bins: int = 100) -> Fingerprint:
    """Bin stations by (turnout, leader share) ratios into (bins + 1)² counts; skip zero denominators."""
    counts = [[0] * (bins + 1) for _ in range(bins + 1)]
    for (turnout, voters), (leader, ballots) in stations:
        if voters > 0 and ballots > 0:
            counts[min(turnout * bins // voters, bins)][min(leader * bins // ballots, bins)] += 1
    return Fingerprint(counts, bins, sum(map(sum, counts)))


def is_integer_percent(numerator: int, denominator: int, window: Fraction = Fraction(1, 20)) -> bool:
    """Return True if 100·num/den lies strictly within ±window percentage points of 1, 2, ..., 99."""
    remainder = 100 * numerator % denominator
    distance = min(remainder, denominator - remainder)  # |100·num/den − nearest integer| × den
    nearest = (100 * numerator + denominator // 2) // denominator
    return 1 <= nearest <= 99 and distance * window.denominator < window.numerator * denominator


def integer_percent_excess(
    ratios: Sequence[Ratio],
    simulations: int = 200,
    seed: int = 0,
    window: Fraction = Fraction(1, 20),
    min_denominator: int = 100,
) -> IntegerPercentTest:
    """Test for an excess of integer percentages (Kobak et al. 2016) among (numerator, denominator) pairs.

    Null: each numerator is redrawn Binomial(denominator, numerator/denominator), keeping denominators
    (so small-station lattices are accounted for). The null count is a sum of independent
    Bernoulli(p_i), p_i exact from the binomial pmf; the Monte Carlo draws those with
    random.Random(seed), the same distribution as resampling every station but much faster.
    `p_value`: one-sided normal tail with the exact mean and variance (the Monte Carlo p-value cannot
    go below 1 / (simulations + 1)). Denominators under `min_denominator` are left out.
    """
    if simulations < 2:
        raise ValueError("at least 2 simulations are needed")
    kept = [(k, n) for k, n in ratios if n >= min_denominator]
    observed = sum(is_integer_percent(k, n, window) for k, n in kept)
    null = _Binomial(window, max((n for _, n in kept), default=0))
    probabilities = [p for p in (null.hit_probability(k, n) for k, n in kept) if p > 0]
    expected = math.fsum(probabilities)
    sd = math.sqrt(math.fsum(p * (1 - p) for p in probabilities))
    draws = _simulate(probabilities, simulations, seed)
    z = (observed - 0.5 - expected) / sd if sd else 0.0  # continuity-corrected
    p_mc = (1 + sum(d >= observed for d in draws)) / (1 + simulations)
    mean, sim_sd = statistics.fmean(draws), statistics.stdev(draws)
    return IntegerPercentTest(observed, expected, mean, sim_sd, z, normal_sf(z), p_mc, len(kept), simulations)


class _Binomial:
    """P(hit) under Binomial(n, k/n) resampling; hit numerators cached per n, log-factorials tabulated."""

    def __init__(self, window: Fraction, largest: int) -> None:
        self.window = window
        self.log_factorial = [math.lgamma(i + 1) for i in range(largest + 1)]
        self.hits: dict[int, list[int]] = {}

    def hit_probability(self, k: int, n: int) -> float:
        """Return P(Binomial(n, k/n) lands within the window of 1..99 %)."""
        if k <= 0 or k >= n:
            return 0.0  # resampling is deterministic at 0 % and 100 %, which never count
        p, hits, lf = k / n, self.hits.get(n) or self._hits(n), self.log_factorial
        spread = SPREAD * math.sqrt(n * p * (1 - p)) + 10  # + 10: Poisson-like tails when n·p is small
        first, last = bisect.bisect_left(hits, n * p - spread), bisect.bisect_right(hits, n * p + spread)
        base, slope = lf[n] + n * math.log1p(-p), math.log(p) - math.log1p(-p)
        return sum(math.exp(base - lf[x] - lf[n - x] + x * slope) for x in hits[first:last])

    def _hits(self, n: int) -> list[int]:
        self.hits[n] = [k for j in range(1, 100) for k in _hits_near(j, n, self.window)]
        return self.hits[n]


def _hits_near(j: int, n: int, window: Fraction) -> range:
    """Return the numerators k with |100·k/n − j| < window percentage points (disjoint across j)."""
    scale, centre, half = 100 * window.denominator, j * n * window.denominator, window.numerator * n
    first = (centre - half) // scale + 1  # strictly above (centre − half) / scale
    last = -(-(centre + half) // scale) - 1  # strictly below (centre + half) / scale
    return range(max(0, first), min(n, last) + 1)


def _simulate(probabilities: list[float], simulations: int, seed: int) -> list[int]:
    """Draw the null count `simulations` times, station i hitting in each run with probability p_i.

    A station's hits are placed by geometric gaps between runs (work Σ p_i · runs, not N · runs).
    """
    rand = random.Random(seed).random
    counts = [0] * simulations
    for p in probabilities:
        log_q = math.log1p(-p) if p < 1 else -math.inf
        position = math.log(1.0 - rand()) / log_q  # float: may be huge (or inf) for a tiny p
        while position < simulations:
            run = int(position)
            counts[run] += 1
            position = run + 1 + math.log(1.0 - rand()) / log_q
    return counts


def last_digit_test(counts: Iterable[int], min_count: int = 10) -> LastDigitTest:
    """Chi-square test (9 df) that the last digits of counts ≥ min_count (votes) are uniform."""
    tally = Counter(count % 10 for count in counts if count >= min_count)
    digits = [tally[digit] for digit in range(10)]
    total = sum(digits)
    if total == 0:
        raise ValueError(f"no counts of {min_count} or more")
    chi_square = sum(Fraction((10 * d - total) ** 2, 10 * total) for d in digits)
    return LastDigitTest(float(chi_square), chi_square_sf(float(chi_square), 9), digits, total)


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
