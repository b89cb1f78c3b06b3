"""A coalition's decisions on its members' disagreements: which figure the pooled count takes.

Members' copies are never changed: the pooled figures are derived from each member's accepted
figures and these resolutions (tallies.services.coalitions).
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tallies.models.copies import APPEND_ONLY


class PoolEncoder(json.JSONEncoder):
    """JSON with exact Decimals and aware datetimes kept as tagged strings (CoalitionPool.result)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            return {"$decimal": str(o)}
        if isinstance(o, datetime):
            return {"$datetime": o.isoformat()}
        return super().default(o)


class PoolDecoder(json.JSONDecoder):
    """Reads back what PoolEncoder wrote: the tagged strings become Decimal and datetime again."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, object_hook=_untag, **kwargs)


def _untag(found: dict[str, Any]) -> Any:
    if len(found) == 1 and "$decimal" in found:
        return Decimal(found["$decimal"])
    if len(found) == 1 and "$datetime" in found:
        return datetime.fromisoformat(found["$datetime"])
    return found


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


class CoalitionPool(models.Model):
    """A coalition's pooled count for one contest, computed by a task and read by its pages (issue 17).

    Pooling reads every member's accepted figures (about 15 s at 100,000 stations), so pages read
    this row instead: `result` is what the coalition page and its forensics page show (the shape
    is tallies.services.coalition_pool.compute's), `inputs` the versions of every input it was
    computed from, all read in one snapshot (tallies.selectors.coalition_pool.inputs_of), and
    `computed_at` that snapshot's moment. A page whose live inputs differ from `inputs` says the
    figures are being updated. `requested_at` claims the one refresh in flight: set by the
    conditional UPDATE that sends the task, cleared when it stores its result; a claim older than
    the task's time limit counts as lost. Derived data: deleting a row loses nothing.
    """

    coalition = models.ForeignKey("observers.Coalition", models.CASCADE, related_name="+")
    contest = models.ForeignKey("elections.Contest", models.CASCADE, related_name="+")
    inputs = models.JSONField(default=dict)
    result = models.JSONField(default=dict, encoder=PoolEncoder, decoder=PoolDecoder)
    computed_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    # No refresh is claimed before then (tallies.services.refresh_rest).
    rest_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["coalition", "contest"], name="one_pool_per_coalition_contest")
        ]


class CoalitionReleasePreview(models.Model):
    """The coalition's next release for a contest, prepared by a task, and a publish asked of one.

    Preparing a release pools every member's copies (about 13 s at 100,000 stations, issue 17), so
    the preview page asks for it (`requested_at`, the claim of the one job in flight) and reads
    this row: `content_sha256` is the SHA-256 of the release content members consent to, `summary`
    what the page shows of it (tallies.services.coalition_release_jobs.summary_of), `inputs` the
    versions of what it was prepared from (tallies.selectors.release_previews.release_inputs),
    `number` the release it would be, `refusal` why there is nothing to publish (a ReleaseError),
    and `failure` why the last job failed (nothing stored then). A publish asked of this content
    is the `publish_*` fields: who asked, through which member, with which changelog, for which
    content; its job clears `publish_requested_at` and records `publish_error` or the release.
    Derived data and asks: deleting a row loses no evidence (a consent or a release). `language`
    is the language of the member who asked last: the jobs write `refusal`, `failure` and
    `publish_error` in it, not in the worker's default.
    """

    coalition = models.ForeignKey("observers.Coalition", models.CASCADE, related_name="+")
    contest = models.ForeignKey("elections.Contest", models.CASCADE, related_name="+")
    organization = models.ForeignKey("observers.Organization", models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    inputs = models.JSONField(default=dict)
    number = models.PositiveIntegerField(null=True, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    summary = models.JSONField(default=dict, encoder=PoolEncoder, decoder=PoolDecoder)
    refusal = models.TextField(blank=True)
    failure = models.TextField(blank=True)
    publish_requested_at = models.DateTimeField(null=True, blank=True)
    publish_organization = models.ForeignKey(
        "observers.Organization", models.CASCADE, null=True, blank=True, related_name="+"
    )
    publish_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    publish_changelog = models.TextField(blank=True)
    publish_content_sha256 = models.CharField(max_length=64, blank=True)
    publish_error = models.TextField(blank=True)
    language = models.CharField(max_length=16, blank=True)
    published = models.ForeignKey("tallies.Release", models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["coalition", "contest"], name="one_release_preview_per_coalition_contest"
            )
        ]
