"""A resent copy queues its station's tally job again when the first request died unqueued.

The phone resends because it never had an answer: the request that stored the copy may have
been killed after its commit and before its job was sent (fault (d) in docs/faults.md), and then
no message exists to redeliver. Seen in `make faults`: one station left to the minute's sweep.
"""

import uuid
from functools import partial

import pytest

from tallies import services
from tallies.models import StationTallyState
from tests.tallies.support import body

URL = "/api/copies/"

pytestmark = pytest.mark.django_db


def state_of(contest, station):
    return StationTallyState.objects.get(contest=contest, station=station)


def test_a_resend_queues_the_tally_job_the_first_request_never_sent(
    alice_device, contest, station, django_capture_on_commit_callbacks
):
    copy = body(contest, station)
    with django_capture_on_commit_callbacks(execute=False):  # killed after the commit: nothing sent
        assert alice_device.post(URL, copy, format="json").status_code == 201
    assert state_of(contest, station) in StationTallyState.objects.stale()

    with django_capture_on_commit_callbacks(execute=True) as sent:
        assert alice_device.post(URL, copy, format="json").status_code == 200

    assert len(sent) == 1
    assert state_of(contest, station) not in StationTallyState.objects.stale()


def test_the_full_path_queues_it_too(observer, contest, station, django_capture_on_commit_callbacks):
    copy = body(contest, station)
    submit = partial(
        services.submit_protocol_copy,
        observer=observer,
        contest=contest,
        station=station,
        lines=copy["lines"],
        options=copy["options"],
        client_uuid=uuid.UUID(copy["client_uuid"]),
        channel="web",
    )
    with django_capture_on_commit_callbacks(execute=False):
        assert submit().created
    with django_capture_on_commit_callbacks(execute=True) as sent:
        assert not submit().created

    assert len(sent) == 1
    assert state_of(contest, station) not in StationTallyState.objects.stale()


def test_a_resend_of_an_applied_station_queues_nothing(
    alice_device, contest, station, django_capture_on_commit_callbacks
):
    copy = body(contest, station)
    with django_capture_on_commit_callbacks(execute=True):
        alice_device.post(URL, copy, format="json")
    assert state_of(contest, station) not in StationTallyState.objects.stale()

    with django_capture_on_commit_callbacks(execute=True) as sent:
        assert alice_device.post(URL, copy, format="json").status_code == 200

    assert sent == []
