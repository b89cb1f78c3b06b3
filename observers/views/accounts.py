"""A signed-in user's own pages: invitations to answer, and the organisation they work in.

Any logged-in user reaches them (they concern only their own account). Accepting an invitation
is the only way a role in another organisation begins; choosing an organisation is how a
member of several names the one that pages without a slug in their URL show.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from observers import access
from observers.services import memberships


@login_required
def invitations(request: HttpRequest) -> HttpResponse:
    """List the invitations waiting for the user's answer."""
    user = access.signed_in(request.user)
    context = {"invitations": memberships.pending_invitations(user)}
    return render(request, "observers/account_invitations.html", context)


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
    return render(request, "observers/account_organization.html", context)
