"""Deployment across coalition members: the dashboard and call list name the partner covering a station.

Alice (Golos) and Oscar (Other observers) both hold live mandates for stations 91, 92 and 120
(tests/conftest.py): once both organisations agree to a coalition, Golos's coordinator sees that
Other observers covers the same stations, by organisation name only.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from observers.models import Coalition, CoalitionMember
from tallies.selectors import dashboard as board
from tallies.selectors.coalition_deployment import deployment, partners_at
from tallies.selectors.coverage import CoverageScope

pytestmark = pytest.mark.django_db


@pytest.fixture
def coalition(contest, organization, other_organization, coordinator) -> Coalition:
    coalition = Coalition.objects.create(name="Pool", election=contest.election, created_by=organization)
    for member in (organization, other_organization):
        CoalitionMember.objects.create(
            coalition=coalition, organization=member, agreed_by=coordinator, agreed_at="2026-12-01T00:00Z"
        )
    return coalition


def test_no_partner_is_named_without_a_coalition_both_agreed(contest, organization, observer, other_observer):
    assert partners_at(CoverageScope(organization, contest)) == {}
    assert deployment(CoverageScope(organization, contest)) == (0, 0, [])


def test_the_call_list_names_the_partner_covering_each_missing_station(
    coalition, contest, organization, observer, other_observer, station
):
    count, rows = board.call_list(CoverageScope(organization, contest))

    assert count == 3 and {row.partners for row in rows} == {"Other observers"}
    assert {row.observer for row in rows} == {"Alice"}  # never Oscar


def test_the_dashboard_shows_the_stations_both_members_send_observers_to(
    client, coalition, contest, organization, observer, other_observer, coordinator
):
    client.force_login(coordinator)

    response = client.get(reverse("dashboard", args=[contest.pk]), headers={"Accept-Language": "en"})

    page = response.content.decode()
    assert (response.context["partner_count"], response.context["partner_doubled"]) == (3, 3)
    assert "Coalition partners&#x27; deployment" in page or "Coalition partners' deployment" in page
    assert "Oscar" not in page and other_observer.code not in page


def test_a_partner_that_left_is_no_longer_shown(
    coalition, contest, organization, other_organization, other_observer
):
    CoalitionMember.objects.filter(organization=other_organization).update(left_at="2026-12-02T00:00Z")

    assert partners_at(CoverageScope(organization, contest)) == {}
