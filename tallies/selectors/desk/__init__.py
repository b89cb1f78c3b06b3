"""Reads of the coordinator desk: review queues, a station's copies side by side, blind-entry diffs.

Every read is scoped to one organisation and contest, and to a Q on stations (the coordinator's
territory and the chosen region or TEC, see `station_filter`). Codes are "lines.<code>" and
"options.<code>", as in StationTallyState.conflicts.
"""

from tallies.selectors.desk.queues import (
    QUEUES,
    ConflictRow,
    conflict_rows,
    filter_choices,
    queue,
    queue_counts,
    station_filter,
)
from tallies.selectors.desk.station import AuditRow, DeskRow, DiffRow, StationDesk, blind_diff, station_desk

__all__ = [
    "QUEUES",
    "AuditRow",
    "ConflictRow",
    "DeskRow",
    "DiffRow",
    "StationDesk",
    "blind_diff",
    "conflict_rows",
    "filter_choices",
    "queue",
    "queue_counts",
    "station_desk",
    "station_filter",
]
