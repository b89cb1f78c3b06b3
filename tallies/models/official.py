"""Official results: versioned, immutable snapshots of protocols at any level."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from elections.models import BallotOption, Commission, Contest, ProtocolLine
from elections.protocol import Figures
from tallies.models.copies import (  # noqa: F401
    APPEND_ONLY,
    FigureRow,
    ProtocolCopy,
    _one_of_line_or_option,
    figures_from_rows,
)

if TYPE_CHECKING:
    from tallies.selectors.complete_stations import Subset


class OfficialSnapshotQuerySet(models.QuerySet["OfficialSnapshot"]):
    def current(self) -> OfficialSnapshotQuerySet:
        """Snapshots not withdrawn: the only ones comparisons, seats and analyses read."""
        return self.filter(withdrawn_at__isnull=True)


class OfficialSnapshot(models.Model):
    """One import of official results for a contest: a versioned, immutable snapshot.

    `level` is the finest level the file publishes (PEC for station protocols, SEC for regional
    totals, CEC for national totals). Identity is (contest, level, SHA-256 of the file): the same
    file at the same level is imported once. A wrong import is withdrawn (`withdrawn_at` set): it
    stays in the history but is no longer current, and the file may then be imported again.
    """

    class Status(models.TextChoices):
        PROVISIONAL = "provisional", _("Provisional")
        FINAL = "final", _("Final")
        REISSUED = "reissued", _("Re-issued after recount")

    contest = models.ForeignKey(Contest, models.PROTECT, related_name="official_snapshots")
    level = models.CharField(max_length=3, choices=Commission.Level)
    status = models.CharField(max_length=12, choices=Status, default=Status.FINAL)
    source = models.CharField(_("source"), max_length=300)
    source_url = models.URLField(blank=True, max_length=500)
    file_name = models.CharField(max_length=300)
    file_sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(default=timezone.now)
    protocols_count = models.PositiveIntegerField(default=0)
    is_tallied = models.BooleanField(default=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(_("why it was withdrawn"), max_length=500, blank=True)

    objects = OfficialSnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "level", "file_sha256"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_current_import_per_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contest} · {self.file_name} ({self.imported_at:%Y-%m-%d %H:%M})"


class OfficialProtocol(models.Model):
    """The official figures of one commission in a snapshot.

    Published rows come from the file; `is_derived` rows are the sums the tally job computes
    for the levels above the file's (a TEC, region or the nation summed from station rows).
    """

    snapshot = models.ForeignKey(OfficialSnapshot, models.PROTECT, related_name="protocols")
    commission = models.ForeignKey(Commission, models.PROTECT, related_name="official_protocols")
    is_derived = models.BooleanField(default=False)
    stations_count = models.PositiveIntegerField(default=1)
    # A derived row: the stations each percentage can be over (complete_stations.Bases.as_json);
    # null for a published row (its figures are as the file gives them)
    bases = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "commission"], name="one_protocol_per_unit"),
        ]

    def figures(self) -> Figures:
        return figures_from_rows(self.figure_rows.select_related("line", "option"))

    def percent_bases(self) -> tuple[dict[str, int] | None, dict[str, Subset]]:
        """(missing, subsets) for complete_stations.percentages (None: figures as they are)."""
        from tallies.selectors.complete_stations import from_json  # it imports the models

        return from_json(self.bases)


class OfficialFigure(FigureRow):
    """An official figure. A national file holds 2.4 million of them (95,225 stations × 25), so
    the line and option references carry neither an index nor a database FK check: the importer
    takes their ids from the contest's own form, and nothing ever looks figures up by line alone.
    """

    protocol = models.ForeignKey(OfficialProtocol, models.PROTECT, related_name="figure_rows")
    line = models.ForeignKey(
        ProtocolLine,
        models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    option = models.ForeignKey(
        BallotOption,
        models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        triggers = APPEND_ONLY
        constraints = [_one_of_line_or_option("officialfigure")]
