"""Evidence files (photos of protocols and violations), kept only in sanitised form.

The SHA-256 of the original upload is recorded as evidence; the stored file is a re-encoded copy
without EXIF, GPS or device data, produced by a Celery task so the observer's upload returns
fast. Files are served only through views that check permission, never from a public URL.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from observers.models.organizations import Observer, Organization


class Evidence(models.Model):
    """One uploaded file: pending until sanitised, then ready (or rejected with a reason)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being processed")
        READY = "ready", _("Ready")
        REJECTED = "rejected", _("Rejected")

    organization = models.ForeignKey(Organization, models.PROTECT, related_name="evidence")
    uploaded_by = models.ForeignKey(Observer, models.PROTECT, related_name="evidence")
    violation_act = models.ForeignKey(
        "observers.ViolationAct", models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    original_name = models.CharField(max_length=255)
    original_sha256 = models.CharField(max_length=64)
    original_size = models.PositiveIntegerField(_("size in bytes"))
    upload = models.FileField(upload_to="evidence/incoming/", blank=True)
    file = models.FileField(upload_to="evidence/clean/", blank=True)
    content_type = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING, db_index=True)
    rejection = models.CharField(max_length=300, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at"]
