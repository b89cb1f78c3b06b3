"""Analysis runs: seats, quick count and forensics, computed in Celery and stored with their inputs.

Callers use the package: ``from tallies.services import analysis; analysis.request_run(...)``.
"""

from tallies.services.analysis.errors import AnalysisError, QuickCountError, SampleFrozenError
from tallies.services.analysis.quick_count import draw_sample, freeze_sample
from tallies.services.analysis.runs import compute_run, current_inputs, request_run
from tallies.services.analysis.seats import seats_from_shares

__all__ = [
    "AnalysisError",
    "QuickCountError",
    "SampleFrozenError",
    "compute_run",
    "current_inputs",
    "draw_sample",
    "freeze_sample",
    "request_run",
    "seats_from_shares",
]
