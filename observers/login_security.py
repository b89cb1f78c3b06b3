"""Login security: the TOTP second factor for coordinators and brute-force lockout for everyone.

Who needs a second factor: platform staff, organisation admins and coordinators. Field
observers do not (a documented exception: they work from phones on bad connections and can only
submit for their own mandates); their devices use API tokens, which coordinators may not.
`settings.OTP_REQUIRED_FOR_COORDINATORS = False` switches the requirement off (tests, a local demo).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import user_has_device
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from observers.models import Membership

API_PREFIX = "/api/"
# Pages a user who still owes a second factor may open: how to give it, and how to leave...
OPEN_URL_NAMES = ("login", "logout", "set_language", "second-factor-verify")
# ...and, only while they have no device yet, the wizard that sets one up (else a stolen password
# alone could enrol a second device).
SETUP_URL_NAMES = ("two_factor:setup", "two_factor:qr", "two_factor:setup_complete")


def needs_second_factor(user: AbstractBaseUser | AnonymousUser, *, coordinating: bool | None = None) -> bool:
    """Whether `user` must be OTP-verified: staff, admins and coordinators, when the setting is on.

    `coordinating` is whether `user` is an admin or coordinator anywhere, when the caller has read
    it already; None asks the database.
    """
    if not settings.OTP_REQUIRED_FOR_COORDINATORS or not user.is_authenticated:
        return False
    if getattr(user, "is_staff", False):
        return True
    if coordinating is None:
        coordinating = _coordinating(user.pk).exists()
    return coordinating


def _coordinating(user_id: Any) -> QuerySet[Membership]:
    return Membership.objects.coordinating().filter(user_id=user_id)


class SecondFactorMiddleware:
    """Stop a coordinator whose session has no verified second factor: 403 on the API, else a redirect.

    The redirect goes to the TOTP setup wizard for a user with no device yet, or to the page
    asking for a code from it. Comes after django_otp's OTPMiddleware, which sets is_verified().
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _owes_second_factor(request):
            return self.get_response(request)
        if request.path_info.startswith(API_PREFIX):
            message = _("Coordinators must log in on the web with a second factor first.")
            return JsonResponse({"detail": message}, status=403)
        target = "second-factor-verify" if user_has_device(request.user) else "two_factor:setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


def _owes_second_factor(request: HttpRequest) -> bool:
    path = request.path_info
    if not settings.OTP_REQUIRED_FOR_COORDINATORS or path in _paths(OPEN_URL_NAMES):
        return False
    user: Any = request.user
    if user.is_verified() or not needs_second_factor(user):
        return False
    return path not in _paths(SETUP_URL_NAMES) or user_has_device(user)


@cache
def _paths(url_names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(reverse(name) for name in url_names)


class ObserverTokenAuthentication(TokenAuthentication):
    """API tokens for observers' devices; a user who needs a second factor cannot use one.

    One query per request reads the token, its user and whether the user coordinates anywhere
    (which needs_second_factor would otherwise ask in a second query).
    """

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        tokens = Token.objects.select_related("user").annotate(
            coordinating=Exists(_coordinating(OuterRef("user_id")))
        )
        # DRF's own checks and messages (TokenAuthentication.authenticate_credentials), as before.
        try:
            token = tokens.get(key=key)
        except Token.DoesNotExist:
            raise AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        if needs_second_factor(token.user, coordinating=token.coordinating):
            raise AuthenticationFailed(_("Coordinators use the web login with a second factor, not a token."))
        return token.user, token


class LoginAttemptsBackend(AxesStandaloneBackend):
    """Refuse a login locked out for this username from this IP address (django-axes), else pass on.

    Django's test client and the shell call authenticate() without a request: with no address to
    count against there is nothing to lock, so such calls go on to ModelBackend. Every login page
    (ours, the admin's, DRF's) passes the request.
    """

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address: the one TRUSTED_PROXY_COUNT proxies saw, else REMOTE_ADDR.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so
    the entry that many places from the right is the client; anything left of it is forgeable.
    """
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR")
