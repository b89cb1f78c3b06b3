"""A coalition's quick count, forensics and seats: the same services, given the pool as input.

Issue 15: the coalition's analyses are computed by the same services as one organisation's, from
the members' pooled accepted figures (tallies.selectors.pool.pool: a station several members
cover counts once; a station in conflict is not counted). The seats and forensics of the whole
pool are computed by the task that stores it (tallies.services.coalition_pool), the quick count
on the sample's stations when asked for.
"""

from __future__ import annotations

from typing import Any

from tallies.models import QuickCountSample
from tallies.selectors import input_versions as versions
from tallies.selectors.pool import Pool
from tallies.services.analysis import forensics, quick_count, reports, seats
from tallies.services.analysis.errors import AnalysisError, QuickCountError
from tallies.services.analysis.station_data import figures_station_data


def pooled_seats(pooled: Pool) -> dict[str, Any]:
    """Seats from the official figures and from the pool's total (seats.allocate_both)."""
    counted = pooled.counted()
    observer = (pooled.total(), len(counted)) if counted else None
    return seats.allocate_both(pooled.contest, versions.official_snapshot(pooled.contest), observer)


def pooled_forensics(pooled: Pool) -> dict[str, Any]:
    """The four forensics tests on the pool's counted stations (forensics.analyse, its parameters).

    Raises AnalysisError with fewer than forensics.MIN_OBSERVER_STATIONS stations, as for one
    organisation's copies.
    """
    counted = pooled.counted()
    if len(counted) < forensics.MIN_OBSERVER_STATIONS:
        raise AnalysisError(
            f"Too few stations in the pool for forensics: at least {forensics.MIN_OBSERVER_STATIONS}."
        )
    parameters = {"source": forensics.OBSERVERS, **forensics.PARAMETERS}
    return forensics.analyse(figures_station_data(pooled.contest, counted), parameters)


def pooled_quick_count(pooled: Pool, sample: QuickCountSample) -> dict[str, Any]:
    """Estimate from a member's drawn sample, a sampled station reporting when the pool counts it.

    Raises QuickCountError when the sample is not a member's sample of the pool's contest.
    """
    if sample.contest_id != pooled.contest.pk or sample.organization_id not in {o.pk for o in pooled.members}:
        raise QuickCountError("Choose a sample a member drew for this contest.")
    drawn = set(sample.stations.values_list("station_id", flat=True))
    figures = {pk: f for pk, f in pooled.counted().items() if pk in drawn}
    order = reports.arrival_order([o.pk for o in pooled.members], pooled.contest, list(figures))
    found = reports.reports_of(pooled.contest, figures, order)
    population = quick_count.population(pooled.contest)
    return reports.estimate_sample(sample.organization, pooled.contest, sample, population, reports=found)
