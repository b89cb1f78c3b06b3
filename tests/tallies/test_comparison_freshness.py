"""Whether a comparison is current or stale, said by the results API and the pages that show it.

A comparison is a finished reconciliation run. It is stale once the organisation's copies
(a quarantine, a revision, a new copy) or the official results (a snapshot imported or
withdrawn) changed after the run finished; the API says so with the run's time (a commission's
results and a station's comparison), the results and discrepancy pages in words
(tallies.selectors.station_sets.freshness).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tallies.models import ProtocolCopy
from tallies.services import desk
from tallies.services.results_import import withdraw_snapshot

pytestmark = pytest.mark.django_db

CURRENT = "The comparison is current"
COPIES = "The comparison is out of date: observers' copies have changed"
OFFICIAL = "The comparison is out of date: the official results have changed"


@pytest.fixture
def api(coordinator) -> APIClient:
    client = APIClient()
    client.force_authenticate(coordinator)
    return client


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English (the site's default is Russian): Carol's browser is this client."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def comparison(api, contest) -> dict:
    return api.get(reverse("api-contest-results", args=[contest.pk])).json()["comparison"]


def quarantine(organization, contest, station, coordinator, callbacks) -> None:
    copy = ProtocolCopy.objects.get(organization=organization, contest=contest, station=station)
    with callbacks(execute=True):
        desk.quarantine(copy=copy, scope="all", reason="smudged digits", by=coordinator)


def test_the_api_says_the_comparison_is_current_with_the_time_of_its_run(reconciled, api, contest):
    found = comparison(api, contest)

    assert found["status"] == "current"
    assert found["computed_at"] == reconciled.finished_at.isoformat().replace("+00:00", "Z")
    assert (found["copies_changed"], found["official_changed"]) == (False, False)


def test_the_api_says_it_is_stale_once_a_copy_changed_after_the_run(
    reconciled, api, organization, contest, station, coordinator, django_capture_on_commit_callbacks
):
    quarantine(organization, contest, station, coordinator, django_capture_on_commit_callbacks)

    found = comparison(api, contest)

    assert (found["status"], found["copies_changed"], found["official_changed"]) == ("stale", True, False)
    assert found["computed_at"] == reconciled.finished_at.isoformat().replace("+00:00", "Z")


def test_the_api_says_it_is_stale_once_the_official_results_changed_after_the_run(reconciled, api, contest):
    withdraw_snapshot(reconciled.snapshot, "wrong file")

    found = comparison(api, contest)

    assert (found["status"], found["copies_changed"], found["official_changed"]) == ("stale", False, True)


def test_the_api_says_there_is_no_comparison_before_any_run(api, contest):
    found = comparison(api, contest)

    assert (found["status"], found["computed_at"], found["copies_changed"]) == ("none", None, False)


def station_comparison(api, contest, station) -> dict:
    return api.get(reverse("api-station-comparison", args=[contest.pk, station.pk])).json()["comparison"]


def test_the_station_comparison_api_says_the_comparison_is_current_then_stale(
    reconciled, api, organization, contest, station, coordinator, django_capture_on_commit_callbacks
):
    current = station_comparison(api, contest, station)
    withdraw_snapshot(reconciled.snapshot, "wrong file")
    official = station_comparison(api, contest, station)
    quarantine(organization, contest, station, coordinator, django_capture_on_commit_callbacks)
    both = station_comparison(api, contest, station)

    when = reconciled.finished_at.isoformat().replace("+00:00", "Z")
    assert (current["status"], current["computed_at"], current["official_changed"]) == (
        "current",
        when,
        False,
    )
    assert (official["status"], official["official_changed"], official["copies_changed"]) == (
        "stale",
        True,
        False,
    )
    assert (both["status"], both["copies_changed"], both["computed_at"]) == ("stale", True, when)


def test_the_station_comparison_api_says_there_is_no_comparison_before_any_run(api, contest, station):
    found = station_comparison(api, contest, station)

    assert (found["status"], found["computed_at"]) == ("none", None)


def test_the_openapi_schema_documents_the_comparison_state(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]

    state = schema["ComparisonState"]["properties"]
    assert set(state) == {"status", "computed_at", "copies_changed", "official_changed"}
    assert "comparison" in schema["CommissionResults"]["required"]
    assert "comparison" in schema["StationResults"]["required"]
    assert "ComparisonState" in str(schema["StationResults"]["properties"]["comparison"])


def test_the_results_pages_say_whether_the_comparison_is_current(
    reconciled, carol, organization, contest, station, coordinator, django_capture_on_commit_callbacks
):
    url = reverse("results-root", args=[contest.pk])
    assert CURRENT in carol.get(url).content.decode()

    quarantine(organization, contest, station, coordinator, django_capture_on_commit_callbacks)
    assert COPIES in carol.get(url).content.decode()
    withdraw_snapshot(reconciled.snapshot, "wrong file")
    page = carol.get(url).content.decode()
    assert "observers' copies and the official results have changed" in page


def test_the_discrepancy_page_says_when_copies_changed(
    reconciled, carol, organization, contest, station, coordinator, django_capture_on_commit_callbacks
):
    url = reverse("results-discrepancies", args=[contest.pk])
    assert CURRENT in carol.get(url).content.decode()

    quarantine(organization, contest, station, coordinator, django_capture_on_commit_callbacks)

    assert COPIES in carol.get(url).content.decode()


def test_the_station_page_says_when_the_official_results_changed(reconciled, carol, contest, station):
    url = reverse("results-station", args=[contest.pk, station.pk])
    assert CURRENT in carol.get(url).content.decode()

    withdraw_snapshot(reconciled.snapshot, "wrong file")

    assert OFFICIAL in carol.get(url).content.decode()
