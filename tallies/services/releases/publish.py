"""Publishing: freeze the organisation's findings for a contest into the next numbered release.

The organisation's admin decides (the view checks observers.access.administered_organization).
Publishing first brings the comparison up to date (tallies.services.reconcile), refuses while
any station waits to be tallied, then stores the release, its rows and its files (one INSERT
each, releases.files) in one transaction and logs "release.published" in the audit chain. The
chain head the release records is the one before that entry: the head at release time.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from elections.models import Contest
from observers.models import Organization
from observers.services import audit
from tallies.models import (
    Release,
    ReleaseCommission,
    ReleaseReceipt,
    ReleaseStation,
    StationTallyState,
)
from tallies.publication import MANIFEST, ReleaseData, build_files, release_summary, sha256
from tallies.services.reconciliation import reconcile
from tallies.services.releases.errors import ReleaseError
from tallies.services.releases.files import check_sizes, store_files
from tallies.services.releases.gather import LICENSE, LICENSES, Publication, gather
from tallies.services.releases.summary import names_document

BATCH = 2000


@transaction.atomic
def publish_release(
    *,
    organization: Organization,
    contest: Contest,
    published_by: AbstractBaseUser | None,
    changelog: str,
    publish_at: datetime | None = None,
    show_photos: bool = False,
    license_id: str = LICENSE,
) -> Release:
    """Store the next release of `organization` for `contest` and return it; raise ReleaseError.

    `publish_at` in the future is an embargo (default: now). `show_photos` publishes each
    station's sanitised protocol photo. `license_id` is an SPDX identifier of LICENSES. Numbers
    count from 1 per organisation and contest.
    """
    Organization.objects.select_for_update().filter(pk=organization.pk).exists()  # one number at a time
    _check_ready(organization, contest, changelog)
    reconcile(organization_id=organization.pk, contest_id=contest.pk)
    publication = next_publication(organization, contest, changelog, publish_at, show_photos, license_id)
    return store_release(publication, gather(publication), published_by)


def store_release(
    publication: Publication, data: ReleaseData, published_by: AbstractBaseUser | None
) -> Release:
    """Store `data` as the release `publication` describes, with its rows and files, and log
    "release.published" in the publishing organisation's audit chain. Call inside a transaction
    holding the organisation's row lock (one number at a time), as publish_release does."""
    release = _store(publication, data, published_by)
    _log(release, published_by)
    return release


def next_publication(
    organization: Organization,
    contest: Contest,
    changelog: str,
    publish_at: datetime | None,
    show_photos: bool,
    license_id: str,
) -> Publication:
    """What the next release would be (number, dates, choices); raise ReleaseError for a licence
    not in LICENSES. Nothing is stored: the publishing page previews gather() of it."""
    if license_id not in LICENSES:
        raise ReleaseError(_("Choose one of the licences: %(licences)s.") % {"licences": ", ".join(LICENSES)})
    own = Release.objects.filter(organization=organization, contest=contest, coalition__isnull=True)
    previous = own.order_by("-number").first()
    created_at = timezone.now()
    return Publication(
        organization=organization,
        contest=contest,
        number=previous.number + 1 if previous else 1,
        created_at=created_at,
        publish_at=publish_at or created_at,
        changelog=changelog.strip(),
        show_photos=show_photos,
        previous=previous,
        license=license_id,
    )


def preview_release(
    *,
    organization: Organization,
    contest: Contest,
    changelog: str,
    publish_at: datetime | None = None,
    show_photos: bool = False,
    license_id: str = LICENSE,
) -> tuple[Publication, ReleaseData]:
    """What publish_release would make public now, without storing anything; raise ReleaseError.

    The figures are the organisation's current ones: publishing later recomputes the comparison
    first, so a copy arriving in between changes the release, and the preview says so.
    """
    _check_ready(organization, contest, changelog)
    publication = next_publication(organization, contest, changelog, publish_at, show_photos, license_id)
    return publication, gather(publication)


def _check_ready(organization: Organization, contest: Contest, changelog: str) -> None:
    if not changelog.strip():
        raise ReleaseError(_("Say what this release contains or corrects (the changelog)."))
    states = StationTallyState.objects.filter(organization=organization, contest=contest)
    waiting = states.stale().count()
    if waiting:
        raise ReleaseError(
            ngettext(
                "%(count)d station is not in the tallies yet; publish again in a minute.",
                "%(count)d stations are not in the tallies yet; publish again in a minute.",
                waiting,
            )
            % {"count": waiting}
        )
    if not states.counted().exists():
        raise ReleaseError(_("Nothing to publish: no station of this contest is counted yet."))


def _store(publication: Publication, data: ReleaseData, published_by: AbstractBaseUser | None) -> Release:
    files = build_files(data)
    check_sizes(files)  # before the release row: a file too large to store refuses the release
    head = data.header["audit_chain_head"]
    release = Release.objects.create(
        organization=publication.organization,
        coalition=publication.coalition,
        contest=publication.contest,
        number=publication.number,
        changelog=publication.changelog,
        publish_at=publication.publish_at,
        created_at=publication.created_at,
        published_by_id=published_by.pk if published_by else None,
        show_photos=publication.show_photos,
        chain_sequence=head["sequence"],
        chain_head=head["entry_hash"],
        manifest_sha256=sha256(files[MANIFEST]),
        content=release_summary(data) | {"names": names_document(publication.contest)},
    )
    _store_rows(release, data, files)
    return release


def _store_rows(release: Release, data: ReleaseData, files: dict[str, bytes]) -> None:
    ReleaseCommission.objects.bulk_create(
        [
            ReleaseCommission(
                release=release,
                commission_id=c.commission_id,
                parent_id=c.parent_id,
                level=c.level,
                code=c.code,
                name=c.name,
                path=c.path,
                stations_compared=c.stations_compared,
                stations_discrepant=c.stations_discrepant,
                figures=c.figures,
            )
            for c in data.commissions
        ],
        batch_size=BATCH,
    )
    ReleaseStation.objects.bulk_create([_station(release, s) for s in data.stations], batch_size=BATCH)
    ReleaseReceipt.objects.bulk_create(
        [ReleaseReceipt(release=release, receipt=r.receipt, station_id=r.station_id) for r in data.receipts],
        batch_size=BATCH,
    )
    store_files(release.pk, files)


def _station(release: Release, s) -> ReleaseStation:  # type: ignore[no-untyped-def]
    return ReleaseStation(
        release=release,
        station_id=s.station_id,
        parent_id=s.parent_id,
        number=s.number,
        path=s.path,
        registered_voters=s.registered_voters,
        observer_code=s.observer_code,
        copy_submitted_at=s.copy_submitted_at,
        is_discrepant=s.is_discrepant,
        figures=s.figures,
        photo_id=s.photo_evidence_id,
        photo_sha256=s.photo_sha256,
    )


def _log(release: Release, published_by: AbstractBaseUser | None) -> None:
    after: dict[str, object] = {
        "contest": release.contest_id,
        "number": release.number,
        "manifest_sha256": release.manifest_sha256,
        "publish_at": audit.utc_iso(release.publish_at),
    }
    if release.coalition_id:
        after["coalition"] = release.coalition_id  # the number is the coalition's
    audit.record(
        organization=release.organization,
        actor=published_by,
        action="release.published",
        obj=release,
        before={},
        after=after,
        reason=release.changelog,
    )
