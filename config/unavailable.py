"""A transient database or broker failure answers 503 with Retry-After, not 500.

PostgreSQL restarting or failing over, a connection it terminated, Redis restarting: the request
is safe to send again (its transaction rolled back; a copy is keyed by its client_uuid, so a
resend cannot double it), and it will most likely succeed in a few seconds. A 500 says "our
bug"; 503 with Retry-After says "send it again then", which the offline outbox
(static/js/outbox.js) and API clients do. Docs: docs/faults.md; the OpenAPI schema documents
the answer on every operation (config/openapi.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerUnreachable
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config.errors import API_PREFIX

RETRY_AFTER = 3  # seconds: long enough to reconnect or for a restart; a failover may take two
TRANSIENT = (OperationalError, InterfaceError, BrokerUnreachable, RedisConnectionError, RedisTimeoutError)
log = logging.getLogger(__name__)


class TransientFailureMiddleware:
    """Turn a transient database or broker error raised by a view into 503 + Retry-After."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, TRANSIENT):
            return None
        log.warning(
            "%s %s answered 503: %s: %s", request.method, request.path, type(exception).__name__, exception
        )
        return unavailable(request)


def unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: {"detail": ...} under /api/, a short text page elsewhere."""
    message = _("The service is briefly unavailable. Please try again in a few seconds.")
    if request.path.startswith(API_PREFIX):
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER)
    return response
