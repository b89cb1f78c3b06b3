"""The set-based recompute (SQL) leaves exactly what the incremental path leaves, station by station.

The incremental path is the one every copy takes (`apply_station_tally`: the accepted figures of
one station, tallies moved by the difference); the recompute rebuilds everything from the copies.
"""

import pytest
from django.db import transaction
from django.utils import timezone

from elections.models import PollingStation
from observers.models import Observer
from tallies.models import ConflictResolution, ObserverTally, Quarantine, StationTallyState
from tallies.services import tallying
from tests.support import OPTIONS_PEC_91_COPY, import_copy

pytestmark = pytest.mark.django_db


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


def rebuilt(organization, contest, incrementally):
    """Run one path in a transaction rolled back afterwards; return its outcome and the stations counted.

    Incrementally: every station is touched and its tally job run, as after a change to it.
    """
    with transaction.atomic():
        if incrementally:
            for state in StationTallyState.objects.filter(organization=organization, contest=contest):
                tallying.touch_station(
                    organization_id=organization.pk, contest_id=contest.pk, station_id=state.station_id
                )
                tallying.apply_station_tally(state_id=state.pk)
            counted = StationTallyState.objects.filter(organization=organization, is_counted=True).count()
        else:
            counted = tallying.recompute_observer_tallies(
                organization_id=organization.pk, contest_id=contest.pk
            )
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
        copy = import_copy(observer, contest, first)
        import_copy(bob, contest, first, {**OPTIONS_PEC_91_COPY, "p6_UR": 545, "p4_KPRF": 1})
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
        revised = import_copy(observer, contest, second)
        import_copy(observer, contest, second, {**OPTIONS_PEC_91_COPY, "p6_UR": 400}, revises=revised)
        held = import_copy(observer, contest, third)
        Quarantine.objects.create(copy=held, reason="unreadable", created_by=coordinator)
    return observer.organization


def test_it_rebuilds_what_the_incremental_path_left_even_over_wrong_recorded_states(mixed, contest):
    incremental = outcome(mixed, contest)  # every copy above went through apply_station_tally
    StationTallyState.objects.filter(organization=mixed).update(applied_lines={}, is_counted=True)
    ObserverTally.objects.filter(organization=mixed).update(stations_count=99, line_totals={})

    (states, tallies), counted = rebuilt(mixed, contest, incrementally=False)

    assert (states, tallies) == incremental
    first, second, third = stations(contest)
    conflicts = {state[0]: state[5] for state in states}
    assert counted == 1  # the conflict stays open on p4_KPRF; the quarantined copy is held out
    assert [conflicts[s.pk] for s in (first, second, third)] == [["options.p4_KPRF"], [], []]
    assert max(tally[3] for tally in tallies) == 1


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

    recomputed = rebuilt(mixed, contest, incrementally=False)

    assert recomputed == rebuilt(mixed, contest, incrementally=True)
    (states, _), counted = recomputed
    options = {state[0]: state[4] for state in states}
    assert counted == 3
    assert (options[station.pk]["p6_UR"], options[station.pk]["p4_KPRF"]) == (445, 7)
    assert options[revised.pk]["p6_UR"] == 400
