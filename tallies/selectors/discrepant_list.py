"""The discrepant stations under a commission: the list the results pages and API page through.

Ordered by the PEC path each StationComparison keeps (tallies migration 0039), so a page is an
index range scan on (run, is_discrepant, path) that stops at its last row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from elections.models import PollingStation
from tallies.models import StationComparison
from tallies.selectors import station_sets
from tallies.selectors.commission import CommissionResults
from tallies.selectors.layout import ComparedRow

DISCREPANT_PER_PAGE = 50


@dataclass(frozen=True)
class DiscrepantStation:
    """A station whose copy differs from the official protocol, with the differing rows."""

    station: PollingStation
    differences: list[ComparedRow]


def discrepant_comparisons(results: CommissionResults) -> QuerySet[StationComparison]:
    """Return the discrepant stations under the commission (station_sets.discrepant), in the order
    of their PECs' paths (byte order: the commission tree's).

    Ordered by the path each comparison keeps, so that a page is read from the comparisons'
    (run, is_discrepant, path) index and stops at its last row, whatever the election's size.
    """
    rows = station_sets.discrepant(results.run, results.commission)
    return rows.select_related("station__pec__parent").order_by("path")


def discrepant_stations(
    results: CommissionResults, comparisons: Iterable[StationComparison]
) -> list[DiscrepantStation]:
    """Label each comparison's differing lines (number + label) and options (short name)."""
    return [DiscrepantStation(c.station, results.layout.differences(c.differences)) for c in comparisons]


def discrepant_page(
    results: CommissionResults, page_number: int | str | None, per_page: int = DISCREPANT_PER_PAGE
) -> Page:
    """Return one page of discrepant stations (a bad or too large page number gives the nearest page)."""
    paginator = Paginator(discrepant_comparisons(results), per_page)
    if results.figures_status == "current":  # the stored count is this one (stored_figures): no COUNT
        paginator.count = results.stations_discrepant
    page = paginator.get_page(page_number)
    page.object_list = discrepant_stations(results, page.object_list)  # type: ignore[assignment]
    return page
