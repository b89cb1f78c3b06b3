"""The service worker that lets the copy form reopen offline (static/js/sw.js), served at /sw.js.

A service worker controls only the pages under the path it is served from; served from
/static/js/ it could not cache the copy form at /copies/new/…, so this view serves the same
file at the site root (landscape.md: serve the service worker from a view at "/" scope).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

SOURCE = Path(settings.BASE_DIR) / "static" / "js" / "sw.js"


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """Answer the service worker's JavaScript with scope "/" allowed; never cached stale."""
    response = HttpResponse(_source(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # Browsers check for a new worker on each visit; no-cache makes a deploy reach phones at once.
    response["Cache-Control"] = "no-cache"
    return response


@cache
def _source() -> bytes:
    return SOURCE.read_bytes()
