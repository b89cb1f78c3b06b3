"""The station's tally in one round trip (tallies_apply_station_tally) does what the Python path did.

Every apply below runs the Python path it replaced first (tests/tallies/reference_apply.py, in a
savepoint rolled back) and must leave the state and every tally row exactly as it did; the
tallies must also equal a recompute. The history covers a station's first copy (its tallies
created), partial copies, a conflict and its resolution, a station leaving the count and
coming back (quarantine, release), another organisation, and a revision.
"""

from __future__ import annotations

import pytest
from django.db import connection

from tallies import services
from tallies.models import ObserverTally, ProtocolCopy, Quarantine, StationTallyState
from tallies.services import apply_sql, desk
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY, import_copy
from tests.tallies import reference_apply
from tests.tallies.support import send_api_copy, without


@pytest.fixture
def checked(monkeypatch):
    """Every SQL apply preceded by the Python reference, which it must agree with; `.calls` counts them."""
    wrapper = reference_apply.checked(apply_sql.apply_station)
    monkeypatch.setattr(apply_sql, "apply_station", wrapper)
    return wrapper


def tallies(organization, contest) -> dict:
    """Every tally of the organisation and contest: commission → counts, missing, partial, figures."""
    rows = ObserverTally.objects.filter(organization=organization, contest=contest)
    return {
        t.commission_id: (t.stations_count, t.partial_stations, t.missing, t.line_totals, t.option_totals)
        for t in rows
    }


def assert_equal_to_a_recompute(organization, contest) -> None:
    incremental = tallies(organization, contest)
    services.recompute_observer_tallies(organization_id=organization.pk, contest_id=contest.pk)
    assert incremental == tallies(organization, contest)


def test_the_installed_function_holds_the_accepted_rule_as_the_code_has_it(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'tallies_apply_station_tally'")
        (source,) = cursor.fetchone()

    assert source == apply_sql.function_body(), (
        "tallies_apply_station_tally differs from what tallies.services.apply_sql builds from the "
        "accepted rule: add a migration with RunSQL(apply_sql.function_sql())"
    )


def test_it_moves_the_tallies_as_the_python_path_did_through_a_history(
    checked, contest, station, other_station, observer, bob, other_observer, coordinator,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    organization = observer.organization
    lines, options = LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY
    with django_capture_on_commit_callbacks(execute=True):
        alice = import_copy(observer, contest, station)  # the first copy: the tallies are created
        send_api_copy(observer, contest, other_station, without(lines, "voters_on_list"), options,
                      missing=["lines.voters_on_list"])  # fmt: skip
        disputed = {**options, "p6_UR": options["p6_UR"] + 100}
        send_api_copy(bob, contest, station, without(lines, "ballots_invalid"), disputed,
                      missing=["lines.ballots_invalid"])  # fmt: skip
    assert StationTallyState.objects.get(organization=organization, station=station).conflicts == [
        "options.p6_UR"
    ]  # the station has left the count
    with django_capture_on_commit_callbacks(execute=True):
        desk.resolve_conflict(
            organization=organization, station=station, contest=contest, code="options.p6_UR",
            chosen_copy=alice, reason="the photo shows it", by=coordinator,
        )  # fmt: skip
        held = desk.quarantine(copy=alice, scope="all", reason="smudged digits", by=coordinator)
    assert_equal_to_a_recompute(organization, contest)  # station 91 counts Bob's partial copy only
    with django_capture_on_commit_callbacks(execute=True):
        desk.release(quarantine=Quarantine.objects.get(pk=held.pk), reason="checked", by=coordinator)
        import_copy(other_observer, contest, station)
        revised = ProtocolCopy.objects.get(observer=observer, station=other_station)
        import_copy(observer, contest, other_station, revises=revised)  # whole again

    assert checked.calls == 8
    assert StationTallyState.objects.stale().count() == 0
    assert_equal_to_a_recompute(organization, contest)
    assert_equal_to_a_recompute(other_observer.organization, contest)


def test_it_answers_false_and_writes_nothing_when_the_station_is_applied_already(
    checked, contest, station, observer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        import_copy(observer, contest, station)
    state = StationTallyState.objects.get(station=station)
    before = reference_apply.outcome(state.pk)

    assert services.apply_station_tally(state_id=state.pk) is False
    assert reference_apply.outcome(state.pk) == before
    assert checked.calls == 2


def test_an_unknown_state_is_an_error(db):
    with pytest.raises(StationTallyState.DoesNotExist):
        services.apply_station_tally(state_id=987654)


def test_the_tallies_it_moves_say_when_they_moved(contest, station, other_station, observer):
    """The seat analysis shows the national tally's updated_at as "Observers' tally as of"."""
    import_copy(observer, contest, station)
    services.apply_station_tally(state_id=StationTallyState.objects.get(station=station).pk)
    long_ago = ObserverTally.objects.filter(organization=observer.organization)
    long_ago.update(updated_at="2001-01-01T00:00:00Z")

    import_copy(observer, contest, other_station)
    services.apply_station_tally(state_id=StationTallyState.objects.get(station=other_station).pk)

    national = ObserverTally.objects.get(organization=observer.organization, commission__parent=None)
    assert national.updated_at.year > 2001
