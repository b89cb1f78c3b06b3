"""Mandates: an observer sent to one station (or a mobile team to several) for an election.

The status history is an append-only list of events; the current status is the latest event.
The deployment funnel (mandates sent → handed out → stations covered → protocols obtained →
withdrawn or not admitted) is counted from these events (domain.md §5.3, the HAQ table).
"""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.append_only import APPEND_ONLY
from observers.models.organizations import Observer, Organization


class MandateQuerySet(models.QuerySet["Mandate"]):
    def live(self) -> Self:
        """Mandates under which the observer may still report (not withdrawn or removed)."""
        return self.exclude(status__in=Mandate.Status.ended())

    def live_of(self, observer: Observer) -> Self:
        """The observer's live mandates within its organisation: the rule for checking in and
        sending copies (removed, withdrawn or refused mandates are left out)."""
        return self.live().filter(observer=observer, organization_id=observer.organization_id)


class Mandate(models.Model):
    """An observer × election × station(s) assignment with its current status."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        HANDED_OVER = "handed_over", _("Handed to the observer")
        ADMITTED = "admitted", _("Admitted to the station")
        NOT_ADMITTED = "not_admitted", _("Not admitted")
        COPY_OBTAINED = "copy_obtained", _("Protocol copy obtained")
        COPY_REFUSED = "copy_refused", _("Protocol copy refused")
        REMOVED = "removed", _("Removed from the station")
        WITHDRAWN = "withdrawn", _("Withdrawn by the organisation")

        @classmethod
        def ended(cls) -> list[str]:
            return [cls.REMOVED, cls.WITHDRAWN, cls.NOT_ADMITTED]

    organization = models.ForeignKey(Organization, models.PROTECT, related_name="mandates")
    observer = models.ForeignKey(Observer, models.PROTECT, related_name="mandates")
    election = models.ForeignKey("elections.Election", models.PROTECT, related_name="+")
    stations = models.ManyToManyField("elections.PollingStation", related_name="mandates")
    is_mobile_team = models.BooleanField(_("mobile team (several stations)"), default=False)
    status = models.CharField(max_length=16, choices=Status, default=Status.ISSUED, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MandateQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]


class MandateEvent(models.Model):
    """One step of a mandate's history: who recorded which status when, and why."""

    mandate = models.ForeignKey(Mandate, models.PROTECT, related_name="events")
    status = models.CharField(max_length=16, choices=Mandate.Status)
    station = models.ForeignKey(
        "elections.PollingStation", models.PROTECT, null=True, blank=True, related_name="+"
    )
    contest = models.ForeignKey("elections.Contest", models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.TextField(_("reason or pretext"), blank=True)
    by_whom = models.CharField(_("by whom (e.g. PEC chair, police)"), max_length=200, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["occurred_at", "id"]
        triggers = APPEND_ONLY
