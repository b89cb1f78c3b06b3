"""Observers' protocol copies and their figures: append-only evidence."""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.append_only import APPEND_ONLY
from elections.models import BallotOption, Contest, PollingStation, ProtocolLine
from elections.protocol import Figures
from observers.models import Observer, Organization


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


NOTHING = Q(pk__in=[])  # a Q no row matches: a reader with no rows of that kind


def _unblinded() -> Q:
    """Copies that are no desk entry, or an entry no longer blind (see readable)."""
    transcribed = CopyFigure.objects.filter(copy_id=OuterRef("transcribes_id"))
    settled = ProtocolCopy.objects.filter(revises_id=OuterRef("transcribes_id"))
    return Q(transcribes__isnull=True) | Exists(transcribed) | Exists(settled)


class ProtocolCopyQuerySet(models.QuerySet["ProtocolCopy"]):
    def current(self) -> Self:
        """Copies not superseded by a later revision."""
        return self.filter(revised_by__isnull=True)

    def of(self, organization: Organization) -> Self:
        return self.filter(organization=organization)

    def sent_by(self, observer: Observer) -> Self:
        """Copies `observer` sent: the only ones they may read or revise (no desk entry, `readable`)."""
        return self.readable(sent=Q(observer=observer))

    def readable(self, *, sent: Q = NOTHING, desk: Q = NOTHING) -> Self:
        """The copies a read path may show, whoever reads: every read of copies goes through here.

        `sent` selects copies read as sent (an observer's own, a receipt, a public page, an
        export): every desk entry typed from a copy's photos is left out, though it is stored
        under the observer's name, since the observer never sent it. `desk` selects copies read
        by coordinators (their scope): a blind entry of a photo-only copy is left out until the
        copy's figures are agreed or settled (its revision exists), so the second transcriber
        never sees the first's figures; a blind second entry of a copy with figures is shown, as
        the desk's station page compares it with the copy openly. The desk's own compare and
        settle views read entries through `transcriptions`, under their own rules (issue 18).
        """
        return self.filter((sent & Q(transcribes__isnull=True)) | (desk & _unblinded()))

    def with_figures(self) -> Self:
        """Copies that give figures: every copy but one sent as photos only (never transcribed)."""
        return self.filter(Exists(CopyFigure.objects.filter(copy_id=OuterRef("pk"))))

    def photo_only(self) -> Self:
        """Copies sent as photos only: no figure rows; the desk transcribes them as a revision."""
        return self.filter(~Exists(CopyFigure.objects.filter(copy_id=OuterRef("pk"))))

    def awaiting_transcription(self) -> Self:
        """Photo-only copies not yet revised: the desk's queue "Photos to transcribe"."""
        return self.current().photo_only()

    def without_photo_entries(self) -> Self:
        """Leave out the desk's blind entries of photo-only copies: they count only through the
        revision their agreed (or settled) figures become, and stay unseen beside the copies."""
        transcribed = CopyFigure.objects.filter(copy_id=OuterRef("transcribes_id"))
        return self.filter(Q(transcribes__isnull=True) | Exists(transcribed))


class ProtocolCopy(models.Model):
    """An observer's copy of a PEC results protocol for one contest; never changed once stored.

    An edit is a new copy that `revises` this one (a linear chain: a copy is revised at most
    once). A coordinator's blind entry from a copy's photo `transcribes` that copy. `client_uuid`
    is the idempotency key generated on the observer's device: a resend with the same key
    returns this copy and writes nothing.
    """

    class Channel(models.TextChoices):
        WEB = "web", _("Web form")
        API = "api", _("API")
        IMPORT = "import", _("Import")
        PHONE = "phone", _("Phoned in, entered by a coordinator")
        TRANSCRIPTION = "transcription", _("Blind second entry from the protocol photo")
        SMS = "sms", _("SMS")
        TELEGRAM = "telegram", "Telegram"

    client_uuid = models.UUIDField(unique=True)
    organization = models.ForeignKey(Organization, models.PROTECT, related_name="protocol_copies")
    observer = models.ForeignKey(Observer, models.PROTECT, related_name="protocol_copies")
    contest = models.ForeignKey(Contest, models.PROTECT, related_name="protocol_copies")
    station = models.ForeignKey(PollingStation, models.PROTECT, related_name="protocol_copies")
    channel = models.CharField(max_length=16, choices=Channel)
    revises = models.OneToOneField("self", models.PROTECT, null=True, blank=True, related_name="revised_by")
    # A desk transcription (channel "transcription") points at the copy whose photo it was typed from.
    transcribes = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="transcriptions"
    )
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

    def keep_written(self, figure_rows: list[CopyFigure], findings: list[ControlFinding]) -> None:
        """Let `figure_rows.all()` and `findings.all()` answer from the rows just written, with no query.

        The rows must be all of this copy's (with `line`/`option` and `relation` set), as the
        submission writes them: an append-only copy gains no rows after it is stored. This is
        what prefetch_related leaves on an instance, so serializers read them the same way.
        """
        cache = getattr(self, "_prefetched_objects_cache", {})
        for name, rows in (("figure_rows", figure_rows), ("findings", findings)):
            # Built as Django's prefetch_related_objects builds its cache (query.prefetch_one_level).
            rows_queryset = getattr(self, name).get_queryset()
            rows_queryset._result_cache = list(rows)
            rows_queryset._prefetch_done = True
            cache[name] = rows_queryset
        self._prefetched_objects_cache = cache


class CopyFigure(FigureRow):
    """One figure of a copy, 25 or so per copy: each index here is written 25 times per submission.

    So three indexes, not six (issue 17, P1): one unique index on (copy, line, option) with NULLs
    not distinct, which under the line-xor-option check forbids exactly what unique (copy, line)
    and unique (copy, option) forbade and serves reading a copy's figures (copy first); and one
    index each on line and option over the rows that have one (PROTECT's check when a line or an
    option is deleted), instead of both indexes over every row.
    """

    copy = models.ForeignKey(ProtocolCopy, models.PROTECT, related_name="figure_rows", db_index=False)
    line = models.ForeignKey(
        ProtocolLine, models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    option = models.ForeignKey(
        BallotOption, models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        triggers = APPEND_ONLY
        constraints = [
            _one_of_line_or_option("copyfigure"),
            models.UniqueConstraint(
                fields=["copy", "line", "option"], name="copyfigure_unique_figure", nulls_distinct=False
            ),
        ]
        indexes = [
            models.Index(fields=["line"], name="copyfigure_line", condition=Q(line__isnull=False)),
            models.Index(fields=["option"], name="copyfigure_option", condition=Q(option__isnull=False)),
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
