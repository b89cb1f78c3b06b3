"""How soon a stored derived result is computed again (CoalitionPool, CommissionFiguresState).

On election night every tally job moves these results' inputs, so a refresh asked for whenever
they moved would run back to back: a coalition's pool with its forensics took about 49 s of one
core at 100,000 stations, a commission's figures about 5 s (docs/benchmarks.md). After each
refresh the result rests: no new refresh may be claimed until `rest_until`, which is the refresh's
own duration times STORED_FIGURES_REST_SHARE after it finished, and at least
STORED_FIGURES_MIN_REST seconds (settings; defaults 1 and 10). With the defaults one result takes at
most half a core. While it rests, its pages show the stored figures "as of" their time and say
they are being updated; the next reading, tally job or minute's sweep after the rest asks again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone


def rest_until(started: datetime, finished: datetime | None = None) -> datetime:
    """When a result computed from `started` to `finished` (default: now) may be refreshed again."""
    finished = finished or timezone.now()
    took = (finished - started) * float(settings.STORED_FIGURES_REST_SHARE)
    return finished + max(took, timedelta(seconds=settings.STORED_FIGURES_MIN_REST))


def rested(now: datetime) -> Q:
    """The rows whose rest is over at `now` (or that never rested)."""
    return Q(rest_until__isnull=True) | Q(rest_until__lte=now)
