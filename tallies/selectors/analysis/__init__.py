"""Report-shaped reads for the analysis pages: runs and their freshness, seats, quick count, forensics.

Pages read stored runs only (tallies.services.analysis computes them); every figure comes with
what it is based on. Tables for CSV are in `tables`, chart data (json_script) in `charts`.
"""

from tallies.selectors.analysis.forensics import ForensicsPage, forensics_page
from tallies.selectors.analysis.quick_count import (
    QuickCountPage,
    latest_sample,
    quick_count_page,
    sampled_stations,
)
from tallies.selectors.analysis.runs import RunState, run_state
from tallies.selectors.analysis.seats import parties, seat_rows, seat_rule, seats_table, share_seat_rows

__all__ = [
    "ForensicsPage",
    "QuickCountPage",
    "RunState",
    "forensics_page",
    "latest_sample",
    "parties",
    "quick_count_page",
    "run_state",
    "sampled_stations",
    "seat_rows",
    "seat_rule",
    "seats_table",
    "share_seat_rows",
]
