"""Login security: the TOTP second factor for coordinators and brute-force lockout for everyone.

Who needs a second factor: platform staff, organisation admins and coordinators. Field
observers do not (a documented exception: they work from phones on bad connections and can only
submit for their own mandates); their devices use API tokens, which coordinators may not.
`settings.OTP_REQUIRED_FOR_COORDINATORS = False` switches the requirement off (tests, a local demo).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from hmac import compare_digest
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db import connections
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import user_has_device
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox import auth as knox_auth
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS as KNOX
from rest_framework.exceptions import AuthenticationFailed

from observers.models import Membership, Observer

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


class ObserverTokenAuthentication(knox_auth.TokenAuthentication):
    """API tokens for observers' devices (django-rest-knox: stored hashed, with an expiry).

    Refused: an unknown, expired or revoked token; an inactive account or deactivated observer;
    a user who needs a second factor (coordinators log in on the web). One query per request
    reads the token by its key prefix, its user and both of those facts; knox's hash decides.
    Header: ``Authorization: Token <token>``, as before.
    """

    def authenticate_credentials(self, token: bytes | str) -> tuple[Any, Any]:
        key = token.decode() if isinstance(token, bytes) else token
        now = timezone.now()
        for candidate in _tokens_by_key(key[: KNOX.TOKEN_KEY_LENGTH]):
            if compare_digest(hash_token(key), candidate.digest):
                if candidate.expiry is not None and candidate.expiry <= now:
                    break
                return self.validate_user(candidate)
        raise AuthenticationFailed(_("Invalid token."))

    def validate_user(self, auth_token: Any) -> tuple[Any, Any]:
        user = auth_token.user
        refusal = _token_refusal(
            active=user.is_active,
            inactive_observer=auth_token.inactive_observer,
            staff=user.is_staff,
            coordinating=auth_token.coordinating,
        )
        if refusal is not None:
            raise AuthenticationFailed(refusal)
        return user, auth_token


def _token_refusal(*, active: bool, inactive_observer: bool, staff: bool, coordinating: bool) -> str | None:
    """Why a valid, unexpired token of a user in this state is refused (DRF's message), or None.

    As needs_second_factor for a signed-in user: staff, admins and coordinators owe a second
    factor when the setting is on, so their tokens are refused.
    """
    if not active or inactive_observer:
        return _("User inactive or deleted.")
    if settings.OTP_REQUIRED_FOR_COORDINATORS and (staff or coordinating):
        return _("Coordinators use the web login with a second factor, not a token.")
    return None


def token_user_id(key: str) -> int | None:
    """The id of the user whose API token `key` is, if ObserverTokenAuthentication accepts it now.

    None when that class would refuse it (unknown, expired, revoked, inactive account or
    observer, a second factor owed). The same rules and the same one query, reading seven
    columns instead of building a token and a user: the copy API's ordinary submission
    (tallies/api/copy_front.py) calls it and leaves any refusal to DRF, which says why.
    Nothing is cached between requests, so a token revoked a moment ago is refused.
    """
    now, digest = timezone.now(), hash_token(key)
    for stored, expiry, user_id, active, staff, coordinating, inactive_observer in _token_rows(
        key[: KNOX.TOKEN_KEY_LENGTH]
    ):
        if compare_digest(digest, stored):
            if expiry is not None and expiry <= now:
                return None
            refused = _token_refusal(
                active=active, inactive_observer=inactive_observer, staff=staff, coordinating=coordinating
            )
            return None if refused is not None else user_id
    return None


def _tokens() -> QuerySet[AuthToken]:
    return AuthToken.objects.select_related("user").annotate(
        coordinating=Exists(_coordinating(OuterRef("user_id"))),
        inactive_observer=Exists(Observer.objects.filter(user_id=OuterRef("user_id"), is_active=False)),
    )


_KEY = "\x00token-key\x00"  # stands for the key in the query compiled once


@dataclass(frozen=True)
class _CompiledTokens:
    """`_tokens().filter(token_key=...)` compiled once: its SQL and where each row's fields are."""

    db: str
    sql: str
    params: tuple[Any, ...]
    token_fields: tuple[list[int], list[str]]
    user_fields: tuple[list[int], list[str]]
    user_setters: tuple[Callable[[Any, Any], None], Callable[[Any, Any], None]]
    annotations: dict[str, int]


def _tokens_by_key(key: str) -> list[AuthToken]:
    """The tokens whose key prefix is `key`, each with its user, `coordinating`, `inactive_observer`.

    The same one query as `_tokens().filter(token_key=key)`, without building and compiling the
    queryset on every API request (it cost more than the rest of a copy submission, issue 17).
    """
    compiled = _compiled_tokens()
    if compiled is None:
        return list(_tokens().filter(token_key=key))
    params = [key if param == _KEY else param for param in compiled.params]
    with connections[compiled.db].cursor() as cursor:
        cursor.execute(compiled.sql, params)
        rows = cursor.fetchall()
    tokens = []
    for row in rows:
        token = AuthToken.from_db(
            compiled.db, compiled.token_fields[1], [row[i] for i in compiled.token_fields[0]]
        )
        user = get_user_model().from_db(
            compiled.db, compiled.user_fields[1], [row[i] for i in compiled.user_fields[0]]
        )
        compiled.user_setters[0](token, user)
        compiled.user_setters[1](user, token)
        for name, index in compiled.annotations.items():
            setattr(token, name, row[index])
        tokens.append(token)
    return tokens


@cache
def _compiled_tokens() -> _CompiledTokens | None:
    """Compile `_tokens()` for one key; None (use the ORM) if a column would need a converter."""
    queryset = _tokens().filter(token_key=_KEY)
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    if _KEY not in params or compiler.get_converters([column for column, _, _ in compiler.select]):
        return None
    info = compiler.klass_info or {}
    (user_info,) = info["related_klass_infos"]

    def fields(indexes: list[int]) -> tuple[list[int], list[str]]:
        return indexes, [compiler.select[i][0].target.attname for i in indexes]

    return _CompiledTokens(
        db=queryset.db,
        sql=sql,
        params=tuple(params),
        token_fields=fields(info["select_fields"]),
        user_fields=fields(user_info["select_fields"]),
        user_setters=(user_info["local_setter"], user_info["remote_setter"]),
        annotations=dict(compiler.annotation_col_map),
    )


_TOKEN_COLUMNS = (
    "digest", "expiry", "user_id", "user__is_active", "user__is_staff", "coordinating", "inactive_observer"
)  # fmt: skip


def _token_rows(key: str) -> list[tuple[Any, ...]]:
    """`_tokens().filter(token_key=key)` as rows of _TOKEN_COLUMNS; its SQL is compiled once per process."""
    compiled = _compiled_token_rows()
    if compiled is None:
        return list(_tokens().filter(token_key=key).values_list(*_TOKEN_COLUMNS))
    db, sql, params = compiled
    with connections[db].cursor() as cursor:
        cursor.execute(sql, [key if param == _KEY else param for param in params])
        return cursor.fetchall()


@cache
def _compiled_token_rows() -> tuple[str, str, tuple[Any, ...]] | None:
    """The database, SQL and parameters of `_token_rows`; None (use the ORM) if its columns are not
    _TOKEN_COLUMNS in that order or one needs a converter."""
    queryset = _tokens().filter(token_key=_KEY).values_list(*_TOKEN_COLUMNS)
    query = queryset.query
    compiler = query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    columns = (*query.extra_select, *query.values_select, *query.annotation_select)
    if columns != _TOKEN_COLUMNS or _KEY not in params:
        return None
    if compiler.get_converters([column for column, _, _ in compiler.select]):
        return None
    return queryset.db, sql, tuple(params)


def issue_token(user: Any) -> str:
    """Create an API token for `user` valid REST_KNOX["TOKEN_TTL"]; return it (shown once, kept hashed)."""
    _instance, token = AuthToken.objects.create(user=user)
    return token


def revoke_tokens(user: Any) -> int:
    """Delete every API token of `user`; return how many there were."""
    deleted, _by_model = AuthToken.objects.filter(user=user).delete()
    return deleted


class ActiveAccountMixin:
    """Refuse an account that is inactive or whose observer record its organisation deactivated.

    Applied at login and on every request of a session (ModelBackend.get_user asks it), so a
    deactivated observer is logged out everywhere at once.
    """

    def user_can_authenticate(self, user: Any) -> bool:
        if getattr(user, "is_active", None) is False:
            return False
        try:
            observer = user.observer
        except ObjectDoesNotExist:
            return True
        return bool(observer.is_active)

    def get_user(self, user_id: Any) -> Any:
        user = get_user_model()._default_manager.select_related("observer").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


class ActiveAccountBackend(ActiveAccountMixin, ModelBackend):
    """Django's username/password backend, refusing deactivated observers (ActiveAccountMixin)."""


class LoginAttemptsBackend(ActiveAccountMixin, AxesStandaloneBackend):
    """Refuse a login locked out for this username from this IP address (django-axes), else pass on.

    Django's test client and the shell call authenticate() without a request: with no address to
    count against there is nothing to lock, so such calls go on to ActiveAccountBackend. Every
    login page (ours, the admin's, DRF's) passes the request. Sessions it logged in (the test
    client's force_login) are refused for deactivated observers too (ActiveAccountMixin).
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


class ObserverTokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI description of ObserverTokenAuthentication: ``Authorization: Token <token>``, as before."""

    target_class = ObserverTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Token-based authentication with required prefix "Token"',
        }
