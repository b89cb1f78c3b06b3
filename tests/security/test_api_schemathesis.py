"""Schemathesis over the served OpenAPI schema, as four roles: no 5xx, every answer as documented.

For each role (anonymous, Alice the observer, Carol the coordinator, Adam the organisation admin)
and each operation of /api/schema/, Hypothesis generates requests from the schema and sends them
in-process through Django's WSGI handler, inside the test's transaction: random ones, ones naming
real objects (`api_world`), and for writes invalid ones (negative mode). Every response must be a
non-5xx with a documented status code, content type and body.

The generic error answers (400, 403, 404, 413, 415) are documented on every operation by
config/openapi.py, and an unrouted /api/ URL answers 404 in the same JSON shape
(config/errors.py), so every status must be documented; only a 405 is accepted with DRF's
{"detail": "..."} body.

Bounded for CI: EXAMPLES cases per operation, derandomized so a run repeats exactly.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.security.support import ROLES

pytestmark = pytest.mark.django_db

EXAMPLES = 15
PATH_OBJECTS = {  # path parameter -> the api_world object it names
    "contest_id": "contest",
    "commission_id": "commission",
    "station_id": "station",
    "release_id": "release",
}
ID_OBJECTS = {  # the bare {id} of a router path, by the path's segment after /api/
    "copies": "copy",
    "contests": "contest",
    "acts": "act",
    "visits": "visit",
    "evidence": "evidence",
}
BODY_OBJECTS = {"contest": "contest", "station": "station"}  # body fields that name objects


def documented_status_code(ctx: Any, response: Any, case: Any) -> bool | None:
    """status_code_conformance, but a 405 passes with DRF's {"detail": str} body.

    The schema documents 400/403/404/413/415 on every operation (config/openapi.py); a 405 can
    only come from a method the schema does not list, which schemathesis sends in negative mode.
    """
    if response.status_code == 405:
        body = response.json()
        assert isinstance(body, dict) and isinstance(body.get("detail"), str), body
        return None
    return status_code_conformance(ctx, response, case)


CHECKS = [not_a_server_error, documented_status_code, content_type_conformance, response_schema_conformance]


def known_path_parameters(operation: Any, ids: dict[str, int]) -> dict[str, int]:
    """Real object ids for the operation's path parameters (empty when it has none)."""
    names = [parameter.name for parameter in operation.path_parameters]
    known = {name: ids[PATH_OBJECTS[name]] for name in names if name in PATH_OBJECTS}
    if "id" in names:
        known["id"] = ids[ID_OBJECTS[operation.path.split("/")[2]]]
    return known


def aimed_at_real_objects(case: Any, ids: dict[str, int]) -> Any:
    """Point a generated body's contest and station at real ones, so the service itself is reached."""
    if isinstance(case.body, dict):
        for name, kind in BODY_OBJECTS.items():
            if name in case.body:
                case.body[name] = ids[kind]
    return case


def strategy_for(operation: Any, ids: dict[str, int]) -> Any:
    """Random cases, cases naming real objects, and for writes invalid ones (negative mode)."""
    known = known_path_parameters(operation, ids)
    real = operation.as_strategy(path_parameters=known or None).map(lambda c: aimed_at_real_objects(c, ids))
    strategies = [operation.as_strategy(), real]
    if operation.method.upper() != "GET":
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=known or None))
    return st.one_of(strategies)


def fuzz(operation: Any, app: Any, headers: dict[str, str], ids: dict[str, int]) -> None:
    """Send EXAMPLES cases of `operation`; raises the first failing check, shrunk by Hypothesis."""

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy_for(operation, ids))
    def run(case: Any) -> None:
        cache.clear()  # the public API caches pages and throttles per address: no case sees another's
        response = case.call(app=app, headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_documented(role, api_world, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    failures: dict[str, str] = {}
    tested = []

    for result in schema.get_all_operations():
        operation = result.ok()
        tested.append(operation.label)
        try:
            fuzz(operation, wsgi_app, api_world.headers[role], api_world.ids)
        except (Exception, BaseExceptionGroup) as error:  # collect every operation's failure, then report
            failures[operation.label] = f"{type(error).__name__}: {error}"[:3000]

    assert {"POST /api/copies/", "GET /api/public/releases/"} <= set(tested)  # the real schema, not none
    assert len(failures) == 0, "\n\n".join(f"== {label}\n{message}" for label, message in failures.items())
