"""The copy API's ordinary submission, answered in front of DRF's machinery.

Nearly every `POST /api/copies/` on an election night is the same request: a field device's
`Authorization: Token ...`, no session, a JSON body of the ordinary shape
(tallies/services/fast_submission.py). For it, DRF's dispatch (its Request, content
negotiation, two authenticators, three parsers, the permission check, JSONRenderer) cost as much
Python as the rest of the submission (docs/benchmarks.md, issue 17). `in_front_of` wraps the
viewset's list/create view in a function that takes such a request itself:

1. the request is checked to be the case DRF would answer with JSONRenderer, its JSON parser,
   no session user and this token (`_token_and_body`);
2. the token is checked by ObserverTokenAuthentication's own rules (`token_user_id`);
3. the copy is stored by `fast_submission.submit_api_copy`, and the answer rendered as
   JSONRenderer renders it, with the headers DRF adds (`JsonAnswer`).

Anything else goes to the DRF view untouched, which answers it exactly as before: another
method, header or content type, a session, a bad or refused token, a body that is not the
ordinary case (the serializer names the field), a conflict. Nothing is written before a
request is handed on. The URL, its name and the OpenAPI schema are the viewset's: the wrapper
keeps the view's `cls`, `actions` and `initkwargs`. What the front assumes of the viewset
(its authenticators, permission, no throttle, renderers, JSON parser, no versioning) is checked
when the view is built, so that a throttle added to CopyViewSet, say, cannot be bypassed
silently: `in_front_of` raises ImproperlyConfigured instead.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from knox.settings import knox_settings
from rest_framework import HTTP_HEADER_ENCODING
from rest_framework.authentication import SessionAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings

from observers.login_security import ObserverTokenAuthentication, token_user_id
from tallies.services import fast_submission

View = Callable[..., HttpResponse]
MAX_BODY = 65_536  # bytes; an ordinary copy is about 1 KiB, a longer body takes DRF's path
ACCEPTED = frozenset({"*/*", "application/json"})  # the Accept headers DRF answers with JSONRenderer
TOKEN_PREFIX = knox_settings.AUTH_HEADER_PREFIX.lower().encode()


def in_front_of(view: View) -> View:
    """`view` (CopyViewSet's list/create view) with ordinary submissions answered first.

    Raises ImproperlyConfigured if the viewset is not configured as the front assumes.
    """
    _check_viewset(view.cls)  # type: ignore[attr-defined]
    allow = _allow_header(view.cls, view.actions)  # type: ignore[attr-defined]
    vary = len(view.cls.renderer_classes) > 1  # type: ignore[attr-defined]

    def front(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        answer = None if args or kwargs else _ordinary_submission(request)
        if answer is None:
            return view(request, *args, **kwargs)
        return JsonAnswer(answer.body, answer.status, allow=allow, vary=vary)

    return functools.update_wrapper(front, view)  # cls, actions, initkwargs, csrf_exempt


class JsonAnswer(HttpResponse):
    """`data` rendered as DRF's JSONRenderer renders it (compact, UTF-8, strict, U+2028/9 escaped),
    with the headers DRF's finalize_response adds (Allow; Vary: Accept for several renderers).

    `data` stays on the response, as on DRF's Response.
    """

    def __init__(self, data: dict[str, Any], status: int, *, allow: str, vary: bool) -> None:
        text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        super().__init__(text.encode(), status=status, content_type="application/json")
        self.data = data
        if vary:
            self.headers["Vary"] = "Accept"
        self.headers["Allow"] = allow


def _ordinary_submission(request: HttpRequest) -> fast_submission.Answer | None:
    """The stored copy's answer if `request` is an ordinary submission and was stored; else None."""
    found = _token_and_body(request)
    if found is None:
        return None
    key, data = found
    user_id = token_user_id(key)
    if user_id is None:
        return None
    return fast_submission.submit_api_copy(data, user_id)


def _token_and_body(request: HttpRequest) -> tuple[str, Any] | None:
    """The token and the parsed JSON body, if DRF would read them so and authenticate by the token.

    None for any other request: not a POST, a query string (?format=), an Accept header that is
    not plainly JSON, another content type or charset, an empty or long body, a signed-in session
    (DRF's SessionAuthentication comes first), a forced authentication (DRF's test client), or an
    Authorization header that is not `Token <letters and digits>`. A body that is not strict
    UTF-8 JSON is None too, and DRF answers its parse error.
    """
    meta = request.META
    if request.method != "POST" or meta.get("QUERY_STRING") or meta.get("HTTP_ACCEPT", "*/*") not in ACCEPTED:
        return None
    if request.content_type != "application/json" or not _utf_8(request.content_params or {}):
        return None
    if not 0 < _content_length(meta) <= MAX_BODY:
        return None
    if getattr(request, "_force_auth_user", None) or getattr(request, "_force_auth_token", None):
        return None
    if request.user.is_authenticated:
        return None
    header = _authorization(meta)
    if len(header) != 2 or header[0].lower() != TOKEN_PREFIX:
        return None
    if not (header[1].isalnum() and len(header[1]) <= 128):
        return None
    try:
        data = json.loads(request.body.decode(), parse_constant=_refuse)
    except (ValueError, RecursionError):
        return None
    return header[1].decode(), data


def _authorization(meta: dict[str, Any]) -> list[bytes]:
    """The Authorization header split as DRF's get_authorization_header(...).split() splits it."""
    header = meta.get("HTTP_AUTHORIZATION", b"")
    try:
        return (header.encode(HTTP_HEADER_ENCODING) if isinstance(header, str) else header).split()
    except UnicodeEncodeError:  # DRF raises it too: let it
        return []


def _utf_8(params: dict[str, str]) -> bool:
    """No content type parameters, or only a UTF-8 charset (DRF decodes with the request's charset)."""
    return not params or (params.keys() == {"charset"} and params["charset"].lower() == "utf-8")


def _content_length(meta: dict[str, Any]) -> int:
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _refuse(constant: str) -> None:
    """NaN and Infinity are not JSON; DRF's strict parser refuses them too."""
    raise ValueError(f"{constant} is not valid JSON")


def _check_viewset(cls: Any) -> None:
    """Raise ImproperlyConfigured unless `cls` authenticates, permits, negotiates, parses and
    renders as the front does for it."""
    mirrored = (
        list(cls.authentication_classes) == [SessionAuthentication, ObserverTokenAuthentication]
        and list(cls.permission_classes) == [IsAuthenticated]
        and not cls.throttle_classes
        and cls.versioning_class is None
        and cls.content_negotiation_class is DefaultContentNegotiation
        and cls.renderer_classes[0] is JSONRenderer
        and JSONParser in cls.parser_classes
        and api_settings.UNICODE_JSON
        and api_settings.COMPACT_JSON
        and api_settings.STRICT_JSON
        and settings.DATA_UPLOAD_MAX_MEMORY_SIZE >= MAX_BODY
    )
    if not mirrored:
        raise ImproperlyConfigured(
            f"{cls.__name__}: the copy API's front (tallies/api/copy_front.py) answers ordinary "
            "submissions as session+token authentication, IsAuthenticated, no throttle and "
            "JSONRenderer would; update it together with the viewset's configuration."
        )


def _allow_header(cls: Any, actions: dict[str, str]) -> str:
    """The Allow header DRF sends for the view: its methods in http_method_names order (HEAD with GET)."""
    methods = {*actions, *(["head"] if "get" in actions else [])}
    allowed = [name for name in cls.http_method_names if name in methods or hasattr(cls, name)]
    return ", ".join(name.upper() for name in allowed)
