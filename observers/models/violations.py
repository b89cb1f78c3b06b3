"""Violation acts: the taxonomy (shipped as data), the act, its co-signers and complaint track."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from elections.models import pick_label
from observers.models.organizations import Observer, Organization
from observers.models.visits import Stage


class ViolationType(models.Model):
    """A type of irregularity with a stable code, e.g. "VOT-STUFFING" (domain.md §4)."""

    code = models.CharField(max_length=40, unique=True)
    stage = models.CharField(max_length=16, choices=Stage)
    category = models.SlugField(max_length=40)
    labels = models.JSONField(default=dict)

    class Meta:
        ordering = ["stage", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        return pick_label(self.labels, self.code)


class ViolationAct(models.Model):
    """An observer's act (акт о нарушении) about one irregularity at one station."""

    class Filing(models.TextChoices):
        NOT_FILED = "not_filed", _("Not filed with the PEC")
        SUBMITTED = "submitted", _("Submitted to the PEC")
        REGISTERED = "registered", _("Registered by the PEC")
        REFUSED = "refused", _("The PEC refused to register it")

    class Review(models.TextChoices):
        NEW = "new", _("New")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    organization = models.ForeignKey(Organization, models.PROTECT, related_name="violation_acts")
    observer = models.ForeignKey(Observer, models.PROTECT, related_name="violation_acts")
    station = models.ForeignKey("elections.PollingStation", models.PROTECT, related_name="+")
    election = models.ForeignKey("elections.Election", models.PROTECT, related_name="+")
    stage = models.CharField(max_length=16, choices=Stage)
    violation_type = models.ForeignKey(ViolationType, models.PROTECT, related_name="acts")
    occurred_at = models.DateTimeField(_("when it happened"))
    description = models.TextField(_("what happened"))
    legal_article = models.CharField(_("article of the law (optional)"), max_length=200, blank=True)
    filing = models.CharField(max_length=12, choices=Filing, default=Filing.NOT_FILED)
    review = models.CharField(max_length=10, choices=Review, default=Review.NEW, db_index=True)
    review_reason = models.TextField(_("reason (the observer sees it)"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The key the observer's device made for this act: a resend with it returns this act. Empty on
    # acts filed before keys (observers migration 0007).
    client_uuid = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["observer", "client_uuid"], name="unique_act_client_uuid"),
        ]


class CoSigner(models.Model):
    """A witness who signed the act: another observer, or a commission member by name."""

    act = models.ForeignKey(ViolationAct, models.CASCADE, related_name="cosigners")
    observer = models.ForeignKey(Observer, models.PROTECT, null=True, blank=True, related_name="+")
    name = models.CharField(
        _("name and role (e.g. PEC member with consultative vote)"), max_length=200, blank=True
    )


class ComplaintStep(models.Model):
    """One step of the complaint track of an act: where it was filed, when, and the outcome."""

    class Body(models.TextChoices):
        PEC = "pec", _("Precinct commission")
        TEC = "tec", _("Territorial commission")
        CEC = "cec", _("Central election commission")
        COURT = "court", _("Court")
        PROSECUTOR = "prosecutor", _("Prosecutor")

    act = models.ForeignKey(ViolationAct, models.CASCADE, related_name="complaints")
    body = models.CharField(max_length=12, choices=Body)
    filed_on = models.DateField(_("filed on"))
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
