"""Observers' accounts from the roster: deactivate and reactivate an observer, issue and revoke API tokens.

Only the organisation's admins may (observers.access.administered_organization); each change
goes to the organisation's audit log. A deactivated observer is refused everywhere at once:
their session (observers.login_security.ActiveAccountMixin), their tokens (deleted here, and
refused by ObserverTokenAuthentication), and every field-work page (observers.access.observer_for).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from observers import access
from observers.login_security import issue_token, revoke_tokens
from observers.models import Observer, Organization
from observers.services import audit

NO_ACCOUNT = _("This observer has no account to give a token to.")
INACTIVE = _("Reactivate the observer first.")


@transaction.atomic
def set_observer_active(
    *, organization: Organization, by: User, observer: Observer, active: bool
) -> Observer:
    """Deactivate (revoking every API token) or reactivate one of the organisation's observers.

    Raises PermissionDenied unless `by` administers the organisation, Observer.DoesNotExist
    when the observer is another organisation's.
    """
    access.administered_organization(by, organization.slug)
    observer = Observer.objects.select_for_update().get(pk=observer.pk, organization=organization)
    revoked = revoke_tokens(observer.user) if observer.user_id and not active else 0
    if observer.is_active != active:
        observer.is_active = active
        observer.save(update_fields=["is_active"])
        action = "observer.reactivated" if active else "observer.deactivated"
        after = {"is_active": active, "tokens_revoked": revoked}
        audit.record(organization=organization, actor=by, action=action, obj=observer, before={}, after=after)
    return observer


@transaction.atomic
def revoke_observer_tokens(*, organization: Organization, by: User, observer: Observer) -> int:
    """Delete every API token of the observer's account (devices need a new one); return how many."""
    access.administered_organization(by, organization.slug)
    observer = Observer.objects.get(pk=observer.pk, organization=organization)
    revoked = revoke_tokens(observer.user) if observer.user_id else 0
    after = {"tokens_revoked": revoked}
    audit.record(
        organization=organization,
        actor=by,
        action="observer.tokens_revoked",
        obj=observer,
        before={},
        after=after,
    )
    return revoked


@transaction.atomic
def issue_observer_token(*, organization: Organization, by: User, observer: Observer) -> str:
    """Issue an API token for the observer's device and return it (shown once; stored hashed, with an expiry).

    Raises ValidationError when the observer has no account or is deactivated.
    """
    access.administered_organization(by, organization.slug)
    observer = Observer.objects.select_related("user").get(pk=observer.pk, organization=organization)
    if observer.user is None:
        raise ValidationError(NO_ACCOUNT)
    if not observer.is_active:
        raise ValidationError(INACTIVE)
    token = issue_token(observer.user)
    audit.record(
        organization=organization, actor=by, action="observer.token_issued", obj=observer, before={}, after={}
    )
    return token
