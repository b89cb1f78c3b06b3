"""Observer tallies per commission, and which copy of each station they include."""

from __future__ import annotations

from collections.abc import Iterable
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
    """One organisation's observer totals for a commission (any level) and contest.

    Coverage (partial copies, issue 14): a copy may lack figures marked "not on the copy /
    unreadable". Each total is the sum over the counted stations that give that figure, never
    a missing one taken as 0. `missing` says, per ``lines.<code>``/``options.<code>``, how many
    of the `stations_count` counted stations lack it (only codes some station lacks), so the
    stations contributing a figure are `stations_count - missing[key]` (`coverage`); a code no
    counted station gives has no total. `partial_stations` counts the stations lacking any.
    """

    organization = models.ForeignKey(Organization, models.PROTECT, related_name="tallies")
    contest = models.ForeignKey(Contest, models.PROTECT, related_name="observer_tallies")
    commission = models.ForeignKey(Commission, models.PROTECT, related_name="observer_tallies")
    stations_count = models.IntegerField(default=0)
    missing = models.JSONField(default=dict)
    partial_stations = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "contest", "commission"], name="one_tally_per_unit"
            ),
        ]

    @property
    def complete_stations(self) -> int:
        """Counted stations whose copies give every figure of the form."""
        return self.stations_count - self.partial_stations

    def coverage(self, key: str) -> int:
        """The counted stations that give the figure `key` (``lines.<code>``/``options.<code>``)."""
        return self.stations_count - self.missing.get(key, 0)

    def lacks_any(self, keys: Iterable[str]) -> bool:
        """Whether some counted station lacks one of `keys`: a ratio of them would mix stations."""
        return any(self.missing.get(key, 0) for key in keys)


class StationTallyStateQuerySet(models.QuerySet["StationTallyState"]):
    def stale(self) -> Self:
        """Stations changed (a copy, a quarantine, a resolution) since the tallies last counted them."""
        return self.exclude(applied_version=models.F("wanted_version"))

    def counted(self) -> Self:
        return self.filter(is_counted=True)


class StationTallyState(models.Model):
    """What of a station counts in the tallies, and whether the tallies are up to date with it.

    Every event that can change a station's accepted figures (a copy, a revision, a quarantine
    or its release, a conflict resolution) raises `wanted_version` in its own transaction. The
    tally job derives the accepted figures, moves the tallies by (accepted − `applied_*`), and
    records them with `applied_version`. A stale row is the outbox: if a task message is lost,
    the periodic sweep finds the row and applies it. A station in conflict (copies disagree on a
    line nobody resolved) is not counted until resolved; `conflicts` lists the codes.
    """

    organization = models.ForeignKey(Organization, models.PROTECT, related_name="+")
    contest = models.ForeignKey(Contest, models.PROTECT, related_name="+")
    station = models.ForeignKey(PollingStation, models.PROTECT, related_name="tally_states")
    current_copy = models.ForeignKey(
        ProtocolCopy, models.PROTECT, null=True, related_name="+", help_text="The newest copy."
    )
    wanted_version = models.PositiveBigIntegerField(default=0)
    applied_version = models.PositiveBigIntegerField(default=0)
    is_counted = models.BooleanField(default=False)
    applied_lines = models.JSONField(default=dict)
    applied_options = models.JSONField(default=dict)
    conflicts = models.JSONField(default=list)

    objects = StationTallyStateQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "contest", "station"], name="one_state_per_station"
            ),
        ]

    def applied_figures(self) -> Figures:
        return Figures(self.applied_lines, self.applied_options)
