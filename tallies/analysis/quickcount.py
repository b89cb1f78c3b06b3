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
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Literal

from elections.numbers import PERCENT_QUANTUM, percent
from tallies.analysis.seats import distribute

Z_95 = Decimal("1.96")
MIN_REPORTED_STATIONS = 30
MIN_REPORTED_SHARE = Fraction(1, 2)
MAX_STRATUM_SKEW = Fraction(10, 100)
WarningCode = Literal["few_stations", "low_share", "skewed_stratum", "empty_stratum", "thin_stratum"]


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
class SampleWarning:
    """Why a quick count should not be published yet; `code` is stable, `message` is for logs."""

    code: WarningCode
    message: str
    stratum: str | None = None


@dataclass(frozen=True)
class StratifiedEstimate:
    """The combined estimate over strata (weighted by stratum population), per-stratum ones, warnings."""

    combined: Estimate
    strata: dict[str, Estimate]
    warnings: tuple[SampleWarning, ...]


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


def draw_sample(
    stations: Sequence[tuple[str, str, int]], size: int, seed: int, stratified: bool = True
) -> Sample:
    """Draw `size` stations from (station_id, stratum, registered_voters); same seed, same sample.

    Stratified: each stratum gets a share of `size` proportional to its number of stations
    (largest remainders), drawn by simple random sampling within it. Raise ValueError on a bad size
    or a repeated station id.
    """
    if not 0 < size <= len(stations):
        raise ValueError(f"sample size must be between 1 and {len(stations)} stations")
    if len({station_id for station_id, _, _ in stations}) != len(stations):
        raise ValueError("station ids must be unique")
    by_stratum: dict[str, list[str]] = defaultdict(list)
    for station_id, stratum, _ in sorted(stations):
        by_stratum[stratum].append(station_id)
    rng = random.Random(seed)
    if stratified:
        quotas = distribute(
            {s: Fraction(len(ids)) for s, ids in by_stratum.items()}, size, "hare_largest_remainder"
        )
        drawn = [i for s in sorted(by_stratum) for i in rng.sample(by_stratum[s], quotas.seats[s])]
    else:
        drawn = rng.sample(sorted(station_id for station_id, _, _ in stations), size)
    return _sample(stations, sorted(drawn), seed, stratified)


def _sample(
    stations: Sequence[tuple[str, str, int]], drawn: list[str], seed: int, stratified: bool
) -> Sample:
    stratum_of = {station_id: stratum for station_id, stratum, _ in stations}
    counts, drawn_per = Counter(stratum_of.values()), Counter(stratum_of[i] for i in drawn)
    voters = Counter[str]()
    for _, stratum, registered in stations:
        voters[stratum] += registered
    strata = {s: StratumDraw(counts[s], voters[s], drawn_per[s]) for s in sorted(counts)}
    return Sample(tuple(drawn), seed, stratified, len(stations), strata, {i: stratum_of[i] for i in drawn})


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


def estimate_stratified(
    sample: Sample, results: Mapping[str, tuple[int, int]], weights: Mapping[str, int] | None = None
) -> StratifiedEstimate:
    """Combine per-stratum ratio estimates, weighted by stratum population (default: registered voters).

    p = Σ W_h p_h, Var = Σ W_h² Var_h (separate ratio estimator), each stratum with f_h = k_h / N_h.
    Strata without reports are left out (and warned about); weights are renormalised over the rest.
    """
    unknown = set(results) - set(sample.stratum_of)
    if unknown:
        raise ValueError(f"results for stations outside the sample: {sorted(unknown)[:5]}")
    grouped: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for station_id, pair in sorted(results.items()):
        grouped[sample.stratum_of[station_id]].append(pair)
    strata = {s: estimate(pairs, sample.strata[s].stations) for s, pairs in sorted(grouped.items())}
    population = weights or {s: draw.voters for s, draw in sample.strata.items()}
    combined = _combine(strata, population, len(results), sample.population_stations)
    return StratifiedEstimate(combined, strata, reporting_warnings(sample, results))


def _combine(strata: Mapping[str, Estimate], population: Mapping[str, int], n: int, big_n: int) -> Estimate:
    total = sum(population[s] for s in strata)
    if not total:
        return Estimate(None, None, n, 1 - Fraction(n, big_n), Fraction(0), None)
    shares = {s: Fraction(population[s], total) for s in strata}
    ratio = sum((shares[s] * e.ratio for s, e in strata.items()), Fraction(0))
    variance = sum((shares[s] ** 2 * (e.variance or 0) for s, e in strata.items()), Fraction(0))
    share = percent(ratio.numerator, ratio.denominator)
    return Estimate(share, _margin(variance, Z_95), n, 1 - Fraction(n, big_n), ratio, variance)


def reporting_warnings(sample: Sample, reported: Iterable[str]) -> tuple[SampleWarning, ...]:
    """Warn when few stations reported (< 30, or < 50 % of the sample) or a stratum is over/under-reported."""
    per_stratum = Counter(sample.stratum_of[i] for i in reported if i in sample.stratum_of)
    k, drawn = sum(per_stratum.values()), len(sample.station_ids)
    found: list[SampleWarning] = []
    if k < MIN_REPORTED_STATIONS:
        found.append(SampleWarning("few_stations", f"only {k} stations reported (fewer than 30)"))
    if Fraction(k, drawn) < MIN_REPORTED_SHARE:
        found.append(SampleWarning("low_share", f"only {k} of {drawn} sampled stations reported (< 50 %)"))
    return (*found, *_stratum_warnings(sample, per_stratum, k))


def _stratum_warnings(sample: Sample, per_stratum: Counter[str], k: int) -> list[SampleWarning]:
    found = []
    drawn_total = len(sample.station_ids)
    for stratum, draw in sample.strata.items():
        reported = per_stratum[stratum]
        if draw.drawn and reported < 2:
            code: WarningCode = "thin_stratum" if reported else "empty_stratum"
            found.append(SampleWarning(code, f"{stratum}: {reported} report(s), variance unknown", stratum))
        if k and abs(Fraction(reported, k) - Fraction(draw.drawn, drawn_total)) > MAX_STRATUM_SKEW:
            shares = f"{percent(reported, k)} % of reports, {percent(draw.drawn, drawn_total)} % of sample"
            found.append(SampleWarning("skewed_stratum", f"{stratum}: {shares}", stratum))
    return found


def _estimate(sums: _Sums, population_stations: int, z: Decimal) -> Estimate:
    if sums.k > population_stations:
        raise ValueError("more reported stations than stations in the population")
    fpc = 1 - Fraction(sums.k, population_stations)
    if sums.m == 0:
        return Estimate(None, None, sums.k, fpc, Fraction(0), None)
    ratio = Fraction(sums.a, sums.m)
    variance = _variance(sums, ratio, fpc)
    return Estimate(percent(sums.a, sums.m), _margin(variance, z), sums.k, fpc, ratio, variance)


def _variance(sums: _Sums, ratio: Fraction, fpc: Fraction) -> Fraction | None:
    """Var = (1 − f)/(k·m̄²) · Σ(a − p·m)²/(k − 1), with Σ(a − p·m)² = Σa² − 2pΣam + p²Σm² (exact)."""
    if sums.k < 2:
        return None
    squares = sums.aa - 2 * ratio * sums.am + ratio**2 * sums.mm
    mean_m = Fraction(sums.m, sums.k)
    return fpc / (sums.k * mean_m**2) * squares / (sums.k - 1)


def _margin(variance: Fraction | None, z: Decimal) -> Decimal | None:
    """Return z · √variance · 100 in percentage points, rounded half-up to 0.01."""
    if variance is None:
        return None
    with localcontext() as context:
        context.prec = 40
        root = (Decimal(variance.numerator) / Decimal(variance.denominator)).sqrt()
        return (z * root * 100).quantize(PERCENT_QUANTUM, ROUND_HALF_UP)
