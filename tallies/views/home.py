"""The home page: each role's work, reached by clicking from here (tallies/navigation.py).

An observer finds their stations (check in, "not admitted", a copy for the station) and their
copies with receipts; a coordinator the night's pages of each contest with data; an admin the
organisation's pages; platform staff the organisations to review. A user with several roles
sees each section; a user with none is told so and sent to the public results.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from observers.access import signed_in
from observers.models import Organization
from observers.services import memberships
from tallies import navigation
from tallies.selectors import home as selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Show the sections of the user's roles, the observer's first (they work on a phone)."""
    roles = navigation.roles_of(request.user)
    context: dict[str, object] = {"roles": roles, "organizations": []}
    if roles.observer is not None:
        context["stations"] = selectors.observer_stations(roles.observer)
        context["copies"] = selectors.observer_copies(roles.observer)
    context["organizations"] = [
        _organization_section(organization, roles) for organization in roles.coordinated
    ]
    context["invitations"] = memberships.pending_invitations(signed_in(request.user)).count()
    if roles.staff:
        context["staff_links"] = navigation.staff_links()
        context["pending"] = Organization.objects.filter(status=Organization.Status.PENDING).count()
    return render(request, "tallies/home.html", context)


def _organization_section(organization: Organization, roles: navigation.Roles) -> dict[str, object]:
    administered = organization in roles.administered
    return {
        "organization": organization,
        "contests": selectors.coordinator_contests(organization),
        "limited": organization in roles.limited,  # one territory: no organisation-wide page
        "links": navigation.coordinator_links(organization, limited=organization in roles.limited),
        "admin_links": navigation.admin_links(organization) if administered else [],
    }
