"""Copies' figures as one array per copy (issue 17): the migration's conversion and check, the
shared layouts, and what the database refuses (a wrong width, a negative figure, an array with
no figure, any change, and deleting a line or an option a stored copy's layout names).

The conversion of migration 0040 runs here on scratch tables shaped as the ones it converts (the
copies and the old figure rows), against the test contest's form and options.
"""

from __future__ import annotations

import importlib

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError

from elections.protocol import Figures
from tallies.models import CopyLayout, CopyLayoutSlot, ProtocolCopy
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY
from tests.tallies.support import send_api_copy, without

migration = importlib.import_module("tallies.migrations.0040_copy_figure_arrays")
SCRATCH = migration.Tables(copies="old_copy", figures="old_figure")
pytestmark = pytest.mark.django_db


@pytest.fixture
def copy(observer, contest, station):
    return ProtocolCopy.objects.get(
        pk=send_api_copy(observer, contest, station, LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY).pk
    )


def scratch_tables(contest, rows) -> None:
    """Copies 1–3 of `contest` (old_copy) and the figure rows `rows` (copy, line, option, value)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "create temp table old_copy (id int, contest_id int, figure_layout_id bigint,"
            " figure_values int[]);"
            "create temp table old_figure (copy_id int, line_id int, option_id int, value int)"
        )
        cursor.executemany(
            "insert into old_copy (id, contest_id) values (%s, %s)", [(n, contest.pk) for n in (1, 2, 3)]
        )
        cursor.executemany("insert into old_figure values (%s, %s, %s, %s)", rows)


def figure_rows(contest) -> list[tuple]:
    """Copy 1 gives every figure, 2 lacks one line and gives one option 7 more, 3 gives none."""
    lines = dict(contest.form.lines.values_list("code", "pk"))
    options = dict(contest.options.values_list("code", "pk"))
    rows = [(1, lines[c], None, v) for c, v in LINES_PEC_91_COPY.items()]
    rows += [(1, None, options[c], v) for c, v in OPTIONS_PEC_91_COPY.items()]
    rows += [(2, lines[c], None, v) for c, v in without(LINES_PEC_91_COPY, "ballots_cancelled").items()]
    rows += [(2, None, options[c], v + (7 if c == "p6_UR" else 0)) for c, v in OPTIONS_PEC_91_COPY.items()]
    return rows


def converted(contest) -> dict[int, tuple]:
    with connection.cursor() as cursor:
        migration.convert_figures(cursor, SCRATCH)
        cursor.execute("select id, figure_layout_id, figure_values from old_copy order by id")
        return {pk: (layout, values) for pk, layout, values in cursor.fetchall()}


def test_the_conversion_keeps_every_figure_in_one_shared_layout(contest):
    scratch_tables(contest, figure_rows(contest))

    arrays = converted(contest)

    layout = CopyLayout.objects.get()
    assert arrays[1][0] == arrays[2][0] == layout.pk and arrays[3] == (None, None)
    slots = CopyLayoutSlot.objects.filter(layout=layout).select_related("line", "option")
    assert migration_figures(slots, arrays[1][1]) == Figures(LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY)
    second = migration_figures(slots, arrays[2][1])
    assert second.lines == without(LINES_PEC_91_COPY, "ballots_cancelled")
    assert second.options == {**OPTIONS_PEC_91_COPY, "p6_UR": OPTIONS_PEC_91_COPY["p6_UR"] + 7}
    assert arrays[2][1].count(None) == 1 and len(arrays[2][1]) == layout.width


def migration_figures(slots, values) -> Figures:
    from tallies.models.copy_layout import figures_in

    return figures_in(slots, values)


@pytest.mark.parametrize(
    "tamper",
    [
        "update old_copy set figure_values[1] = figure_values[1] + 1 where id = 1",  # a changed figure
        "update old_copy set figure_values[2] = null where id = 1",  # a dropped figure
        "update old_copy set figure_values = figure_values || 5 where id = 2",  # wider than its layout
        "insert into old_figure values (3, null, null, 0)",  # a copy whose rows the arrays lost
    ],
)
def test_the_check_refuses_a_conversion_that_lost_gained_or_changed_a_figure(contest, tamper):
    scratch_tables(contest, figure_rows(contest))
    converted(contest)
    with connection.cursor() as cursor:
        cursor.execute(tamper)

        with pytest.raises(migration.ConversionError, match="would not keep their figures"):
            migration.check_conversion(cursor, SCRATCH)


def test_copies_of_one_form_share_one_layout_in_form_order(copy, observer, contest, other_station):
    other = send_api_copy(observer, contest, other_station, LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY)

    layout = copy.figure_layout
    assert ProtocolCopy.objects.get(pk=other.pk).figure_layout_id == layout.pk == CopyLayout.objects.get().pk
    assert layout.line_ids == [line.pk for line in contest.form.lines.order_by("position", "pk")]
    assert layout.option_ids == [option.pk for option in contest.options.order_by("position", "pk")]
    assert [(s.line_id, s.option_id) for s in layout.slots.all()] == [
        (pk, None) for pk in layout.line_ids
    ] + [(None, pk) for pk in layout.option_ids]
    assert copy.figures() == Figures(LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY)


def test_a_line_added_to_the_form_later_changes_no_stored_copy(copy, observer, contest, other_station):
    before = copy.figures()
    contest.form.lines.create(code="added_later", number="99", labels={"en": "Added later"}, position=99)

    newer = send_api_copy(
        observer, contest, other_station, {**LINES_PEC_91_COPY, "added_later": 3}, OPTIONS_PEC_91_COPY
    )

    assert ProtocolCopy.objects.get(pk=copy.pk).figures() == before
    stored = ProtocolCopy.objects.get(pk=newer.pk)
    assert stored.figure_layout_id != copy.figure_layout_id and stored.figures().lines["added_later"] == 3


def test_a_line_or_option_a_stored_copy_names_cannot_be_deleted(copy, contest):
    line = contest.form.lines.get(code="ballots_invalid")
    option = contest.options.get(code="p6_UR")

    with pytest.raises(ProtectedError):
        line.delete()
    with pytest.raises(ProtectedError):
        option.delete()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign keys are checked at once
        cursor.execute("DELETE FROM elections_protocolline WHERE id = %s", [line.pk])


def _insert(copy, values, layout_id=None) -> None:
    """Insert a copy like `copy` with another array, as raw SQL (no model checks)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tallies_protocolcopy (client_uuid, organization_id, observer_id, contest_id,"
            " station_id, channel, note, submitted_at, figure_layout_id, figure_values)"
            " SELECT gen_random_uuid(), organization_id, observer_id, contest_id, station_id, 'api', '',"
            " now(), %s, %s FROM tallies_protocolcopy WHERE id = %s",
            [layout_id or copy.figure_layout_id, values, copy.pk],
        )


@pytest.mark.parametrize(
    ("change", "refused"),
    [
        (lambda values: values[:-1], "do not fit its layout"),
        (lambda values: [*values, 1], "do not fit its layout"),
        (lambda values: [-1, *values[1:]], "copy_figures_not_negative"),
        (lambda values: [None] * len(values), "copy_figures_some_given"),
    ],
)
def test_the_database_refuses_an_array_that_is_not_a_copys_figures(copy, change, refused):
    with pytest.raises((IntegrityError, DatabaseError), match=refused):
        _insert(copy, change(list(copy.figure_values)))

    _insert(copy, list(copy.figure_values))  # the same array is accepted


def test_a_stored_copys_figures_and_layout_never_change(copy):
    layout = copy.figure_layout
    for attempt in (
        lambda: ProtocolCopy.objects.filter(pk=copy.pk).update(figure_values=[1] * len(copy.figure_values)),
        lambda: CopyLayout.objects.filter(pk=layout.pk).update(line_ids=[]),
        lambda: CopyLayoutSlot.objects.filter(layout=layout).delete(),
    ):
        with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic():
            attempt()
