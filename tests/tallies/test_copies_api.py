import uuid

import pytest
from rest_framework.test import APIClient

from elections.models import Commission
from elections.services import StationRecord, define_election, ensure_hierarchy, shipped_spec
from tallies.models import ObserverTally, ProtocolCopy
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY

pytestmark = pytest.mark.django_db

URL = "/api/copies/"


@pytest.fixture
def api_client_for():
    def client_for(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return client_for


@pytest.fixture
def payload(contest, station):
    """The body of Alice's copy of PEC 91; keyword arguments override fields."""

    def payload(**overrides):
        body = {
            "client_uuid": str(uuid.uuid4()),
            "contest": contest.pk,
            "station": station.pk,
            "lines": dict(LINES_PEC_91_COPY),
            "options": dict(OPTIONS_PEC_91_COPY),
        }
        return {**body, **overrides}

    return payload


def with_line(code, value):
    return {**LINES_PEC_91_COPY, code: value}


def test_it_creates_a_copy_and_reports_the_broken_relation(alice_api, payload):
    response = alice_api.post(URL, payload(), format="json")

    assert response.status_code == 201
    assert response.data["channel"] == "api"
    assert response.data["figures"]["options"]["p6_UR"] == 445
    [finding] = response.data["findings"]
    assert (finding["relation"], finding["lhs"], finding["rhs"], finding["difference"]) == (
        "received_eq_issued_cancelled_lost",
        2200,
        2165,
        35,
    )


def test_it_answers_200_with_the_same_copy_on_a_resend(alice_api, payload):
    body = payload()
    first = alice_api.post(URL, body, format="json")

    again = alice_api.post(URL, body, format="json")

    assert again.status_code == 200
    assert again.data == first.data
    assert ProtocolCopy.objects.count() == 1


def test_it_answers_409_when_the_key_was_used_for_another_station(alice_api, payload, other_station):
    body = payload()
    alice_api.post(URL, body, format="json")

    response = alice_api.post(URL, {**body, "station": other_station.pk}, format="json")

    assert response.status_code == 409
    assert ProtocolCopy.objects.count() == 1


@pytest.fixture
def station_of_another_election(contest):
    spec = shipped_spec("specs", "ru-duma-2011")
    election = define_election(spec={**spec, "slug": "another", "name": "Another election"})
    ensure_hierarchy(election=election, root_name="ЦИК", stations=[StationRecord(("Регион", "ТИК"), "1")])
    return Commission.objects.get(election=election, level="PEC").station


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"station": 999_999}, "station"),
        ({"contest": 999_999}, "contest"),
        ({"lines": with_line("ballots_valid", -1)}, "lines.ballots_valid"),
        ({"lines": with_line("ballots_valid", "12a")}, "lines.ballots_valid"),
        ({"lines": with_line("ballots_valid", 1.5)}, "lines.ballots_valid"),
        (
            {"lines": {k: v for k, v in LINES_PEC_91_COPY.items() if k != "ballots_lost"}},
            "lines.ballots_lost",
        ),
        ({"lines": with_line("ballots_stolen", 3)}, "lines.ballots_stolen"),
        ({"options": {**OPTIONS_PEC_91_COPY, "p6_UR": -445}}, "options.p6_UR"),
        ({"revises": 999_999}, "revises"),
    ],
)
def test_it_answers_400_naming_the_field_and_stores_nothing(alice_api, payload, overrides, field):
    response = alice_api.post(URL, payload(**overrides), format="json")

    assert response.status_code == 400
    assert field in response.data
    assert ProtocolCopy.objects.count() == 0


def test_it_answers_400_for_a_station_of_another_election(alice_api, payload, station_of_another_election):
    response = alice_api.post(URL, payload(station=station_of_another_election.pk), format="json")

    assert response.status_code == 400
    assert "station" in response.data
    assert ProtocolCopy.objects.count() == 0


def test_it_refuses_to_revise_a_copy_of_another_organisation(
    alice_api, api_client_for, other_observer, payload
):
    theirs = api_client_for(other_observer.user).post(URL, payload(), format="json").data["id"]

    response = alice_api.post(URL, payload(revises=theirs), format="json")

    assert response.status_code == 400
    assert "revises" in response.data


def test_it_refuses_a_coordinator_who_is_not_an_observer(api_client_for, coordinator, payload):
    response = api_client_for(coordinator).post(URL, payload(), format="json")

    assert response.status_code == 403


def test_it_refuses_anonymous_requests(api_client_for, payload):
    assert api_client_for().post(URL, payload(), format="json").status_code in (401, 403)
    assert api_client_for().get(URL).status_code in (401, 403)


def test_it_lists_and_shows_the_observers_own_copies(alice_api, payload):
    copy_id = alice_api.post(URL, payload(), format="json").data["id"]

    assert [c["id"] for c in alice_api.get(URL).data["results"]] == [copy_id]
    assert alice_api.get(f"{URL}{copy_id}/").status_code == 200


def test_it_lists_the_organisations_copies_to_a_coordinator(alice_api, api_client_for, coordinator, payload):
    copy_id = alice_api.post(URL, payload(), format="json").data["id"]

    response = api_client_for(coordinator).get(URL)

    assert [c["id"] for c in response.data["results"]] == [copy_id]


def test_it_hides_a_copy_from_another_organisation(alice_api, api_client_for, other_observer, payload):
    copy_id = alice_api.post(URL, payload(), format="json").data["id"]
    oscar = api_client_for(other_observer.user)

    assert oscar.get(URL).data["results"] == []
    assert oscar.get(f"{URL}{copy_id}/").status_code == 404


def test_it_updates_the_tallies_of_the_tec_region_and_root_after_commit(
    alice_api, payload, observer, station, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        alice_api.post(URL, payload(), format="json")

    tallies = ObserverTally.objects.filter(organization=observer.organization)
    assert tallies.count() == 3
    assert set(tallies.values_list("commission__path", flat=True)) == set(station.pec.ancestor_paths())
    for tally in tallies:
        assert (tally.stations_count, tally.option_totals["p6_UR"]) == (1, 445)
        assert tally.line_totals["ballots_valid"] == 1348


def test_it_describes_the_2011_form_for_a_client(alice_api, contest):
    response = alice_api.get(f"/api/contests/{contest.pk}/form/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert len(response.data["lines"]) == 18
    assert len(response.data["options"]) == 7
    assert response.data["lines"][0] == {
        "code": "voters_on_list",
        "number": "1",
        "label": "Voters on the list",
    }
    assert "received_eq_issued_cancelled_lost" in {r["code"] for r in response.data["control_relations"]}


def test_it_finds_a_station_by_number_with_its_tec_and_region(alice_api, contest, station):
    response = alice_api.get("/api/stations/", {"contest": contest.pk, "number": "91"})

    assert response.data["results"] == [
        {
            "id": station.pk,
            "number": "91",
            "name": "",
            "tec": "84 Пресненский район",
            "region": "Город Москва",
        }
    ]


def test_it_limits_the_station_lookup_to_a_region(alice_api, contest):
    tec = Commission.objects.get(election=contest.election, name="85 Тверской район")

    response = alice_api.get("/api/stations/", {"contest": contest.pk, "region": tec.pk})

    assert [s["number"] for s in response.data["results"]] == ["120"]


def test_it_documents_the_copy_endpoints_in_the_schema(alice_api):
    response = alice_api.get("/api/schema/", {"format": "json"})

    paths = response.json()["paths"]
    assert {"/api/copies/", "/api/copies/{id}/", "/api/contests/{id}/form/", "/api/stations/"} <= set(paths)
    assert "409" in paths["/api/copies/"]["post"]["responses"]


def test_it_requires_the_contest_for_a_station_lookup(alice_api):
    response = alice_api.get("/api/stations/", {"number": "91"})

    assert response.status_code == 400
    assert "contest" in response.data


def test_it_lists_copies_in_a_fixed_number_of_queries(
    alice_api, payload, other_station, django_assert_num_queries
):
    alice_api.post(URL, payload(), format="json")
    alice_api.post(URL, payload(station=other_station.pk), format="json")

    # One query fewer than with figure rows (their lines and options: three): the copies' layouts
    # and the layouts' slots with their lines and options, two for any number of copies.
    with django_assert_num_queries(7):
        response = alice_api.get(URL)

    assert len(response.data["results"]) == 2
