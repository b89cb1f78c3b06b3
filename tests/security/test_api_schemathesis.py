"""Schemathesis over the served OpenAPI schema, as four roles: no 5xx, every answer as documented.

For each role (anonymous, Alice the observer, Carol the coordinator, Adam the organisation admin)
and each operation of /api/schema/, Hypothesis generates requests from the schema and sends them
in-process through Django's WSGI handler, inside the test's transaction: random ones, ones naming
real objects (`api_world`), and for writes invalid ones (negative mode). Every response must be a
non-5xx with a documented status code, content type and body.

DRF answers 403 (not signed in, wrong role), 404 (no such object, page out of range), 405 and 415
on any operation, and the schema does not list them on most operations: those are accepted when
the body has DRF's error shape {"detail": "..."}; every other status must be documented.

Bounded for CI: EXAMPLES cases per operation, derandomized so a run repeats exactly.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.security.conftest import ROLES

pytestmark = pytest.mark.django_db

EXAMPLES = 15
GENERIC_ERRORS = {403, 404, 405, 415}
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
    """status_code_conformance, but DRF's generic errors pass with a {"detail": str} body.

    So does a 404 for a URL no route matches (a negative id does not match `<int:...>`): Django
    answers that before any view runs.
    """
    documented = {int(code) for code in case.operation.responses.status_codes if code.isdigit()}
    if response.status_code in documented:
        return None
    if response.status_code == 404 and not routed(case.formatted_path):
        return None
    if response.status_code in GENERIC_ERRORS:
        media_type = response.headers.get("content-type", [""])[0].split(";")[0]
        if media_type == "application/json":
            body = response.json()
            assert isinstance(body, dict) and isinstance(body.get("detail"), str), body
        elif response.content:  # DRF sends an error rendered empty (asked for the photo) without a type
            assert media_type in documented_media_types(case.operation), media_type
        return None
    return status_code_conformance(ctx, response, case)


def documented_media_types(operation: Any) -> set[str]:
    """Every media type any response of `operation` is documented with."""
    responses = operation.definition.raw.get("responses", {}).values()
    return {media_type for response in responses for media_type in response.get("content", {})}


def routed(path: str) -> bool:
    """Whether some URL pattern matches `path`."""
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


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
