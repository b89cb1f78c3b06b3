"""Election forensics on station figures: statistical leads for observers, never verdicts.

Reads an official snapshot's station protocols, or the organisation's copies once it has at
least MIN_OBSERVER_STATIONS; runs tallies.analysis.forensics and .integers; stores the figures as
JSON: the fingerprint as sparse [turnout %, leader share %, stations] cells, the integer-percentage
tests of Kobak et al. (2016) by their method (turnout, leader, either; p-values are floats; the seed
and the number of draws kept) with 0.1-point histograms, the last-digit test per option where it is
valid, and the largest outliers with the side of their commission's median. Every figure is a lead
with its assumptions (stated on the page), never a verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

from elections.models import Contest
from elections.numbers import percent
from observers.models import Organization
from tallies.analysis import forensics as tests
from tallies.analysis import integers
from tallies.models import AnalysisRun
from tallies.selectors import input_versions as versions
from tallies.services.analysis.errors import AnalysisError
from tallies.services.analysis.station_data import (
    StationData,
    observer_station_data,
    official_station_data,
)

OFFICIAL, OBSERVERS = "official", "observers"
MIN_OBSERVER_STATIONS = 500
METHOD = "kobak2016"  # stored in the inputs: runs of an earlier method are neither shown nor reused
PARAMETERS = {"method": METHOD, "bins": 100, "simulations": integers.SIMULATIONS, "seed": 0, "window": "1/20"}
PARAMETERS |= {"outlier_k": "3", "alpha": "0.001"}
OUTLIERS_KEPT = 200
TENTHS = 1000  # histogram bins per unit ratio: 0.1 percentage point


def inputs(organization: Organization, contest: Contest, parameters: dict[str, Any]) -> dict[str, Any]:
    """Return the source with its version (snapshot id, or copies and newest copy id) and parameters."""
    if parameters.get("source", OFFICIAL) == OBSERVERS:
        copies = versions.copies_version(organization, contest)
        if copies["copies"] < MIN_OBSERVER_STATIONS:
            raise AnalysisError(
                _("Too few copies for forensics: at least %(n)d are needed.") % {"n": MIN_OBSERVER_STATIONS}
            )
        return {"source": OBSERVERS, **copies, **PARAMETERS}
    snapshot = versions.station_snapshot(contest, parameters.get("snapshot_id"))
    if snapshot is None:
        raise AnalysisError(_("No official station protocols have been imported for this contest."))
    return {"source": OFFICIAL, "snapshot_id": snapshot.pk, **PARAMETERS}


def compute(run: AnalysisRun) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read the stations and run the four tests; return (inputs, result)."""
    current = inputs(run.organization, run.contest, run.inputs)
    if current["source"] == OBSERVERS:
        data = observer_station_data(run.organization, run.contest)
    else:
        data = official_station_data(run.contest.official_snapshots.get(pk=current["snapshot_id"]))
    return current, analyse(data, current)


def analyse(data: StationData, parameters: dict[str, Any]) -> dict[str, Any]:
    """Run the fingerprint, the integer-percentage, last-digit and outlier tests on station data."""
    return {
        "stations": len(data.stations),
        "leader": data.leader,
        "fingerprint": fingerprint(data, parameters["bins"]),
        "integer": integer(data, parameters),
        "digits": digits(data.option_counts, float(parameters["alpha"])),
        "outliers": outliers(data, Fraction(parameters["outlier_k"])),
    }


def fingerprint(data: StationData, bins: int) -> dict[str, Any]:
    """Return the 2-D histogram as sparse cells [turnout bin, leader-share bin, stations]."""
    found = tests.fingerprint((((s.took_part, s.voters), (s.leader, s.ballots)) for s in data.stations), bins)
    cells = [[t, s, n] for t, row in enumerate(found.counts) for s, n in enumerate(row) if n]
    return {"bins": bins, "stations": found.stations, "cells": cells}


def integer(data: StationData, parameters: dict[str, Any]) -> dict[str, Any] | None:
    """Return the paper's three tests, each flagged when its Monte Carlo p-value is under alpha.

    None when no station passes the paper's inclusion rule. Raises ValueError when the number of
    simulations could not bring the Monte Carlo p-value under alpha (it is at least 1 / (draws + 1)).
    """
    alpha, simulations = float(parameters["alpha"]), parameters["simulations"]
    if 1 / (simulations + 1) >= alpha:
        raise ValueError(f"{simulations} simulations cannot give a p-value under {alpha}")
    stations = [integers.StationFigures(s.voters, s.took_part, s.ballots, s.leader) for s in data.stations]
    try:
        found = integers.integer_percent_tests(
            stations, simulations, parameters["seed"], Fraction(parameters["window"])
        )
    except ValueError:
        return None
    kept = [s for s in stations if s.is_included]
    turnout, leader = [(s.issued, s.voters) for s in kept], [(s.leader, s.ballots) for s in kept]
    return {
        "stations": found.stations,
        "excluded": found.excluded,
        "simulations": found.simulations,
        "seed": found.seed,
        "generator": found.generator,
        "leader_denominator": "ballots" if data.has_invalid_line else "valid",
        "turnout": _test(found.turnout, alpha) | {"histogram": histogram(turnout), "tenths": tenths(turnout)},
        "leader": _test(found.leader, alpha) | {"histogram": histogram(leader), "tenths": tenths(leader)},
        "combined": _test(found.combined, alpha),
    }


def _test(test: integers.IntegerPercentTest, alpha: float) -> dict[str, Any]:
    return {
        "observed": test.observed,
        "expected": round(test.expected, 1),
        "excess": round(test.excess, 1),
        "sd": round(test.sd, 1),
        "simulated_mean": round(test.simulated_mean, 1),
        "simulated_sd": round(test.simulated_sd, 1),
        "z": round(test.z, 2),
        "p_value": test.p_value,
        "p_value_monte_carlo": test.p_value_monte_carlo,
        "is_excess": test.p_value_monte_carlo < alpha,
    }


def histogram(ratios: Sequence[tuple[int, int]]) -> list[int]:
    """Count stations per 0.1 percentage point of the ratio: TENTHS + 1 bins, the last is 100 %."""
    counts = [0] * (TENTHS + 1)
    for k, n in ratios:
        counts[min(k * TENTHS // n, TENTHS)] += 1
    return counts


def tenths(ratios: Sequence[tuple[int, int]]) -> list[int]:
    """Count stations (strictly between 0 and 100 %) by the tenth digit of the rounded percentage.

    Digit 0 is a percentage within ±0.05 of a whole number: about a tenth of the stations by
    chance, more where figures were written to whole percentages.
    """
    counts = [0] * 10
    for k, n in ratios:
        if 0 < k < n:
            counts[(2 * TENTHS * k + n) // (2 * n) % 10] += 1
    return counts


def digits(option_counts: dict[str, list[int]], alpha: float) -> dict[str, Any] | None:
    """Return the last-digit test of each option, and whether any applicable one is a lead.

    A lead: p under alpha divided by the number of options tested (Bonferroni: several options are
    tested at once). None when no option has votes.
    """
    found = tests.last_digit_tests(option_counts)
    if not found:
        return None
    tested = sum(1 for test in found if test.applies)
    threshold = alpha / tested if tested else alpha
    options = [_digit_test(test, threshold) for test in found]
    return {
        "tested": tested,
        "threshold": threshold,
        "is_lead": any(o["is_lead"] for o in options),
        "options": options,
    }


def _digit_test(test: tests.LastDigitTest, threshold: float) -> dict[str, Any]:
    return {
        "option": test.option,
        "counts": test.counts,
        "digits": test.digits,
        "slope_bias": round(test.slope_bias, 2),
        "chi_square": None if test.chi_square is None else round(test.chi_square, 2),
        "p_value": test.p_value,
        "reason": test.reason,
        "is_lead": test.p_value is not None and test.p_value < threshold,
    }


def outliers(data: StationData, k: Fraction) -> dict[str, Any]:
    """Return how many stations lie over k robust SDs above and below their TEC's median turnout,
    and the largest, each with its side of the median ("above" or "below")."""
    by_id = {str(s.station_id): s for s in data.stations}
    found = tests.outliers_by_group(
        (str(s.station_id), str(s.tec_id), (s.took_part, s.voters)) for s in data.stations
    )
    top = [
        {
            "station_id": int(o.station_id),
            "number": by_id[o.station_id].number,
            "tec": data.tec_names.get(by_id[o.station_id].tec_id, ""),
            "turnout": str(percent(o.turnout.numerator, o.turnout.denominator)),
            "median": str(percent(o.median.numerator, o.median.denominator)),
            "score": str(percent(o.score.numerator, 100 * o.score.denominator)),
            "side": o.side,
        }
        for o in found[:OUTLIERS_KEPT]
    ]
    above = sum(1 for o in found if o.side == "above")
    return {"count": len(found), "above": above, "below": len(found) - above, "top": top}


RELEASE_METHOD = (
    "Integer percentages by the method of Kobak, Shpilkin & Pshenichnikov (2016), Annals of Applied "
    "Statistics 10(1):54-73 (code: github.com/dkobak/elections): stations whose turnout (ballots issued / "
    "voters on the list), leader's share (leader's votes / valid + invalid ballots), or either, lie within "
    "±0.05 points of a whole percent, bounds included; stations with fewer than 100 voters, no ballot in "
    "the boxes or a figure above 99 % are left out; expected counts and spread under independent binomial "
    "redraws of every station, Monte Carlo p-value from the recorded seed, a lead when under 0.001. "
    "Last digits: per option, counts of 100 votes and more, run only where the counts' slope alone would "
    "add at most 1 to the chi-square (Beber & Scacco 2012; Mebane 2006), threshold 0.001 divided by the "
    "options tested. Outliers: turnout more than 3 robust SDs from the median of the station's TEC "
    "(Leys et al. 2013), counted above and below the median."
)
RELEASE_ASSUMPTIONS = (
    "Leads, not verdicts: each test assumes honest figures vary smoothly between stations (binomially "
    "around each station's value, last digits uniform, stations of one TEC alike). A lead says where to "
    "look; honest causes can produce one too."
)


def release_summary(run: AnalysisRun) -> dict[str, Any]:
    """Return a done forensics run as a release shows it (summary_of its result)."""
    computed_at = run.finished_at or run.started_at
    return summary_of(run.result, run.inputs.get("source"), run.contest, computed_at)


def summary_of(
    result: dict[str, Any], source: str | None, contest: Contest, computed_at: datetime
) -> dict[str, Any]:
    """Return an analyse() result as a release shows it: the method and assumptions in words, the
    three integer-percentage tests in order (turnout, leader, either), each option's last-digit
    finding (named as on the ballot) and the outlier counts (no station list). A coalition's
    release gives the pool's result (tallies.services.analysis.pooled.pooled_forensics)."""
    digits_block, outlier_block = result.get("digits") or {}, result.get("outliers") or {}
    names = dict(contest.options.values_list("code", "name"))
    return {
        "computed_at": computed_at.isoformat(),
        "source": source,
        "stations": result.get("stations"),
        "leader": result.get("leader"),
        "method": RELEASE_METHOD,
        "assumptions": RELEASE_ASSUMPTIONS,
        "integer": _release_integer(result.get("integer") or {}),
        "digits": [
            {"name": names.get(o["option"], o["option"])} | {k: v for k, v in o.items() if k != "digits"}
            for o in digits_block.get("options", [])
        ],
        "outliers": {key: outlier_block.get(key) for key in ("count", "above", "below")},
    }


def _release_integer(block: dict[str, Any]) -> dict[str, Any] | None:
    if not block:
        return None
    keys = ("stations", "excluded", "simulations", "seed", "generator", "leader_denominator")
    kept = ("observed", "expected", "excess", "simulated_sd", "p_value_monte_carlo", "p_value", "is_excess")
    tests = [
        {"test": name} | {key: block[name][key] for key in kept}
        for name in ("turnout", "leader", "combined")
        if name in block
    ]
    return {key: block.get(key) for key in keys} | {"tests": tests}
