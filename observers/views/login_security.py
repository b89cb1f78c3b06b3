"""The page where a logged-in coordinator gives the code from their authenticator app.

Reached through observers.login_security.SecondFactorMiddleware when a session is logged in but
not OTP-verified (the two-step login verifies it directly; this covers every other way in).
"""

from __future__ import annotations

import django_otp
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user
from two_factor.forms import AuthenticationTokenForm
from two_factor.utils import default_device


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Ask for a TOTP code (GET); check it, mark the session verified and go to `next` (POST)."""
    device = default_device(request.user) or next(iter(devices_for_user(request.user)), None)
    if device is None:
        return redirect(f"{reverse('two_factor:setup')}?{urlencode({'next': _next_url(request)})}")
    form = AuthenticationTokenForm(request.user, device, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.session.cycle_key()  # a new session id for the elevated session
        django_otp.login(request, form.user.otp_device)
        return redirect(_next_url(request))
    return render(request, "two_factor/verify.html", {"form": form, "next": _next_url(request)})


def _next_url(request: HttpRequest) -> str:
    """The `next` parameter when it points to this site, else the page after login."""
    url = request.POST.get("next") or request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure())
    return url if safe else resolve_url(settings.LOGIN_REDIRECT_URL)
