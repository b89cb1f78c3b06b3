"""Fixtures of the tallies tests: Alice's tallied copy, partial copies, a quick-count sample, Celery,
a two-organisation coalition with its admins.

Personas and the geography are in tests/conftest.py; helpers in tests/tallies/support.py,
tests/tallies/samples.py and tests/tallies/workers.py.
"""

from __future__ import annotations

import uuid

import pytest
import redis
from django.contrib.auth import get_user_model

from config import celery_app
from elections.models import Commission, PollingStation
from elections.services import StationRecord, ensure_hierarchy
from observers.models import Coalition, CoalitionMember, Membership
from tallies.models import ProtocolCopy
from tallies.services import photos
from tests.observers.fixtures.evidence_images import jpeg_with_exif, upload
from tests.support import (
    LINES_PEC_91_COPY,
    LINES_PEC_92,
    LINES_PEC_120,
    OPTIONS_PEC_91_COPY,
    OPTIONS_PEC_92,
    OPTIONS_PEC_120,
)
from tests.tallies.samples import MOSCOW, OBLAST, draw, report, sampled
from tests.tallies.support import send_api_copy, submit_web_copy, without
from tests.tallies.workers import BROKER_URL


@pytest.fixture
def copy(observer, contest, station, django_capture_on_commit_callbacks):
    """Alice's copy of station 91, tallied."""
    with django_capture_on_commit_callbacks(execute=True):
        return submit_web_copy(observer, contest, station)


@pytest.fixture
def crowd(contest):
    """The contest with 40 more stations: 20 in Moscow (TEC 86 Арбат), 20 in the Oblast (ТИК Химки)."""
    stations = [StationRecord((MOSCOW, "86 Арбат"), f"{200 + i}", 1500 + 10 * i) for i in range(20)]
    stations += [StationRecord((OBLAST, "ТИК Химки"), f"{3000 + i}", 2000 + 10 * i) for i in range(20)]
    ensure_hierarchy(election=contest.election, root_name="ЦИК России", stations=stations)
    return contest


@pytest.fixture
def reported(crowd, organization, coordinator, observer, django_capture_on_commit_callbacks):
    """A sample of 20 with copies from 12 of its stations, in a known order, tallied."""
    sample = draw(organization, coordinator, crowd)
    with django_capture_on_commit_callbacks(execute=True):
        for index, station_id in enumerate(sampled(sample)[:12]):
            report(observer, crowd, station_id, index)
    return sample


@pytest.fixture
def queue():
    """A queue name of our own, so that no other worker on this Redis takes our tasks."""
    name = f"test-{uuid.uuid4().hex}"
    yield name
    keys = [name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}"]
    redis.Redis.from_url(BROKER_URL).delete(*keys)


@pytest.fixture
def celery_through_redis(settings, queue):
    """Make this process send tasks to Redis (on `queue`) instead of running them eagerly."""
    changes = {
        "task_always_eager": False,
        "broker_url": BROKER_URL,
        "broker_transport": "config.broker:Transport",  # as config/settings.py picks for Redis
        "task_default_queue": queue,
    }
    saved = {key: celery_app.conf[key] for key in changes}
    # `close()` below also takes the app off Celery's list of live apps, so a task module first
    # imported after it would not register its shared tasks here: import them all first.
    celery_app.loader.import_default_modules()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(changes)
    celery_app.__dict__.pop("amqp", None)  # the queue and router are cached there
    yield
    celery_app.conf.update(saved)
    celery_app.__dict__.pop("amqp", None)
    celery_app.close()


@pytest.fixture
def partial_election(contest, observer, django_capture_on_commit_callbacks):
    """Stations 91 (complete), 92 (lacks voters_on_list and UR's votes), 120 (lacks voters_on_list)."""
    stations = {s.number: s for s in PollingStation.objects.filter(pec__election=contest.election)}
    with django_capture_on_commit_callbacks(execute=True):
        send_api_copy(observer, contest, stations["91"], LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY)
        send_api_copy(
            observer,
            contest,
            stations["92"],
            without(LINES_PEC_92, "voters_on_list"),
            without(OPTIONS_PEC_92, "p6_UR"),
            missing=["lines.voters_on_list", "options.p6_UR"],
        )
        send_api_copy(
            observer,
            contest,
            stations["120"],
            without(LINES_PEC_120, "voters_on_list"),
            OPTIONS_PEC_120,
            missing=["lines.voters_on_list"],
        )
    return stations


def admin_of(organization, username: str):
    user = get_user_model().objects.create_user(username=username)
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def admins(organization, other_organization):
    """Ada, an admin of Golos, and Otto, an admin of Other observers (by organisation id)."""
    return {
        organization.pk: admin_of(organization, "ada"),
        other_organization.pk: admin_of(other_organization, "otto"),
    }


@pytest.fixture
def tec(contest) -> Commission:
    return Commission.objects.get(election=contest.election, name="84 Пресненский район")


@pytest.fixture
def coalition(contest, organization, other_organization, admins) -> Coalition:
    """Both organisations agreed to pool their copies for the election (tests/tallies/test_coalition_*.py;
    test_coalitions.py and test_coalition_deployment.py define their own)."""
    coalition = Coalition.objects.create(name="Pool", election=contest.election, created_by=organization)
    for member in (organization, other_organization):
        CoalitionMember.objects.create(
            coalition=coalition,
            organization=member,
            agreed_by=admins[member.pk],
            agreed_at="2026-12-01T00:00Z",
        )
    return coalition


@pytest.fixture
def photographed(observer, station, django_capture_on_commit_callbacks) -> ProtocolCopy:
    """Alice's copy of station 91 sent as one photo only (sanitised, ready)."""
    with django_capture_on_commit_callbacks(execute=True):
        submitted, _added = photos.submit_photo_only_copy(
            observer=observer, station=station, uploads=[upload(jpeg_with_exif(), "protocol.jpg")],
            client_uuid=uuid.uuid4(), channel=ProtocolCopy.Channel.WEB,
        )  # fmt: skip
    return submitted.copy


@pytest.fixture
def as_dave(client, dave):
    """Dave's browser: the test client, logged in as him."""
    client.force_login(dave)
    return client
