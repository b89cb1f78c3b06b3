"""Organisations as tenants: sign-up and review, accreditation, obstacles, members and coalitions.

Every function takes the acting user (`by`) and checks the role itself, so a view that forgot
a check still cannot write outside its organisation. Refusals are ValidationError keyed by field
(a form shows them next to the input) or PermissionDenied.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from elections.models import Election
from observers import access
from observers.models import (
    Accreditation,
    Coalition,
    CoalitionMember,
    Membership,
    Obstacle,
    Organization,
)
from observers.services import audit, memberships

REASON_REQUIRED = _("Give the applicant a reason for the refusal.")
NO_PARTNERS = _("Invite at least one other approved organisation.")
NOT_INVITED = _("Your organisation is not invited to this coalition.")
NOT_AGREED = _("Only an organisation that agrees to the coalition invites others to it.")
NOT_APPROVED = _("Invite an approved organisation.")
SEATED = _("This organisation is in the coalition already, or invited to it.")
SLUG_LENGTH = 40
RESERVED_SLUGS = {"sign-up", "review"}  # page names under organizations/ (observers/urls.py)
NO_AT = _("Use only letters, digits and . + - _ in a username.")


@transaction.atomic
def sign_up_organization(
    *,
    name: str,
    kind: str,
    contact_email: str,
    contact_phone: str,
    charter_clause: str,
    username: str,
    password: str,
) -> Organization | None:
    """Create a pending organisation and its first admin account; ValidationError on a bad account.

    Returns None, creating nothing, when the username is taken: the caller answers exactly as
    for a new organisation, so sign-up never tells whether a username exists (issue 12). The
    password is hashed either way, so both answers take as long.
    """
    if "@" in username:  # the roster's namespace (observers.services.roster.account_username)
        raise ValidationError({"username": NO_AT})
    user = get_user_model()(username=username)
    validate_password(password, user)
    user.set_password(password)
    if get_user_model().objects.filter(username__iexact=username).exists():
        return None
    user.full_clean()
    user.save()
    organization = Organization(
        slug=_free_slug(name),
        name=name,
        kind=kind,
        contact_email=contact_email,
        contact_phone=contact_phone,
        charter_clause=charter_clause,
    )
    organization.full_clean()
    organization.save()
    memberships.grant_membership(user=user, organization=organization, role=Membership.Role.ADMIN, by=user)
    return organization


@transaction.atomic
def review_organization(
    *, organization: Organization, by: User, approve: bool, reason: str = ""
) -> Organization:
    """Approve or refuse an organisation as platform staff; a refusal needs a reason."""
    if not getattr(by, "is_staff", False):
        raise PermissionDenied("Only platform staff review organisations.")
    if not approve and not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    before = {"status": organization.status, "reason": organization.review_reason}
    organization.status = Organization.Status.APPROVED if approve else Organization.Status.REFUSED
    organization.review_reason = reason.strip()
    organization.reviewed_by = by
    organization.reviewed_at = timezone.now()
    organization.save(update_fields=["status", "review_reason", "reviewed_by", "reviewed_at"])
    after = {"status": organization.status, "reason": organization.review_reason}
    audit.record(
        organization=organization,
        actor=by,
        action="organization.reviewed",
        obj=organization,
        before=before,
        after=after,
    )
    return organization


def record_accreditation(
    *,
    organization: Organization,
    by: User,
    election: Election,
    number: str,
    issued_on: datetime.date | None,
    issuing_commission: str,
    status: str,
) -> Accreditation:
    """Create or update the organisation's accreditation for `election` (one per election)."""
    access.coordinated_organization(by, organization.slug)
    if status not in Accreditation.Status.values:
        raise ValidationError({"status": _("Unknown accreditation status.")})
    accreditation, _created = Accreditation.objects.update_or_create(
        organization=organization,
        election=election,
        defaults={
            "number": number,
            "issued_on": issued_on,
            "issuing_commission": issuing_commission,
            "status": status,
        },
    )
    return accreditation


def record_obstacle(
    *,
    organization: Organization,
    by: User,
    election: Election,
    kind: str,
    occurred_on: datetime.date,
    commission: str,
    description: str,
) -> Obstacle:
    """Add an obstacle met by the organisation to its log."""
    access.coordinated_organization(by, organization.slug)
    obstacle = Obstacle(
        organization=organization,
        election=election,
        kind=kind,
        occurred_on=occurred_on,
        commission=commission,
        description=description,
        recorded_by=by,
    )
    obstacle.full_clean()
    obstacle.save()
    return obstacle


@transaction.atomic
def create_coalition(
    *,
    organization: Organization,
    by: User,
    name: str,
    election: Election,
    partners: Iterable[Organization],
    share_photos: bool = False,
) -> Coalition:
    """Create a coalition for `election`, agreed by its creator, inviting other approved organisations.

    The creator's consent covers its figures, and its protocol photos when `share_photos`.
    """
    access.administered_organization(by, organization.slug)
    invited = {partner.pk for partner in partners} - {organization.pk}
    invited_approved = Organization.objects.approved().filter(pk__in=invited)
    if not invited or invited_approved.count() != len(invited):
        raise ValidationError({"partners": NO_PARTNERS})
    coalition = Coalition.objects.create(name=name, election=election, created_by=organization)
    seat = CoalitionMember.objects.create(
        coalition=coalition,
        organization=organization,
        agreed_by=by,
        agreed_at=timezone.now(),
        shares_photos=share_photos,
    )
    CoalitionMember.objects.bulk_create(
        CoalitionMember(coalition=coalition, organization=partner) for partner in invited_approved
    )
    partners_ids = sorted(partner.pk for partner in invited_approved)
    after = {"invited": partners_ids, "scope": seat.scope()}
    _record_coalition(organization, by, "coalition.created", coalition, {}, after)
    return coalition


@transaction.atomic
def agree_to_coalition(
    *, organization: Organization, by: User, coalition: Coalition, share_photos: bool = False
) -> CoalitionMember:
    """Record the organisation's consent to share with the coalition, and its scope; audited.

    Agreeing shares the organisation's accepted figures for the coalition's election, and its
    protocol photos when `share_photos`; agreeing again with another scope changes the scope
    (audited, before and after). Raises PermissionDenied unless the organisation holds a current seat.
    """
    access.administered_organization(by, organization.slug)
    seat = CoalitionMember.objects.select_for_update().filter(coalition=coalition, organization=organization)
    found = seat.first()
    if found is None:
        raise PermissionDenied(NOT_INVITED)
    if found.agreed_at is not None and found.shares_photos == share_photos:
        return found
    before = {"agreed": found.agreed_at is not None, "scope": found.scope() if found.agreed_at else None}
    if found.agreed_at is None:
        found.agreed_at, found.agreed_by = timezone.now(), by
    found.shares_photos = share_photos
    found.save(update_fields=["agreed_at", "agreed_by", "shares_photos"])
    after = {"agreed": True, "scope": found.scope()}
    _record_coalition(organization, by, "coalition.agreed", coalition, before, after)
    return found


@transaction.atomic
def invite_to_coalition(
    *, organization: Organization, by: User, coalition: Coalition, invited: Organization
) -> CoalitionMember:
    """Invite `invited` to the coalition for `organization`, one of its agreed members; audited.

    An organisation that left or declined is invited again with a new seat (it agrees anew, with
    its own scope); its earlier seats stay in the history with their end. Raises PermissionDenied
    unless `by` administers `organization` and it is an agreed current member; ValidationError
    when `invited` is not approved or holds a current seat (agreed or invited).
    """
    access.administered_organization(by, organization.slug)
    Coalition.objects.select_for_update().filter(pk=coalition.pk).exists()  # one seat at a time
    if not CoalitionMember.objects.agreed().filter(coalition=coalition, organization=organization).exists():
        raise PermissionDenied(NOT_AGREED)
    if not Organization.objects.approved().filter(pk=invited.pk).exists():
        raise ValidationError({"invited": NOT_APPROVED})
    if CoalitionMember.objects.filter(coalition=coalition, organization=invited).exists():
        raise ValidationError({"invited": SEATED})
    seat = CoalitionMember.objects.create(coalition=coalition, organization=invited)
    earlier = CoalitionMember.history.filter(coalition=coalition, organization=invited).count() - 1
    after: dict[str, object] = {"invited": invited.pk, "earlier_seats": earlier}
    _record_coalition(organization, by, "coalition.invited", coalition, {}, after)
    return seat


@transaction.atomic
def leave_coalition(*, organization: Organization, by: User, coalition: Coalition) -> CoalitionMember | None:
    """Decline an invitation or withdraw a consent: the seat ends (kept in history) and is logged.

    From `left_at` on, the organisation's figures and photos leave the coalition's pool
    (tallies.services.coalitions reads current seats only); releases already published keep them.
    Returns the ended seat, or None when the organisation held no current seat (nothing logged).
    """
    access.administered_organization(by, organization.slug)
    seat = (
        CoalitionMember.objects.select_for_update()
        .filter(coalition=coalition, organization=organization)
        .first()
    )
    if seat is None:
        return None
    seat.left_at, seat.left_by = timezone.now(), by
    seat.save(update_fields=["left_at", "left_by"])
    agreed = seat.agreed_at is not None
    before = {"agreed": agreed, "scope": seat.scope() if agreed else None}
    after: dict[str, object] = {"left_at": audit.utc_iso(seat.left_at), "had_agreed": agreed}
    _record_coalition(organization, by, "coalition.left", coalition, before, after)
    return seat


def _record_coalition(
    organization: Organization,
    by: User,
    action: str,
    coalition: Coalition,
    before: dict[str, object],
    after: dict[str, object],
) -> None:
    """Log a coalition decision in the organisation's audit chain (election and coalition named)."""
    details = {"coalition": coalition.name, "election": coalition.election_id, **after}
    audit.record(
        organization=organization, actor=by, action=action, obj=coalition, before=before, after=details
    )


def _free_slug(name: str) -> str:
    """A slug for `name` not yet taken; names without Latin letters get a random one."""
    base = slugify(name)[:SLUG_LENGTH].strip("-")
    candidates = [base, *(f"{base}-{n}" for n in range(2, 10))] if base else []
    for candidate in candidates:
        if candidate not in RESERVED_SLUGS and not Organization.objects.filter(slug=candidate).exists():
            return candidate
    return f"{base or 'org'}-{secrets.token_hex(3)}"
