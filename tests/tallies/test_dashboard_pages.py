"""The dashboard's pages and JSON: who may see them, languages, the map, the query budget."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from elections.models import PollingStation
from observers.models import Membership, Organization
from tallies import tasks
from tallies.models import CoverageSample
from tallies.selectors import dashboard as selectors
from tallies.selectors.coverage import CoverageScope, Status
from tallies.selectors.dashboard import UNFOLLOWED
from tests.tallies.night import (
    JSON_QUERIES,
    PAGE_QUERIES,
    PROCESS_QUERIES,
    STATIONS_QUERIES,
    Night,
    generate_night,
    rolled_back,
)

pytestmark = pytest.mark.django_db

LOG_OUT = {"ru": "Выйти", "kk": "Шығу", "en": "Log out"}
PAGES = ["dashboard", "dashboard-process"]


@pytest.fixture(scope="module")
def night(django_db_setup, django_db_blocker) -> Iterator[Night]:
    with rolled_back(django_db_blocker):
        yield generate_night(200, "0.3")


def url(night: Night, name: str) -> str:
    return reverse(name, args=[night.contest.pk])


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_it_renders_the_pages_in_three_languages(night, client, name, language):
    client.force_login(night.coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    page = client.get(url(night, name)).content.decode()

    assert f'<html lang="{language}">' in page
    assert LOG_OUT[language] in page


@pytest.mark.parametrize("name", PAGES)
def test_it_puts_no_inline_script_on_the_pages(night, client, name):
    client.force_login(night.coordinator)

    page = client.get(url(night, name)).content.decode()

    tags = re.findall(r"<script[^>]*>", page)
    assert tags and all("src=" in tag or 'type="application/json"' in tag for tag in tags)
    assert " style=" not in page


@pytest.mark.parametrize("name", [*PAGES, "dashboard-data", "dashboard-stations"])
def test_it_refuses_anyone_who_coordinates_no_organisation(night, client, name):
    user = get_user_model().objects.create_user(username="olga")
    Membership.objects.create(user=user, organization=night.organization, role=Membership.Role.OBSERVER)
    client.force_login(user)

    assert client.get(url(night, name)).status_code == 403


@pytest.mark.parametrize("name", [*PAGES, "dashboard-data", "dashboard-stations"])
def test_it_sends_strangers_to_the_login_page(night, client, name):
    assert client.get(url(night, name)).status_code == 302


def test_it_answers_404_for_an_unknown_contest(night, client):
    client.force_login(night.coordinator)

    assert client.get(reverse("dashboard-data", args=[night.contest.pk + 1000])).status_code == 404


def test_it_never_lets_the_json_with_phones_be_cached(night, client):
    client.force_login(night.coordinator)

    response = client.get(url(night, "dashboard-data"))

    assert "no-store" in response["Cache-Control"]
    assert response.json()["call_list"]["rows"][0]["phone"].startswith("+7")


def test_it_maps_the_located_stations_and_lists_the_others(night, client):
    located = list(PollingStation.objects.filter(pec__election=night.contest.election).order_by("pk")[:50])
    for index, station in enumerate(located):
        station.latitude, station.longitude = 43 + index / 100, 76 + index / 100
    PollingStation.objects.bulk_update(located, ["latitude", "longitude"])
    client.force_login(night.coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    stations = client.get(url(night, "dashboard-stations")).json()["stations"]
    page = client.get(url(night, "dashboard")).content.decode()

    followed = [row for row in stations if row[4] != UNFOLLOWED]
    assert {row[0] for row in stations} == {s.pk for s in located}  # followed or not, all are shown
    assert followed and {row[4] for row in followed} <= set(Status.values)
    total = client.get(url(night, "dashboard-data")).json()["total"]["total"]
    assert f"{total - len(followed)} stations have no coordinates" in page
    assert 'id="map-note"' not in page  # some followed stations are on the map: nothing to explain


def map_page(night: Night, client, user) -> str:  # type: ignore[no-untyped-def]
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.get(url(night, "dashboard")).content.decode()


def test_it_says_why_the_map_is_empty_when_no_station_has_coordinates(night, client):
    PollingStation.objects.filter(pec__election=night.contest.election).update(latitude=None, longitude=None)

    page = map_page(night, client, night.coordinator)

    assert "has coordinates in the station register, so the map has nothing to show" in page


def test_it_shows_the_located_stations_nobody_follows_and_says_why(night, client):
    """The issue's case: the followed stations have no coordinates, other stations have."""
    followed = selectors.station_statuses(CoverageScope(night.organization, night.contest)).values("pk")
    stations = PollingStation.objects.filter(pec__election=night.contest.election)
    stations.update(latitude=None, longitude=None)
    stations.exclude(pk__in=followed).update(latitude=43, longitude=76)

    page = map_page(night, client, night.coordinator)
    rows = client.get(url(night, "dashboard-stations")).json()["stations"]

    assert rows and {row[4] for row in rows} == {UNFOLLOWED}
    assert f"the map shows the other {len(rows)} stations with coordinates as not followed" in page


def test_it_says_that_nothing_is_followed_yet(night, client):
    newcomers = Organization.objects.create(slug="new", name="New", status=Organization.Status.APPROVED)
    user = get_user_model().objects.create_user(username="nina", password="pw")
    Membership.objects.create(user=user, organization=newcomers, role=Membership.Role.COORDINATOR)
    PollingStation.objects.filter(pec__election=night.contest.election).update(latitude=43, longitude=76)

    page = map_page(night, client, user)

    assert "is followed yet (no mandate, no copy)" in page


def test_it_records_coverage_when_a_coordinator_asks(night, client):
    client.force_login(night.coordinator)

    response = client.post(reverse("dashboard-record", args=[night.contest.pk]))

    assert response.status_code == 302
    assert CoverageSample.objects.filter(organization=night.organization).count() == 1


def test_a_coverage_request_with_the_broker_down_says_it_was_not_started(night, client, broker_down):
    broker_down(tasks.record_coverage)
    client.force_login(night.coordinator)

    response = client.post(reverse("dashboard-record", args=[night.contest.pk]), follow=True)

    assert response.status_code == 200  # the dashboard again, not a 503 page
    assert "could not be started just now" in response.content.decode()
    assert not CoverageSample.objects.filter(organization=night.organization).exists()


@pytest.mark.parametrize(
    ("name", "budget"),
    [
        ("dashboard", PAGE_QUERIES),
        ("dashboard-data", JSON_QUERIES),
        ("dashboard-stations", STATIONS_QUERIES),
        ("dashboard-process", PROCESS_QUERIES),
    ],
)
def test_it_answers_within_the_pinned_query_budget(
    night, client, django_assert_max_num_queries, name, budget
):
    client.force_login(night.coordinator)

    with django_assert_max_num_queries(budget):
        assert client.get(url(night, name)).status_code == 200
