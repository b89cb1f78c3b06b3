"""Accreditation per election and the obstacles log: each organisation sees only its own."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from observers.models import Accreditation, Membership, Obstacle

pytestmark = pytest.mark.django_db


@pytest.fixture
def oliver(other_organization):
    """A coordinator of the other organisation."""
    user = get_user_model().objects.create_user(username="oliver")
    Membership.objects.create(user=user, organization=other_organization, role=Membership.Role.COORDINATOR)
    return user


def accreditation_form(election, **changes):
    return {
        "election": election.pk,
        "number": "ЦИК-2011/115",
        "issued_on": "2011-11-20",
        "issuing_commission": "ЦИК России",
        "status": "granted",
        **changes,
    }


def test_it_records_an_accreditation_for_an_election(carol, organization, contest):
    response = carol.post(
        reverse("organization-accreditations", args=[organization.slug]), accreditation_form(contest.election)
    )

    accreditation = Accreditation.objects.get()
    assert response.status_code == 302
    assert accreditation.organization == organization
    assert (accreditation.number, accreditation.status) == ("ЦИК-2011/115", "granted")
    assert accreditation.issued_on == datetime.date(2011, 11, 20)


def test_it_updates_the_one_accreditation_of_an_election(carol, organization, contest):
    url = reverse("organization-accreditations", args=[organization.slug])
    carol.post(url, accreditation_form(contest.election, status="applied", number=""))

    carol.post(url, accreditation_form(contest.election, status="refused"))

    assert list(Accreditation.objects.values_list("status", flat=True)) == ["refused"]


def test_it_logs_an_obstacle_with_who_recorded_it(carol, coordinator, organization, contest):
    carol.post(
        reverse("organization-obstacles", args=[organization.slug]),
        {
            "election": contest.election.pk,
            "kind": "charter_pretext",
            "occurred_on": "2011-11-18",
            "commission": "ТИК Пресненского района",
            "description": "Refused: the charter clause is 'too general'.",
        },
    )

    obstacle = Obstacle.objects.get()
    assert (obstacle.organization, obstacle.recorded_by, obstacle.kind) == (
        organization,
        coordinator,
        "charter_pretext",
    )


def test_it_shows_each_organization_only_its_own_log(
    client, carol, oliver, organization, other_organization, contest
):
    for owner, text in [(organization, "ours"), (other_organization, "theirs")]:
        Obstacle.objects.create(
            organization=owner,
            election=contest.election,
            kind="other",
            occurred_on=datetime.date(2011, 12, 1),
            description=f"obstacle of {text}",
            recorded_by=oliver,
        )

    page = carol.get(reverse("organization-obstacles", args=[organization.slug])).content.decode()

    assert "obstacle of ours" in page and "obstacle of theirs" not in page


@pytest.mark.parametrize("name", ["organization-accreditations", "organization-obstacles"])
def test_it_refuses_another_organizations_coordinator(client, oliver, organization, name):
    client.force_login(oliver)

    assert client.get(reverse(name, args=[organization.slug])).status_code == 403


@pytest.mark.parametrize("name", ["organization-accreditations", "organization-obstacles"])
def test_it_refuses_an_observer(client, observer, organization, name):
    client.force_login(observer.user)

    assert client.get(reverse(name, args=[organization.slug])).status_code == 403
