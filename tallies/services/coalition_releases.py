"""A coalition's releases: published only with every current member's consent to their content.

Rule (issue 15): a coalition publishes a release with the consent of every member. A member's
admin previews the coalition's next release for a contest (preview_release) and consents to
that content: the consent records the SHA-256 of the preview it saw (content_sha256) and is
audited in the member's chain. Publishing recomputes the release and refuses, naming the
members, unless every current member consented to exactly that content: a new copy, a settled
conflict, a member joining or leaving, or a new official snapshot changes the content and asks
for consent again. The release is made by the ordinary machinery (tallies.services.releases:
files, manifest, audit chain, verify), from the pool (tallies.services.coalitions) instead of
one organisation's tallies. It is numbered in the coalition's own series (v1, v2 ... per
coalition and contest, Release.coalition) at its own permalink, and records the publishing
member's audit chain. Like every release it never changes: a member leaving afterwards changes
the pool, not the release. Preparing and publishing pool every member's copies, so the pages ask a
task for them (tallies.services.coalition_release_jobs, issue 17).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from elections.models import Contest
from observers import access
from observers.models import Coalition, Organization
from observers.services import audit
from tallies.models import CoalitionReleaseConsent, Release
from tallies.publication import ReleaseData
from tallies.selectors.pool import pool, pooling_members
from tallies.selectors.release_previews import every_member_shares_photos, next_number
from tallies.services import releases
from tallies.services.releases.gather import Publication
from tallies.services.releases.pooled import gather_pooled
from tallies.services.releases.publish import next_publication

NOT_A_MEMBER = _("Only an admin of an organisation that agrees to the coalition acts for it.")
SHA256 = re.compile(r"[0-9a-f]{64}")
MALFORMED = _("A consent names the SHA-256 of the previewed content (64 hexadecimal digits).")
NO_CHANGELOG = _("Say what this release contains or corrects (the changelog).")
NOTHING_POOLED = _("Nothing to publish: no station of this contest is counted in the pool.")
CONSENTS_MISSING = _(
    "Every member must consent to this content first (a consent is for the preview its member "
    "saw; a new copy or a change since asks for it again); waiting for: %(names)s."
)
CONTENT_CHANGED = _(
    "The release's content changed since the preview that was consented to (its SHA-256 is now "
    "%(now)s, not %(seen)s): %(what)s. Nothing was published; prepare the preview again and consent "
    "to it."
)
UNNAMED_CHANGE = _("a copy, receipt or photo of a counted station")


@dataclass(frozen=True)
class Preview:
    """What the coalition would publish now, and the SHA-256 of its content (content_sha256)."""

    publication: Publication
    data: ReleaseData
    content_sha256: str


def _latest(coalition: Coalition, contest: Contest) -> Release | None:
    return Release.objects.filter(coalition=coalition, contest=contest).order_by("-number").first()


def check_member(coalition: Coalition, organization: Organization, by: User) -> None:
    """Raise PermissionDenied unless `by` administers `organization`, a current agreed member."""
    access.administered_organization(by, organization.slug)
    if organization.pk not in {o.pk for o in pooling_members(coalition)}:
        raise PermissionDenied(NOT_A_MEMBER)


def content_sha256(data: ReleaseData) -> str:
    """SHA-256 of what a release says, whoever publishes it and whenever: its number, coalition
    and members, official snapshot, every commission's and station's figures and attribution,
    photos, receipts (so a new copy changes it), coverage, seats, forensics and regions. Left
    out: publisher, dates, changelog, licence, audit chain head and the analyses' computed_at."""
    header = data.header

    def undated(document: dict[str, Any] | None) -> dict[str, Any] | None:
        return {k: v for k, v in document.items() if k != "computed_at"} if document else None

    document = {
        "number": header["number"],
        "coalition": header.get("coalition"),
        "official_snapshot": header.get("official_snapshot"),
        "show_photos": any(s.photo_evidence_id for s in data.stations),
        "layout": data.layout,
        "coverage": data.coverage,
        "seats": undated(data.seats),
        "forensics": undated(data.forensics),
        "regions": data.regions,
        "commissions": [dataclasses.asdict(c) for c in data.commissions],
        "stations": [dataclasses.asdict(s) for s in data.stations],
        "receipts": sorted(r.receipt for r in data.receipts),
    }
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def preview_release(
    *,
    coalition: Coalition,
    contest: Contest,
    organization: Organization,
    changelog: str = "",
    publish_at: datetime | None = None,
    license_id: str = releases.LICENSE,
) -> Preview:
    """The coalition's next release for `contest` as `organization` would publish it now; nothing
    is stored. Raises ReleaseError with nothing counted in the pool, or a licence not offered."""
    pooled = pool(coalition, contest)
    if not pooled.counted():
        raise releases.ReleaseError(NOTHING_POOLED)
    previous = _latest(coalition, contest)
    photos = every_member_shares_photos(coalition)
    publication = dataclasses.replace(
        next_publication(organization, contest, changelog, publish_at, photos, license_id),
        number=previous.number + 1 if previous else 1,
        previous=previous,
        coalition=coalition,
    )
    data = gather_pooled(publication, pooled)
    return Preview(publication, data, content_sha256(data))


@transaction.atomic
def consent_to_release(
    *, coalition: Coalition, contest: Contest, organization: Organization, by: User, content: str
) -> CoalitionReleaseConsent:
    """Record that `organization` consents to the coalition's next release for `contest` with the
    content whose SHA-256 is `content` (the preview its admin saw); audited.

    The consent is recorded as seen, without computing the release again (that costs as much as
    publishing): if the content has changed since, it simply matches nothing, the preview page
    says "asked again", and publishing refuses. Consenting twice to the same content returns the
    same consent. Raises PermissionDenied unless `by` administers a current agreed member;
    ValueError when the contest is not of the coalition's election; ReleaseError (MALFORMED)
    when `content` is not a SHA-256.
    """
    check_member(coalition, organization, by)
    if contest.election_id != coalition.election_id:
        raise ValueError("the contest is not of the coalition's election")
    if not SHA256.fullmatch(content):
        raise releases.ReleaseError(MALFORMED)
    Coalition.objects.select_for_update().filter(pk=coalition.pk).exists()  # one number at a time
    number = next_number(coalition, contest)
    consent, created = CoalitionReleaseConsent.objects.get_or_create(
        coalition=coalition,
        contest=contest,
        number=number,
        organization=organization,
        content_sha256=content,
        defaults={"consented_by": by},
    )
    if created:
        after = {
            "coalition": coalition.name,
            "contest": contest.pk,
            "number": number,
            "content_sha256": content,
        }
        audit.record(
            organization=organization,
            actor=by,
            action="coalition.release_consented",
            obj=coalition,
            before={},
            after=after,
        )
    return consent


def consents(coalition: Coalition, contest: Contest) -> list[tuple[Organization, str | None]]:
    """Every current member, by name, with the content SHA-256 of its latest consent to the next
    release (None when it has not consented to it)."""
    rows = CoalitionReleaseConsent.objects.filter(
        coalition=coalition, contest=contest, number=next_number(coalition, contest)
    ).order_by("consented_at", "id")
    latest = dict(rows.values_list("organization_id", "content_sha256"))  # the last one wins
    return [(o, latest.get(o.pk)) for o in pooling_members(coalition)]


def missing_consents(coalition: Coalition, contest: Contest, content: str) -> list[Organization]:
    """The current agreed members that have not consented to the next release with this content."""
    return [o for o, consented in consents(coalition, contest) if consented != content]


@transaction.atomic
def publish_coalition_release(
    *,
    coalition: Coalition,
    contest: Contest,
    organization: Organization,
    by: User,
    changelog: str,
    publish_at: datetime | None = None,
    license_id: str = releases.LICENSE,
    content_sha256: str | None = None,
    changed: Callable[[], list[str]] | None = None,
) -> Release:
    """Publish the coalition's next release for `contest` through `organization`; return it.

    `content_sha256`, when given, is the content the publisher asked to publish (the prepared
    preview's): if the content computed now differs, nothing is published and ReleaseError
    (CONTENT_CHANGED) says what changed, as `changed()` names it (default: UNNAMED_CHANGE), so
    that what is published is exactly what was consented to.

    Raises PermissionDenied unless `by` administers a current agreed member; ReleaseError without
    a changelog, with nothing counted, or when a current member has not consented to exactly the
    content that would be published (naming them). The release holds what an organisation's does,
    on the pool: seats, forensics, the regional comparison, and protocol photos when every member
    shares them (every_member_shares_photos).
    """
    check_member(coalition, organization, by)
    Coalition.objects.select_for_update().filter(pk=coalition.pk).exists()
    Organization.objects.select_for_update().filter(pk=organization.pk).exists()
    if not changelog.strip():
        raise releases.ReleaseError(NO_CHANGELOG)
    preview = preview_release(
        coalition=coalition,
        contest=contest,
        organization=organization,
        changelog=changelog,
        publish_at=publish_at,
        license_id=license_id,
    )
    if content_sha256 is not None and preview.content_sha256 != content_sha256:
        what = "; ".join((changed() if changed else []) or [str(UNNAMED_CHANGE)])
        found = {"now": preview.content_sha256, "seen": content_sha256, "what": what}
        raise releases.ReleaseError(CONTENT_CHANGED % found)
    missing = missing_consents(coalition, contest, preview.content_sha256)
    if missing:
        raise releases.ReleaseError(CONSENTS_MISSING % {"names": ", ".join(o.name for o in missing)})
    return releases.store_release(preview.publication, preview.data, by)
