"""Who may see and do what: the organisation scoping every view and endpoint goes through."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied

from observers.models import Membership, Observer, Organization


def coordinated_organizations(user: User | AbstractBaseUser | AnonymousUser) -> list[Organization]:
    """Organisations where `user` is an admin or coordinator (empty for anyone else)."""
    if not user.is_authenticated:
        return []
    return list(
        Organization.objects.filter(memberships__user_id=user.pk, memberships__role__in=_COORDINATING)
        .order_by("name")
        .distinct()
    )


def coordinated_organization(
    user: User | AbstractBaseUser | AnonymousUser, slug: str | None = None
) -> Organization:
    """The organisation `user` coordinates (by slug if given); raises PermissionDenied otherwise."""
    organizations = coordinated_organizations(user)
    for organization in organizations:
        if slug is None or organization.slug == slug:
            return organization
    raise PermissionDenied("You do not coordinate this organisation.")


def observer_for(user: User | AbstractBaseUser | AnonymousUser) -> Observer:
    """The Observer record of a logged-in field observer; raises PermissionDenied otherwise."""
    if not user.is_authenticated:
        raise PermissionDenied("Log in first.")
    observer = Observer.objects.filter(user_id=user.pk).select_related("organization").first()
    if observer is None:
        raise PermissionDenied("Only observers can submit protocol copies.")
    return observer


_COORDINATING = [Membership.Role.ADMIN, Membership.Role.COORDINATOR]
