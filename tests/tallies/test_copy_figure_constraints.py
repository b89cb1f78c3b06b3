"""A copy holds one figure per line and one per option (CopyFigure's indexes since migration 0037)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from tallies.models import CopyFigure
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY
from tests.tallies.support import send_api_copy


@pytest.fixture
def copy(observer, contest, station):
    return send_api_copy(observer, contest, station, LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY)


def _row(copy, **fields):
    """Insert one more figure row of `copy` as the store function does (raw SQL, no model checks)."""
    columns = {"copy_id": copy.pk, "line_id": None, "option_id": None, "value": 1} | fields
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tallies_copyfigure (copy_id, line_id, option_id, value) VALUES (%s, %s, %s, %s)",
            list(columns.values()),
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign keys too


def test_a_second_figure_of_a_line_is_refused(copy):
    line = copy.figure_rows.filter(line__isnull=False).first()

    with pytest.raises(IntegrityError, match="copyfigure_unique_figure"):
        _row(copy, line_id=line.line_id)


def test_a_second_figure_of_an_option_is_refused(copy):
    option = copy.figure_rows.filter(option__isnull=False).first()

    with pytest.raises(IntegrityError, match="copyfigure_unique_figure"):
        _row(copy, option_id=option.option_id)


def test_a_row_of_neither_or_both_is_refused(copy):
    line = copy.figure_rows.filter(line__isnull=False).first()
    option = copy.figure_rows.filter(option__isnull=False).first()

    with pytest.raises(IntegrityError, match="copyfigure_line_xor_option"):
        _row(copy)
    with pytest.raises(IntegrityError, match="copyfigure_line_xor_option"):
        _row(copy, line_id=line.line_id, option_id=option.option_id)


def test_the_same_line_and_option_are_figures_of_another_copy(copy, observer, contest, station):
    other = send_api_copy(observer, contest, station, LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY)

    assert CopyFigure.objects.filter(copy=other).count() == CopyFigure.objects.filter(copy=copy).count() > 0
    assert set(other.figure_rows.values_list("line_id", "option_id")) == set(
        copy.figure_rows.values_list("line_id", "option_id")
    )


def test_a_figure_of_a_line_unknown_is_refused(copy):
    with pytest.raises(IntegrityError, match="line_id"):
        _row(copy, line_id=10**12)
