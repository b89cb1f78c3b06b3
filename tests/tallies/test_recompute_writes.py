"""What the full recompute rewrites (issue 17): a station state only where it differs, conflicts
and every recorded figure included, and the partial copies' missing counts rebuilt exactly.

The recompute (tallies.services.recompute_sql) compares each station's rebuilt state with the
recorded one; a row it leaves alone keeps its version (ctid), a row it rewrites gets a new one.
"""

import pytest
from django.db import connection, transaction

from elections.models import Commission, PollingStation
from observers.models import Observer
from tallies.models import ObserverTally, StationTallyState
from tallies.services import tallying
from tests.support import OPTIONS_PEC_91_COPY, import_copy

pytestmark = pytest.mark.django_db


@pytest.fixture
def disputed(observer, contest, django_capture_on_commit_callbacks):
    """(first, second) stations: two copies of the first disagree on p4_KPRF; one copy of the second."""
    bob = Observer.objects.create(organization=observer.organization, display_name="Bob")
    first, second = PollingStation.objects.filter(pec__election=contest.election).order_by("number")[:2]
    with django_capture_on_commit_callbacks(execute=True):
        import_copy(observer, contest, first)
        import_copy(bob, contest, first, {**OPTIONS_PEC_91_COPY, "p4_KPRF": 1})
        import_copy(observer, contest, second)
    return first, second


def _versions(organization, contest) -> dict[int, str]:
    """Station id → the ctid of its state row (an UPDATE gives the row a new one)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT station_id, ctid::text FROM tallies_stationtallystate"
            " WHERE organization_id = %s AND contest_id = %s",
            [organization.pk, contest.pk],
        )
        return dict(cursor.fetchall())


def _states(organization, contest) -> dict[int, tuple]:
    states = StationTallyState.objects.filter(organization=organization, contest=contest)
    return {s.station_id: (s.applied_version == s.wanted_version, s.is_counted, *_figures(s)) for s in states}


def _figures(state) -> tuple:
    return state.applied_lines, state.applied_options, state.conflicts


def recompute_over(organization, contest, station=None, **recorded):
    """In a transaction rolled back afterwards: record `recorded` (fields) in `station`'s state,
    run the full recompute; return (the stations whose state it rewrote, every state it left)."""
    with transaction.atomic():
        if station is not None:
            StationTallyState.objects.filter(organization=organization, station=station).update(**recorded)
        before = _versions(organization, contest)
        tallying.recompute_observer_tallies(organization_id=organization.pk, contest_id=contest.pk)
        after = _versions(organization, contest)
        left = _states(organization, contest)
        transaction.set_rollback(True)
    return {station_id for station_id, version in before.items() if after[station_id] != version}, left


def test_it_rewrites_no_state_when_every_state_is_right(disputed, organization, contest):
    incremental = _states(organization, contest)

    assert recompute_over(organization, contest) == (set(), incremental)


def test_a_state_differing_only_in_its_conflicts_is_rewritten_alone(disputed, organization, contest):
    first, _ = disputed
    incremental = _states(organization, contest)
    assert incremental[first.pk][1:] == (False, {}, {}, ["options.p4_KPRF"])

    for conflicts in ([], ["options.p4_KPRF", "options.p6_UR"], ["lines.p4_KPRF"]):
        rewritten, left = recompute_over(organization, contest, first, conflicts=conflicts)

        assert (rewritten, left) == ({first.pk}, incremental)


def _recorded(organization, station) -> dict:
    return StationTallyState.objects.get(organization=organization, station=station).applied_options


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda options: {**options, "p0_extra": 1}, id="a code no copy gives"),
        pytest.param(lambda options: {k: options[k] for k in options if k != "p6_UR"}, id="a code left out"),
        pytest.param(lambda options: {**options, "p6_UR": options["p6_UR"] + 1}, id="another value"),
        pytest.param(lambda options: {**options, "p6_UR": str(options["p6_UR"])}, id="a value as a string"),
        pytest.param(lambda options: {**options, "p6_UR": None}, id="a null value"),
        pytest.param(lambda options: [], id="not an object"),
    ],
)
def test_a_counted_state_differing_in_one_figure_is_rewritten_alone(disputed, organization, contest, spoil):
    _, second = disputed
    incremental = _states(organization, contest)

    spoiled = spoil(_recorded(organization, second))
    rewritten, left = recompute_over(organization, contest, second, applied_options=spoiled)

    assert (rewritten, left) == ({second.pk}, incremental)


def test_a_figure_recorded_as_the_same_number_written_otherwise_is_not_rewritten(
    disputed, organization, contest
):
    _, second = disputed
    options = _recorded(organization, second)

    rewritten, left = recompute_over(
        organization, contest, second, applied_options={**options, "p6_UR": float(options["p6_UR"])}
    )

    assert rewritten == set()  # jsonb compares numbers by value: 445.0 is 445, as before issue 17
    assert left[second.pk][3]["p6_UR"] == options["p6_UR"]


def test_a_wrong_counted_flag_or_an_old_version_is_rewritten(disputed, organization, contest):
    first, second = disputed
    incremental = _states(organization, contest)

    assert recompute_over(organization, contest, second, is_counted=False) == ({second.pk}, incremental)
    assert recompute_over(organization, contest, first, is_counted=True) == ({first.pk}, incremental)
    assert recompute_over(organization, contest, first, applied_version=0) == ({first.pk}, incremental)


def _coverage(organization, contest) -> dict[str, tuple]:
    tallies = ObserverTally.objects.filter(organization=organization, contest=contest)
    return {t.commission.name: (t.missing, t.partial_stations, t.stations_count) for t in tallies}


def test_the_partial_copies_missing_counts_are_rebuilt_over_wrong_tallies_and_states(
    partial_election, organization, contest
):
    incremental = (_coverage(organization, contest), _states(organization, contest))
    lacking = partial_election["92"]  # lacks voters_on_list and UR's votes
    with transaction.atomic():
        ObserverTally.objects.filter(organization=organization).update(missing={}, partial_stations=0)
        StationTallyState.objects.filter(station=lacking).update(applied_lines={}, applied_options={})

        tallying.recompute_observer_tallies(organization_id=organization.pk, contest_id=contest.pk)

        rebuilt = (_coverage(organization, contest), _states(organization, contest))
        transaction.set_rollback(True)

    assert rebuilt == incremental
    nation = rebuilt[0][Commission.objects.get(parent__isnull=True).name]
    assert nation == ({"lines.voters_on_list": 2, "options.p6_UR": 1}, 2, 3)
    assert "p6_UR" not in rebuilt[1][lacking.pk][3]
