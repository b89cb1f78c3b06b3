"""Shared caches never store a response that sets a cookie.

A page marked `Cache-Control: public` (the published results) that also sets a cookie (the CSRF
token of the language form, a session) would let a proxy hand one visitor's cookie to the next.
This middleware, first in MIDDLEWARE so it sees the cookies every other one set, turns such a
response private; pages without cookies stay publicly cacheable.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers


class NoPublicCacheWithCookiesMiddleware:
    """Make a `public` response that sets cookies `private` (and vary on Cookie)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.cookies and "public" in response.get("Cache-Control", ""):
            patch_cache_control(response, private=True)
            patch_vary_headers(response, ["Cookie"])
        return response
