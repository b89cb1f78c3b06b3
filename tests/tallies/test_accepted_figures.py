"""Several copies of one station: what agrees counts, conflicts wait, quarantine holds copies out."""

import pytest
from django.utils import timezone

from tallies import services
from tallies.models import ConflictResolution, Quarantine, StationTallyState
from tests.support import OPTIONS_PEC_91_COPY, import_copy
from tests.tallies.support import root_tally

pytestmark = pytest.mark.django_db


def touch(copy):
    services.touch_station(
        organization_id=copy.organization_id, contest_id=copy.contest_id, station_id=copy.station_id
    )


def assert_equals_recompute(contest, organization):
    before = root_tally(contest, organization)
    services.recompute_observer_tallies(organization_id=organization.pk, contest_id=contest.pk)
    after = root_tally(contest, organization)
    assert (before.figures(), before.stations_count) == (after.figures(), after.stations_count)


def test_it_counts_a_station_once_when_two_copies_agree(
    observer, bob, contest, station, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        import_copy(observer, contest, station)
        import_copy(bob, contest, station)

    tally = root_tally(contest, observer.organization)
    assert (tally.stations_count, tally.option_totals["p6_UR"]) == (1, 445)
    assert_equals_recompute(contest, observer.organization)


def test_it_leaves_a_station_in_conflict_out_of_the_tally(
    observer, bob, contest, station, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        import_copy(observer, contest, station)
        import_copy(bob, contest, station, {**OPTIONS_PEC_91_COPY, "p6_UR": 545})

    state = StationTallyState.objects.get(station=station)
    assert (state.is_counted, state.conflicts) == (False, ["options.p6_UR"])
    assert root_tally(contest, observer.organization).stations_count == 0
    assert_equals_recompute(contest, observer.organization)


def test_it_counts_the_coordinators_resolution_of_a_conflict(
    observer, bob, coordinator, contest, station, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = import_copy(observer, contest, station)
        import_copy(bob, contest, station, {**OPTIONS_PEC_91_COPY, "p6_UR": 545})
        ConflictResolution.objects.create(
            organization=observer.organization,
            contest=contest,
            station=station,
            option=contest.options.get(code="p6_UR"),
            value=445,
            chosen_copy=first,
            reason="photo shows 445",
            resolved_by=coordinator,
        )
        touch(first)

    tally = root_tally(contest, observer.organization)
    assert (tally.stations_count, tally.option_totals["p6_UR"]) == (1, 445)
    assert_equals_recompute(contest, observer.organization)


def test_it_takes_a_quarantined_copy_out_and_puts_it_back_on_release(
    observer, coordinator, contest, station, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        copy = import_copy(observer, contest, station)
    with django_capture_on_commit_callbacks(execute=True):
        held = Quarantine.objects.create(copy=copy, reason="unreadable photo", created_by=coordinator)
        touch(copy)
    quarantined = root_tally(contest, observer.organization)
    with django_capture_on_commit_callbacks(execute=True):
        Quarantine.objects.filter(pk=held.pk).update(released_at=timezone.now(), released_by=coordinator)
        touch(copy)

    assert (quarantined.stations_count, quarantined.option_totals) == (0, {})
    assert root_tally(contest, observer.organization).option_totals["p6_UR"] == 445
    assert_equals_recompute(contest, observer.organization)
