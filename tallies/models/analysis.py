"""Analysis inputs and results: seat rules as data, quick-count samples, stored analysis runs."""

from __future__ import annotations

from decimal import Decimal
from typing import Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tallies.models.copies import APPEND_ONLY


class SeatRule(models.Model):
    """How a contest's seats are allocated (e.g. Kazakhstan 2023: 69 seats, 5 % of voters who took part).

    The rule is data per contest: threshold and its base, quota or divisor method, seats; the
    arithmetic lives in tallies.analysis.seats.
    """

    class Base(models.TextChoices):
        VALID_VOTES = "valid_votes", _("Valid votes")
        VOTERS_TOOK_PART = "voters_took_part", _("Voters who took part")

    class Method(models.TextChoices):
        HARE = "hare_largest_remainder", _("Hare quota, largest remainder")
        DROOP = "droop_largest_remainder", _("Droop quota, largest remainder")
        DHONDT = "dhondt", _("D'Hondt")
        SAINTE_LAGUE = "sainte_lague", _("Sainte-Laguë")

    contest = models.OneToOneField("elections.Contest", models.CASCADE, related_name="seat_rule")
    seats = models.PositiveSmallIntegerField()
    threshold_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    threshold_base = models.CharField(max_length=16, choices=Base, default=Base.VALID_VOTES)
    method = models.CharField(max_length=24, choices=Method, default=Method.HARE)
    next_party_if_single = models.BooleanField(
        default=False, help_text=_("If only one party passes, the next-largest takes part too.")
    )
    source = models.CharField(_("legal source"), max_length=300, blank=True)


class SeatRuleChange(models.Model):
    """One change of a contest's seat rule: who, when, how, and the rule before and after (issue 12).

    Append-only (database triggers refuse updates and deletes). `before` is {} for a new rule;
    each side holds seats, threshold (percent, as text), base, method, next_party_if_single, source.
    """

    contest = models.ForeignKey("elections.Contest", models.PROTECT, related_name="seat_rule_changes")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    via = models.CharField(max_length=40, help_text=_("How it was changed, e.g. manage.py set_seat_rule."))
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict)

    class Meta:
        ordering = ["changed_at", "id"]
        triggers = APPEND_ONLY


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
