"""The act API: file from a device, co-sign, complaints, review; other organisations see nothing."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from observers.models import Membership, ViolationAct

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]
KEY = "9b2e7c4a-1d3f-4e5a-8b6c-0f1e2d3c4b5a"


def client_for(user):
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def payload(station):
    def payload(**overrides):
        body = {
            "station": station.pk,
            "stage": "voting",
            "violation_type": "VOT-GROUP",
            "occurred_at": "2011-12-04T20:00",
            "description": "A man marked the ballots of his wife and daughter.",
            "cosigner_codes": [],
            "client_uuid": KEY,
        }
        return {**body, **overrides}

    return payload


@pytest.fixture
def act_id(alice_api, payload):
    return alice_api.post("/api/acts/", payload(), format="json").data["id"]


def test_it_files_an_act_and_stores_local_20_00_as_16_00_utc(alice_api, payload):
    response = alice_api.post("/api/acts/", payload(), format="json")

    assert response.status_code == 201
    assert response.data["occurred_at"] == "2011-12-04T16:00:00Z"
    assert (response.data["review"], response.data["filing"], response.data["evidence"]) == (
        "new",
        "not_filed",
        [],
    )


def test_it_returns_the_same_act_with_200_when_the_device_resends_its_key(alice_api, payload, act_id):
    again = alice_api.post("/api/acts/", payload(), format="json")

    assert (again.status_code, again.data["id"], again.data["client_uuid"]) == (200, act_id, KEY)
    assert ViolationAct.objects.count() == 1


def test_it_refuses_the_key_of_an_act_sent_with_another_body_with_409_naming_the_field(
    alice_api, payload, act_id
):
    response = alice_api.post("/api/acts/", payload(description="Something else."), format="json")

    assert (response.status_code, list(response.data)) == (409, ["description"])
    assert ViolationAct.objects.get().description.startswith("A man marked")


def test_it_files_a_second_act_under_a_new_key(alice_api, payload, act_id):
    response = alice_api.post("/api/acts/", payload(client_uuid=str(uuid.uuid4())), format="json")

    assert response.status_code == 201 and response.data["id"] != act_id


def test_it_refuses_a_station_without_a_live_mandate(other_observer, payload):
    other_observer.mandates.update(status="withdrawn")

    response = client_for(other_observer.user).post("/api/acts/", payload(), format="json")

    assert response.status_code == 400
    assert list(response.data) == ["station"]


def test_it_refuses_a_type_of_another_stage(alice_api, payload):
    response = alice_api.post("/api/acts/", payload(violation_type="TAB-DELAYS"), format="json")

    assert list(response.data) == ["violation_type"]


def test_it_adds_co_signers_and_complaint_steps(alice_api, act_id):
    alice_api.post(f"/api/acts/{act_id}/cosigners/", {"name": "PEC member Sidorov"}, format="json")
    response = alice_api.post(
        f"/api/acts/{act_id}/complaints/", {"body": "prosecutor", "filed_on": "2011-12-06"}, format="json"
    )

    assert response.data["cosigners"] == [{"observer": None, "name": "PEC member Sidorov"}]
    assert response.data["complaints"][0]["body"] == "prosecutor"


def test_it_lets_the_coordinator_reject_with_a_reason_the_observer_reads(alice_api, act_id, coordinator):
    rejected = client_for(coordinator).post(
        f"/api/acts/{act_id}/review/", {"verdict": "rejected", "reason": "Duplicate of act 1."}, format="json"
    )

    assert rejected.status_code == 200
    mine = alice_api.get(f"/api/acts/{act_id}/").data
    assert (mine["review"], mine["review_reason"]) == ("rejected", "Duplicate of act 1.")


def test_it_lets_no_observer_review(alice_api, act_id):
    assert (
        alice_api.post(f"/api/acts/{act_id}/review/", {"verdict": "verified"}, format="json").status_code
        == 404
    )


def test_it_hides_the_act_from_another_organisation(act_id, other_observer, other_organization):
    olga = get_user_model().objects.create_user(username="olga", password="pw")
    Membership.objects.create(user=olga, organization=other_organization, role=Membership.Role.COORDINATOR)

    for user in (olga, other_observer.user):
        client = client_for(user)
        assert client.get(f"/api/acts/{act_id}/").status_code == 404
        assert client.get("/api/acts/").data["count"] == 0
        assert (
            client.post(f"/api/acts/{act_id}/review/", {"verdict": "verified"}, format="json").status_code
            == 404
        )


def test_it_serves_the_types_of_a_stage_with_their_category(alice_api):
    response = alice_api.get("/api/violation-types/", {"stage": "mobile_voting"}, HTTP_ACCEPT_LANGUAGE="ru")

    codes = {row["code"]: row for row in response.data}
    assert codes["HOM-EXCESS-BALLOTS"]["category_label"].startswith("Целостность бюллетеней")
    assert "OBS-PCR" in codes and "VOT-GROUP" not in codes


def test_it_documents_the_field_work_endpoints_in_the_schema(alice_api):
    schema = alice_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    for path in ("/api/visits/", "/api/visits/{id}/answers/", "/api/acts/", "/api/acts/{id}/review/"):
        assert path in schema["paths"], path
