"""Protocol copies, official results, tallies and reconciliation results.

Raw evidence (observers' copies, imported official figures) is stored as typed rows, one
integer per protocol line or ballot option, and is append-only: on PostgreSQL triggers refuse
UPDATE and DELETE. Derived results (tallies, reconciliations) are read models that can always
be recomputed from the evidence; they keep their totals as {code: votes} documents.
"""

from __future__ import annotations

from typing import Self

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from elections.models import BallotOption, Commission, Contest, PollingStation, ProtocolLine
from elections.protocol import Figures
from observers.models import Observer, Organization

APPEND_ONLY = [
    pgtrigger.Protect(name="append_only_update", operation=pgtrigger.Update),
    pgtrigger.Protect(name="append_only_delete", operation=pgtrigger.Delete),
]


class FigureRow(models.Model):
    """One figure of a protocol: the value of a line, or the votes of a ballot option."""

    line = models.ForeignKey(ProtocolLine, models.PROTECT, null=True, blank=True, related_name="+")
    option = models.ForeignKey(BallotOption, models.PROTECT, null=True, blank=True, related_name="+")
    value = models.PositiveIntegerField()

    class Meta:
        abstract = True


def figures_from_rows(rows: models.QuerySet[FigureRow] | list[FigureRow]) -> Figures:
    """Build Figures from rows that have `line`/`option` loaded (select_related)."""
    lines: dict[str, int] = {}
    options: dict[str, int] = {}
    for row in rows:
        if row.line is not None:
            lines[row.line.code] = row.value
        elif row.option is not None:
            options[row.option.code] = row.value
    return Figures(lines, options)


def _one_of_line_or_option(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(line__isnull=False, option__isnull=True) | Q(line__isnull=True, option__isnull=False),
        name=f"{prefix}_line_xor_option",
    )


class ProtocolCopyQuerySet(models.QuerySet["ProtocolCopy"]):
    def current(self) -> Self:
        """Copies not superseded by a later revision."""
        return self.filter(revised_by__isnull=True)

    def of(self, organization: Organization) -> Self:
        return self.filter(organization=organization)


class ProtocolCopy(models.Model):
    """An observer's copy of a PEC results protocol for one contest; never changed once stored.

    An edit is a new copy that `revises` this one (a linear chain: a copy is revised at most
    once). `client_uuid` is the idempotency key generated on the observer's device: a resend
    with the same key returns this copy and writes nothing.
    """

    class Channel(models.TextChoices):
        WEB = "web", _("Web form")
        API = "api", _("API")
        IMPORT = "import", _("Import")

    client_uuid = models.UUIDField(unique=True)
    organization = models.ForeignKey(Organization, models.PROTECT, related_name="protocol_copies")
    observer = models.ForeignKey(Observer, models.PROTECT, related_name="protocol_copies")
    contest = models.ForeignKey(Contest, models.PROTECT, related_name="protocol_copies")
    station = models.ForeignKey(PollingStation, models.PROTECT, related_name="protocol_copies")
    channel = models.CharField(max_length=8, choices=Channel)
    revises = models.OneToOneField("self", models.PROTECT, null=True, blank=True, related_name="revised_by")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ProtocolCopyQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        triggers = APPEND_ONLY
        indexes = [models.Index(fields=["organization", "contest", "station"])]

    def __str__(self) -> str:
        return f"copy {self.client_uuid} of station {self.station_id}"

    def figures(self) -> Figures:
        return figures_from_rows(self.figure_rows.select_related("line", "option"))


class CopyFigure(FigureRow):
    copy = models.ForeignKey(ProtocolCopy, models.PROTECT, related_name="figure_rows")

    class Meta:
        triggers = APPEND_ONLY
        constraints = [
            _one_of_line_or_option("copyfigure"),
            models.UniqueConstraint(fields=["copy", "line"], name="copyfigure_unique_line"),
            models.UniqueConstraint(fields=["copy", "option"], name="copyfigure_unique_option"),
        ]


class ControlFinding(models.Model):
    """A control relation that a copy breaks: both sides in votes, stored at submission."""

    copy = models.ForeignKey(ProtocolCopy, models.PROTECT, related_name="findings")
    relation = models.ForeignKey("elections.ControlRelation", models.PROTECT, related_name="+")
    lhs = models.BigIntegerField()
    rhs = models.BigIntegerField()

    class Meta:
        triggers = APPEND_ONLY
        ordering = ["copy", "relation"]

    @property
    def difference(self) -> int:
        return self.lhs - self.rhs


class OfficialSnapshot(models.Model):
    """One import of official results for a contest: a versioned, immutable snapshot.

    `level` is the finest level the file publishes (PEC for station protocols, SEC for regional
    totals, CEC for national totals). The same file (same SHA-256) is never imported twice.
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

    class Meta:
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "file_sha256"], name="one_import_per_file"),
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

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "commission"], name="one_protocol_per_unit"),
        ]

    def figures(self) -> Figures:
        return figures_from_rows(self.figure_rows.select_related("line", "option"))


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


class ReconciliationRun(models.Model):
    """One comparison of an organisation's copies with an official snapshot, with its inputs."""

    organization = models.ForeignKey(Organization, models.PROTECT, related_name="reconciliations")
    contest = models.ForeignKey(Contest, models.PROTECT, related_name="reconciliations")
    snapshot = models.ForeignKey(OfficialSnapshot, models.PROTECT, related_name="reconciliations")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    copies_considered = models.PositiveIntegerField(default=0)
    last_copy_id = models.BigIntegerField(default=0, help_text=_("Newest copy id included."))

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
    differences = models.JSONField(
        default=dict, help_text=_("{'lines'|'options': {code: [observer, official]}}")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "station"], name="one_comparison_per_station"),
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

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "commission"], name="one_rollup_per_unit"),
        ]

    def observer_figures(self) -> Figures:
        return Figures(self.observer_lines, self.observer_options)

    def official_figures(self) -> Figures:
        return Figures(self.official_lines, self.official_options)

    def votes_moved(self) -> dict[str, int]:
        """Official minus observer votes per option code, over the compared stations."""
        return dict(self.official_figures().minus(self.observer_figures()).options)


class CopyPhoto(models.Model):
    """A photo of a protocol copy (an Evidence file); a copy may have several.

    Attaching a photo writes only this row: the copy itself stays as it was submitted.
    """

    copy = models.ForeignKey(ProtocolCopy, models.PROTECT, related_name="photos")
    evidence = models.ForeignKey("observers.Evidence", models.PROTECT, related_name="copy_photos")
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    attached_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["attached_at", "id"]
        triggers = APPEND_ONLY
        constraints = [
            models.UniqueConstraint(fields=["copy", "evidence"], name="copyphoto_once_per_copy"),
        ]
