"""Coalitions: nothing is shared until both sides agreed, and only for the coalition's election."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from elections.models import Election
from observers.access import sharing_organizations
from observers.models import AuditEntry, CoalitionMember, Membership, Organization
from observers.services import organizations as services

pytestmark = pytest.mark.django_db


def admin_of(organization: Organization, username: str):
    user = get_user_model().objects.create_user(username=username)
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def third_organization(db) -> Organization:
    return Organization.objects.create(slug="third", name="Third", status=Organization.Status.APPROVED)


@pytest.fixture
def coalition(organization, other_organization, third_organization, contest):
    return services.create_coalition(
        organization=organization,
        by=admin_of(organization, "ada"),
        name="Clean count",
        election=contest.election,
        partners=[other_organization, third_organization],
    )


def agree(organization: Organization, coalition) -> None:
    by = Membership.objects.get(organization=organization, role="admin").user
    services.agree_to_coalition(organization=organization, by=by, coalition=coalition)


def test_it_shares_nothing_before_a_partner_agrees(coalition, organization, other_organization, contest):
    assert sharing_organizations(organization, contest.election) == [organization]
    assert sharing_organizations(other_organization, contest.election) == [other_organization]


def test_it_shares_between_the_two_sides_that_agreed(coalition, organization, other_organization, contest):
    admin_of(other_organization, "otto")

    agree(other_organization, coalition)

    assert sharing_organizations(organization, contest.election) == [organization, other_organization]
    assert sharing_organizations(other_organization, contest.election) == [other_organization, organization]


def test_it_leaves_out_an_invited_organization_that_has_not_agreed(
    coalition, organization, other_organization, third_organization, contest
):
    admin_of(other_organization, "otto")
    agree(other_organization, coalition)

    assert third_organization not in sharing_organizations(organization, contest.election)
    assert sharing_organizations(third_organization, contest.election) == [third_organization]


def test_it_shares_only_for_the_coalitions_election(coalition, organization, other_organization):
    admin_of(other_organization, "otto")
    agree(other_organization, coalition)
    later = Election.objects.create(
        slug="later",
        name="Later",
        country="RU",
        held_on=datetime.date(2016, 9, 18),
        time_zone="Europe/Moscow",
    )

    assert sharing_organizations(organization, later) == [organization]


def test_it_stops_sharing_when_a_partner_leaves(coalition, organization, other_organization, contest):
    otto = admin_of(other_organization, "otto")
    agree(other_organization, coalition)

    services.leave_coalition(organization=other_organization, by=otto, coalition=coalition)

    assert sharing_organizations(organization, contest.election) == [organization]


def test_it_stops_sharing_when_the_partner_is_no_longer_approved(
    coalition, organization, other_organization, contest
):
    admin_of(other_organization, "otto")
    agree(other_organization, coalition)

    Organization.objects.filter(pk=other_organization.pk).update(status=Organization.Status.REFUSED)

    assert sharing_organizations(organization, contest.election) == [organization]


def test_it_invites_approved_organizations_only(organization, contest):
    pending = Organization.objects.create(slug="pending", name="Pending")

    with pytest.raises(ValidationError):
        services.create_coalition(
            organization=organization,
            by=admin_of(organization, "ada"),
            name="Hasty",
            election=contest.election,
            partners=[pending],
        )


def test_it_lets_only_an_invited_organizations_admin_agree(
    coalition, organization, other_organization, coordinator
):
    outsider = Organization.objects.create(slug="outsider", name="Outsider", status="approved")
    with pytest.raises(PermissionDenied):
        services.agree_to_coalition(
            organization=outsider, by=admin_of(outsider, "ursula"), coalition=coalition
        )
    with pytest.raises(PermissionDenied):  # carol coordinates, but is not an admin
        services.agree_to_coalition(organization=organization, by=coordinator, coalition=coalition)


def test_it_creates_a_coalition_and_lets_the_partner_agree_on_the_pages(
    client, organization, other_organization, contest
):
    client.force_login(admin_of(organization, "ada"))
    client.post(
        reverse("organization-coalitions", args=[organization.slug]),
        {"name": "Clean count", "election": contest.election.pk, "partners": [other_organization.pk]},
    )
    seat = CoalitionMember.objects.get(organization=other_organization)
    assert seat.agreed_at is None

    client.force_login(admin_of(other_organization, "otto"))
    page = client.get(reverse("organization-coalitions", args=[other_organization.slug])).content.decode()
    client.post(reverse("organization-coalition-agree", args=[other_organization.slug, seat.coalition_id]))

    assert "Clean count" in page
    seat.refresh_from_db()
    assert seat.agreed_at is not None
    assert sharing_organizations(organization, contest.election) == [organization, other_organization]


def test_it_hides_a_coalition_from_an_organization_not_in_it(client, coalition):
    outsider = Organization.objects.create(slug="outsider", name="Outsider", status="approved")
    client.force_login(admin_of(outsider, "ursula"))

    response = client.post(reverse("organization-coalition-agree", args=[outsider.slug, coalition.pk]))

    assert response.status_code == 404


def test_it_logs_each_consent_and_departure_in_the_organisations_audit(coalition, other_organization):
    """Issue 12: coalition consent left no audit entry."""
    from observers.models import AuditEntry

    otto = admin_of(other_organization, "otto")
    services.agree_to_coalition(organization=other_organization, by=otto, coalition=coalition)
    services.leave_coalition(organization=other_organization, by=otto, coalition=coalition)

    entries = AuditEntry.objects.filter(organization=other_organization, action__startswith="coalition.")
    logged = [(e.action, e.actor, e.after["coalition"]) for e in entries.order_by("id")]
    assert logged == [("coalition.agreed", otto, "Clean count"), ("coalition.left", otto, "Clean count")]
    assert entries.order_by("id").last().after["had_agreed"] is True


def test_it_records_the_scope_of_a_consent_and_a_change_of_scope(coalition, other_organization):
    otto = admin_of(other_organization, "otto")

    services.agree_to_coalition(organization=other_organization, by=otto, coalition=coalition)
    services.agree_to_coalition(
        organization=other_organization, by=otto, coalition=coalition, share_photos=True
    )

    seat = CoalitionMember.objects.get(coalition=coalition, organization=other_organization)
    assert seat.shares_photos
    agreed, widened = AuditEntry.objects.filter(organization=other_organization, action="coalition.agreed")
    assert agreed.after["scope"] == {"figures": True, "photos": False, "observer_identities": False}
    assert widened.before["scope"]["photos"] is False and widened.after["scope"]["photos"] is True


def test_leaving_ends_the_consent_and_keeps_it_in_the_history(coalition, other_organization):
    otto = admin_of(other_organization, "otto")
    services.agree_to_coalition(organization=other_organization, by=otto, coalition=coalition)

    services.leave_coalition(organization=other_organization, by=otto, coalition=coalition)

    assert not CoalitionMember.objects.filter(coalition=coalition, organization=other_organization).exists()
    (ended,) = CoalitionMember.history.filter(coalition=coalition, organization=other_organization)
    assert ended.left_by == otto and ended.left_at is not None and ended.agreed_at is not None
    entry = AuditEntry.objects.filter(organization=other_organization, action="coalition.left").get()
    assert entry.actor == otto and entry.before["scope"]["figures"] is True
    with pytest.raises(PermissionDenied):  # an ended consent is not taken up again by agreeing
        services.agree_to_coalition(organization=other_organization, by=otto, coalition=coalition)


def test_the_coalitions_page_shows_who_left_and_what_each_member_shares(
    client, coalition, other_organization
):
    otto = admin_of(other_organization, "otto")
    services.agree_to_coalition(
        organization=other_organization, by=otto, coalition=coalition, share_photos=True
    )
    client.force_login(otto)
    page = client.get(
        reverse("organization-coalitions", args=[other_organization.slug]), headers={"Accept-Language": "en"}
    )
    assert "shares figures and protocol photos" in page.content.decode()

    client.post(reverse("organization-coalition-leave", args=[other_organization.slug, coalition.pk]))
    page = client.get(
        reverse("organization-coalitions", args=[other_organization.slug]), headers={"Accept-Language": "en"}
    )

    assert "left on" in page.content.decode()
    assert "Leave the coalition" not in page.content.decode()


def test_a_member_that_left_is_invited_again_with_a_new_seat_and_its_history_kept(
    coalition, organization, other_organization, contest
):
    otto = admin_of(other_organization, "otto")
    agree(other_organization, coalition)
    services.leave_coalition(organization=other_organization, by=otto, coalition=coalition)
    ada = Membership.objects.get(organization=organization, role="admin").user

    seat = services.invite_to_coalition(
        organization=organization, by=ada, coalition=coalition, invited=other_organization
    )
    assert sharing_organizations(organization, contest.election) == [organization]  # invited, not agreed yet
    services.agree_to_coalition(
        organization=other_organization, by=otto, coalition=coalition, share_photos=True
    )

    seats = CoalitionMember.history.filter(coalition=coalition, organization=other_organization).order_by(
        "id"
    )
    assert [(s.left_at is not None, s.agreed_at is not None) for s in seats] == [(True, True), (False, True)]
    assert seats.last() == seat and seats.first().left_by == otto
    assert sharing_organizations(organization, contest.election) == [organization, other_organization]
    entry = AuditEntry.objects.filter(organization=organization).order_by("-sequence").first()
    assert entry.action == "coalition.invited" and entry.after["earlier_seats"] == 1


def test_only_an_agreed_member_invites_and_never_a_seated_organisation(
    coalition, organization, other_organization, third_organization
):
    otto = admin_of(other_organization, "otto")
    ada = Membership.objects.get(organization=organization, role="admin").user

    with pytest.raises(PermissionDenied):  # Other observers is invited, not agreed
        services.invite_to_coalition(
            organization=other_organization, by=otto, coalition=coalition, invited=third_organization
        )
    with pytest.raises(ValidationError):  # Third is invited already
        services.invite_to_coalition(
            organization=organization, by=ada, coalition=coalition, invited=third_organization
        )


def test_the_coalitions_page_invites_again_an_organisation_that_declined(
    client, coalition, organization, other_organization
):
    otto = admin_of(other_organization, "otto")
    services.leave_coalition(organization=other_organization, by=otto, coalition=coalition)  # declines
    client.force_login(Membership.objects.get(organization=organization, role="admin").user)
    url = reverse("organization-coalition-invite", args=[organization.slug, coalition.pk])

    assert url in client.get(reverse("organization-coalitions", args=[organization.slug])).content.decode()
    client.post(url, {"invited": other_organization.pk})

    assert CoalitionMember.objects.filter(coalition=coalition, organization=other_organization).exists()
    client.force_login(otto)
    page = client.get(reverse("organization-coalitions", args=[other_organization.slug]))
    assert page.status_code == 200 and page.content.decode().count("Clean count") == 1  # one card, two seats
