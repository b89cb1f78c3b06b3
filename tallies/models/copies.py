"""Observers' protocol copies and their figures: append-only evidence."""

from __future__ import annotations

from typing import Self

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Exists, F, Func, OuterRef, Prefetch, Q
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.append_only import APPEND_ONLY
from elections.models import BallotOption, Contest, PollingStation, ProtocolLine
from elections.protocol import Figures
from observers.models import Observer, Organization
from tallies.models.copy_layout import CopyLayout, CopyLayoutSlot, figures_in, figures_not_negative


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


def _transcribed_with_figures() -> Exists:
    """The copy a desk entry transcribes gives figures (it was not sent as photos only)."""
    return Exists(ProtocolCopy.objects.filter(pk=OuterRef("transcribes_id"), figure_values__isnull=False))


def _unblinded() -> Q:
    """Copies that are no desk entry, or an entry no longer blind (see readable)."""
    transcribed = _transcribed_with_figures()
    settled = ProtocolCopy.objects.filter(revises_id=OuterRef("transcribes_id"))
    return Q(transcribes__isnull=True) | transcribed | Exists(settled)


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
        return self.filter(figure_values__isnull=False)

    def photo_only(self) -> Self:
        """Copies sent as photos only: no figures (a NULL array); the desk transcribes them as a revision."""
        return self.filter(figure_values__isnull=True)

    def awaiting_transcription(self) -> Self:
        """Photo-only copies not yet revised: the desk's queue "Photos to transcribe"."""
        return self.current().photo_only()

    def without_photo_entries(self) -> Self:
        """Leave out the desk's blind entries of photo-only copies: they count only through the
        revision their agreed (or settled) figures become, and stay unseen beside the copies."""
        return self.filter(Q(transcribes__isnull=True) | _transcribed_with_figures())


# One statement per insert checks every new array against its layout's width (as official arrays)
FITS_LAYOUT = """
IF EXISTS (
    SELECT 1 FROM inserted c JOIN tallies_copylayout l ON l.id = c.figure_layout_id
    WHERE cardinality(c.figure_values) <> cardinality(l.line_ids) + cardinality(l.option_ids)
) THEN
    RAISE EXCEPTION 'a copy''s figures do not fit its layout' USING ERRCODE = 'check_violation';
END IF;
RETURN NULL;
"""


class ProtocolCopy(models.Model):
    """An observer's copy of a PEC results protocol for one contest; never changed once stored.

    An edit is a new copy that `revises` this one (a linear chain: a copy is revised at most
    once). A coordinator's blind entry from a copy's photo `transcribes` that copy. `client_uuid`
    is the idempotency key generated on the observer's device: a resend with the same key
    returns this copy and writes nothing.

    `figure_values` holds the copy's figures in the order of its `figure_layout` (CopyLayout:
    line ids in form order, then option ids in ballot order, as when it was stored), NULL for a
    figure the copy does not give; the whole array is NULL for a copy sent as photos only, which
    has no layout either. The database keeps it one-dimensional, non-negative, as wide as the
    layout and with at least one figure; the append-only triggers keep it as stored.
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
    figure_layout = models.ForeignKey(
        CopyLayout, models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    figure_values = ArrayField(models.IntegerField(null=True), null=True, blank=True)

    objects = ProtocolCopyQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        triggers = [
            *APPEND_ONLY,
            pgtrigger.Trigger(
                name="figures_fit_layout",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                referencing=pgtrigger.Referencing(new="inserted"),
                func=FITS_LAYOUT,
            ),
        ]
        indexes = [models.Index(fields=["organization", "contest", "station"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(figure_layout__isnull=True, figure_values__isnull=True)
                | Q(figure_layout__isnull=False, figure_values__isnull=False),
                name="copy_figures_with_layout",
            ),
            models.CheckConstraint(
                condition=Exact(Func(F("figure_values"), function="array_ndims"), 1),
                name="copy_figures_one_dimension",
            ),
            figures_not_negative("copy_figures_not_negative"),
            models.CheckConstraint(
                condition=Exact(
                    Func(
                        F("figure_values"),
                        template="cardinality(array_remove(%(expressions)s, NULL)) > 0",
                        output_field=models.BooleanField(),
                    ),
                    True,
                ),
                name="copy_figures_some_given",
            ),
        ]

    def __str__(self) -> str:
        return f"copy {self.client_uuid} of station {self.station_id}"

    def figures(self) -> Figures:
        """The copy's figures by code (one query, none if its layout's slots are prefetched: WITH_FIGURES)."""
        written = self.__dict__.get("_written_figures")
        if written is not None:
            return written
        if self.figure_values is None:
            return Figures({}, {})
        layout = self.figure_layout if ProtocolCopy.figure_layout.is_cached(self) else None
        if layout is not None and "slots" in getattr(layout, "_prefetched_objects_cache", {}):
            slots = layout.slots.all()
        else:
            slots = CopyLayoutSlot.objects.filter(layout_id=self.figure_layout_id).select_related(
                "line", "option"
            )
        return figures_in(slots, self.figure_values)

    def figure_refs(self) -> list[tuple[int | None, int | None, int]]:
        """(line id, None, value) or (None, option id, value) per figure the copy gives, in layout order."""
        if self.figure_values is None or self.figure_layout is None:
            return []
        refs = [(pk, None) for pk in self.figure_layout.line_ids] + [
            (None, pk) for pk in self.figure_layout.option_ids
        ]
        return [
            (line, option, value)
            for (line, option), value in zip(refs, self.figure_values, strict=True)
            if value is not None
        ]

    def keep_written(self, figures: Figures, findings: list[ControlFinding]) -> None:
        """Let `figures()` and `findings.all()` answer from what was just written, with no query.

        `figures` must be what the copy's array holds, and `findings` all of its findings (with
        `relation` set), as the submission writes them: an append-only copy never changes after it
        is stored. The findings are cached as prefetch_related leaves them, so serializers read
        them the same way.
        """
        self._written_figures = figures
        cache = getattr(self, "_prefetched_objects_cache", {})
        # Built as Django's prefetch_related_objects builds its cache (query.prefetch_one_level).
        rows_queryset = self.findings.get_queryset()
        rows_queryset._result_cache = list(findings)
        rows_queryset._prefetch_done = True  # type: ignore[attr-defined]
        cache["findings"] = rows_queryset
        self._prefetched_objects_cache = cache


# Prefetch for reading many copies' figures() with two queries in all (their layouts, the slots)
WITH_FIGURES = Prefetch(
    "figure_layout__slots", queryset=CopyLayoutSlot.objects.select_related("line", "option")
)


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
