"""Copies belong to their observer (issue 12, reproduction 3).

Alice and her colleague Bob both hold mandates for PEC 91. Bob's copy is his: Alice can neither
pre-fill a form from it (`/copies/new/<contest>/?revises=<Bob's id>`, ids are sequential) nor
send a revision of it over the API; a 404 or a 400 naming "revises" answers exactly as for a
copy that does not exist. Her own figures for the station are a second copy, shown beside his.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tallies import services
from tallies.errors import FieldError
from tallies.models import ProtocolCopy
from tests.support import (
    LINES_PEC_91_COPY,
    LINES_PEC_91_OFFICIAL,
    OPTIONS_PEC_91_COPY,
    OPTIONS_PEC_91_OFFICIAL,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bobs_copy(bob, contest, station) -> ProtocolCopy:
    return services.submit_protocol_copy(
        observer=bob,
        contest=contest,
        station=station,
        lines=LINES_PEC_91_COPY,
        options=OPTIONS_PEC_91_COPY,
        client_uuid=uuid.uuid4(),
        channel=ProtocolCopy.Channel.API,
    ).copy


def api_body(contest, station, **more):
    return {
        "client_uuid": str(uuid.uuid4()),
        "contest": contest.pk,
        "station": station.pk,
        "lines": dict(LINES_PEC_91_OFFICIAL),
        "options": dict(OPTIONS_PEC_91_OFFICIAL),
        **more,
    }


@pytest.fixture
def alice_api(observer):
    client = APIClient()
    client.force_authenticate(observer.user)
    return client


def test_the_form_is_not_prefilled_from_a_colleagues_copy(client, observer, contest, bobs_copy):
    client.force_login(observer.user)

    response = client.get(reverse("copy-new", args=[contest.pk]), {"revises": bobs_copy.pk})

    assert response.status_code == 404
    assert str(LINES_PEC_91_COPY["ballots_valid"]) not in response.content.decode()


def test_a_colleagues_copy_answers_as_a_missing_one(client, observer, contest, bobs_copy):
    client.force_login(observer.user)
    url = reverse("copy-new", args=[contest.pk])

    colleagues = client.get(url, {"revises": bobs_copy.pk})
    missing = client.get(url, {"revises": bobs_copy.pk + 1000})

    assert colleagues.status_code == missing.status_code == 404


def test_the_api_refuses_to_revise_a_colleagues_copy_as_if_it_did_not_exist(
    alice_api, contest, station, bobs_copy
):
    response = alice_api.post("/api/copies/", api_body(contest, station, revises=bobs_copy.pk), format="json")
    missing = alice_api.post("/api/copies/", api_body(contest, station, revises=999_999), format="json")

    assert response.status_code == 400
    assert list(response.data) == ["revises"]
    assert str(response.data["revises"][0]).replace(str(bobs_copy.pk), "N") == str(
        missing.data["revises"][0]
    ).replace("999999", "N")
    assert ProtocolCopy.objects.count() == 1


def test_a_colleagues_figures_stay_a_separate_copy_beside_hers(alice_api, contest, station, bobs_copy):
    response = alice_api.post("/api/copies/", api_body(contest, station), format="json")

    assert response.status_code == 201
    current = ProtocolCopy.objects.current().filter(station=station)
    assert {copy.observer.display_name for copy in current} == {"Alice", "Bob"}


def test_the_service_refuses_a_revision_of_someone_elses_copy(observer, contest, station, bobs_copy):
    with pytest.raises(FieldError) as refusal:
        services.submit_protocol_copy(
            observer=observer,
            contest=contest,
            station=station,
            lines=LINES_PEC_91_OFFICIAL,
            options=OPTIONS_PEC_91_OFFICIAL,
            client_uuid=uuid.uuid4(),
            channel=ProtocolCopy.Channel.WEB,
            revises=bobs_copy,
        )

    assert refusal.value.field == "revises"
    assert not ProtocolCopy.objects.filter(revises=bobs_copy).exists()


def test_an_observer_reads_only_their_own_copies_over_the_api(alice_api, bobs_copy):
    assert alice_api.get(f"/api/copies/{bobs_copy.pk}/").status_code == 404
    assert alice_api.get("/api/copies/").data["results"] == []


def test_an_observer_still_revises_their_own_copy(alice_api, contest, station):
    first = alice_api.post("/api/copies/", api_body(contest, station), format="json").data["id"]

    response = alice_api.post("/api/copies/", api_body(contest, station, revises=first), format="json")

    assert response.status_code == 201
    assert ProtocolCopy.objects.get(pk=response.data["id"]).revises_id == first
