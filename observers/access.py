"""Who may see and do what: the organisation scoping every view and endpoint goes through.

Coordinator pages and endpoints serve approved organisations only: an organisation pending
review or refused sees its own status page (`member_organization`) and nothing else.

Territory: every page, endpoint, export and analysis a coordinator reaches goes through one
`CoordinatorScope` (`coordinator_scope`, or `coordinator_scopes` across organisations); a
coordinator limited to a region or TEC reaches only stations inside it, in its election, and
organisation-wide reads and writes (comparisons, analyses, samples) need the whole organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from elections.models import Commission, Election, PollingStation, stations_within
from observers.models import CoalitionMember, Membership, Observer, Organization
from observers.models.organizations import MembershipQuerySet

AnyUser = User | AbstractBaseUser | AnonymousUser


def coordinated_organizations(user: AnyUser) -> list[Organization]:
    """Approved organisations where `user` is an admin or coordinator (empty for anyone else)."""
    if not user.is_authenticated:
        return []
    return list(
        Organization.objects.approved()
        .filter(memberships__user_id=user.pk, memberships__role__in=_COORDINATING)
        .order_by("name")
        .distinct()
    )


def coordinated_organization(user: AnyUser, slug: str | None = None) -> Organization:
    """The approved organisation `user` coordinates (by slug if given); raises PermissionDenied otherwise."""
    organizations = coordinated_organizations(user)
    for organization in organizations:
        if slug is None or organization.slug == slug:
            return organization
    raise PermissionDenied("You do not coordinate this organisation.")


def administered_organization(user: AnyUser, slug: str) -> Organization:
    """The approved organisation `user` is an admin of; raises PermissionDenied otherwise."""
    organization = coordinated_organization(user, slug)
    if not _memberships(user, organization).filter(role=Membership.Role.ADMIN).exists():
        raise PermissionDenied("Only the organisation's admins may do this.")
    return organization


def member_organization(user: AnyUser, slug: str) -> Organization:
    """The organisation `user` administers or coordinates, in any review status; raises PermissionDenied."""
    if user.is_authenticated:
        memberships = Membership.objects.coordinating().filter(user_id=user.pk, organization__slug=slug)
        membership = memberships.select_related("organization").first()
        if membership is not None:
            return membership.organization
    raise PermissionDenied("You do not coordinate this organisation.")


def territory_filter(user: AnyUser, organization: Organization) -> Commission | None:
    """The region or TEC a coordinator is limited to, or None for the whole organisation.

    Raises PermissionDenied when `user` does not coordinate the approved `organization`.
    """
    coordinated_organization(user, organization.slug)
    return _territory(user, organization)


def _territory(user: AnyUser, organization: Organization) -> Commission | None:
    """The territory of `user`'s coordinating membership of `organization` (None: all of it)."""
    membership = _memberships(user, organization).coordinating().select_related("territory").get()
    if membership.role == Membership.Role.ADMIN:
        return None
    return membership.territory


@dataclass(frozen=True)
class CoordinatorScope:
    """Which organisation a coordinator acts for, and where: the whole of it (`territory` None)
    or the stations under one region or TEC of one election.
    """

    organization: Organization
    territory: Commission | None

    @property
    def is_whole_organization(self) -> bool:
        """True for admins and for coordinators not limited to a territory."""
        return self.territory is None

    def stations(self, through: str = "station__") -> Q:
        """A filter on rows whose station (reached through `through`) is in scope (Q() for all)."""
        return Q() if self.territory is None else stations_within(self.territory, through)

    def rows(self, through: str = "station__") -> Q:
        """A filter on rows of the organisation (field `organization`) whose station is in scope."""
        return Q(organization=self.organization) & self.stations(through)

    def contains(self, place: PollingStation | Commission) -> bool:
        """True when a station or commission lies inside the territory (always, for the whole)."""
        if self.territory is None:
            return True
        commission = place.pec if isinstance(place, PollingStation) else place
        return commission.election_id == self.territory.election_id and commission.path.startswith(
            self.territory.path
        )

    def require_whole_organization(self) -> None:
        """Raise PermissionDenied for a coordinator limited to a territory (organisation-wide work)."""
        if self.territory is not None:
            raise PermissionDenied("Only coordinators of the whole organisation may do this.")


def coordinator_scope(user: AnyUser, slug: str | None = None) -> CoordinatorScope:
    """The scope `user` coordinates in (the organisation by slug if given); raises PermissionDenied."""
    organization = coordinated_organization(user, slug)
    return CoordinatorScope(organization, _territory(user, organization))


def coordinator_scopes(user: AnyUser) -> list[CoordinatorScope]:
    """One scope per approved organisation `user` coordinates (empty for anyone else)."""
    return [
        CoordinatorScope(organization, _territory(user, organization))
        for organization in coordinated_organizations(user)
    ]


def coordinated_rows(user: AnyUser, through: str = "station__") -> Q:
    """A filter on rows (with `organization` and a station through `through`) in any of `user`'s scopes.

    Matches nothing for someone who coordinates no organisation.
    """
    q = Q(pk__in=[])
    for scope in coordinator_scopes(user):
        q |= scope.rows(through)
    return q


def sharing_organizations(organization: Organization, election: Election) -> list[Organization]:
    """`organization` and its partners in coalitions for `election` where both sides agreed.

    A partner counts only through a coalition where `organization`'s own seat and the partner's
    seat both carry an agreement; refused or pending organisations never count.
    """
    coalitions = CoalitionMember.objects.filter(
        organization=organization, agreed_at__isnull=False, coalition__election=election
    ).values("coalition_id")
    partners = (
        Organization.objects.approved()
        .filter(coalitions__coalition_id__in=coalitions, coalitions__agreed_at__isnull=False)
        .exclude(pk=organization.pk)
        .order_by("name")
        .distinct()
    )
    return [organization, *partners]


def observer_for(user: AnyUser) -> Observer:
    """The Observer record of a logged-in field observer; raises PermissionDenied otherwise."""
    if not user.is_authenticated:
        raise PermissionDenied("Log in first.")
    observer = Observer.objects.filter(user_id=user.pk).select_related("organization").first()
    if observer is None:
        raise PermissionDenied("Only observers can submit protocol copies.")
    return observer


def signed_in(user: AnyUser) -> User:
    """`user` as the logged-in User; raises PermissionDenied when nobody is logged in."""
    if not isinstance(user, User):
        raise PermissionDenied("Log in first.")
    return user


def _memberships(user: AnyUser, organization: Organization) -> MembershipQuerySet:
    return Membership.objects.filter(user=signed_in(user), organization=organization)


_COORDINATING = [Membership.Role.ADMIN, Membership.Role.COORDINATOR]
