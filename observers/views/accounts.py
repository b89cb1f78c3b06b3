"""A signed-in user's own pages: invitations to answer, the organisation they work in, and their
organisations, each of which they may leave.

Any logged-in user reaches them (they concern only their own account). Accepting an invitation
is the only way a role in another organisation begins; choosing an organisation is how a
member of several names the one that pages without a slug in their URL show.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from observers import access
from observers.models import Membership
from observers.services import memberships


@login_required
def invitations(request: HttpRequest) -> HttpResponse:
    """List the invitations waiting for the user's answer."""
    user = access.signed_in(request.user)
    context = {"invitations": memberships.pending_invitations(user)}
    return render(request, "observers/accounts/invitations.html", context)


@login_required
@require_POST
def invitation_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Accept or decline one of the user's own pending invitations (404 for anyone else's)."""
    user = access.signed_in(request.user)
    invitation = get_object_or_404(memberships.pending_invitations(user), pk=pk)
    name = {"name": invitation.organization.name}
    if decision == "accept":
        memberships.accept_invitation(invitation=invitation, by=user)
        messages.success(request, _("You are now a member of %(name)s.") % name)
    else:
        memberships.decline_invitation(invitation=invitation, by=user)
        messages.success(request, _("You declined the invitation of %(name)s.") % name)
    return redirect("account-invitations")


@login_required
@require_http_methods(["GET", "POST"])
def organization_switch(request: HttpRequest) -> HttpResponse:
    """List the organisations the user coordinates (GET); work in the one chosen, then go on (POST)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = ""
    if request.method == "POST":
        organization = access.choose_organization(request, request.POST.get("organization", ""))
        messages.success(request, _("You are working in %(name)s.") % {"name": organization.name})
        return redirect(target or "home")
    context = {
        "organizations": access.coordinated_organizations(request.user),
        "current": request.session.get(access.SESSION_KEY),
        "next": target,
    }
    return render(request, "observers/accounts/organization.html", context)


def _own_memberships(request: HttpRequest) -> QuerySet[Membership]:
    user = access.signed_in(request.user)
    rows = Membership.objects.coordinating().filter(user=user).select_related("organization", "territory")
    return rows.order_by("organization__name")


@login_required
@require_GET
def organizations(request: HttpRequest) -> HttpResponse:
    """List the organisations where the user is an admin or coordinator, each with a way to leave it."""
    context = {"memberships": _own_memberships(request)}
    return render(request, "observers/accounts/organizations.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def organization_leave(request: HttpRequest, slug: str) -> HttpResponse:
    """Ask to confirm (GET), then end the user's own role in the organisation (POST); 404 if they hold none.

    The last admin is refused with the reason, and nothing changes.
    """
    membership = get_object_or_404(_own_memberships(request), organization__slug=slug)
    organization = membership.organization
    if request.method == "GET":
        return render(request, "observers/accounts/organization_leave.html", {"membership": membership})
    try:
        memberships.leave_organization(organization=organization, by=access.signed_in(request.user))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You left %(name)s.") % {"name": organization.name})
    return redirect("account-organizations")
