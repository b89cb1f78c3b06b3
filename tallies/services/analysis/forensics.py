"""Election forensics on station figures: statistical leads for observers, never verdicts.

Reads an official snapshot's station protocols, or the organisation's copies once it has at
least MIN_OBSERVER_STATIONS; runs tallies.analysis.forensics; stores the figures as JSON:
the fingerprint as sparse [turnout %, leader share %, stations] cells, integer-percentage tests
(p-values are floats) with 0.1-point histograms, the last-digit test and the largest outliers.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

from elections.models import Contest
from elections.numbers import percent
from observers.models import Organization
from tallies.analysis import forensics as tests
from tallies.models import AnalysisRun
from tallies.services.analysis import versions
from tallies.services.analysis.errors import AnalysisError
from tallies.services.analysis.station_data import (
    StationData,
    observer_station_data,
    official_station_data,
)

OFFICIAL, OBSERVERS = "official", "observers"
MIN_OBSERVER_STATIONS = 500
PARAMETERS = {"bins": 100, "simulations": 200, "seed": 0, "window": "1/20", "min_denominator": 100}
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
    turnout = [(s.took_part, s.voters) for s in data.stations]
    leader = [(s.leader, s.votes) for s in data.stations]
    return {
        "stations": len(data.stations),
        "leader": data.leader,
        "fingerprint": fingerprint(data, parameters["bins"]),
        "integer": {"turnout": integer(turnout, parameters), "leader": integer(leader, parameters)},
        "digits": digits(data.option_counts),
        "outliers": outliers(data, Fraction(parameters["outlier_k"])),
    }


def fingerprint(data: StationData, bins: int) -> dict[str, Any]:
    """Return the 2-D histogram as sparse cells [turnout bin, leader-share bin, stations]."""
    found = tests.fingerprint((((s.took_part, s.voters), (s.leader, s.votes)) for s in data.stations), bins)
    cells = [[t, s, n] for t, row in enumerate(found.counts) for s, n in enumerate(row) if n]
    return {"bins": bins, "stations": found.stations, "cells": cells}


def integer(ratios: Sequence[tuple[int, int]], parameters: dict[str, Any]) -> dict[str, Any]:
    """Return the integer-percentage test, whether p < alpha, and the 0.1-point histograms."""
    result = tests.integer_percent_excess(
        ratios,
        simulations=parameters["simulations"],
        seed=parameters["seed"],
        window=Fraction(parameters["window"]),
        min_denominator=parameters["min_denominator"],
    )
    kept = [(k, n) for k, n in ratios if n >= parameters["min_denominator"]]
    return {
        "observed": result.observed,
        "expected": round(result.expected, 1),
        "simulated_sd": round(result.simulated_sd, 1),
        "z": round(result.z, 2),
        "p_value": result.p_value,
        "p_value_monte_carlo": result.p_value_monte_carlo,
        "stations": result.stations,
        "is_excess": result.p_value < float(parameters["alpha"]),
        "histogram": histogram(kept),
        "tenths": tenths(kept),
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


def digits(option_counts: list[int]) -> dict[str, Any] | None:
    """Return the last-digit test of option votes of 10 and more (None when there are none)."""
    try:
        result = tests.last_digit_test(option_counts)
    except ValueError:
        return None
    return {"chi_square": round(result.chi_square, 2), "p_value": result.p_value, "digits": result.digits}


def outliers(data: StationData, k: Fraction) -> dict[str, Any]:
    """Return how many stations lie over k robust SDs from their TEC's median turnout, and the largest."""
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
        }
        for o in found[:OUTLIERS_KEPT]
    ]
    return {"count": len(found), "top": top}
