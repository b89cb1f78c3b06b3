"""Analysis inputs and results: quick-count samples, stored analysis runs (seat rules: elections)."""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AnalysisRunQuerySet(models.QuerySet["AnalysisRun"]):
    def done(self) -> Self:
        return self.filter(status=AnalysisRun.Status.DONE)


class AnalysisRun(models.Model):
    """A heavy analysis computed in Celery, stored with the versions of its inputs.

    `inputs` records what the result is based on (snapshot ids, the newest copy id, seeds,
    parameters); `result` holds the figures as JSON (integers, and percentages as strings).
    Pages read the latest done run and say when it was computed.
    """

    class Kind(models.TextChoices):
        SEATS = "seats", _("Seat allocation")
        QUICK_COUNT = "quick_count", _("Quick count")
        FORENSICS = "forensics", _("Election forensics")
        COMPARISON = "comparison", _("Comparison with official results")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    organization = models.ForeignKey("observers.Organization", models.PROTECT, related_name="analysis_runs")
    contest = models.ForeignKey("elections.Contest", models.PROTECT, related_name="analysis_runs")
    kind = models.CharField(max_length=12, choices=Kind)
    inputs = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=Status, default=Status.RUNNING)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = AnalysisRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["organization", "contest", "kind", "status"])]


class QuickCountSample(models.Model):
    """A random sample of stations for a quick count, drawn with a recorded seed and then frozen."""

    organization = models.ForeignKey("observers.Organization", models.PROTECT, related_name="+")
    contest = models.ForeignKey("elections.Contest", models.PROTECT, related_name="quick_count_samples")
    seed = models.BigIntegerField()
    size = models.PositiveIntegerField()
    is_stratified = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    frozen_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Once frozen, the sample cannot be redrawn or changed.")
    )


class QuickCountStation(models.Model):
    sample = models.ForeignKey(QuickCountSample, models.CASCADE, related_name="stations")
    station = models.ForeignKey("elections.PollingStation", models.PROTECT, related_name="+")
    stratum = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sample", "station"], name="station_once_per_sample")]


class CoverageSample(models.Model):
    """An organisation's coverage counts at one moment of election night (for the progress chart)."""

    organization = models.ForeignKey("observers.Organization", models.PROTECT, related_name="+")
    election = models.ForeignKey("elections.Election", models.PROTECT, related_name="+")
    taken_at = models.DateTimeField(default=timezone.now, db_index=True)
    counts = models.JSONField(default=dict, help_text=_("{status: stations}"))

    class Meta:
        ordering = ["taken_at"]
