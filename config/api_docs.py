"""The API documentation pages under the site's Content-Security-Policy (config/settings.py).

drf-spectacular's default Swagger UI page starts the UI with an inline script, which the CSP
(script-src 'self') blocks: /api/docs/ was a blank page. The split view serves that script as
its own response (?script=), and our templates load every asset from our static files
(drf-spectacular-sidecar) with no inline script or style. ReDoc's renderer (styled-components)
injects <style> elements at run time, so its page alone allows inline styles; scripts stay
'self' only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.csp import CSP
from django.utils.decorators import method_decorator
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI: the page, then its start-up script from the same URL with ?script=."""

    template_name = "api/swagger_ui.html"


REDOC_CSP: dict[str, Any] = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}


@method_decorator(csp_override(REDOC_CSP), name="dispatch")
class RedocView(SpectacularRedocView):
    """ReDoc: a custom element and its script; the only page allowing inline styles (see above)."""

    template_name = "api/redoc.html"
