"""Roles: admins invite members, who accept or decline; a coordinator covers the organisation or a territory.

Issue 12, reproduction 1: another organisation's admin could make anyone its coordinator, which
broke their token and sent them to second-factor setup; now nothing changes before they accept.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from elections.models import Commission
from observers.access import coordinated_organizations, territory_filter
from observers.models import AuditEntry, Invitation, Membership
from observers.services import memberships as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def dan(db):
    """Dan has an account and belongs to no organisation yet."""
    return get_user_model().objects.create_user(username="dan")


def invite_and_accept(admin, organization, user, role="coordinator", territory=None) -> Membership:
    invitation = services.invite_member(
        organization=organization, by=admin, username=user.username, role=role, territory=territory
    )
    return services.accept_invitation(invitation=invitation, by=user)


def tec(contest, name="84 Пресненский район") -> Commission:
    return Commission.objects.get(election=contest.election, name=name)


def test_it_invites_an_account_to_coordinate_a_territory_from_when_they_accept(
    adam, organization, dan, contest
):
    response = adam.post(
        reverse("organization-members", args=[organization.slug]),
        {"username": "dan", "role": "coordinator", "territory": tec(contest).pk},
    )

    assert response.status_code == 302
    assert not Membership.objects.filter(user=dan).exists()
    invitation = Invitation.objects.get(user=dan)
    services.accept_invitation(invitation=invitation, by=dan)
    membership = Membership.objects.get(user=dan)
    assert (membership.organization, membership.role, membership.territory) == (
        organization,
        "coordinator",
        tec(contest),
    )


def test_it_limits_a_territorial_coordinator_to_the_territory(admin, organization, dan, contest):
    invite_and_accept(admin, organization, dan, territory=tec(contest))

    assert territory_filter(dan, organization) == tec(contest)


def test_it_gives_admins_and_coordinators_without_territory_the_whole_organization(
    admin, coordinator, organization
):
    assert territory_filter(admin, organization) is None
    assert territory_filter(coordinator, organization) is None


def test_it_gives_no_territory_to_someone_outside_the_organization(observer, other_organization, coordinator):
    with pytest.raises(PermissionDenied):
        territory_filter(observer.user, observer.organization)
    with pytest.raises(PermissionDenied):
        territory_filter(coordinator, other_organization)


def test_it_answers_alike_for_an_unknown_and_a_known_username(adam, organization, dan):
    url = reverse("organization-members", args=[organization.slug])

    unknown = adam.post(url, {"username": "nobody", "role": "admin"}, follow=True)
    known = adam.post(url, {"username": "dan", "role": "admin"}, follow=True)

    def message(response):  # the answer, with the username taken out
        return [str(m).replace("nobody", "NAME").replace("dan", "NAME") for m in response.context["messages"]]

    def row(username):  # the invitation's row in the members page, with the username taken out
        page = known.content.decode()
        start = page.index(f"<td>{username}</td>")
        text = page[start : page.index("</tr>", start)].replace(username, "NAME")
        return re.sub(r"invitations/\d+/", "invitations/ID/", text)

    assert unknown.status_code == known.status_code == 200
    assert message(unknown) == message(known)
    assert row("nobody") == row("dan")
    assert Invitation.objects.get(username="nobody").user is None


def test_it_refuses_a_polling_station_as_territory(admin, organization, dan, station):
    with pytest.raises(ValidationError):
        services.invite_member(
            organization=organization, by=admin, username="dan", role="coordinator", territory=station.pec
        )


def test_it_lets_only_admins_invite(client, coordinator, organization, dan):
    client.force_login(coordinator)

    response = client.post(
        reverse("organization-members", args=[organization.slug]), {"username": "dan", "role": "admin"}
    )

    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.invite_member(organization=organization, by=coordinator, username="dan", role="admin")
    assert not Invitation.objects.exists()


def test_it_never_ends_the_last_admin(adam, admin, organization):
    membership = Membership.objects.get(user=admin)

    adam.post(reverse("organization-member-remove", args=[organization.slug, membership.pk]))

    assert Membership.objects.filter(pk=membership.pk).exists()


def test_it_ends_a_coordinators_role_and_keeps_its_history(adam, admin, coordinator, organization):
    membership = Membership.objects.get(user=coordinator)

    adam.post(reverse("organization-member-remove", args=[organization.slug, membership.pk]))

    assert not Membership.objects.filter(pk=membership.pk).exists()
    ended = Membership.history.get(pk=membership.pk)
    assert (ended.ended_by, ended.role) == (admin, "coordinator") and ended.ended_at is not None
    assert coordinated_organizations(coordinator) == []  # the ended row counts nowhere
    entry = AuditEntry.objects.get(organization=organization, action="membership.ended")
    assert (entry.actor, entry.before["user"], entry.before["role"]) == (admin, coordinator.pk, "coordinator")


def test_it_cannot_end_a_member_of_another_organization(adam, organization, other_observer):
    membership = Membership.objects.get(user=other_observer.user)

    response = adam.post(reverse("organization-member-remove", args=[organization.slug, membership.pk]))

    assert response.status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_it_changes_nothing_of_an_invited_observers_sign_in_until_they_accept(
    client, other_organization, observer
):
    """Reproduction 1: B's admin "adds" A's observer as coordinator; the observer's token still works."""
    from observers.login_security import issue_token

    b_admin = get_user_model().objects.create_user(username="bea")
    Membership.objects.create(user=b_admin, organization=other_organization, role=Membership.Role.ADMIN)
    client.force_login(b_admin)
    client.post(
        reverse("organization-members", args=[other_organization.slug]),
        {"username": observer.user.username, "role": "coordinator"},
    )
    client.logout()
    token = issue_token(observer.user)

    response = client.get(reverse("api-copy-list"), HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 200
    assert not Membership.objects.filter(user=observer.user, organization=other_organization).exists()


def test_it_lets_the_invited_user_decline_and_logs_every_step(admin, organization, dan, client):
    invitation = services.invite_member(organization=organization, by=admin, username="dan", role="admin")
    client.force_login(dan)

    page = client.get(reverse("account-invitations"))
    client.post(reverse("account-invitation-decline", args=[invitation.pk]))

    assert organization.name in page.content.decode()
    assert not Membership.objects.filter(user=dan).exists()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED
    actions = list(AuditEntry.objects.filter(organization=organization).values_list("action", "actor"))
    assert actions[-2:] == [("invitation.sent", admin.pk), ("invitation.declined", dan.pk)]


def test_it_lets_nobody_else_answer_an_invitation(admin, organization, dan, coordinator, client):
    invitation = services.invite_member(organization=organization, by=admin, username="dan", role="admin")
    client.force_login(coordinator)

    response = client.post(reverse("account-invitation-accept", args=[invitation.pk]))

    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        services.accept_invitation(invitation=invitation, by=coordinator)
    assert not Membership.objects.filter(user=dan).exists()


def test_it_lets_a_member_end_a_role_they_no_longer_want(admin, organization, dan):
    membership = invite_and_accept(admin, organization, dan)

    services.end_membership(organization=organization, by=dan, membership=membership)

    assert not Membership.objects.filter(user=dan).exists()


def test_a_member_leaves_from_their_own_page_after_confirming(admin, organization, dan, client):
    """Issue 12: a member could not leave an organisation themselves; the row is ended, not deleted."""
    membership = invite_and_accept(admin, organization, dan)
    client.force_login(dan)
    listed = client.get(reverse("account-organizations"), HTTP_ACCEPT_LANGUAGE="en")
    leave = reverse("account-organization-leave", args=[organization.slug])

    confirmation = client.get(leave, HTTP_ACCEPT_LANGUAGE="en")
    still = Membership.objects.filter(pk=membership.pk).exists()  # asking changes nothing
    left = client.post(leave, HTTP_ACCEPT_LANGUAGE="en", follow=True)

    assert leave in listed.content.decode()
    assert confirmation.status_code == 200 and "Leave Golos?" in confirmation.content.decode()
    assert still and not Membership.objects.filter(pk=membership.pk).exists()
    assert [str(m) for m in left.context["messages"]] == ["You left Golos."]
    ended = Membership.history.get(pk=membership.pk)
    assert (ended.ended_by, ended.role) == (dan, "coordinator") and ended.ended_at is not None
    entry = AuditEntry.objects.get(organization=organization, action="membership.ended")
    assert (entry.actor, entry.before["user"], entry.before["role"]) == (dan, dan.pk, "coordinator")
    assert coordinated_organizations(dan) == []


def test_the_last_admin_cannot_leave_and_is_told_why(adam, admin, organization):
    left = adam.post(
        reverse("account-organization-leave", args=[organization.slug]),
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    assert [str(m) for m in left.context["messages"]] == [
        "You are the last admin of this organisation: make another member an admin before you leave."
    ]
    assert Membership.objects.filter(user=admin, organization=organization).exists()
    assert not AuditEntry.objects.filter(action="membership.ended").exists()


def test_an_admin_leaves_once_another_admin_remains(admin, organization, dan):
    invite_and_accept(admin, organization, dan, role="admin")

    services.leave_organization(organization=organization, by=admin)

    assert [m.user for m in Membership.objects.filter(organization=organization, role="admin")] == [dan]


def test_nobody_leaves_an_organisation_they_are_not_in(client, coordinator, other_organization):
    client.force_login(coordinator)

    response = client.post(reverse("account-organization-leave", args=[other_organization.slug]))

    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        services.leave_organization(organization=other_organization, by=coordinator)
