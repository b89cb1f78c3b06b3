"""Quick count (parallel vote tabulation, PVT): a seeded sample of stations and the ratio estimator.

The ratio estimator for a cluster sample, as in NDI Apollo (`apollo/result_analysis/results.py`;
landscape.md §10.1). For k reported stations with a_i votes for the option (or voters who took
part) and m_i total votes (or registered voters):

    p = Σa / Σm
    Var(p) = (1 − f) / (k · m̄²) · Σ(a_i − p·m_i)² / (k − 1),   m̄ = Σm / k
    MOE_95 = 1.96 · √Var · 100 percentage points

Finite-population correction: f = k / N, the sampling fraction of *clusters* (stations), the
textbook one for a cluster sample (Cochran, Sampling Techniques, 3rd ed. 1977, ratio estimates).
Apollo uses f = Σm / BIG_N (share of votes sampled) with BIG_N infinite by default, i.e. no
correction; here it is always on, and Var is 0 when every station is in. Arithmetic is exact
(`Fraction`) up to the square root; shares are rounded by `elections.numbers`.

This pooled estimator is the design's estimator for a simple random sample. A stratified sample,
non-response and collapsed strata are handled by `tallies.analysis.quickcount_design`.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from elections.numbers import PERCENT_QUANTUM, percent
from tallies.analysis.seats import distribute

Z_95 = Decimal("1.96")


@dataclass(frozen=True)
class StratumDraw:
    """A stratum's population (stations, registered voters) and how many of its stations were drawn."""

    stations: int
    voters: int
    drawn: int


@dataclass(frozen=True)
class Sample:
    """A drawn PVT sample: sorted station ids, the seed, and the strata it was drawn from."""

    station_ids: tuple[str, ...]
    seed: int
    stratified: bool
    population_stations: int
    strata: dict[str, StratumDraw]
    stratum_of: dict[str, str]


@dataclass(frozen=True)
class Estimate:
    """A share in percent (0.01) and its 95 % margin in percentage points (None under two stations).

    `ratio` and `variance` are exact: a proportion and its variance, not percent.
    """

    share: Decimal | None
    margin_of_error_95: Decimal | None
    n: int
    fpc: Fraction
    ratio: Fraction
    variance: Fraction | None


@dataclass(frozen=True)
class _Sums:
    """Running integer sums from which the ratio estimator and its variance follow exactly."""

    k: int = 0
    a: int = 0
    m: int = 0
    aa: int = 0
    am: int = 0
    mm: int = 0

    def add(self, a: int, m: int) -> _Sums:
        return _Sums(self.k + 1, self.a + a, self.m + m, self.aa + a * a, self.am + a * m, self.mm + m * m)


class Frame:
    """A sampling frame built once: the population grouped by stratum, ready for many draws.

    `stations` are (station_id, stratum, registered_voters); raise ValueError on a repeated id.
    Building it sorts the population once, so a simulation can draw thousands of samples.
    """

    def __init__(self, stations: Sequence[tuple[str, str, int]]) -> None:
        if len({station_id for station_id, _, _ in stations}) != len(stations):
            raise ValueError("station ids must be unique")
        self.by_stratum: dict[str, list[str]] = defaultdict(list)
        voters = Counter[str]()
        for station_id, stratum, registered in sorted(stations):
            self.by_stratum[stratum].append(station_id)
            voters[stratum] += registered
        self.stratum_of = {station_id: stratum for station_id, stratum, _ in stations}
        self.ids = sorted(self.stratum_of)
        self.population = len(stations)
        self.voters = dict(voters)
        self.quotas: dict[int, dict[str, int]] = {}

    def draw(self, size: int, seed: int, stratified: bool = True) -> Sample:
        """Draw `size` stations; same seed, same sample. Raise ValueError on a bad size."""
        if not 0 < size <= self.population:
            raise ValueError(f"sample size must be between 1 and {self.population} stations")
        rng = random.Random(seed)
        if stratified:
            quotas = self._quotas(size)
            drawn = [i for s in sorted(self.by_stratum) for i in rng.sample(self.by_stratum[s], quotas[s])]
        else:
            drawn = rng.sample(self.ids, size)
        drawn.sort()
        drawn_per = Counter(self.stratum_of[i] for i in drawn)
        strata = {
            s: StratumDraw(len(ids), self.voters[s], drawn_per[s])
            for s, ids in sorted(self.by_stratum.items())
        }
        stratum_of = {i: self.stratum_of[i] for i in drawn}
        return Sample(tuple(drawn), seed, stratified, self.population, strata, stratum_of)

    def _quotas(self, size: int) -> dict[str, int]:
        """Each stratum's share of `size`, proportional to its stations (largest remainders)."""
        if size not in self.quotas:
            weights = {s: Fraction(len(ids)) for s, ids in self.by_stratum.items()}
            self.quotas[size] = distribute(weights, size, "hare_largest_remainder").seats
        return self.quotas[size]


def draw_sample(
    stations: Sequence[tuple[str, str, int]], size: int, seed: int, stratified: bool = True
) -> Sample:
    """Draw `size` stations from (station_id, stratum, registered_voters); same seed, same sample.

    Stratified: each stratum gets a share of `size` proportional to its number of stations
    (largest remainders), drawn by simple random sampling within it. Raise ValueError on a bad size
    or a repeated station id.
    """
    return Frame(stations).draw(size, seed, stratified)


def estimate(results: Iterable[tuple[int, int]], population_stations: int, z: Decimal = Z_95) -> Estimate:
    """Estimate a share from (votes_for_option, total_votes) per station, or (took_part, registered)."""
    sums = _Sums()
    for a, m in results:
        sums = sums.add(a, m)
    return _estimate(sums, population_stations, z)


def convergence(
    reports: Iterable[tuple[int, int]], population_stations: int, z: Decimal = Z_95
) -> list[Estimate]:
    """Return the running estimate after each report, in arrival order (one Estimate per report)."""
    sums, running = _Sums(), []
    for a, m in reports:
        sums = sums.add(a, m)
        running.append(_estimate(sums, population_stations, z))
    return running


def _estimate(sums: _Sums, population_stations: int, z: Decimal) -> Estimate:
    if sums.k > population_stations:
        raise ValueError("more reported stations than stations in the population")
    fpc = 1 - Fraction(sums.k, population_stations)
    if sums.m == 0:
        return Estimate(None, None, sums.k, fpc, Fraction(0), None)
    ratio = Fraction(sums.a, sums.m)
    variance = _variance(sums, ratio, fpc)
    return Estimate(percent(sums.a, sums.m), margin_95(variance, z), sums.k, fpc, ratio, variance)


def _variance(sums: _Sums, ratio: Fraction, fpc: Fraction) -> Fraction | None:
    """Var = (1 − f)/(k·m̄²) · Σ(a − p·m)²/(k − 1), with Σ(a − p·m)² = Σa² − 2pΣam + p²Σm² (exact)."""
    if sums.k < 2:
        return None
    squares = sums.aa - 2 * ratio * sums.am + ratio**2 * sums.mm
    mean_m = Fraction(sums.m, sums.k)
    return fpc / (sums.k * mean_m**2) * squares / (sums.k - 1)


def margin_95(variance: Fraction | None, z: Decimal) -> Decimal | None:
    """Return z · √variance · 100 in percentage points, rounded half-up to 0.01."""
    if variance is None:
        return None
    with localcontext() as context:
        context.prec = 40
        root = (Decimal(variance.numerator) / Decimal(variance.denominator)).sqrt()
        return (z * root * 100).quantize(PERCENT_QUANTUM, ROUND_HALF_UP)
