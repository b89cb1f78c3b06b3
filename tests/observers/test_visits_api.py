"""The visit API for observers' devices: check in, answers (latest wins), count start, check out."""

import pytest
from rest_framework.test import APIClient

from observers.models import ChecklistAnswer, Mandate, Visit
from observers.services import mandates

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]


KEY = "3f1c2a9e-5b7d-4c8e-9a10-6d2e4f8b7c01"


@pytest.fixture
def visit_id(alice_api, station):
    response = alice_api.post("/api/visits/", {"station": station.pk, "client_uuid": KEY}, format="json")
    assert response.status_code == 201
    return response.data["id"]


def test_it_checks_in_once_however_often_the_device_resends_its_key(alice_api, station, visit_id):
    again = alice_api.post("/api/visits/", {"station": station.pk, "client_uuid": KEY}, format="json")

    assert (again.status_code, again.data["id"], again.data["client_uuid"]) == (200, visit_id, KEY)
    assert Visit.objects.count() == 1


def test_it_refuses_the_key_of_a_visit_sent_for_another_station_with_409(alice_api, other_station, visit_id):
    response = alice_api.post(
        "/api/visits/", {"station": other_station.pk, "client_uuid": KEY}, format="json"
    )

    assert (response.status_code, list(response.data)) == (409, ["station"])
    assert Visit.objects.count() == 1


def test_it_requires_a_key(alice_api, station):
    response = alice_api.post("/api/visits/", {"station": station.pk}, format="json")

    assert (response.status_code, list(response.data)) == (400, ["client_uuid"])


def test_it_refuses_a_check_in_without_a_live_mandate(alice_api, observer, station):
    mandates.record_event(
        mandate=Mandate.objects.get(observer=observer), status="withdrawn", recorded_by=None
    )

    response = alice_api.post("/api/visits/", {"station": station.pk, "client_uuid": KEY}, format="json")

    assert response.status_code == 400
    assert list(response.data) == ["station"]


def test_it_stores_answers_by_code_and_returns_the_latest(alice_api, visit_id):
    url = f"/api/visits/{visit_id}/answers/"
    alice_api.post(url, {"answers": [{"item": "counting-copy-issued", "yes": True}]}, format="json")

    response = alice_api.post(
        url, {"answers": [{"item": "counting-copy-issued", "yes": False}]}, format="json"
    )

    assert response.status_code == 200
    assert response.data["answers"] == [
        {
            "item": "counting-copy-issued",
            "yes": False,
            "number": None,
            "answered_at": response.data["answers"][0]["answered_at"],
            "problem": True,
        }
    ]
    assert response.data["stages"] == ["counting"]
    assert ChecklistAnswer.objects.count() == 2


def test_it_names_the_item_of_an_answer_of_the_wrong_kind(alice_api, visit_id):
    response = alice_api.post(
        f"/api/visits/{visit_id}/answers/",
        {"answers": [{"item": "mobile-requests", "yes": True}]},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.data) == ["mobile-requests"]


def test_it_reads_a_count_start_without_offset_as_local_time(alice_api, visit_id):
    response = alice_api.post(
        f"/api/visits/{visit_id}/count-start/", {"started_at": "2011-12-04T20:00:00"}, format="json"
    )

    assert response.data["count_started_at"] == "2011-12-04T16:00:00Z"


def test_it_checks_out(alice_api, visit_id):
    response = alice_api.post(f"/api/visits/{visit_id}/check-out/", {}, format="json")

    assert response.data["checked_out_at"] is not None


def test_it_hides_the_visit_from_another_observer(other_observer, visit_id):
    client = APIClient()
    client.force_authenticate(user=other_observer.user)

    assert client.get(f"/api/visits/{visit_id}/").status_code == 404
    assert client.post(f"/api/visits/{visit_id}/answers/", {"answers": []}, format="json").status_code == 404


def test_it_serves_the_checklists_of_a_stage(alice_api):
    response = alice_api.get("/api/checklist-items/", {"stage": "tabulation"}, HTTP_ACCEPT_LANGUAGE="kk")

    assert [row["code"] for row in response.data] == [
        "tabulation-observers-admitted",
        "tabulation-protocol-amended",
        "tabulation-data-entry-visible",
    ]
    assert response.data[0]["label"] == "Байқаушылар АСК-ға жіберілді ме?"
