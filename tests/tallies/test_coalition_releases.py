"""A coalition publishes with the consent of every member, attributes each station, and verifies.

`reconciled` (tests/conftest.py): Golos copied stations 91 (differs from the
official protocol) and 120; Other observers copied 92 (United Russia 777 against 490).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.urls import reverse

from observers.models import AuditEntry, CoalitionMember, Evidence
from observers.services import organizations
from tallies.models import CopyPhoto, Release
from tallies.selectors import pool as pool_reads
from tallies.services import coalition_releases, releases
from tests.publication.support import coalition_release_urls, current_copy, jpeg, later
from tests.support import LINES_PEC_120, OPTIONS_PEC_120, submit

pytestmark = pytest.mark.django_db


def preview_hash(coalition, contest, organization) -> str:
    """The SHA-256 of the content the member's admin sees on the preview page now."""
    return coalition_releases.preview_release(
        coalition=coalition, contest=contest, organization=organization
    ).content_sha256


def consent(coalition, contest, organization, admins, content=None):
    """The member's admin consents to what the preview shows now (or to `content`)."""
    return coalition_releases.consent_to_release(
        coalition=coalition, contest=contest, organization=organization, by=admins[organization.pk],
        content=content or preview_hash(coalition, contest, organization),
    )  # fmt: skip


def publish(coalition, contest, organization, admins):
    return coalition_releases.publish_coalition_release(
        coalition=coalition, contest=contest, organization=organization, by=admins[organization.pk],
        changelog="The coalition's first count",
    )  # fmt: skip


@pytest.fixture
def published(reconciled, coalition, contest, organization, other_organization, admins):
    consent(coalition, contest, organization, admins)
    consent(coalition, contest, other_organization, admins)
    return publish(coalition, contest, organization, admins)


def test_it_refuses_a_release_until_every_member_consented(
    reconciled, coalition, contest, organization, other_organization, admins
):
    consent(coalition, contest, organization, admins)

    with pytest.raises(releases.ReleaseError, match="Other observers"):
        publish(coalition, contest, organization, admins)

    assert not Release.objects.filter(coalition=coalition).exists()


def test_only_an_admin_of_a_current_member_consents(
    reconciled, coalition, contest, organization, coordinator
):
    with pytest.raises(PermissionDenied):
        coalition_releases.consent_to_release(
            coalition=coalition, contest=contest, organization=organization, by=coordinator, content="0" * 64
        )


def test_a_consent_is_audited_in_the_members_chain(
    reconciled, coalition, contest, other_organization, admins
):
    consent(coalition, contest, other_organization, admins)

    entry = AuditEntry.objects.filter(organization=other_organization).order_by("-sequence").first()
    assert entry.action == "coalition.release_consented" and entry.after["number"] == 1
    assert entry.after["content_sha256"] == preview_hash(coalition, contest, other_organization)


def test_the_release_attributes_each_station_to_the_members_that_supplied_it(
    published, coalition, contest, organization, other_organization
):
    document = published.content["release"]["coalition"]
    members = {m["name"]: (m["stations"], m["shared"]) for m in document["members"]}
    supplied = {row.number: row.figures["supplied_by"] for row in published.stations.all()}

    assert document["number"] == 1 and document["name"] == "Pool"
    assert members == {"Golos": (2, 0), "Other observers": (1, 0)}
    assert supplied == {"91": ["Golos"], "92": ["Other observers"], "120": ["Golos"]}
    attribution = bytes(published.files.get(name="attribution.csv").content).decode()
    assert "Other observers" in attribution and published.number == 1


def test_the_release_compares_the_pool_with_the_official_protocols(published, contest):
    root = published.commissions.get(parent__isnull=True)

    assert (root.stations_compared, root.stations_discrepant) == (3, 2)
    assert published.stations.get(number="92").figures["differences"]["options"]["p6_UR"] == [777, 490]


def test_the_release_verifies_and_names_no_observer(published, observer, other_observer):
    assert releases.verify_stored(published) == []
    document = bytes(published.files.get(name="release.json").content).decode()
    assert observer.code not in document and other_observer.code not in document


def test_a_member_leaving_later_changes_the_pool_and_not_the_release(
    published, coalition, contest, other_organization, admins
):
    manifest = published.manifest_sha256
    files = {f.name: bytes(f.content) for f in published.files.all()}

    organizations.leave_coalition(
        organization=other_organization, by=admins[other_organization.pk], coalition=coalition
    )

    published.refresh_from_db()
    assert len(pool_reads.pool(coalition, contest).counted()) == 2  # station 92 left with its member
    assert published.manifest_sha256 == manifest
    assert {f.name: bytes(f.content) for f in published.files.all()} == files
    assert published.stations.count() == 3 and releases.verify_stored(published) == []


def test_the_next_release_needs_fresh_consent_and_names_its_predecessor(
    published, coalition, contest, organization, other_organization, admins
):
    with pytest.raises(releases.ReleaseError):
        publish(coalition, contest, organization, admins)

    consent(coalition, contest, organization, admins)
    organizations.leave_coalition(
        organization=other_organization, by=admins[other_organization.pk], coalition=coalition
    )
    with pytest.raises(releases.ReleaseError, match="waiting for: Golos"):  # the content changed
        publish(coalition, contest, organization, admins)
    consent(coalition, contest, organization, admins)
    second = publish(coalition, contest, organization, admins)  # the remaining member's consent suffices

    header = json.loads(bytes(second.files.get(name="release.json").content))["release"]
    assert header["coalition"]["number"] == 2
    assert header["previous_release"]["manifest_sha256"] == published.manifest_sha256


def test_the_coalition_page_asks_for_consent_and_publishes(
    client, reconciled, coalition, contest, organization, other_organization, admins
):
    consent(coalition, contest, other_organization, admins)
    client.force_login(admins[organization.pk])
    url = reverse("coalition-results", args=[coalition.pk, contest.pk])
    preview_url = reverse("coalition-release-preview", args=[coalition.pk, contest.pk])
    assert preview_url in client.get(url, headers={"Accept-Language": "en"}).content.decode()
    preview = client.get(preview_url, headers={"Accept-Language": "en"})
    page = preview.content.decode()
    assert "Golos" in page and "Consent to this release" in page and "consented to this content" in page

    consent_url = reverse("coalition-release-consent", args=[coalition.pk, contest.pk])
    client.post(consent_url, {"content_sha256": preview.context["content_sha256"]})
    client.post(reverse("coalition-release-publish", args=[coalition.pk, contest.pk]), {"changelog": "First"})

    release = Release.objects.get(coalition=coalition)
    assert release.organization == organization and release.changelog == "First"
    assert release.get_absolute_url() in client.get(url).content.decode()


def test_the_release_is_numbered_in_the_coalitions_own_series(
    reconciled, coalition, contest, organization, other_organization, admins
):
    own = releases.publish_release(
        organization=organization, contest=contest, published_by=admins[organization.pk], changelog="Ours"
    )
    consent(coalition, contest, organization, admins)
    consent(coalition, contest, other_organization, admins)

    pooled = publish(coalition, contest, other_organization, admins)  # the other member publishes
    next_own = releases.publish_release(
        organization=organization, contest=contest, published_by=admins[organization.pk], changelog="Again"
    )

    assert (own.number, pooled.number, next_own.number) == (1, 1, 2)
    assert pooled.coalition == coalition and pooled.organization == other_organization
    assert (
        pooled.get_absolute_url()
        == f"/public/coalitions/{coalition.pk}/{contest.election.slug}/{contest.slug}/v1/"
    )
    assert own.superseded_by() == next_own and pooled.superseded_by() is None
    manifest = json.loads(bytes(pooled.files.get(name="manifest.json").content))
    assert manifest["release"]["coalition"] == {"id": coalition.pk, "name": "Pool"}
    assert releases.release_of_manifest(bytes(pooled.files.get(name="manifest.json").content)) == pooled


def test_every_page_and_file_of_the_coalitions_release_is_public(client, published, contest, station, tec):
    args = [published.coalition_id, contest.election.slug, contest.slug, 1]

    found = {
        name: client.get(url).status_code for name, url in coalition_release_urls(args, station, tec).items()
    }

    assert found.pop("public-coalition-latest") == 302
    assert found.pop("public-coalition-station-photo") == 404  # no member consented to photos
    assert set(found.values()) == {200}
    assert (
        client.get(reverse("public-release", args=[published.organization.slug, *args[1:]])).status_code
        == 404
    )


def test_an_embargoed_coalition_release_is_not_found_until_its_time(
    client, reconciled, coalition, contest, organization, other_organization, admins, station, tec
):
    consent(coalition, contest, organization, admins)
    consent(coalition, contest, other_organization, admins)
    coalition_releases.publish_coalition_release(
        coalition=coalition, contest=contest, organization=organization, by=admins[organization.pk],
        changelog="Embargoed", publish_at=later(60),
    )  # fmt: skip
    urls = coalition_release_urls([coalition.pk, contest.election.slug, contest.slug, 1], station, tec)

    assert {client.get(url).status_code for url in urls.values()} == {404}
    assert client.get(reverse("public-index")).context["groups"] == []


def test_the_public_index_lists_it_under_the_coalitions_name_with_its_members(client, published):
    page = client.get(reverse("public-index"), headers={"Accept-Language": "en"}).content.decode()
    overview = client.get(published.get_absolute_url(), headers={"Accept-Language": "en"}).content.decode()

    assert "Coalition Pool: Golos, Other observers" in page and published.get_absolute_url() in page
    assert published.latest_url() in page
    assert "Coalition Pool" in overview and "Other observers" in overview


def attach_photo(organization, contest, station, observer):
    """A sanitised (ready) photo attached to the organisation's copy of the station."""
    evidence = Evidence.objects.create(
        organization=organization, uploaded_by=observer, original_name="IMG_0001.jpg",
        original_sha256="0" * 64, original_size=3, file=ContentFile(jpeg(), name="clean.jpg"),
        content_type="image/jpeg", status=Evidence.Status.READY,
    )  # fmt: skip
    CopyPhoto.objects.create(copy=current_copy(organization, contest, station), evidence=evidence)
    return evidence


def test_the_release_publishes_photos_only_when_every_member_shares_them(
    client, reconciled, coalition, contest, organization, other_organization, admins, station, observer
):
    photo = attach_photo(organization, contest, station, observer)
    CoalitionMember.objects.filter(organization=organization).update(shares_photos=True)
    consent(coalition, contest, organization, admins)
    consent(coalition, contest, other_organization, admins)
    without = publish(coalition, contest, organization, admins)  # Other observers keeps its photos
    CoalitionMember.objects.filter(organization=other_organization).update(shares_photos=True)
    consent(coalition, contest, organization, admins)
    consent(coalition, contest, other_organization, admins)

    with_photos = publish(coalition, contest, organization, admins)

    assert not without.show_photos and without.stations.get(number="91").photo_id is None
    assert with_photos.show_photos and with_photos.stations.get(number="91").photo_id == photo.pk
    args = [coalition.pk, contest.election.slug, contest.slug]
    assert (
        client.get(reverse("public-coalition-station-photo", args=[*args, 1, station.pk])).status_code == 404
    )
    assert (
        client.get(reverse("public-coalition-station-photo", args=[*args, 2, station.pk])).status_code == 200
    )
    assert releases.verify_stored(with_photos) == []


def test_the_release_holds_the_regional_comparison_only_with_regional_official_totals(published):
    assert published.content["regions"] == [] and published.content["forensics"] is None  # 3 stations


def test_a_consent_to_an_older_preview_refuses_publishing_and_names_the_members(
    reconciled, coalition, contest, organization, other_organization, admins, other_observer, other_station,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    seen = preview_hash(coalition, contest, organization)
    consent(coalition, contest, organization, admins, content=seen)
    consent(coalition, contest, other_organization, admins, content=seen)
    with django_capture_on_commit_callbacks(execute=True):  # a new copy: station 120 from both members
        submit(other_observer, contest, other_station, LINES_PEC_120, OPTIONS_PEC_120)

    with pytest.raises(releases.ReleaseError, match="waiting for: Golos, Other observers"):
        publish(coalition, contest, organization, admins)

    assert preview_hash(coalition, contest, organization) != seen
    assert not Release.objects.filter(coalition=coalition).exists()
    consent(coalition, contest, organization, admins)
    consent(coalition, contest, other_organization, admins)
    release = publish(coalition, contest, organization, admins)  # both consented to the new content
    assert release.stations.get(number="120").figures["supplied_by"] == ["Golos", "Other observers"]


def test_the_verifier_accepts_the_previous_release_published_through_another_member(
    client, published, coalition, contest, organization, other_organization, admins, tmp_path
):
    consent(
        coalition, contest, organization, admins, content=preview_hash(coalition, contest, other_organization)
    )
    consent(coalition, contest, other_organization, admins)
    second = publish(coalition, contest, other_organization, admins)  # Otto publishes v2, Ada published v1
    paths = []
    for release in (published, second):
        path = tmp_path / f"v{release.number}.zip"
        path.write_bytes(client.get(release.get_absolute_url() + "release.zip").content)
        paths.append(path)

    tool = Path(settings.BASE_DIR) / "tools" / "verify_release.py"
    result = subprocess.run(
        [sys.executable, "-I", str(tool), paths[1], "--previous", paths[0]], capture_output=True, text=True
    )

    assert (second.organization, published.organization) == (other_organization, organization)
    assert result.returncode == 0, result.stdout
