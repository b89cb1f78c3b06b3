"""Official results: versioned, immutable snapshots of protocols at any level."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from elections.models import Commission, Contest
from elections.protocol import Figures
from tallies.models.copies import APPEND_ONLY
from tallies.models.copy_layout import figures_not_negative
from tallies.models.figure_layout import FigureLayout

if TYPE_CHECKING:
    from tallies.selectors.complete_stations import Subset


class OfficialSnapshotQuerySet(models.QuerySet["OfficialSnapshot"]):
    def current(self) -> OfficialSnapshotQuerySet:
        """Snapshots not withdrawn: the only ones comparisons, seats and analyses read."""
        return self.filter(withdrawn_at__isnull=True)

    def create_with_layout(self, *, contest: Contest, **fields: Any) -> OfficialSnapshot:
        """Create a snapshot of `contest` whose figure arrays follow the contest's form and options now."""
        layout = FigureLayout.of_contest(contest)
        return self.create(
            contest=contest,
            layout_lines=list(layout.line_ids),
            layout_options=list(layout.option_ids),
            **fields,
        )


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
    # The figure arrays' layout (tallies.models.figure_layout): line ids in form order, then
    # option ids in ballot order, as at import; read-only, so every protocol keeps its meaning
    layout_lines = ArrayField(models.IntegerField())
    layout_options = ArrayField(models.IntegerField())

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
        triggers = [pgtrigger.ReadOnly(name="layout_read_only", fields=["layout_lines", "layout_options"])]

    def __str__(self) -> str:
        return f"{self.contest} · {self.file_name} ({self.imported_at:%Y-%m-%d %H:%M})"

    @cached_property
    def figure_layout(self) -> FigureLayout:
        """The layout of this snapshot's figure arrays, with codes (one query, then kept here)."""
        return FigureLayout.of_ids(self.layout_lines, self.layout_options)


# One statement per insert (COPY included) checks every new array against its snapshot's width
FITS_LAYOUT = """
IF EXISTS (
    SELECT 1 FROM inserted p JOIN tallies_officialsnapshot s ON s.id = p.snapshot_id
    WHERE cardinality(p.figure_values) <> cardinality(s.layout_lines) + cardinality(s.layout_options)
) THEN
    RAISE EXCEPTION 'official figures do not fit the snapshot''s layout' USING ERRCODE = 'check_violation';
END IF;
RETURN NULL;
"""


class OfficialProtocol(models.Model):
    """The official figures of one commission in a snapshot.

    Published rows come from the file; `is_derived` rows are the sums the tally job computes
    for the levels above the file's (a TEC, region or the nation summed from station rows).
    `figure_values` holds the figures in the snapshot's layout order (FigureLayout), NULL for a
    figure not published; the database keeps it one-dimensional, non-negative, as wide as the
    layout, and never lets it, the snapshot or the commission change, nor the row be deleted.
    """

    snapshot = models.ForeignKey(OfficialSnapshot, models.PROTECT, related_name="protocols")
    commission = models.ForeignKey(Commission, models.PROTECT, related_name="official_protocols")
    is_derived = models.BooleanField(default=False)
    stations_count = models.PositiveIntegerField(default=1)
    # A derived row: the stations each percentage can be over (complete_stations.Bases.as_json);
    # null for a published row (its figures are as the file gives them)
    bases = models.JSONField(null=True, blank=True)
    figure_values = ArrayField(models.IntegerField(null=True))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "commission"], name="one_protocol_per_unit"),
            models.CheckConstraint(
                condition=Exact(Func(F("figure_values"), function="array_ndims"), 1)
                | Q(figure_values__len=0),
                name="official_figures_one_dimension",
            ),
            figures_not_negative("official_figures_not_negative"),
        ]
        triggers = [
            APPEND_ONLY[1],  # append_only_delete
            pgtrigger.ReadOnly(name="figures_read_only", fields=["snapshot", "commission", "figure_values"]),
            pgtrigger.Trigger(
                name="figures_fit_layout",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                referencing=pgtrigger.Referencing(new="inserted"),
                func=FITS_LAYOUT,
            ),
        ]

    def figures(self) -> Figures:
        """The figures by code (the snapshot and its layout's codes: two queries, none for the values)."""
        return self.snapshot.figure_layout.figures(self.figure_values)

    def percent_bases(self) -> tuple[dict[str, int] | None, dict[str, Subset]]:
        """(missing, subsets) for complete_stations.percentages (None: figures as they are)."""
        from tallies.selectors.complete_stations import from_json  # it imports the models

        return from_json(self.bases)
