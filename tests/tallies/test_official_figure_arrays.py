"""Official figures as one array per protocol (issue 17): the migration's conversion and check, and
what the database refuses (a wrong width, a negative figure, any change of the figures).

The conversion of migration 0031 runs here on scratch tables shaped as the tables it converts
(a snapshot, a protocol, the old figure rows), against the test contest's form and options.
"""

from __future__ import annotations

import importlib

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from elections.protocol import Figures
from tallies.models import FigureLayout, OfficialProtocol, OfficialSnapshot
from tests.support import LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL

migration = importlib.import_module("tallies.migrations.0031_official_figure_arrays")
SCRATCH = migration.Tables(snapshots="old_snapshot", protocols="old_protocol", figures="old_figure")
GONE_LINE = 2_000_000_000  # a line id the form no longer has: its figure must survive as well
PARTIAL = {code: v for code, v in OPTIONS_PEC_91_OFFICIAL.items() if code != "p7_RightCause"}


def scratch_tables(contest) -> None:
    """Snapshot 1 of `contest`: protocol 1 gives every figure, 2 lacks one option and gives a
    figure of a line since deleted, 3 gives none."""
    lines = dict(contest.form.lines.values_list("code", "pk"))
    options = dict(contest.options.values_list("code", "pk"))
    rows = [(1, lines[c], None, v) for c, v in LINES_PEC_91_OFFICIAL.items()]
    rows += [(1, None, options[c], v) for c, v in OPTIONS_PEC_91_OFFICIAL.items()]
    rows += [(2, lines["voters_on_list"], None, 7), (2, GONE_LINE, None, 3)]
    rows += [(2, None, options[c], v + 1) for c, v in PARTIAL.items()]
    with connection.cursor() as cursor:
        cursor.execute(
            "create temp table old_snapshot (id int, contest_id int, layout_lines int[],"
            " layout_options int[]);"
            "create temp table old_protocol (id int, snapshot_id int, figure_values int[]);"
            "create temp table old_figure (protocol_id int, line_id int, option_id int, value int)"
        )
        cursor.execute("insert into old_snapshot (id, contest_id) values (1, %s)", [contest.pk])
        cursor.execute("insert into old_protocol (id, snapshot_id) values (1, 1), (2, 1), (3, 1)")
        cursor.executemany("insert into old_figure values (%s, %s, %s, %s)", rows)


def converted() -> tuple[FigureLayout, dict[int, list[int | None]]]:
    with connection.cursor() as cursor:
        cursor.execute("select layout_lines, layout_options from old_snapshot")
        lines, options = cursor.fetchone()
        cursor.execute("select id, figure_values from old_protocol order by id")
        return FigureLayout.of_ids(lines, options), dict(cursor.fetchall())


def convert() -> None:
    with connection.cursor() as cursor:
        migration.convert_figures(cursor, SCRATCH)


def check() -> None:
    with connection.cursor() as cursor:
        migration.check_conversion(cursor, SCRATCH)


def run(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.mark.django_db
class TestTheConversion:
    def test_it_keeps_every_figure_in_layout_order_and_a_missing_one_as_null(self, contest):
        scratch_tables(contest)

        convert()

        layout, arrays = converted()
        form = FigureLayout.of_contest(contest)
        assert layout.line_ids == (*form.line_ids, GONE_LINE) and layout.option_ids == form.option_ids
        assert layout.figures(arrays[1]) == Figures(LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL)
        assert layout.figures(arrays[2]) == Figures(
            {"voters_on_list": 7}, {c: v + 1 for c, v in PARTIAL.items()}
        )
        assert arrays[2][len(form.line_ids)] == 3  # the deleted line's figure, after the form's lines
        assert arrays[3] == [None] * layout.width

    def test_a_changed_figure_fails_the_check(self, contest):
        scratch_tables(contest)
        convert()
        run("update old_protocol set figure_values[1] = figure_values[1] + 1 where id = 1")

        with pytest.raises(migration.ConversionError, match=r"1 official protocols .* ids \[1\]"):
            check()

    def test_a_dropped_figure_fails_the_check(self, contest):
        scratch_tables(contest)
        convert()
        run("update old_protocol set figure_values[1] = null where id = 2")  # voters_on_list

        with pytest.raises(migration.ConversionError, match=r"ids \[2\]"):
            check()

    def test_a_figure_given_twice_fails_the_conversion(self, contest):
        scratch_tables(contest)
        run("insert into old_figure select * from old_figure where protocol_id = 1 limit 1")

        with pytest.raises(migration.ConversionError, match=r"ids \[1\]"):
            convert()


@pytest.fixture
def snapshot(contest) -> OfficialSnapshot:
    return OfficialSnapshot.objects.create_with_layout(
        contest=contest, level="PEC", source="test", file_name="official.csv", file_sha256="a" * 64
    )


def protocol(snapshot, station, values) -> OfficialProtocol:
    return OfficialProtocol.objects.create(snapshot=snapshot, commission=station.pec, figure_values=values)


@pytest.mark.django_db
class TestTheDatabaseGuardsTheArrays:
    def test_figures_read_back_by_code(self, contest, snapshot, station):
        given = Figures(LINES_PEC_91_OFFICIAL, PARTIAL)
        stored = protocol(snapshot, station, FigureLayout.of_contest(contest).values_from(given))

        assert OfficialProtocol.objects.get(pk=stored.pk).figures() == given

    @pytest.mark.parametrize("change", [1, -1])
    def test_an_array_of_another_width_than_the_layout_is_refused(self, contest, snapshot, station, change):
        width = FigureLayout.of_contest(contest).width

        with pytest.raises(IntegrityError, match="do not fit the snapshot's layout"), transaction.atomic():
            protocol(snapshot, station, [1] * (width + change))

    def test_a_negative_figure_is_refused(self, contest, snapshot, station):
        values = [1] * FigureLayout.of_contest(contest).width
        values[3] = -1

        with pytest.raises(IntegrityError, match="official_figures_not_negative"), transaction.atomic():
            protocol(snapshot, station, values)

    def test_the_figures_and_the_layout_never_change_and_a_protocol_is_never_deleted(
        self, contest, snapshot, station
    ):
        stored = protocol(snapshot, station, [5] * FigureLayout.of_contest(contest).width)
        protocols = OfficialProtocol.objects.filter(pk=stored.pk)

        for attempt in (
            lambda: protocols.update(figure_values=[6] * len(stored.figure_values)),
            protocols.delete,
            lambda: OfficialSnapshot.objects.filter(pk=snapshot.pk).update(layout_options=[]),
        ):
            with pytest.raises(DatabaseError, match="pgtrigger: Cannot"), transaction.atomic():
                attempt()
        assert protocols.update(bases={"missing": {}}) == 1  # a derived row's bases are filled later
        assert OfficialProtocol.objects.get(pk=stored.pk).figure_values == [5] * len(stored.figure_values)
