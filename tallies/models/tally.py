"""Observer tallies per commission, and which copy of each station they include."""

from __future__ import annotations

from typing import Self

from django.db import models

from elections.models import Commission, Contest, PollingStation
from elections.protocol import Figures
from observers.models import Organization
from tallies.models.copies import (  # noqa: F401
    APPEND_ONLY,
    FigureRow,
    ProtocolCopy,
    _one_of_line_or_option,
    figures_from_rows,
)


class TotalsMixin(models.Model):
    """Totals kept as documents {code: votes} (derived data, recomputable from evidence)."""

    line_totals = models.JSONField(default=dict)
    option_totals = models.JSONField(default=dict)

    class Meta:
        abstract = True

    def figures(self) -> Figures:
        return Figures(self.line_totals, self.option_totals)

    def set_figures(self, figures: Figures) -> None:
        self.line_totals = {k: v for k, v in sorted(figures.lines.items())}
        self.option_totals = {k: v for k, v in sorted(figures.options.items())}


class ObserverTally(TotalsMixin):
    """One organisation's observer totals for a commission (any level) and contest."""

    organization = models.ForeignKey(Organization, models.PROTECT, related_name="tallies")
    contest = models.ForeignKey(Contest, models.PROTECT, related_name="observer_tallies")
    commission = models.ForeignKey(Commission, models.PROTECT, related_name="observer_tallies")
    stations_count = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "contest", "commission"], name="one_tally_per_unit"
            ),
        ]


class StationTallyStateQuerySet(models.QuerySet["StationTallyState"]):
    def stale(self) -> Self:
        """Stations whose current copy is not the one counted in the tallies."""
        return self.exclude(applied_copy_id=models.F("current_copy_id")).exclude(
            applied_copy__isnull=True, current_copy__isnull=True
        )


class StationTallyState(models.Model):
    """Which copy of a station counts (`current_copy`) and which is in the tallies (`applied_copy`).

    The submission sets `current_copy` in its own transaction; the tally job moves the
    tallies by the difference and sets `applied_copy`. A stale row is therefore the outbox:
    if a task message is lost, the periodic sweep finds the row and applies it.
    """

    organization = models.ForeignKey(Organization, models.PROTECT, related_name="+")
    contest = models.ForeignKey(Contest, models.PROTECT, related_name="+")
    station = models.ForeignKey(PollingStation, models.PROTECT, related_name="tally_states")
    current_copy = models.ForeignKey(ProtocolCopy, models.PROTECT, null=True, related_name="+")
    applied_copy = models.ForeignKey(ProtocolCopy, models.PROTECT, null=True, related_name="+")

    objects = StationTallyStateQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "contest", "station"], name="one_state_per_station"
            ),
        ]
