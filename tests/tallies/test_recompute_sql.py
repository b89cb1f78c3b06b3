"""The set-based recompute (PostgreSQL) leaves exactly what the station-by-station one leaves."""

import uuid

import pytest
from django.db import connection, transaction
from django.utils import timezone

from elections.models import PollingStation
from observers.models import Observer
from tallies import services
from tallies.models import ConflictResolution, ObserverTally, ProtocolCopy, Quarantine, StationTallyState
from tallies.services import recompute_sql, tallying
from tests.conftest import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based recompute is PostgreSQL's"),
]


def submit(observer, contest, station, options=OPTIONS_PEC_91_COPY, revises=None):
    return services.submit_protocol_copy(
        observer=observer,
        contest=contest,
        station=station,
        lines=LINES_PEC_91_COPY,
        options=options,
        client_uuid=uuid.uuid4(),
        channel=ProtocolCopy.Channel.IMPORT,
        revises=revises,
    ).copy


def outcome(organization, contest):
    """Every state and tally the recompute writes, comparable across the two paths."""
    states = StationTallyState.objects.filter(organization=organization, contest=contest).order_by("station")
    tallies = ObserverTally.objects.filter(organization=organization, contest=contest).order_by("commission")
    return (
        [(s.station_id, s.applied_version == s.wanted_version, s.is_counted, *applied(s)) for s in states],
        [(t.commission_id, t.line_totals, t.option_totals, t.stations_count) for t in tallies],
    )


def applied(state):
    return state.applied_lines, state.applied_options, state.conflicts


def rebuilt(organization, contest, in_sql):
    """Run one recompute path in a transaction rolled back afterwards; return its outcome and count."""
    with transaction.atomic():
        if in_sql:
            recompute_sql.lock_station_states(organization.pk, contest.pk)
            counted = recompute_sql.recompute_in_sql(organization.pk, contest.pk)
        else:
            counted = tallying._recompute_in_python(organization.pk, contest.pk)
        result = outcome(organization, contest), counted
        transaction.set_rollback(True)
    return result


def stations(contest):
    return list(PollingStation.objects.filter(pec__election=contest.election).order_by("number"))


@pytest.fixture
def mixed(observer, coordinator, contest, django_capture_on_commit_callbacks):
    """Three stations: two copies in conflict with one line resolved twice; a revision; a quarantine."""
    bob = Observer.objects.create(organization=observer.organization, display_name="Bob")
    first, second, third = stations(contest)
    with django_capture_on_commit_callbacks(execute=True):
        copy = submit(observer, contest, first)
        submit(bob, contest, first, {**OPTIONS_PEC_91_COPY, "p6_UR": 545, "p4_KPRF": 1})
        for value in (500, 445):  # the later resolution counts
            ConflictResolution.objects.create(
                organization=observer.organization,
                contest=contest,
                station=first,
                option=contest.options.get(code="p6_UR"),
                value=value,
                chosen_copy=copy,
                reason="photo",
                resolved_by=coordinator,
            )
        revised = submit(observer, contest, second)
        submit(observer, contest, second, {**OPTIONS_PEC_91_COPY, "p6_UR": 400}, revises=revised)
        held = submit(observer, contest, third)
        Quarantine.objects.create(copy=held, reason="unreadable", created_by=coordinator)
    return observer.organization


def test_it_leaves_the_same_states_and_tallies_as_the_row_by_row_path(mixed, contest):
    StationTallyState.objects.filter(organization=mixed).update(applied_lines={}, is_counted=True)

    in_python = rebuilt(mixed, contest, in_sql=False)
    in_sql = rebuilt(mixed, contest, in_sql=True)

    assert in_sql == in_python
    (states, _), counted = in_sql
    first, second, third = stations(contest)
    conflicts = {state[0]: state[5] for state in states}
    assert counted == 1  # the conflict stays open on p4_KPRF; the quarantined copy is held out
    assert [conflicts[s.pk] for s in (first, second, third)] == [["options.p4_KPRF"], [], []]


def test_it_counts_a_resolved_station_with_the_latest_resolution(mixed, contest, coordinator):
    station, revised, _ = stations(contest)
    ConflictResolution.objects.create(
        organization=mixed,
        contest=contest,
        station=station,
        option=contest.options.get(code="p4_KPRF"),
        value=7,
        reason="call-back",
        resolved_by=coordinator,
    )
    Quarantine.objects.update(released_at=timezone.now())

    in_sql = rebuilt(mixed, contest, in_sql=True)

    assert in_sql == rebuilt(mixed, contest, in_sql=False)
    (states, _), counted = in_sql
    options = {state[0]: state[4] for state in states}
    assert counted == 3
    assert (options[station.pk]["p6_UR"], options[station.pk]["p4_KPRF"]) == (445, 7)
    assert options[revised.pk]["p6_UR"] == 400
