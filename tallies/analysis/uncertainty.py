"""When an observer figure from a commission's copies may carry a margin, and which one (issue 22).

Observers' copies are not a random sample: they come from the stations where observers were
admitted, often a few cities, i.e. a few TECs. Three rules, applied per commission:

1. **Never a comparison from one copy.** With one station the observer figure is shown as "at
   the 1 observed station", without a difference from the official figure and without a margin.
2. **Minimum design for a margin.** A margin (and the words "outside the margin") needs at least
   MIN_STATIONS stations with copies and MIN_TECS territorial commissions among them. Below
   either, the observer figure is shown "at the N observed stations", with no margin.
   - MIN_STATIONS = 30: the quick count's own minimum of reported stations
     (tallies.analysis.quickcount.MIN_REPORTED_STATIONS; landscape.md §10).
   - MIN_TECS = 5: with G clusters the variance has G − 1 degrees of freedom; under 5 the
     Student quantile exceeds 2.78 and the variance estimate itself is unreliable (Cameron &
     Miller, "A Practitioner's Guide to Cluster-Robust Inference", J. Human Resources 50(2),
     2015, §VI "Few clusters").
3. **Clustered copies widen the margin.** Copies in the same TEC share its voters and its
   commission, so they are not independent: the margin treats each TEC as one unit (the ratio
   estimator over TEC totals of the copies, Cochran, Sampling Techniques, 3rd ed. 1977, §6.6
   and §9.2 on cluster sampling), with no finite-population correction (the TECs with copies
   were not drawn at random), and the Student t quantile with G − 1 degrees of freedom instead
   of 1.96 (Cameron & Miller 2015, §VI.C).

T_975 is the two-sided 95 % (0.975) quantile of Student's t from the NIST/SEMATECH e-Handbook of
Statistical Methods, §1.3.6.7.2 "Critical values of the Student's t distribution"; between
tabulated degrees of freedom the next lower one is used (a slightly wider, never narrower,
margin; above 120, the 120 one, 1.980, not the normal 1.960).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from tallies.analysis.quickcount import Estimate, estimate

MIN_STATIONS = 30
MIN_TECS = 5
NO_CORRECTION = 10**12  # clusters in the "population": the finite-population correction ≈ 1 (off)
T_975: dict[int, Decimal] = {
    df: Decimal(value)
    for df, value in {
        1: "12.706",
        2: "4.303",
        3: "3.182",
        4: "2.776",
        5: "2.571",
        6: "2.447",
        7: "2.365",
        8: "2.306",
        9: "2.262",
        10: "2.228",
        11: "2.201",
        12: "2.179",
        13: "2.160",
        14: "2.145",
        15: "2.131",
        16: "2.120",
        17: "2.110",
        18: "2.101",
        19: "2.093",
        20: "2.086",
        21: "2.080",
        22: "2.074",
        23: "2.069",
        24: "2.064",
        25: "2.060",
        26: "2.056",
        27: "2.052",
        28: "2.048",
        29: "2.045",
        30: "2.042",
        40: "2.021",
        60: "2.000",
        120: "1.980",
    }.items()
}
Z_975 = Decimal("1.960")
Reason = Literal["one_copy", "few_stations", "few_tecs"]


def t_975(degrees_of_freedom: int) -> Decimal:
    """Student's t 0.975 quantile (two-sided 95 %) for `degrees_of_freedom` ≥ 1; raise ValueError below."""
    if degrees_of_freedom < 1:
        raise ValueError("Student's t needs at least one degree of freedom")
    return T_975[max(df for df in T_975 if df <= degrees_of_freedom)]


@dataclass(frozen=True)
class Design:
    """How a commission's copies are spread: stations, TECs, and why a margin is withheld.

    `reasons` is empty when a margin may be given; `quantile` is the Student t used then.
    """

    stations: int
    tecs: int
    reasons: tuple[Reason, ...]
    quantile: Decimal | None

    @property
    def comparable(self) -> bool:
        """At least two stations: an observer figure may be set against the official one."""
        return self.stations >= 2

    @property
    def has_margin(self) -> bool:
        return not self.reasons


def design_of(tec_paths: Iterable[str]) -> Design:
    """The design of copies given the TEC (parent) path of each station with a copy."""
    paths = list(tec_paths)
    stations, tecs = len(paths), len(set(paths))
    reasons: list[Reason] = []
    if stations == 1:
        reasons.append("one_copy")
    elif stations < MIN_STATIONS:
        reasons.append("few_stations")
    if stations > 1 and tecs < MIN_TECS:
        reasons.append("few_tecs")
    quantile = None if reasons or not stations else t_975(tecs - 1)
    return Design(stations, tecs, tuple(reasons), quantile)


@dataclass(frozen=True)
class ClusteredShare:
    """An observer share (percent, 0.01) and its margin (points) under `design`, or no margin."""

    share: Decimal | None
    margin: Decimal | None
    estimate: Estimate


def clustered_share(pairs: Iterable[tuple[str, int, int]], design: Design) -> ClusteredShare:
    """Estimate a share from (TEC path, part, whole) per station with a copy; margin per the rules.

    The share is Σpart / Σwhole over the stations (the same whatever the clustering); the margin
    is the ratio estimator's over TEC totals with the Student quantile, only when the design
    allows one.
    """
    by_tec: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for tec, part, whole in pairs:
        by_tec[tec][0] += part
        by_tec[tec][1] += whole
    clusters = [(part, whole) for part, whole in by_tec.values()]
    quantile = design.quantile or Z_975
    result = estimate(clusters, max(NO_CORRECTION, len(clusters)), quantile)
    margin = result.margin_of_error_95 if design.has_margin else None
    return ClusteredShare(result.share, margin, result)
