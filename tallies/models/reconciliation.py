"""Reconciliation results: station comparisons and their roll-ups per commission."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
from tallies.models.official import OfficialProtocol, OfficialSnapshot

if TYPE_CHECKING:
    from tallies.selectors.complete_stations import Subset


class ReconciliationRun(models.Model):
    """One comparison of an organisation's copies with an official snapshot, with its inputs."""

    organization = models.ForeignKey(Organization, models.PROTECT, related_name="reconciliations")
    contest = models.ForeignKey(Contest, models.PROTECT, related_name="reconciliations")
    snapshot = models.ForeignKey(OfficialSnapshot, models.PROTECT, related_name="reconciliations")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    copies_considered = models.PositiveIntegerField(default=0)
    last_copy_id = models.BigIntegerField(default=0, help_text=_("Newest copy id included."))
    inputs_version = models.BigIntegerField(
        default=0, help_text=_("Sum of the stations' applied versions: changes with any input.")
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"


class StationComparison(models.Model):
    """A station's current observer copy against the official protocol of the same station."""

    run = models.ForeignKey(ReconciliationRun, models.CASCADE, related_name="stations")
    station = models.ForeignKey(PollingStation, models.PROTECT, related_name="+")
    copy = models.ForeignKey(ProtocolCopy, models.PROTECT, related_name="+")
    official = models.ForeignKey(OfficialProtocol, models.PROTECT, related_name="+")
    is_discrepant = models.BooleanField(db_index=True)
    # The station's PEC path (Commission.path) when compared, kept equal to it afterwards by the
    # triggers of migration 0039 (a PEC's path edited, a station moved to another PEC): the pages
    # list and page the stations under a commission by this copy, so that the first page of a
    # national list is read from the index below instead of sorting every comparison. Collation
    # "C": byte order is the order of the commission tree, and a prefix (LIKE 'RU/77/%') is a
    # range of that index whatever the database's own collation.
    path = models.CharField(max_length=1000, db_collation="C")
    differences = models.JSONField(
        default=dict, help_text=_("{'lines'|'options': {code: [observer, official]}}")
    )
    # Figures one side lacks (a copy's "not on the copy", an official row's blank): not compared,
    # never a difference; ["lines.<code>", "options.<code>", …] sorted.
    not_compared = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "station"], name="one_comparison_per_station"),
        ]
        indexes = [
            models.Index(fields=["run", "is_discrepant", "path"], name="comparison_run_discrepant_path"),
        ]


class CommissionReconciliation(models.Model):
    """Roll-up of station comparisons for one commission; totals over compared stations only."""

    run = models.ForeignKey(ReconciliationRun, models.CASCADE, related_name="commissions")
    commission = models.ForeignKey(Commission, models.PROTECT, related_name="+")
    stations_compared = models.PositiveIntegerField(default=0)
    stations_discrepant = models.PositiveIntegerField(default=0)
    observer_lines = models.JSONField(default=dict)
    observer_options = models.JSONField(default=dict)
    official_lines = models.JSONField(default=dict)
    official_options = models.JSONField(default=dict)
    # {"observer": …, "official": …}: the compared stations each side's percentages can be over
    # (complete_stations.Bases.as_json); null for a run made before they were kept
    bases = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "commission"], name="one_rollup_per_unit"),
        ]

    def observer_figures(self) -> Figures:
        return Figures(self.observer_lines, self.observer_options)

    def official_figures(self) -> Figures:
        return Figures(self.official_lines, self.official_options)

    def percent_bases(self, side: str) -> tuple[dict[str, int] | None, dict[str, Subset]]:
        """(missing, subsets) of `side` ("observer" or "official") for complete_stations.percentages.

        A run made before bases were kept says nothing: (None, {}).
        """
        from tallies.selectors.complete_stations import from_json  # it imports the models

        return from_json((self.bases or {}).get(side))

    def votes_moved(self) -> dict[str, int]:
        """Official minus observer votes per option code, over the compared stations."""
        return dict(self.official_figures().minus(self.observer_figures()).options)
