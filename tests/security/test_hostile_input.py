"""Hostile request bodies: each gets a clean 4xx naming the field where there is one, and writes nothing.

The copy API (POST /api/copies/, Alice) is the main target: oversized and deeply nested bodies,
bytes that are not UTF-8, the wrong content type, NUL characters, huge, negative, fractional and
quoted numbers. The act API and the observers' copy form (a web page) get the encodings too.
"""

from __future__ import annotations

import json
import uuid
from urllib.parse import quote_from_bytes

import pytest
from django.conf import settings
from django.urls import reverse

from observers.models import ViolationAct
from tallies.models import ProtocolCopy
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY

pytestmark = pytest.mark.django_db

URL = "/api/copies/"


@pytest.fixture
def copy_body(contest, station):
    """The JSON of Alice's copy of PEC 91; `lines`/`options` entries and fields can be overridden."""

    def copy_body(*, lines=(), options=None, **fields):
        body = {
            "client_uuid": str(uuid.uuid4()),
            "contest": contest.pk,
            "station": station.pk,
            "lines": {**LINES_PEC_91_COPY, **dict(lines)} if isinstance(lines, dict | tuple) else lines,
            "options": {**OPTIONS_PEC_91_COPY, **(options or {})},
        }
        return json.dumps({**body, **fields}).encode()

    return copy_body


def post(client, raw: bytes, content_type: str = "application/json"):
    return client.generic("POST", URL, raw, content_type=content_type)


def test_it_answers_413_to_a_body_over_the_upload_limit_and_stores_nothing(alice_api, copy_body):
    raw = copy_body(note="x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE)

    response = post(alice_api, raw)

    assert response.status_code == 413
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in response.json()["detail"]
    assert ProtocolCopy.objects.count() == 0


def test_it_answers_400_to_json_nested_deeper_than_the_parser_goes(alice_api):
    raw = b'{"lines": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    response = post(alice_api, raw)

    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - nested too deeply."}
    assert ProtocolCopy.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    [
        '{"note": "café"}'.encode("latin-1"),  # latin-1, not UTF-8
        b'{"note": "\xff\xfe\x00"}',
        b"\xef\xbb\xbf\xc3",  # a BOM and half a character
    ],
    ids=["latin-1", "invalid-utf-8", "truncated"],
)
def test_it_answers_400_to_a_body_that_is_not_utf_8_json(alice_api, raw):
    response = post(alice_api, raw)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    assert ProtocolCopy.objects.count() == 0


def test_it_answers_415_to_json_sent_as_text_plain(alice_api, copy_body):
    response = post(alice_api, copy_body(), content_type="text/plain")

    assert response.status_code == 415
    assert ProtocolCopy.objects.count() == 0


@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        ({"note": "a\x00b"}, "note", "Null characters are not allowed."),
        ({"lines": {"ballots\x00valid": 1}}, "lines.ballots\x00valid", "unknown code for this protocol form"),
        ({"lines": {"ballots_valid": 10**100}}, "lines.ballots_valid", "must not exceed 10000000"),
        ({"options": {"p6_UR": 2**63}}, "options.p6_UR", "must not exceed 10000000"),
        ({"lines": {"ballots_valid": -5}}, "lines.ballots_valid", "must not be negative"),
        ({"lines": {"ballots_valid": 5.5}}, "lines.ballots_valid", "must be a whole number"),
        ({"lines": {"ballots_valid": "1348"}}, "lines.ballots_valid", "must be a whole number"),
        ({"lines": {"ballots_valid": "²"}}, "lines.ballots_valid", "must be a whole number"),
        ({"lines": {"ballots_valid": True}}, "lines.ballots_valid", "must be a whole number"),
        ({"station": "1\x00"}, "station", "Incorrect type. Expected pk value, received str."),
        ({"lines": [1348]}, "lines", 'Expected a dictionary of items but got type "list".'),
    ],
    ids=[
        "nul-note",
        "nul-code",
        "10**100",
        "2**63",
        "negative",
        "float",
        "string",
        "superscript-two",
        "boolean",
        "nul-id",
        "list",
    ],
)
def test_it_answers_400_naming_the_field_and_stores_nothing(alice_api, copy_body, override, field, message):
    response = post(alice_api, copy_body(**override))

    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert ProtocolCopy.objects.count() == 0


@pytest.mark.parametrize("raw", [b'{"lines": NaN}', b'{"lines": {"ballots_valid": Infinity}}', b"1" * 5000])
def test_it_answers_400_to_numbers_json_does_not_allow(alice_api, raw):
    response = post(alice_api, raw)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


def test_it_answers_400_to_a_violation_type_code_with_a_nul(alice_api, station):
    act = {
        "station": station.pk,
        "stage": "voting",
        "violation_type": "VOT-GROUP\x00",
        "client_uuid": str(uuid.uuid4()),
        "occurred_at": "2011-12-04T20:00",
        "description": "A man marked the ballots of his wife and daughter.",
    }

    response = alice_api.post("/api/acts/", act, format="multipart")

    assert response.status_code == 400
    assert list(response.json()) == ["violation_type"]
    assert not ViolationAct.objects.exists()


@pytest.mark.parametrize("path", ["/api/acts/?stage=v%00ting", "/api/checklist-items/?stage=%00"])
def test_it_answers_400_to_a_nul_in_a_query_string(alice_api, path):
    response = alice_api.get(path)

    assert response.status_code == 400
    assert response.json() == {"detail": "Text cannot contain NUL (0x00) characters."}


def form_body(fields: dict[str, object], encoding: str) -> str:
    """An urlencoded copy form, each value's bytes in `encoding` (what a misconfigured phone sends)."""
    return "&".join(
        f"{name}={quote_from_bytes(str(value).encode(encoding))}" for name, value in fields.items()
    )


def copy_form(**fields) -> dict[str, object]:
    data: dict[str, object] = {"client_uuid": str(uuid.uuid4()), "number": "91", "note": ""}
    data.update({f"lines.{code}": value for code, value in LINES_PEC_91_COPY.items()})
    data.update({f"options.{code}": value for code, value in OPTIONS_PEC_91_COPY.items()})
    return {**data, **fields}


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"number": "9\x001"}, "number"), ({"note": "a\x00"}, "note"), ({"lines.ballots_valid": "1\x00"}, None)],
    ids=["nul-number", "nul-note", "nul-figure"],
)
def test_the_copy_page_shows_a_nul_as_a_field_error_and_stores_nothing(
    client, observer, contest, fields, field
):
    client.force_login(observer.user)

    body = form_body(copy_form(**fields), "utf-8")
    response = client.post(reverse("copy-new", args=[contest.pk]), body, "application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field or next(iter(fields))]
    assert ProtocolCopy.objects.count() == 0


def test_the_copy_page_refuses_a_form_declared_latin_1(client, observer, contest):
    client.force_login(observer.user)
    body = form_body(copy_form(note="café"), "latin-1")

    response = client.post(
        reverse("copy-new", args=[contest.pk]), body, "application/x-www-form-urlencoded; charset=latin-1"
    )

    assert response.status_code == 400  # Django accepts only UTF-8 urlencoded forms
    assert ProtocolCopy.objects.count() == 0


def test_the_copy_page_stores_undeclared_latin_1_bytes_as_replacement_characters(client, observer, contest):
    client.force_login(observer.user)
    body = form_body(copy_form(note="café"), "latin-1")

    response = client.post(reverse("copy-new", args=[contest.pk]), body, "application/x-www-form-urlencoded")

    assert response.status_code == 302
    assert (
        ProtocolCopy.objects.get().note == "caf\ufffd"
    )  # the figures are intact; the note says it lost a byte
