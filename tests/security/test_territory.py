"""One territory rule, everywhere (issue 12, reproduction 2).

Tina coordinates Golos but only in TEC "85 Тверской район" (station 120). Golos's copy of station
91 (TEC "84 Пресненский район") is outside her territory: she reads it nowhere, neither over the
API (detail, listing, results of its commission, the station comparison), nor on the results
pages and their CSV exports; the organisation-wide comparison, discrepancy and analysis pages
and writes (drawing a quick-count sample, recording coverage) need the whole organisation.
Inside her territory everything still works, and Carol (not limited) still sees everything.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from elections.models import Commission, PollingStation
from elections.services import (
    StationRecord,
    define_election,
    define_protocol_form,
    ensure_hierarchy,
    shipped_spec,
)
from observers.access import coordinator_scope
from tallies.models import ProtocolCopy, QuickCountSample

pytestmark = pytest.mark.django_db


@pytest.fixture
def tverskoy(contest) -> Commission:
    return Commission.objects.get(election=contest.election, name="85 Тверской район")


@pytest.fixture
def presnensky(contest) -> Commission:
    return Commission.objects.get(election=contest.election, name="84 Пресненский район")


@pytest.fixture
def tina_web(client, tina):
    client.force_login(tina)
    return client


@pytest.fixture
def tina_api(tina):
    client = APIClient()
    client.force_authenticate(tina)
    return client


def copy_at(organization, number: str) -> ProtocolCopy:
    return ProtocolCopy.objects.of(organization).current().get(station__number=number)


@pytest.mark.usefixtures("reconciled")
def test_the_api_hides_a_copy_outside_the_territory(tina_api, organization):
    outside, inside = copy_at(organization, "91"), copy_at(organization, "120")

    assert tina_api.get(f"/api/copies/{outside.pk}/").status_code == 404
    assert tina_api.get(f"/api/copies/{inside.pk}/").status_code == 200
    listed = [copy["id"] for copy in tina_api.get("/api/copies/").data["results"]]
    assert listed == [inside.pk]


@pytest.mark.usefixtures("reconciled")
def test_the_results_api_refuses_a_commission_outside_the_territory(tina_api, contest, presnensky, tverskoy):
    outside = tina_api.get(reverse("api-commission-results", args=[contest.pk, presnensky.pk]))
    root = Commission.objects.get(election=contest.election, parent__isnull=True)
    above = tina_api.get(reverse("api-commission-results", args=[contest.pk, root.pk]))
    inside = tina_api.get(reverse("api-commission-results", args=[contest.pk, tverskoy.pk]))

    assert (outside.status_code, above.status_code, inside.status_code) == (404, 404, 200)


@pytest.mark.usefixtures("reconciled")
def test_the_results_api_root_is_the_territory_for_a_limited_coordinator(tina_api, contest, tverskoy):
    response = tina_api.get(reverse("api-contest-results", args=[contest.pk]))

    assert response.status_code == 200
    assert response.data["commission"]["id"] == tverskoy.pk


@pytest.mark.usefixtures("reconciled")
def test_the_station_comparison_refuses_a_station_outside_the_territory(tina_api, tina_web, contest, station):
    other = PollingStation.objects.get(pec__election=contest.election, number="120")

    assert tina_api.get(reverse("api-station-comparison", args=[contest.pk, station.pk])).status_code == 404
    assert tina_web.get(reverse("results-station", args=[contest.pk, station.pk])).status_code == 404
    export = reverse("results-station-export", args=[contest.pk, station.pk, "figures"])
    assert tina_web.get(export).status_code == 404
    assert tina_web.get(reverse("results-station", args=[contest.pk, other.pk])).status_code == 200


@pytest.mark.usefixtures("reconciled")
def test_the_discrepant_csv_of_a_commission_outside_the_territory_is_refused(tina_web, contest, presnensky):
    url = reverse("results-commission-export", args=[contest.pk, presnensky.pk, "discrepant"])

    assert tina_web.get(url).status_code == 404


@pytest.mark.usefixtures("reconciled")
def test_the_results_pages_open_on_the_territory(tina_web, contest, tverskoy):
    response = tina_web.get(reverse("results-root", args=[contest.pk]))

    assert response.status_code == 200
    assert response.context["results"].commission == tverskoy
    assert reverse("results-discrepancies", args=[contest.pk]) not in response.content.decode()


@pytest.mark.usefixtures("reconciled")
@pytest.mark.parametrize(
    "route",
    [
        "results-comparison",
        "results-discrepancies",
        "results-tec-ranking-export",
        "analysis-seats",
        "analysis-quick-count",
        "analysis-forensics",
    ],
)
def test_organisation_wide_pages_need_the_whole_organisation(tina_web, client, coordinator, contest, route):
    url = reverse(route, args=[contest.pk])

    assert tina_web.get(url).status_code == 403
    client.force_login(coordinator)
    assert client.get(url).status_code == 200


@pytest.mark.usefixtures("reconciled")
def test_a_limited_coordinator_cannot_draw_the_quick_count_sample(tina_web, contest):
    url = reverse("analysis-quick-count-draw", args=[contest.pk])

    response = tina_web.post(url, {"size": 2, "seed": 7})

    assert response.status_code == 403
    assert not QuickCountSample.objects.exists()


@pytest.mark.usefixtures("reconciled")
def test_a_limited_coordinator_cannot_record_the_organisations_coverage(tina_web, contest):
    assert tina_web.post(reverse("dashboard-record", args=[contest.pk])).status_code == 403


def test_a_limited_coordinator_does_not_reach_the_roster(tina_web, organization):
    roster = reverse("roster-list", args=[organization.slug])

    assert tina_web.get(roster).status_code == 403
    assert roster not in tina_web.get(reverse("home")).content.decode()  # nor is it offered


@pytest.mark.usefixtures("reconciled")
def test_the_whole_organisations_coordinator_still_sees_every_station(client, coordinator, contest, station):
    client.force_login(coordinator)

    assert client.get(reverse("results-station", args=[contest.pk, station.pk])).status_code == 200


def test_a_territory_holds_only_stations_of_its_own_election(contest, tverskoy):
    define_protocol_form(spec=shipped_spec("forms", "kz-mazhilis-party-list"))
    other = define_election(spec=shipped_spec("specs", "kz-mazhilis-2021"))
    records = [StationRecord(("Город Москва", "85 Тверской район"), "120", 100)]
    ensure_hierarchy(election=other, root_name="ЦИК России", stations=records)
    twin = PollingStation.objects.get(pec__election=other)
    assert twin.pec.path.startswith(tverskoy.path)  # the same path, another election

    within = PollingStation.objects.within(tverskoy)

    assert [s.pec.election_id for s in within] == [contest.election_id]


def test_the_scope_of_a_limited_coordinator_contains_only_their_territory(
    tina, organization, contest, station
):
    scope = coordinator_scope(tina)
    inside = PollingStation.objects.get(pec__election=contest.election, number="120")

    assert (scope.contains(inside), scope.contains(station), scope.is_whole_organization) == (
        True,
        False,
        False,
    )


@pytest.mark.usefixtures("reconciled")
def test_a_limited_coordinator_cannot_run_analyses_freeze_a_sample_or_publish(
    tina_web, coordinator, contest, organization
):
    """Issue 12 (scope): organisation-wide writes need a whole-organisation role, sent as POSTs."""
    from django.test import Client

    from tallies.models import AnalysisRun, Release

    carol = Client()  # not `client`: tina_web is that one
    carol.force_login(coordinator)
    carol.post(reverse("analysis-quick-count-draw", args=[contest.pk]), {"size": 2, "seed": 7})
    sample = QuickCountSample.objects.get()
    runs = AnalysisRun.objects.count()

    answers = [
        tina_web.post(reverse("analysis-run", args=[contest.pk, page])).status_code
        for page in ("seats", "quick-count", "forensics")
    ]
    answers.append(
        tina_web.post(reverse("analysis-quick-count-freeze", args=[contest.pk, sample.pk])).status_code
    )
    publish = {"contest": contest.pk, "changelog": "x", "confirmed": "1"}
    answers.append(tina_web.post(reverse("public-manage", args=[organization.slug]), publish).status_code)

    assert answers == [403] * 5
    sample.refresh_from_db()
    assert sample.frozen_at is None and AnalysisRun.objects.count() == runs
    assert not Release.objects.exists()
