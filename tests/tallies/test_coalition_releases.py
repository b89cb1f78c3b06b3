"""A coalition publishes with the consent of every member, attributes each station, and verifies.

`reconciled` (tests/tallies/test_selectors.py): Golos copied stations 91 (differs from the
official protocol) and 120; Other observers copied 92 (United Russia 777 against 490).
"""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from observers.models import AuditEntry, Coalition, CoalitionMember, Membership
from observers.services import organizations
from tallies.models import CoalitionRelease
from tallies.services import coalition_releases, coalitions, releases

pytestmark = pytest.mark.django_db


def admin_of(organization, username: str):
    user = get_user_model().objects.create_user(username=username)
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def admins(organization, other_organization):
    return {
        organization.pk: admin_of(organization, "ada"),
        other_organization.pk: admin_of(other_organization, "otto"),
    }


@pytest.fixture
def coalition(contest, organization, other_organization, admins) -> Coalition:
    """Both organisations agreed to pool their copies for the election."""
    coalition = Coalition.objects.create(name="Pool", election=contest.election, created_by=organization)
    for member in (organization, other_organization):
        CoalitionMember.objects.create(
            coalition=coalition,
            organization=member,
            agreed_by=admins[member.pk],
            agreed_at="2026-12-01T00:00Z",
        )
    return coalition


def consent(coalition, contest, organization, admins):
    return coalition_releases.consent_to_release(
        coalition=coalition, contest=contest, organization=organization, by=admins[organization.pk]
    )


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

    assert not CoalitionRelease.objects.exists()


def test_only_an_admin_of_a_current_member_consents(
    reconciled, coalition, contest, organization, coordinator
):
    with pytest.raises(PermissionDenied):
        coalition_releases.consent_to_release(
            coalition=coalition, contest=contest, organization=organization, by=coordinator
        )


def test_a_consent_is_audited_in_the_members_chain(
    reconciled, coalition, contest, other_organization, admins
):
    consent(coalition, contest, other_organization, admins)

    entry = AuditEntry.objects.filter(organization=other_organization).order_by("-sequence").first()
    assert entry.action == "coalition.release_consented" and entry.after["number"] == 1


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
    assert "Other observers" in attribution and published.coalition_release.number == 1


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
    assert len(coalitions.pool(coalition, contest).counted()) == 2  # station 92 left with its member
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
    page = client.get(url, headers={"Accept-Language": "en"}).content.decode()
    assert "Golos" in page and "Consent to this release" in page

    client.post(reverse("coalition-release-consent", args=[coalition.pk, contest.pk]))
    client.post(reverse("coalition-release-publish", args=[coalition.pk, contest.pk]), {"changelog": "First"})

    release = CoalitionRelease.objects.get(coalition=coalition).release
    assert release.organization == organization and release.changelog == "First"
    assert release.get_absolute_url() in client.get(url).content.decode()
