"""A coalition's releases: published only with the recorded consent of every current member.

Rule (issue 15): a coalition publishes a release with the consent of every member. Each current
member's admin consents to the coalition's next release number for a contest (audited in the
member's chain); once all have, an admin of a member publishes it. The release is made by the
ordinary machinery (tallies.services.releases: files, manifest, audit chain, verify), from the
pool (tallies.services.coalitions) instead of one organisation's tallies. It is numbered in the
coalition's own series (v1, v2 ... per coalition and contest, Release.coalition) at its own
permalink, and records the publishing member's audit chain. Like every release it never
changes: a member leaving afterwards changes the pool, not the release.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction

from elections.models import Contest
from observers import access
from observers.models import Coalition, CoalitionMember, Organization
from observers.services import audit
from tallies.models import CoalitionReleaseConsent, Release
from tallies.services import releases
from tallies.services.coalitions import pool, pooling_members
from tallies.services.releases.pooled import gather_pooled
from tallies.services.releases.publish import next_publication

NOT_A_MEMBER = "Only an admin of an organisation that agrees to the coalition acts for it."


def next_number(coalition: Coalition, contest: Contest) -> int:
    """The coalition's next release number for `contest` (from 1)."""
    latest = _latest(coalition, contest)
    return latest.number + 1 if latest else 1


def _latest(coalition: Coalition, contest: Contest) -> Release | None:
    return Release.objects.filter(coalition=coalition, contest=contest).order_by("-number").first()


def _member(coalition: Coalition, organization: Organization, by: User) -> None:
    """Raise PermissionDenied unless `by` administers `organization`, a current agreed member."""
    access.administered_organization(by, organization.slug)
    if organization.pk not in {o.pk for o in pooling_members(coalition)}:
        raise PermissionDenied(NOT_A_MEMBER)


@transaction.atomic
def consent_to_release(
    *, coalition: Coalition, contest: Contest, organization: Organization, by: User
) -> CoalitionReleaseConsent:
    """Record that `organization` consents to the coalition's next release for `contest`; audited.

    Consenting twice returns the same consent. Raises PermissionDenied unless `by` administers
    a current agreed member; ValueError when the contest is not of the coalition's election.
    """
    _member(coalition, organization, by)
    if contest.election_id != coalition.election_id:
        raise ValueError("the contest is not of the coalition's election")
    Coalition.objects.select_for_update().filter(pk=coalition.pk).exists()  # one number at a time
    number = next_number(coalition, contest)
    consent, created = CoalitionReleaseConsent.objects.get_or_create(
        coalition=coalition,
        contest=contest,
        number=number,
        organization=organization,
        defaults={"consented_by": by},
    )
    if created:
        after = {"coalition": coalition.name, "contest": contest.pk, "number": number}
        audit.record(
            organization=organization,
            actor=by,
            action="coalition.release_consented",
            obj=coalition,
            before={},
            after=after,
        )
    return consent


def every_member_shares_photos(coalition: Coalition) -> bool:
    """Whether every current member's consent includes its protocol photos (CoalitionMember.shares_photos):
    only then does a coalition's release publish photos."""
    members = {o.pk for o in pooling_members(coalition)}
    seats = CoalitionMember.objects.agreed().filter(coalition=coalition, organization_id__in=members)
    return bool(members) and not seats.filter(shares_photos=False).exists()


def missing_consents(coalition: Coalition, contest: Contest) -> list[Organization]:
    """The current agreed members that have not consented to the next release, by name."""
    consented = CoalitionReleaseConsent.objects.filter(
        coalition=coalition, contest=contest, number=next_number(coalition, contest)
    ).values_list("organization_id", flat=True)
    return [o for o in pooling_members(coalition) if o.pk not in set(consented)]


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
) -> Release:
    """Publish the coalition's next release for `contest` through `organization`; return it.

    Raises PermissionDenied unless `by` administers a current agreed member; ReleaseError when
    a current member has not consented (naming them), without a changelog, or with nothing counted.
    The release holds what an organisation's does, on the pool: seats, forensics, the regional
    comparison, and protocol photos when every member shares them (every_member_shares_photos).
    """
    _member(coalition, organization, by)
    Coalition.objects.select_for_update().filter(pk=coalition.pk).exists()
    Organization.objects.select_for_update().filter(pk=organization.pk).exists()
    missing = missing_consents(coalition, contest)
    if missing:
        names = ", ".join(o.name for o in missing)
        raise releases.ReleaseError(f"Every member must consent to this release first; waiting for: {names}.")
    if not changelog.strip():
        raise releases.ReleaseError("Say what this release contains or corrects (the changelog).")
    pooled = pool(coalition, contest)
    if not pooled.counted():
        raise releases.ReleaseError("Nothing to publish: no station of this contest is counted in the pool.")
    previous = _latest(coalition, contest)
    photos = every_member_shares_photos(coalition)
    publication = dataclasses.replace(
        next_publication(organization, contest, changelog, publish_at, photos, license_id),
        number=previous.number + 1 if previous else 1,
        previous=previous,
        coalition=coalition,
    )
    return releases.store_release(publication, gather_pooled(publication, pooled), by)
