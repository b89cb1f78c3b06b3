"""A transient database or broker failure answers 503 with Retry-After, never 500.

The request is safe to send again (a copy is keyed by its client_uuid), and the phones, the
offline outbox and API clients do so after Retry-After seconds (docs/faults.md).
"""

from __future__ import annotations

import uuid

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory
from django.utils import translation
from kombu.exceptions import OperationalError as BrokerUnreachable
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from config.unavailable import RETRY_AFTER, TransientFailureMiddleware
from tallies import services
from tallies.services import fast_submission
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY

pytestmark = pytest.mark.django_db


def copy_body(contest, station) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "contest": contest.pk,
        "station": station.pk,
        "lines": dict(LINES_PEC_91_COPY),
        "options": dict(OPTIONS_PEC_91_COPY),
    }


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("terminating connection due to administrator command"),
        InterfaceError("connection already closed"),
        BrokerUnreachable("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
        RedisConnectionError("Connection reset by peer"),
    ],
    ids=type,
)
def test_a_copy_sent_during_a_transient_failure_answers_503_with_retry_after(
    observer, contest, station, monkeypatch, error
):
    def fails(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise error

    monkeypatch.setattr(services, "submit_protocol_copy", fails)
    monkeypatch.setattr(fast_submission, "_store", fails)  # the ordinary case's store (one statement)
    client = APIClient()
    client.force_authenticate(observer.user)

    response = client.post("/api/copies/", copy_body(contest, station), format="json")

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    assert "try again" in response.json()["detail"]


def test_another_error_stays_a_500():
    middleware = TransientFailureMiddleware(lambda request: None)  # type: ignore[arg-type, return-value]

    answer = middleware.process_exception(RequestFactory().get("/api/copies/"), ZeroDivisionError())

    assert answer is None  # Django's 500, as for any bug


def test_a_page_answers_a_plain_503_in_the_users_language():
    middleware = TransientFailureMiddleware(lambda request: None)  # type: ignore[arg-type, return-value]
    request = RequestFactory().get("/copies/new/")

    with translation.override("ru"):
        answer = middleware.process_exception(request, OperationalError("server closed the connection"))

    assert answer is not None and answer.status_code == 503
    assert answer["Retry-After"] == str(RETRY_AFTER)
    assert answer["Content-Type"].startswith("text/plain")
    assert "Сервис" in answer.content.decode()


def test_the_schema_documents_503_with_retry_after_on_every_operation(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operations = [op for path in schema["paths"].values() for op in path.values()]

    assert len(operations) > 20
    for operation in operations:
        answer = operation["responses"]["503"]
        assert answer["headers"]["Retry-After"]["schema"]["type"] == "integer"
    copies = schema["paths"]["/api/copies/"]["post"]["responses"]["503"]
    assert copies["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorDetail"}
