"""OpenAPI post-processing: document the error answers every operation can give, and its language.

DRF answers 403 (not signed in, or not allowed), 404 (no such object, or not yours), and for
operations that take a body, 400 (a field refused) and 415 (a body type it does not parse), for
those that take query parameters 400 (a value refused, e.g. one holding NUL), all with a JSON
body; 413 for a body over the upload limit; and any operation 503 with Retry-After when the
database or the broker fails for a moment (config/unavailable.py). drf-spectacular
documents only what a view declares, so API clients could not see these; this hook adds them
where missing. `document_language` adds the Accept-Language header every answer follows.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What was refused, in the user's language."}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": 'Each refused field (or "detail", "non_field_errors") with its messages.',
    "additionalProperties": {},
}
ALWAYS = {
    "403": "Not signed in, or not allowed to do this.",
    "404": "No such object, or not yours.",
    "503": (
        "The database or the task broker failed for a moment. Nothing needs fixing: send the same "
        "request again after Retry-After seconds (a copy with the same client_uuid is stored once)."
    ),
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before sending the request again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
WITH_BODY = {
    "400": "A field was refused; the body names it.",
    "413": "The body is over the upload limit.",
    "415": "The body's content type is not accepted.",
}
BODY_METHODS = {"post", "put", "patch"}
QUERY_REFUSED = "A query parameter was refused; the body says which or why."


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Add the generic error responses, with their JSON bodies, to every operation of `result`.

    An operation that answers success in another media type only (a JPEG file) gets its errors
    without a body type: DRF renders them empty there.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorDetail", ERROR)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            responses = operation.setdefault("responses", {})
            errors = ALWAYS | (WITH_BODY if method in BODY_METHODS else _query_errors(operation))
            for code, description in errors.items():
                response = responses.setdefault(code, {"description": description})
                if code == "503":
                    response.setdefault("headers", RETRY_AFTER)
                if _answers_json(responses):  # a view's own 403 text has the same body
                    response.setdefault("content", _body("FieldErrors" if code == "400" else "ErrorDetail"))
    return result


def _query_errors(operation: dict[str, Any]) -> dict[str, str]:
    """A 400 for an operation without a body that takes query parameters: a value the view refuses
    (one holding a NUL character, say) is answered 400 with {"detail"} or the parameter's name."""
    if any(p.get("in") == "query" for p in operation.get("parameters", [])):
        return {"400": QUERY_REFUSED}
    return {}


def _answers_json(responses: dict[str, Any]) -> bool:
    """False only when every success answer with a body has a media type other than JSON."""
    typed = [r["content"] for code, r in responses.items() if code.startswith("2") and r.get("content")]
    return not typed or any("application/json" in content for content in typed)


def _body(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "example": "kk"},
    "description": (
        "The language of the answer: ru, kk or en (default ru). Names of elections, contests and"
        " ballot options (parties, candidates) follow it where the election spec or the release gives"
        " them by language, as do labels and messages; places (regions, commissions) and"
        " organisations have one name. A django_language cookie (the site's language switch) comes"
        " before this header (Django's LocaleMiddleware)."
    ),
}


def document_language(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Add the Accept-Language header parameter (LANGUAGE) to every operation of `result`.

    Every API answer goes through django.middleware.locale.LocaleMiddleware, so the one
    definition of how a client chooses the language is documented once, on each operation.
    """
    for path in result.get("paths", {}).values():
        for operation in path.values():
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("name") == LANGUAGE["name"] and p.get("in") == "header" for p in parameters):
                parameters.append(deepcopy(LANGUAGE))
    return result
