"""Memberships by invitation: an admin invites, the account's owner accepts or declines.

Nothing about a user's sign-in changes before they accept (their role, whether their API token
works, whether they owe a second factor). Every decision goes to the organisation's audit log
(observers.services.audit: who, when, about whom, which role); ending a role keeps its row
(`Membership.ended_at`). No answer here depends on whether a username exists: an invitation to
an unknown username is stored and listed like any other, and simply can never be accepted.

Each function takes the acting user (`by`) and checks their role itself; refusals are
ValidationError keyed by field, or PermissionDenied.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from elections.models import Commission
from observers import access
from observers.models import Invitation, Membership, Organization
from observers.services import audit

TERRITORY_LEVELS = (Commission.Level.SEC, Commission.Level.TEC)
BAD_TERRITORY = _("A territory is a region or a territorial commission.")
BAD_ROLE = _("Choose admin or coordinator.")
LAST_ADMIN = _("An organisation keeps at least one admin.")
ALREADY_INVITED = _("This username has an invitation waiting for an answer already.")
NOT_YOURS = _("This invitation is not for you, or it has been answered already.")
LAST_ADMIN_LEAVING = _(
    "You are the last admin of this organisation: make another member an admin before you leave."
)
INVITABLE_ROLES = (Membership.Role.ADMIN, Membership.Role.COORDINATOR)


@transaction.atomic
def invite_member(
    *,
    organization: Organization,
    by: User,
    username: str,
    role: str,
    territory: Commission | None = None,
) -> Invitation:
    """Invite `username` to be an admin or coordinator (of a territory); the same answer for any username.

    Raises ValidationError on a bad role or territory, or when that username has a pending
    invitation already; PermissionDenied unless `by` administers the approved organisation.
    """
    access.administered_organization(by, organization.slug)
    _lock(organization)
    _check_role(role, territory)
    username = username.strip()
    if organization.invitations.pending().filter(username=username).exists():
        raise ValidationError({"username": ALREADY_INVITED})
    invitation = Invitation.objects.create(
        organization=organization,
        username=username,
        user=get_user_model().objects.filter(username=username).first(),
        role=role,
        territory=territory if role == Membership.Role.COORDINATOR else None,
        invited_by=by,
    )
    _record(invitation, by, "invitation.sent", after=_invitation_fields(invitation))
    return invitation


@transaction.atomic
def accept_invitation(*, invitation: Invitation, by: User) -> Membership:
    """Accept an invitation addressed to `by`: their current role in that organisation is replaced.

    Raises PermissionDenied when the invitation is not `by`'s or not pending.
    """
    invitation = _own_pending(invitation, by)
    current = Membership.objects.select_for_update().filter(user=by, organization=invitation.organization)
    before = [_membership_fields(old) for old in current]
    current.update(ended_at=timezone.now(), ended_by=by)
    membership = Membership.objects.create(
        user=by, organization=invitation.organization, role=invitation.role, territory=invitation.territory
    )
    _decide(invitation, Invitation.Status.ACCEPTED)
    after = {**_membership_fields(membership), "replaced": before}
    _record(invitation, by, "invitation.accepted", after=after)
    return membership


@transaction.atomic
def decline_invitation(*, invitation: Invitation, by: User) -> Invitation:
    """Decline an invitation addressed to `by`; nothing else changes. PermissionDenied if not theirs."""
    invitation = _own_pending(invitation, by)
    _decide(invitation, Invitation.Status.DECLINED)
    _record(invitation, by, "invitation.declined", after=_invitation_fields(invitation))
    return invitation


@transaction.atomic
def withdraw_invitation(*, organization: Organization, by: User, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation of the organisation (its admins only); answered ones stay as they are."""
    access.administered_organization(by, organization.slug)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk, organization=organization)
    if invitation.status == Invitation.Status.PENDING:
        _decide(invitation, Invitation.Status.WITHDRAWN)
        _record(invitation, by, "invitation.withdrawn", after=_invitation_fields(invitation))
    return invitation


@transaction.atomic
def change_member(
    *, organization: Organization, by: User, membership: Membership, role: str, territory: Commission | None
) -> Membership:
    """Change a current admin's or coordinator's role or territory (admins only; audited).

    Their sign-in does not change (both roles log in with a second factor). Raises
    ValidationError on a bad role or territory, or when no admin would remain.
    """
    access.administered_organization(by, organization.slug)
    _lock(organization)
    _check_role(role, territory)
    membership = Membership.objects.coordinating().get(pk=membership.pk, organization=organization)
    before = _membership_fields(membership)
    membership.role = role
    membership.territory = territory if role == Membership.Role.COORDINATOR else None
    membership.save(update_fields=["role", "territory"])
    _ensure_an_admin_remains(organization)
    _record(membership, by, "membership.changed", before=before, after=_membership_fields(membership))
    return membership


@transaction.atomic
def end_membership(*, organization: Organization, by: User, membership: Membership) -> Membership:
    """End an admin's or coordinator's role: by the organisation's admins, or by the member themselves.

    The row stays, with `ended_at` and `ended_by`. Raises ValidationError when no admin would
    remain; PermissionDenied when `by` is neither an admin of the organisation nor the member.
    """
    if membership.user_id != by.pk:
        access.administered_organization(by, organization.slug)
    _lock(organization)
    membership = Membership.objects.coordinating().get(pk=membership.pk, organization=organization)
    before = _membership_fields(membership)
    membership.ended_at, membership.ended_by = timezone.now(), by
    membership.save(update_fields=["ended_at", "ended_by"])
    _ensure_an_admin_remains(organization)
    _record(
        membership,
        by,
        "membership.ended",
        before=before,
        after={"ended_at": audit.utc_iso(membership.ended_at)},
    )
    return membership


@transaction.atomic
def leave_organization(*, organization: Organization, by: User) -> Membership:
    """End `by`'s own admin or coordinator role in `organization`, whatever its review status.

    Audited like an admin's removal ("membership.ended", by the member); the row stays with
    `ended_at`. Raises ValidationError(LAST_ADMIN_LEAVING) when `by` is its last admin, and
    PermissionDenied when they hold no such role there.
    """
    membership = Membership.objects.coordinating().filter(user=by, organization=organization).first()
    if membership is None:
        raise PermissionDenied("You are not a member of this organisation.")
    try:
        return end_membership(organization=organization, by=by, membership=membership)
    except ValidationError as error:
        raise ValidationError(LAST_ADMIN_LEAVING) from error


@transaction.atomic
def grant_membership(
    *,
    user: User,
    organization: Organization,
    role: str,
    territory: Commission | None = None,
    by: User | None = None,
) -> Membership:
    """Give `user` a role directly, without an invitation, and log it; return the current membership.

    Only for a role the user chose themselves or that the organisation gives its own new
    accounts: the first admin at sign-up, an observer account created with the roster, the
    demo's personas and tests. A role they hold already is returned as it is.
    """
    current = Membership.objects.filter(user=user, organization=organization).first()
    if current is not None:
        return current
    membership = Membership.objects.create(
        user=user, organization=organization, role=role, territory=territory
    )
    _record(membership, by, "membership.granted", after=_membership_fields(membership))
    return membership


def pending_invitations(user: User) -> models.QuerySet[Invitation]:
    """The invitations waiting for `user`'s answer, oldest first (organisation and territory joined)."""
    return (
        Invitation.objects.pending()
        .filter(user=user)
        .select_related("organization", "territory", "invited_by")
        .order_by("created_at")
    )


def _own_pending(invitation: Invitation, by: User) -> Invitation:
    locked = Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if locked is None or locked.user_id != by.pk or locked.status != Invitation.Status.PENDING:
        raise PermissionDenied(NOT_YOURS)
    return locked


def _decide(invitation: Invitation, status: str) -> None:
    invitation.status, invitation.decided_at = status, timezone.now()
    invitation.save(update_fields=["status", "decided_at"])


def _check_role(role: str, territory: Commission | None) -> None:
    if role not in INVITABLE_ROLES:
        raise ValidationError({"role": BAD_ROLE})
    if territory is not None and territory.level not in TERRITORY_LEVELS:
        raise ValidationError({"territory": BAD_TERRITORY})


def _lock(organization: Organization) -> None:
    """Serialise membership changes of one organisation (two admins demoting each other at once)."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()


def _ensure_an_admin_remains(organization: Organization) -> None:
    if not Membership.objects.filter(organization=organization, role=Membership.Role.ADMIN).exists():
        raise ValidationError(LAST_ADMIN)


def _membership_fields(membership: Membership) -> dict[str, Any]:
    return {
        "user": membership.user_id,
        "role": membership.role,
        "territory": membership.territory_id,
    }


def _invitation_fields(invitation: Invitation) -> dict[str, Any]:
    return {
        "username": invitation.username,
        "role": invitation.role,
        "territory": invitation.territory_id,
        "status": invitation.status,
    }


def _record(
    obj: Invitation | Membership,
    by: User | None,
    action: str,
    *,
    after: dict[str, Any],
    before: dict[str, Any] | None = None,
) -> None:
    audit.record(
        organization=obj.organization, actor=by, action=action, obj=obj, before=before or {}, after=after
    )
