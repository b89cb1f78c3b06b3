"""Why an analysis cannot run or a quick-count sample cannot change; messages are for people.

HTTP (config.api.exception_handler): 400, SampleFrozenError 409 (a conflict with a frozen sample).
"""

from tallies.errors import TalliesError


class AnalysisError(TalliesError):
    """An analysis that cannot be computed from the data at hand (no rule, no figures, ...)."""


class QuickCountError(AnalysisError):
    """A quick-count sample that cannot be drawn or frozen as asked."""


class SampleFrozenError(QuickCountError):
    """The organisation's sample for the contest is frozen: it can be neither redrawn nor changed."""

    http_status = 409
