"""Only an observer with a live mandate for a station can submit its copy (web and API; imports exempt)."""

import uuid

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from elections.models import PollingStation
from observers.models import MandateEvent
from observers.services import mandates
from tallies import services
from tallies.errors import NotAssignedError
from tallies.models import ProtocolCopy, StationTallyState
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English (pages default to Russian)."""
    with translation.override("en"):
        yield


def submit(observer, contest, station, channel=ProtocolCopy.Channel.API):
    return services.submit_protocol_copy(
        observer=observer,
        contest=contest,
        station=station,
        lines=LINES_PEC_91_COPY,
        options=OPTIONS_PEC_91_COPY,
        client_uuid=uuid.uuid4(),
        channel=channel,
        entered_by=observer.user,
    )


def nothing_written() -> bool:
    return not ProtocolCopy.objects.exists() and not StationTallyState.objects.exists()


def issue(observer, contest, *numbers):
    stations = list(PollingStation.objects.filter(number__in=numbers).select_related("pec"))
    return mandates.issue_mandate(
        organization=observer.organization,
        observer=observer,
        election=contest.election,
        stations=stations,
        issued_by=None,
    )


def test_it_refuses_a_copy_without_a_mandate_and_names_the_station(nick, contest, station):
    with pytest.raises(NotAssignedError) as refusal:
        submit(nick, contest, station)

    assert refusal.value.field == "station"
    assert "polling station 91" in refusal.value.message
    assert nothing_written()


def test_it_refuses_a_mandate_for_another_station(nick, contest, station):
    issue(nick, contest, "120")

    with pytest.raises(NotAssignedError):
        submit(nick, contest, station)

    assert nothing_written()


def test_it_refuses_a_withdrawn_mandate(nick, contest, station):
    mandate = issue(nick, contest, "91")
    mandates.record_event(mandate=mandate, status="withdrawn", recorded_by=None)

    with pytest.raises(NotAssignedError):
        submit(nick, contest, station)

    assert nothing_written()


def test_it_refuses_an_observer_removed_from_the_station(nick, contest, station):
    mandate = issue(nick, contest, "91")
    for status in ("handed_over", "admitted"):
        mandates.record_event(mandate=mandate, status=status, recorded_by=None)
    mandates.record_event(mandate=mandate, status="removed", recorded_by=None, reason="streaming")

    with pytest.raises(NotAssignedError):
        submit(nick, contest, station)


def test_it_stores_the_copy_under_a_live_mandate_and_records_it_obtained(nick, contest, station):
    mandate = issue(nick, contest, "91")

    copy = submit(nick, contest, station).copy

    event = mandate.events.last()
    assert (event.status, event.station, event.contest, event.recorded_by) == (
        "copy_obtained",
        station,
        contest,
        nick.user,
    )
    mandate.refresh_from_db()
    assert mandate.status == "copy_obtained"
    assert copy.observer == nick


def test_it_records_copy_obtained_once_per_station_and_contest(observer, contest, station):
    first = submit(observer, contest, station).copy
    services.submit_protocol_copy(
        observer=observer,
        contest=contest,
        station=station,
        lines=LINES_PEC_91_COPY,
        options=OPTIONS_PEC_91_COPY,
        client_uuid=uuid.uuid4(),
        channel=ProtocolCopy.Channel.WEB,
        revises=first,
    )

    assert MandateEvent.objects.filter(status="copy_obtained").count() == 1


def test_it_exempts_imported_copies(nick, contest, station):
    submit(nick, contest, station, channel=ProtocolCopy.Channel.IMPORT)

    assert ProtocolCopy.objects.count() == 1
    assert not MandateEvent.objects.filter(status="copy_obtained").exists()


def api_payload(contest, station):
    return {
        "client_uuid": str(uuid.uuid4()),
        "contest": contest.pk,
        "station": station.pk,
        "lines": dict(LINES_PEC_91_COPY),
        "options": dict(OPTIONS_PEC_91_COPY),
    }


def test_it_answers_403_on_the_api_without_a_mandate(nick, contest, station):
    client = APIClient()
    client.force_authenticate(user=nick.user)

    response = client.post("/api/copies/", api_payload(contest, station), format="json")

    assert response.status_code == 403
    assert "polling station 91" in response.data["station"][0]
    assert nothing_written()


def test_it_answers_201_on_the_api_with_a_mandate(nick, contest, station):
    issue(nick, contest, "91")
    client = APIClient()
    client.force_authenticate(user=nick.user)

    assert client.post("/api/copies/", api_payload(contest, station), format="json").status_code == 201


def test_it_shows_the_refusal_on_the_web_form(client, nick, contest):
    client.force_login(nick.user)
    data = {"client_uuid": str(uuid.uuid4()), "number": "91", "note": ""}
    data |= {f"lines.{code}": value for code, value in LINES_PEC_91_COPY.items()}
    data |= {f"options.{code}": value for code, value in OPTIONS_PEC_91_COPY.items()}

    response = client.post(reverse("copy-new", args=[contest.pk]), data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "You have no live mandate for polling station 91" in response.content.decode()
    assert nothing_written()
