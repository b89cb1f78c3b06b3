"""Accreditation per election, the log of obstacles met getting it, and coalitions."""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from observers.models.organizations import Organization


class Accreditation(models.Model):
    """An organisation's accreditation (or application for it) for one election."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")
        REVOKED = "revoked", _("Revoked")

    organization = models.ForeignKey(Organization, models.CASCADE, related_name="accreditations")
    election = models.ForeignKey("elections.Election", models.PROTECT, related_name="+")
    number = models.CharField(_("accreditation number"), max_length=60, blank=True)
    issued_on = models.DateField(_("date"), null=True, blank=True)
    issuing_commission = models.CharField(_("issuing commission"), max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.APPLIED)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "election"], name="one_accreditation_per_election"
            ),
        ]


class Obstacle(models.Model):
    """An obstacle to observation met by the organisation (domain.md §1.6, §4.6)."""

    class Kind(models.TextChoices):
        ACCREDITATION_REFUSED = "accreditation_refused", _("Accreditation refused")
        CHARTER_PRETEXT = "charter_pretext", _("Refused over the charter clause")
        PCR_DEMAND = "pcr_demand", _("PCR test or medical demand")
        PERSONAL_DATA_DEMAND = "personal_data_demand", _("Demand for observers' personal data")
        PRESSURE = "pressure", _("Pressure on observers or their employers")
        OTHER = "other", _("Other")

    organization = models.ForeignKey(Organization, models.CASCADE, related_name="obstacles")
    election = models.ForeignKey("elections.Election", models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=Kind)
    occurred_on = models.DateField(_("date"))
    commission = models.CharField(_("commission or body"), max_length=300, blank=True)
    description = models.TextField(_("what happened"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]


class Coalition(models.Model):
    """Organisations that agreed to pool their protocol copies for one election."""

    name = models.CharField(_("name"), max_length=200)
    election = models.ForeignKey("elections.Election", models.PROTECT, related_name="+")
    created_by = models.ForeignKey(Organization, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class CoalitionMemberQuerySet(models.QuerySet["CoalitionMember"]):
    def agreed(self) -> Self:
        """Seats whose organisation's admin agreed (pending invitations left out)."""
        return self.filter(agreed_at__isnull=False)


class CurrentCoalitionMemberManager(models.Manager.from_queryset(CoalitionMemberQuerySet)):  # type: ignore[misc]
    """Seats not ended: every read of who is in a coalition goes through this (the default manager)."""

    def get_queryset(self) -> CoalitionMemberQuerySet:
        return super().get_queryset().filter(left_at__isnull=True)


class CoalitionMember(models.Model):
    """An organisation's consent to share with a coalition (one election), its scope, and its end.

    Scope (issue 15): an agreed member always shares its accepted figures; `shares_photos` adds
    its protocol photos, shown to the other members only then; observers' identities are never
    shared (the pool names organisations; releases carry pseudonymous codes). Rows are never
    deleted: leaving (or declining) sets `left_at` and `left_by`, so the history of who consented
    to what, and when it ended, stays (`CoalitionMember.history`); `objects` sees current seats.
    """

    coalition = models.ForeignKey(Coalition, models.CASCADE, related_name="members")
    organization = models.ForeignKey(Organization, models.CASCADE, related_name="coalitions")
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    agreed_at = models.DateTimeField(null=True, blank=True, help_text=_("Empty until its admin agrees."))
    shares_photos = models.BooleanField(_("share protocol photos"), default=False)
    left_at = models.DateTimeField(null=True, blank=True)
    left_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CurrentCoalitionMemberManager()
    history = CoalitionMemberQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["coalition", "organization"],
                condition=models.Q(left_at__isnull=True),
                name="one_seat_per_coalition",
            ),
        ]

    def scope(self) -> dict[str, bool]:
        """What the seat shares, as the audit log records it: figures, photos, never identities."""
        return {"figures": True, "photos": self.shares_photos, "observer_identities": False}
