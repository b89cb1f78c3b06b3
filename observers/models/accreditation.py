"""Accreditation per election, the log of obstacles met getting it, and coalitions."""

from __future__ import annotations

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


class CoalitionMember(models.Model):
    """An organisation's explicit agreement to share its copies with a coalition's members."""

    coalition = models.ForeignKey(Coalition, models.CASCADE, related_name="members")
    organization = models.ForeignKey(Organization, models.CASCADE, related_name="coalitions")
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    agreed_at = models.DateTimeField(null=True, blank=True, help_text=_("Empty until its admin agrees."))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["coalition", "organization"], name="one_seat_per_coalition"),
        ]
