"""The coordinator desk's decisions on copies: quarantine, verification, conflict resolution, audit.

None of these rows changes an observer's copy; the figures that count for a station are derived
from the copies and these decisions. Every decision is also written to the audit log, an
append-only hash chain per organisation (observers.models.AuditEntry).
"""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tallies.models.copies import APPEND_ONLY, ProtocolCopy


class QuarantineQuerySet(models.QuerySet["Quarantine"]):
    def active(self) -> Self:
        return self.filter(released_at__isnull=True)


class Quarantine(models.Model):
    """A copy held out of the tally, whole or its results only, until a coordinator releases it."""

    class Scope(models.TextChoices):
        ALL = "all", _("The whole copy")
        RESULTS = "results", _("Its results only")

    copy = models.ForeignKey(ProtocolCopy, models.PROTECT, related_name="quarantines")
    scope = models.CharField(max_length=8, choices=Scope, default=Scope.ALL)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.TextField(_("reason for the release"), blank=True)

    objects = QuarantineQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]


class LineVerification(models.Model):
    """A coordinator's check of one line (or option) of a copy against its photo or by call-back."""

    class Method(models.TextChoices):
        PHOTO = "photo", _("Checked against the protocol photo")
        CALLBACK = "callback", _("Confirmed by calling the observer back")

    copy = models.ForeignKey(ProtocolCopy, models.PROTECT, related_name="verifications")
    line = models.ForeignKey(
        "elections.ProtocolLine", models.PROTECT, null=True, blank=True, related_name="+"
    )
    option = models.ForeignKey(
        "elections.BallotOption", models.PROTECT, null=True, blank=True, related_name="+"
    )
    method = models.CharField(max_length=8, choices=Method)
    note = models.CharField(max_length=300, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["verified_at", "id"]
        triggers = APPEND_ONLY


class ConflictResolution(models.Model):
    """A coordinator's value for a line where a station's copies disagree; the latest one counts."""

    organization = models.ForeignKey("observers.Organization", models.PROTECT, related_name="+")
    contest = models.ForeignKey("elections.Contest", models.PROTECT, related_name="+")
    station = models.ForeignKey("elections.PollingStation", models.PROTECT, related_name="+")
    line = models.ForeignKey(
        "elections.ProtocolLine", models.PROTECT, null=True, blank=True, related_name="+"
    )
    option = models.ForeignKey(
        "elections.BallotOption", models.PROTECT, null=True, blank=True, related_name="+"
    )
    value = models.PositiveIntegerField()
    chosen_copy = models.ForeignKey(ProtocolCopy, models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.TextField(_("reason"))
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["resolved_at", "id"]
        triggers = APPEND_ONLY
        indexes = [models.Index(fields=["organization", "contest", "station"])]
