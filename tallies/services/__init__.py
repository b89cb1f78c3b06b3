"""Write workflows of the tallies app, one module per workflow.

Callers use the module: ``from tallies import services; services.submit_protocol_copy(...)``.
"""

from tallies.services.official_import import import_official_results, import_stations_file
from tallies.services.official_tallies import (
    schedule_snapshot_tally,
    sweep_untallied_snapshots,
    tally_official_snapshot,
)
from tallies.services.reconciliation import reconcile
from tallies.services.submission import SubmittedCopy, submit_protocol_copy
from tallies.services.tallying import (
    apply_station_tally,
    recompute_observer_tallies,
    sweep_stale_tallies,
    touch_station,
)

__all__ = [
    "SubmittedCopy",
    "apply_station_tally",
    "import_official_results",
    "import_stations_file",
    "recompute_observer_tallies",
    "reconcile",
    "schedule_snapshot_tally",
    "submit_protocol_copy",
    "sweep_stale_tallies",
    "sweep_untallied_snapshots",
    "tally_official_snapshot",
    "touch_station",
]
