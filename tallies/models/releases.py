"""Publications: frozen, numbered releases of an organisation's findings for one contest.

A release stores its own copy of everything it shows, so it never changes when the underlying
data changes afterwards: the summary (layout, coverage, seats, violation statistics) as JSON on
the release, one row per commission and per station with their figures, the receipts of the
accepted copies, and the generated open-data files with their SHA-256. Every table is
append-only. A correction is a new release with the next number; the old one stays reachable.
Nothing is public before `publish_at` (an embargo when it lies in the future).

A coalition's release (`coalition` set) is numbered in the coalition's own series for the
contest and has its own permalink; `organization` is then the member that published it, whose
audit chain the release records (tallies.services.coalition_releases).
"""

from __future__ import annotations

from datetime import datetime
from typing import Self

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from elections.names import localized
from tallies.models.copies import APPEND_ONLY


class ReleaseQuerySet(models.QuerySet["Release"]):
    def public(self, now: datetime | None = None) -> Self:
        """Releases whose publication time has come (embargoed ones are left out)."""
        return self.filter(publish_at__lte=now or timezone.now())


class Release(models.Model):
    """Version `number` of an organisation's (or a coalition's) published findings for a contest.

    Never changed. Numbers count per organisation and contest, or, for a coalition's release,
    per coalition and contest.

    `chain_sequence`/`chain_head` are the organisation's audit chain head when the release was
    made (0 and 64 zeros for an empty chain); `manifest_sha256` is the SHA-256 of manifest.json.
    `content` holds the summary the pages show: layout, sources, coverage, seats, violations, and
    since names by language (elections.names) the names of the election, the contest and the
    options by language ("names"; tallies.services.releases.summary.names_document).
    """

    organization = models.ForeignKey("observers.Organization", models.PROTECT, related_name="releases")
    coalition = models.ForeignKey(
        "observers.Coalition", models.PROTECT, null=True, blank=True, related_name="releases"
    )
    contest = models.ForeignKey("elections.Contest", models.PROTECT, related_name="releases")
    number = models.PositiveIntegerField()
    changelog = models.TextField()
    publish_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    show_photos = models.BooleanField(default=False)
    chain_sequence = models.PositiveBigIntegerField(default=0)
    chain_head = models.CharField(max_length=64)
    manifest_sha256 = models.CharField(max_length=64)
    content = models.JSONField(default=dict)

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-number"]
        triggers = APPEND_ONLY
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "contest", "number"],
                condition=models.Q(coalition__isnull=True),
                name="one_release_number",
            ),
            models.UniqueConstraint(
                fields=["coalition", "contest", "number"],
                condition=models.Q(coalition__isnull=False),
                name="one_coalition_release_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.contest_id} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse(self._route("release"), args=self.url_args())

    def latest_url(self) -> str:
        """The permanent link to the newest published version of the same series."""
        return reverse(self._route("latest"), args=self.url_args()[:3])

    def url_args(self) -> list[str | int]:
        """The permalink's arguments: publisher (organisation slug or coalition id), election and
        contest slugs, version number."""
        publisher: str | int = self.coalition_id or self.organization.slug
        return [publisher, self.contest.election.slug, self.contest.slug, self.number]

    def publisher_slug(self) -> str:
        """The organisation's slug, or "coalition-<id>" for a coalition's release (file names)."""
        return f"coalition-{self.coalition_id}" if self.coalition_id else self.organization.slug

    def series(self) -> dict[str, object]:
        """The filter of the releases numbered in the same series as this one (contest aside)."""
        if self.coalition_id:
            return {"coalition_id": self.coalition_id}
        return {"organization_id": self.organization_id, "coalition__isnull": True}

    def _route(self, name: str) -> str:
        return f"public-coalition-{name}" if self.coalition_id else f"public-{name}"

    @property
    def election_name(self) -> str:
        """The election's name as the release froze it, in the active language when it has it."""
        return self._frozen_name("election")

    @property
    def contest_name(self) -> str:
        """The contest's name as the release froze it, in the active language when it has it."""
        return self._frozen_name("contest")

    def _frozen_name(self, part: str) -> str:
        """The stored name of content["release"][part], by language from content["names"] (a
        release published before names by language has only the stored one)."""
        stored = self.content["release"][part]["name"]
        return localized(stored, self.content.get("names", {}).get(part))

    def is_public(self, now: datetime | None = None) -> bool:
        return self.publish_at <= (now or timezone.now())

    def superseded_by(self) -> Release | None:
        """The newest public release of the same series and contest after this one, if any."""
        later = Release.objects.public().filter(
            contest_id=self.contest_id, number__gt=self.number, **self.series()
        )
        return later.order_by("-number").first()


class ReleaseCommission(models.Model):
    """A commission above the stations (nation, region, TEC) as the release shows it.

    `figures` = {"observer"|"official"|"compared_observer"|"compared_official": source or null},
    a source being {"stations", "lines", "options", "turnout", "shares"} (percentages as text).
    """

    release = models.ForeignKey(Release, models.PROTECT, related_name="commissions")
    commission = models.ForeignKey("elections.Commission", models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "elections.Commission", models.PROTECT, null=True, blank=True, related_name="+"
    )
    level = models.CharField(max_length=3)
    code = models.CharField(max_length=200)
    name = models.CharField(max_length=300)
    path = models.CharField(max_length=1000)
    stations_compared = models.PositiveIntegerField(default=0)
    stations_discrepant = models.PositiveIntegerField(default=0)
    figures = models.JSONField(default=dict)

    class Meta:
        ordering = ["release", "path"]
        triggers = APPEND_ONLY
        constraints = [
            models.UniqueConstraint(fields=["release", "commission"], name="one_release_commission"),
        ]
        indexes = [models.Index(fields=["release", "parent"])]


class ReleaseStation(models.Model):
    """A station with a counted observer copy, as the release shows it.

    `figures` = {"observer": source, "official": source or null, "differences": {"lines"|
    "options": {code: [observer, official]}}}; `is_discrepant` is null when not compared.
    `observer_code` is the pseudonym of the newest copy's observer, never a name.
    """

    release = models.ForeignKey(Release, models.PROTECT, related_name="stations")
    station = models.ForeignKey("elections.PollingStation", models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "elections.Commission", models.PROTECT, null=True, blank=True, related_name="+"
    )
    number = models.CharField(max_length=40)
    path = models.CharField(max_length=1000)
    registered_voters = models.PositiveIntegerField(null=True, blank=True)
    observer_code = models.CharField(max_length=40, blank=True)
    copy_submitted_at = models.DateTimeField(null=True, blank=True)
    is_discrepant = models.BooleanField(null=True)
    figures = models.JSONField(default=dict)
    photo = models.ForeignKey("observers.Evidence", models.PROTECT, null=True, blank=True, related_name="+")
    photo_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["release", "path"]
        triggers = APPEND_ONLY
        constraints = [
            models.UniqueConstraint(fields=["release", "station"], name="one_release_station"),
        ]
        indexes = [models.Index(fields=["release", "parent"])]


class ReleaseReceipt(models.Model):
    """The receipt hash of an accepted copy included in a release (see tallies.services.releases)."""

    release = models.ForeignKey(Release, models.PROTECT, related_name="receipts")
    receipt = models.CharField(max_length=64, db_index=True)
    station = models.ForeignKey("elections.PollingStation", models.PROTECT, related_name="+")

    class Meta:
        ordering = ["release", "receipt"]
        triggers = APPEND_ONLY
        constraints = [
            models.UniqueConstraint(fields=["release", "receipt"], name="one_receipt_per_release"),
        ]


class ReleaseFile(models.Model):
    """One generated file of a release (CSV, JSON, XLSX, manifest), stored as bytes."""

    release = models.ForeignKey(Release, models.PROTECT, related_name="files")
    name = models.CharField(max_length=100)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()

    class Meta:
        ordering = ["release", "name"]
        triggers = APPEND_ONLY
        constraints = [
            models.UniqueConstraint(fields=["release", "name"], name="one_release_file_name"),
        ]


class ReleaseWithdrawal(models.Model):
    """A published release taken back, with the public notice saying why; the release stays.

    Nothing is deleted: the release's pages and files remain at their permalink, each with the
    notice on top, and the list of releases marks it withdrawn. Append-only, one per release.
    """

    release = models.OneToOneField(Release, models.PROTECT, related_name="withdrawal")
    notice = models.TextField()
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(default=timezone.now)

    class Meta:
        triggers = APPEND_ONLY

    def __str__(self) -> str:
        return f"withdrawal of {self.release}"
