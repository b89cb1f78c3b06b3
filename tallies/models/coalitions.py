"""A coalition's decisions on its members' disagreements: which figure the pooled count takes.

Members' copies are never changed: the pooled figures are derived from each member's accepted
figures and these resolutions (tallies.services.coalitions).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tallies.models.copies import APPEND_ONLY


class CoalitionResolution(models.Model):
    """A coalition coordinator's value for a line or option where members' accepted figures differ.

    `kind` is "lines" or "options" and `code` the line's or option's code; the latest resolution
    of a station's line counts. `organization` is the member whose coordinator decided.
    """

    class Kind(models.TextChoices):
        LINE = "lines", _("Protocol line")
        OPTION = "options", _("Ballot option")

    coalition = models.ForeignKey("observers.Coalition", models.PROTECT, related_name="+")
    contest = models.ForeignKey("elections.Contest", models.PROTECT, related_name="+")
    station = models.ForeignKey("elections.PollingStation", models.PROTECT, related_name="+")
    kind = models.CharField(max_length=7, choices=Kind)
    code = models.CharField(max_length=64)
    value = models.PositiveIntegerField()
    reason = models.TextField(_("reason"))
    organization = models.ForeignKey("observers.Organization", models.PROTECT, related_name="+")
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["resolved_at", "id"]
        triggers = APPEND_ONLY
        indexes = [models.Index(fields=["coalition", "contest", "station"])]


class CoalitionReleaseConsent(models.Model):
    """A member's admin agreeing that the coalition publish its release `number` for a contest
    with the content whose SHA-256 is `content_sha256` (the preview the admin saw).

    A coalition release is published only when every current member has consented to that
    number and exactly that content (tallies.services.coalition_releases); when the content
    changes, the member consents again (a new row; the latest counts). Append-only: a consent is
    never withdrawn by editing; a member that leaves simply no longer counts. Consents recorded
    before content hashes have an empty `content_sha256`, which matches no content.
    """

    coalition = models.ForeignKey("observers.Coalition", models.PROTECT, related_name="+")
    contest = models.ForeignKey("elections.Contest", models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    content_sha256 = models.CharField(max_length=64, blank=True)
    organization = models.ForeignKey("observers.Organization", models.PROTECT, related_name="+")
    consented_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    consented_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["consented_at", "id"]
        triggers = APPEND_ONLY
        constraints = [
            models.UniqueConstraint(
                fields=["coalition", "contest", "number", "organization", "content_sha256"],
                name="one_consent_per_member_and_content",
            ),
        ]
