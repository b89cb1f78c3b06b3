"""Rate limits by client address: the API's and sign-up's, counted on the address login lockout uses.

One setting, TRUSTED_PROXY_COUNT, decides which address is the client's everywhere
(observers.login_security.client_ip): django-axes' lockout, DRF's throttles and sign-up. With
no trusted proxy, X-Forwarded-For is ignored, so a client cannot spoof its way past a limit.
Counts live in the cache (Redis in production; per process on the local-memory default).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle

from observers.login_security import client_ip


class ClientAddressMixin:
    """A DRF throttle counting per client address as observers.login_security.client_ip reads it."""

    def get_ident(self, request: Any) -> str:
        return client_ip(request) or ""


class SignUpThrottle(ClientAddressMixin, SimpleRateThrottle):
    """Organisation applications per client address: settings.SIGN_UP_RATE (e.g. "10/hour")."""

    scope = "sign_up"

    def get_rate(self) -> str:
        return str(settings.SIGN_UP_RATE)

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def sign_up_rate_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer 429 (with Retry-After, seconds) to a POST beyond SignUpThrottle's rate; GETs pass."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        throttle = SignUpThrottle()
        if request.method == "POST" and not throttle.allow_request(request, None):  # type: ignore[arg-type]
            message = _("Too many applications from your address. Try again later.")
            response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
            response["Retry-After"] = str(int(throttle.wait() or 60))
            return response
        return view(request, *args, **kwargs)

    return wrapped
