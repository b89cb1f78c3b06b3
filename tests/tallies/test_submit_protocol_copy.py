import uuid

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from elections.protocol import Figures
from tallies import services
from tallies.errors import FieldError
from tallies.models import ControlFinding, ProtocolCopy, StationTallyState
from tests.support import (
    LINES_PEC_91_COPY,
    LINES_PEC_91_OFFICIAL,
    OPTIONS_PEC_91_COPY,
    OPTIONS_PEC_91_OFFICIAL,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def submit(observer, contest, station):
    """Submit a copy of PEC 91 as Alice; keyword arguments override the defaults."""

    def submit(**overrides):
        arguments = {
            "observer": observer,
            "contest": contest,
            "station": station,
            "lines": LINES_PEC_91_COPY,
            "options": OPTIONS_PEC_91_COPY,
            "client_uuid": uuid.uuid4(),
            "channel": ProtocolCopy.Channel.API,
            **overrides,
        }
        return services.submit_protocol_copy(**arguments)

    return submit


def _rows() -> tuple[int, int, int, int]:
    return (
        ProtocolCopy.objects.count(),
        sum(len(copy.figure_refs()) for copy in ProtocolCopy.objects.all()),  # figures given
        ControlFinding.objects.count(),
        StationTallyState.objects.count(),
    )


def test_it_records_a_copy_with_its_figures(submit):
    submitted = submit()

    assert submitted.created
    assert submitted.copy.figures() == Figures(LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY)


def test_it_returns_the_same_copy_and_writes_nothing_on_a_resend(submit):
    key = uuid.uuid4()
    first = submit(client_uuid=key)
    rows = _rows()

    again = submit(client_uuid=key)

    assert (again.copy.pk, again.created) == (first.copy.pk, False)
    assert _rows() == rows


def test_it_keeps_a_copy_that_breaks_a_control_relation_and_records_the_finding(submit):
    copy = submit().copy

    finding = copy.findings.get()
    assert finding.relation.code == "received_eq_issued_cancelled_lost"
    assert (finding.lhs, finding.rhs, finding.difference) == (2200, 2165, 35)


def test_it_records_no_finding_for_a_consistent_protocol(submit):
    copy = submit(lines=LINES_PEC_91_OFFICIAL, options=OPTIONS_PEC_91_OFFICIAL).copy

    assert not copy.findings.exists()


def test_it_stores_a_revision_as_a_new_copy_and_makes_it_current(submit):
    old = submit().copy

    revision = submit(lines=LINES_PEC_91_OFFICIAL, options=OPTIONS_PEC_91_OFFICIAL, revises=old).copy

    assert revision.pk != old.pk
    assert ProtocolCopy.objects.get(pk=old.pk).figures() == Figures(LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY)
    assert StationTallyState.objects.get(station=revision.station).current_copy_id == revision.pk


def test_it_refuses_a_second_revision_of_the_same_copy(submit):
    old = submit().copy
    submit(revises=old)

    with pytest.raises(FieldError) as error:
        submit(revises=old)

    assert error.value.field == "revises"
    assert ProtocolCopy.objects.count() == 2


def test_it_names_the_line_of_a_negative_count_and_writes_nothing(submit):
    with pytest.raises(FieldError) as error:
        submit(lines={**LINES_PEC_91_COPY, "ballots_valid": -1})

    assert error.value.field == "lines.ballots_valid"
    assert _rows() == (0, 0, 0, 0)


@pytest.mark.parametrize("text", ["²", "1½", "12 3", "0x10", ""])
def test_it_names_the_line_of_a_count_that_is_not_decimal_digits_and_writes_nothing(submit, text):
    with pytest.raises(FieldError) as error:  # "²".isdigit() is true, but int("²") fails
        submit(lines={**LINES_PEC_91_COPY, "ballots_valid": text})

    assert error.value.field == "lines.ballots_valid"
    assert _rows() == (0, 0, 0, 0)


def test_it_takes_a_count_given_as_decimal_digits(submit):
    copy = submit(lines={**LINES_PEC_91_COPY, "ballots_valid": " 1348 "}).copy

    assert copy.figures().lines["ballots_valid"] == 1348


# The trigger raises P0001, which psycopg reports as a ProgrammingError: both are DatabaseErrors.
def test_it_refuses_to_update_a_stored_copy(submit):
    copy = submit().copy

    with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic():
        ProtocolCopy.objects.filter(pk=copy.pk).update(note="edited")


def test_it_refuses_to_delete_a_stored_copy(submit):
    copy = submit().copy

    # Plain SQL: Django's own PROTECT check would refuse first, and the database must refuse too.
    with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ProtocolCopy._meta.db_table} WHERE id = %s", [copy.pk])
