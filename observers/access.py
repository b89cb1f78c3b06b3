"""Who may see and do what: the organisation scoping every view and endpoint goes through.

Coordinator pages and endpoints serve approved organisations only: an organisation pending
review or refused sees its own status page (`member_organization`) and nothing else. Only
current memberships count (`Membership.objects`; accepted invitations, not ended), and a user
in several organisations names the one they work in (`chosen_organization`, `chosen_scope`):
the URL's slug or ?org=, else the choice kept in their session; never the first by name.

Territory: every page, endpoint, export and analysis a coordinator reaches goes through one
`CoordinatorScope` (`coordinator_scope`, or `coordinator_scopes` across organisations); a
coordinator limited to a region or TEC reaches only stations inside it, in its election, and
organisation-wide reads and writes (comparisons, analyses, samples) need the whole organisation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

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
        .filter(
            memberships__user_id=user.pk,
            memberships__role__in=_COORDINATING,
            memberships__ended_at__isnull=True,  # a join does not apply Membership.objects' filter
        )
        .order_by("name")
        .distinct()
    )


SESSION_KEY = "organization"  # the slug of the organisation a user chose to work in


class OrganizationNotChosen(PermissionDenied):
    """The user coordinates several organisations and has not said which one this request is for.

    Web pages answer with the organisation switcher (OrganizationChoiceMiddleware); the API with 403.
    """

    def __init__(self) -> None:
        super().__init__(
            "You coordinate several organisations: choose one (the organisation switcher, or ?org=<slug>)."
        )


def coordinated_organization(user: AnyUser, slug: str | None = None) -> Organization:
    """The approved organisation `user` coordinates, by slug; without a slug, their only one.

    Raises PermissionDenied when `user` does not coordinate it, and OrganizationNotChosen when no
    slug is given and they coordinate several (never the first by name).
    """
    organizations = coordinated_organizations(user)
    if slug is None and len(organizations) > 1:
        raise OrganizationNotChosen
    for organization in organizations:
        if slug is None or organization.slug == slug:
            return organization
    raise PermissionDenied("You do not coordinate this organisation.")


def chosen_organization(request: HttpRequest) -> Organization:
    """The organisation a request works in: ?org=<slug>, else the session's choice, else the user's only one.

    ?org= also becomes the session's choice (the home page's links carry it). Raises
    PermissionDenied when ?org= names one the user does not coordinate (or they coordinate none),
    OrganizationNotChosen when they coordinate several and chose none. A session choice that no
    longer holds (a role ended) is ignored. One query.
    """
    organizations = coordinated_organizations(request.user)
    named = request.GET.get("org")
    if named:
        return _keep(request, _named(organizations, named))
    kept = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    for organization in organizations:
        if organization.slug == kept:
            return organization
    if len(organizations) > 1:
        raise OrganizationNotChosen
    return _named(organizations, None)


def choose_organization(request: HttpRequest, slug: str) -> Organization:
    """Keep `slug` as the organisation the user works in (session); PermissionDenied if not theirs."""
    return _keep(request, _named(coordinated_organizations(request.user), slug))


def _named(organizations: list[Organization], slug: str | None) -> Organization:
    for organization in organizations:
        if slug is None or organization.slug == slug:
            return organization
    raise PermissionDenied("You do not coordinate this organisation.")


def _keep(request: HttpRequest, organization: Organization) -> Organization:
    if hasattr(request, "session") and request.session.get(SESSION_KEY) != organization.slug:
        request.session[SESSION_KEY] = organization.slug
    return organization


class OrganizationChoiceMiddleware:
    """Send a web request that needs an organisation choice to the switcher, then back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OrganizationNotChosen) or request.path_info.startswith("/api/"):
            return None
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('account-organization')}?{query}")


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


def chosen_scope(request: HttpRequest) -> CoordinatorScope:
    """The scope of the organisation the request works in (`chosen_organization`); raises PermissionDenied."""
    organization = chosen_organization(request)
    return CoordinatorScope(organization, _territory(request.user, organization))


def working_scope(request: HttpRequest) -> CoordinatorScope | None:
    """The scope a request's coordinator rows come from: `chosen_scope`, or None for a user who
    coordinates no approved organisation (an observer: only their own rows count).

    Objects read by id (a copy, an act, a photo) answer within this scope only, like the lists:
    a member of two organisations reads the other one's objects after switching to it. Raises
    OrganizationNotChosen when the user coordinates several and chose none, PermissionDenied
    when ?org= names one they do not coordinate.
    """
    if not request.user.is_authenticated or not coordinated_organizations(request.user):
        return None
    return chosen_scope(request)


def scope_rows(scope: CoordinatorScope | None, through: str = "station__") -> Q:
    """`scope.rows(through)`, or a filter matching nothing when there is no scope."""
    return Q(pk__in=[]) if scope is None else scope.rows(through)


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
    seat both carry an agreement not withdrawn; refused or pending organisations never count.
    """
    coalitions = (
        CoalitionMember.objects.agreed()
        .filter(organization=organization, coalition__election=election)
        .values("coalition_id")
    )
    seats = CoalitionMember.objects.agreed().filter(coalition_id__in=coalitions)
    partners = (
        Organization.objects.approved()
        .filter(pk__in=seats.values("organization_id"))
        .exclude(pk=organization.pk)
        .order_by("name")
        .distinct()
    )
    return [organization, *partners]


def observer_for(user: AnyUser) -> Observer:
    """The Observer record of a logged-in, active field observer; raises PermissionDenied otherwise.

    An observer their organisation deactivated (`Observer.is_active` False) is refused here, so
    every page and endpoint of field work (copies, acts, visits, evidence) refuses them too.
    """
    if not user.is_authenticated:
        raise PermissionDenied("Log in first.")
    observer = Observer.objects.filter(user_id=user.pk).select_related("organization").first()
    if observer is None:
        raise PermissionDenied("Only observers can submit protocol copies.")
    if not observer.is_active:
        raise PermissionDenied("Your organisation has deactivated your observer account.")
    return observer


def signed_in(user: AnyUser) -> User:
    """`user` as the logged-in User; raises PermissionDenied when nobody is logged in."""
    if not isinstance(user, User):
        raise PermissionDenied("Log in first.")
    return user


def _memberships(user: AnyUser, organization: Organization) -> MembershipQuerySet:
    return Membership.objects.filter(user=signed_in(user), organization=organization)


_COORDINATING = [Membership.Role.ADMIN, Membership.Role.COORDINATOR]
