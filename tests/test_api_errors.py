"""config.api.exception_handler: a domain error becomes its HTTP status and a body naming the field."""

from __future__ import annotations

import pytest
from rest_framework.exceptions import NotFound

from config.api import exception_handler
from elections.errors import SpecError
from observers.errors import ClientKeyConflict, EvidenceRefused, FieldWorkError, RosterFileError
from tallies.errors import FieldError, IdempotencyConflict, ImportFileError, NotAssignedError, StationBusy


def answer(error: Exception) -> tuple[int, dict]:
    response = exception_handler(error, {})
    assert response is not None
    return response.status_code, response.data


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (FieldError("lines.ballots_valid", "Too many."), 400, {"lines.ballots_valid": ["Too many."]}),
        (FieldWorkError("station", "No mandate."), 400, {"station": ["No mandate."]}),
        (EvidenceRefused("Not an image."), 400, {"file": ["Not an image."]}),
        (NotAssignedError("Not yours."), 403, {"station": ["Not yours."]}),
        (IdempotencyConflict("Used before."), 409, {"client_uuid": ["Used before."]}),
        (ImportFileError("row 3, votes: not a number"), 400, {"detail": "row 3, votes: not a number"}),
        (SpecError("lines[0].code: missing"), 400, {"detail": "lines[0].code: missing"}),
        (StationBusy(7), 409, {"detail": "station tally state 7: tally rows locked by another job"}),
    ],
)
def test_a_domain_error_answers_its_status_and_names_its_field(error, status, body):
    assert answer(error) == (status, body)


def test_a_reused_client_key_is_a_409_naming_the_first_field_that_differs():
    status, body = answer(ClientKeyConflict("description"))
    assert (status, list(body)) == (409, ["description"])


def test_an_error_without_a_field_answers_its_text_with_the_place_it_names():
    error = RosterFileError(4, "phone", "Not a phone number.")
    assert (error.message, answer(error)) == (
        "Not a phone number.",
        (400, {"detail": "row 4, phone: Not a phone number."}),
    )


def test_field_errors_keep_their_text_for_logs_and_channels():
    assert str(FieldError("station", "Closed.")) == "station: Closed."
    assert str(EvidenceRefused("Too large.")) == "Too large."


def test_anything_else_is_left_to_drf():
    assert answer(NotFound()) == (404, {"detail": "Not found."})
    assert exception_handler(ValueError("a bug"), {}) is None
