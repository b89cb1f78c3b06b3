"""Roles: admins manage members; a coordinator covers the whole organisation or one region or TEC."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from elections.models import Commission
from observers.access import territory_filter
from observers.models import Membership
from observers.services import organizations as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(organization):
    user = get_user_model().objects.create_user(username="ada")
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def ada(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def dave(db):
    return get_user_model().objects.create_user(username="dave")


def tec(contest, name="84 Пресненский район") -> Commission:
    return Commission.objects.get(election=contest.election, name=name)


def test_it_makes_an_account_a_coordinator_of_a_territory(ada, organization, dave, contest):
    response = ada.post(
        reverse("organization-members", args=[organization.slug]),
        {"username": "dave", "role": "coordinator", "territory": tec(contest).pk},
    )

    membership = Membership.objects.get(user=dave)
    assert response.status_code == 302
    assert (membership.organization, membership.role, membership.territory) == (
        organization,
        "coordinator",
        tec(contest),
    )


def test_it_limits_a_territorial_coordinator_to_the_territory(admin, organization, dave, contest):
    services.add_member(
        organization=organization, by=admin, username="dave", role="coordinator", territory=tec(contest)
    )

    assert territory_filter(dave, organization) == tec(contest)


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


def test_it_names_an_unknown_username(ada, organization):
    response = ada.post(
        reverse("organization-members", args=[organization.slug]), {"username": "nobody", "role": "admin"}
    )

    assert "username" in response.context["form"].errors


def test_it_refuses_a_polling_station_as_territory(admin, organization, dave, station):
    with pytest.raises(ValidationError):
        services.add_member(
            organization=organization, by=admin, username="dave", role="coordinator", territory=station.pec
        )


def test_it_lets_only_admins_manage_members(client, coordinator, organization, dave):
    client.force_login(coordinator)

    response = client.post(
        reverse("organization-members", args=[organization.slug]), {"username": "dave", "role": "admin"}
    )

    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.add_member(organization=organization, by=coordinator, username="dave", role="admin")
    assert not Membership.objects.filter(user=dave).exists()


def test_it_never_removes_the_last_admin(ada, admin, organization):
    membership = Membership.objects.get(user=admin)

    ada.post(reverse("organization-member-remove", args=[organization.slug, membership.pk]))

    assert Membership.objects.filter(pk=membership.pk).exists()


def test_it_removes_a_coordinators_role(ada, coordinator, organization):
    membership = Membership.objects.get(user=coordinator)

    ada.post(reverse("organization-member-remove", args=[organization.slug, membership.pk]))

    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_it_cannot_remove_a_member_of_another_organization(ada, organization, other_observer):
    membership = Membership.objects.get(user=other_observer.user)

    response = ada.post(reverse("organization-member-remove", args=[organization.slug, membership.pk]))

    assert response.status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()
