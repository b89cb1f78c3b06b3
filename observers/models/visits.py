"""Station visits and stage checklists (defined as data, answered yes / no / number)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from elections.models import pick_label
from observers.models.organizations import Observer


class Stage(models.TextChoices):
    """Stages of election day an observer can witness (domain.md §4)."""

    PRE_ELECTION = "pre_election", _("Before election day")
    OPENING = "opening", _("Opening")
    VOTING = "voting", _("Voting")
    MOBILE_VOTING = "mobile_voting", _("Mobile (home) voting")
    COUNTING = "counting", _("Counting")
    TABULATION = "tabulation", _("Tabulation at the TEC")
    POST_ELECTION = "post_election", _("After election day")


class ChecklistItem(models.Model):
    """A question of a stage checklist, e.g. "Were the unused ballots counted before opening?"."""

    class Answer(models.TextChoices):
        YES_NO = "yes_no", _("Yes / no")
        NUMBER = "number", _("Number")

    code = models.SlugField(unique=True, max_length=64)
    stage = models.CharField(max_length=16, choices=Stage)
    position = models.PositiveSmallIntegerField(default=0)
    answer = models.CharField(max_length=8, choices=Answer, default=Answer.YES_NO)
    labels = models.JSONField(default=dict)
    problem_if = models.BooleanField(
        null=True, blank=True, help_text=_("For yes/no items: the answer that signals a problem.")
    )

    class Meta:
        ordering = ["stage", "position"]

    @property
    def label(self) -> str:
        return pick_label(self.labels, self.code)


class Visit(models.Model):
    """An observer's presence at a station: check-in, check-out, stages observed."""

    observer = models.ForeignKey(Observer, models.PROTECT, related_name="visits")
    mandate = models.ForeignKey(
        "observers.Mandate", models.PROTECT, null=True, blank=True, related_name="visits"
    )
    station = models.ForeignKey("elections.PollingStation", models.PROTECT, related_name="visits")
    checked_in_at = models.DateTimeField(default=timezone.now)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    stages = models.JSONField(_("stages observed"), default=list)
    count_started_at = models.DateTimeField(_("count started at"), null=True, blank=True)
    # The key the observer's device made for this check-in: a resend with it returns this visit.
    # Empty on visits opened before keys (observers migration 0007).
    client_uuid = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-checked_in_at"]
        constraints = [
            models.UniqueConstraint(fields=["observer", "client_uuid"], name="unique_visit_client_uuid"),
        ]


class ChecklistAnswer(models.Model):
    """An answer to one checklist item during a visit; a changed answer is a new row (latest wins)."""

    visit = models.ForeignKey(Visit, models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, models.PROTECT, related_name="+")
    yes = models.BooleanField(null=True, blank=True)
    number = models.PositiveIntegerField(null=True, blank=True)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["answered_at", "id"]
