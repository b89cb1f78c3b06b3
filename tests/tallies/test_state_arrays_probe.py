"""The STATES probe (bench.state_arrays): the recompute with station states as integer[] rewrites
and leaves exactly what the product's recompute (states as jsonb) does, partial copies and
conflicts included, so the CPU it saves is measured on the same work (issue 17, P3)."""

import json

import pytest
from django.db import connection

from bench import state_arrays
from observers.models import Observer
from tallies.models import StationTallyState
from tallies.models.figure_layout import FigureLayout
from tests.support import OPTIONS_PEC_91_COPY, import_copy

pytestmark = pytest.mark.django_db


@pytest.fixture
def election(partial_election, observer, contest, django_capture_on_commit_callbacks):
    """Stations 91 (two copies disagreeing on p4_KPRF: a conflict), 92 and 120 (partial copies)."""
    bob = Observer.objects.create(organization=observer.organization, display_name="Bob")
    with django_capture_on_commit_callbacks(execute=True):
        import_copy(bob, contest, partial_election["91"], {**OPTIONS_PEC_91_COPY, "p4_KPRF": 1})
    return partial_election


def outcomes(observer, contest, **recorded):
    """Both statements' outcomes after recording `recorded` (station number → (SQL SET, value))."""
    ids = observer.organization_id, contest.pk
    with state_arrays.scratch_column(*ids):
        for station, (assignment, value) in recorded.items():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE tallies_stationtallystate SET {assignment} WHERE station_id = %s",
                    [value, station],
                )
        return state_arrays.both_outcomes(*ids)


def number(station_id):
    return StationTallyState.objects.get(station_id=station_id).station.number


def test_it_rewrites_nothing_of_the_recorded_states_and_both_leave_the_same(election, observer, contest):
    json_outcome, array = outcomes(observer, contest)

    assert json_outcome == array
    assert array["rewritten"] == set()
    assert array["counted"] == 2  # 91 is in conflict; 92 and 120 count with their missing figures
    states = {number(state[0]): state for state in array["states"]}
    assert states["91"][2:4] == (False, []) and json.loads(states["91"][4]) == ["options.p4_KPRF"]
    voters_on_list = FigureLayout.of_contest(contest).line_codes.index("voters_on_list")
    assert states["120"][3][voters_on_list] is None  # not on the copy
    assert states["120"][3].count(None) == 1 and states["92"][3].count(None) == 2


@pytest.mark.parametrize(
    ("kind", "code", "value"),
    [("options", "p1_SR", 194), ("lines", "voters_on_list", 0), ("options", "p1_SR", None)],
    ids=["another value", "0 where the copy gives no figure", "a figure left out"],
)
def test_it_rewrites_a_state_exactly_where_its_figures_differ(election, observer, contest, kind, code, value):
    station = election["120"].pk
    layout = FigureLayout.of_contest(contest)
    codes = layout.line_codes if kind == "lines" else layout.option_codes
    position = codes.index(code) + 1 + (len(layout.line_ids) if kind == "options" else 0)
    column = f"applied_{kind[:-1]}s"
    if value is None:
        json_set = (f"{column} = {column} - %s", code)
    else:
        json_set = (f"{column} = {column} || %s::jsonb", json.dumps({code: value}))

    json_outcome, _ = outcomes(observer, contest, **{str(station): json_set})
    _, array_outcome = outcomes(
        observer, contest, **{str(station): (f"applied_values[{position}] = %s", value)}
    )

    assert json_outcome == array_outcome
    assert json_outcome["rewritten"] == {station}


def test_a_changed_recompute_text_stops_the_probe():
    with pytest.raises(ValueError, match="by_station"):
        state_arrays._replaced("WITH x AS (SELECT 1)", "by_station AS (", "conflicted AS (", "")
