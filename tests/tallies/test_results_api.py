"""The results API: the page's numbers as JSON, scoped to the coordinator's organisation."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient

from elections.models import Commission, PollingStation
from observers.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(coordinator) -> APIClient:
    client = APIClient()
    client.force_authenticate(coordinator)
    return client


def results_url(contest, name: str | None = None) -> str:
    if name is None:
        return reverse("api-contest-results", args=[contest.pk])
    commission = Commission.objects.get(election=contest.election, name=name)
    return reverse("api-commission-results", args=[contest.pk, commission.pk])


def test_it_lists_the_contests_with_data(reconciled, api, contest):
    response = api.get(reverse("api-contest-list"))

    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == [contest.pk]


def test_it_returns_the_national_results_with_the_pages_numbers(reconciled, api, contest):
    data = api.get(results_url(contest)).json()

    assert data["commission"]["name"] == "ЦИК России"
    assert (data["stations_compared"], data["stations_discrepant"]) == (2, 1)
    assert data["votes_moved"]["p6_UR"] == 670
    assert data["official"]["turnout"] == "60.40"
    assert data["observer"]["shares"]["p6_UR"] == "37.14"
    assert data["compared_official"]["options"]["p6_UR"] == 1505


def test_it_returns_a_page_of_discrepant_stations_with_labelled_lines(reconciled, api, contest, station):
    page = api.get(results_url(contest), headers={"Accept-Language": "en"}).json()["discrepant_stations"]

    assert (page["count"], page["page"], page["num_pages"]) == (1, 1, 1)
    [item] = page["results"]
    assert item["station_id"] == station.pk
    first = item["differences"][0]
    assert (first["label"], first["observer"], first["official"], first["difference"]) == (
        "Voters on the list",
        2124,
        2326,
        202,
    )


def test_it_returns_a_tecs_precincts_as_children(reconciled, api, contest, station):
    data = api.get(results_url(contest, "84 Пресненский район")).json()

    assert [child["commission"]["name"] for child in data["children"]] == ["91", "92"]
    assert data["children"][0]["station_id"] == station.pk
    assert data["children"][1]["official_turnout"] == "50.50"
    assert [crumb["name"] for crumb in data["breadcrumb"]] == ["ЦИК России", "Город Москва"]


def test_it_sends_a_precinct_to_the_station_comparison(reconciled, api, contest, station):
    response = api.get(reverse("api-commission-results", args=[contest.pk, station.pec_id]))

    assert response.status_code == 303
    assert response["Location"].endswith(reverse("api-station-comparison", args=[contest.pk, station.pk]))


def test_it_compares_a_station_line_by_line(reconciled, api, contest, station):
    data = api.get(reverse("api-station-comparison", args=[contest.pk, station.pk])).json()

    assert data["is_discrepant"] is True
    ur = next(row for row in data["rows"] if row["code"] == "p6_UR")
    assert (ur["observer"], ur["official"], ur["difference"]) == (445, 1115, 670)
    assert [(f["lhs"], f["rhs"], f["difference"]) for f in data["findings"]] == [(2200, 2165, 35)]
    assert data["official"]["turnout"] == "76.96"  # 1790 / 2326


def test_it_shows_another_organisations_coordinator_only_their_own_copies(
    reconciled, contest, other_organization
):
    oliver = get_user_model().objects.create_user(username="oliver", password="pw-oliver")
    Membership.objects.create(user=oliver, organization=other_organization, role=Membership.Role.COORDINATOR)
    client = APIClient()
    client.force_authenticate(oliver)

    data = client.get(results_url(contest)).json()

    assert data["observer"]["options"]["p6_UR"] == 777
    assert [item["number"] for item in data["discrepant_stations"]["results"]] == ["92"]
    station_91 = PollingStation.objects.get(pec__election=contest.election, number="91")
    comparison = client.get(reverse("api-station-comparison", args=[contest.pk, station_91.pk])).json()
    assert (comparison["copy"], comparison["observer"], comparison["findings"]) == (None, None, [])


def test_it_forbids_observers_and_anonymous_clients(reconciled, contest, observer):
    alice = APIClient()
    alice.force_authenticate(observer.user)

    assert alice.get(results_url(contest)).status_code == 403
    assert alice.get(reverse("api-contest-list")).status_code == 403
    assert APIClient().get(results_url(contest)).status_code in (401, 403)


def test_it_documents_the_endpoints_in_the_openapi_schema(coordinator):
    client = APIClient()
    client.force_authenticate(coordinator)

    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]

    assert "/api/contests/" in paths
    assert "/api/contests/{contest_id}/results/" in paths
    assert "/api/contests/{contest_id}/results/{commission_id}/" in paths
    assert "/api/contests/{contest_id}/stations/{station_id}/comparison/" in paths
