"""Admin pages of an organisation: its admins and coordinators, and its coalitions.

Only the organisation's admins reach them (observers.access.administered_organization), and
only once the organisation is approved; the services check the role again.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from observers import access
from observers.forms.organizations import CoalitionForm, CoalitionInviteForm, MemberForm, add_service_errors
from observers.models import Coalition, CoalitionMember
from observers.services import memberships
from observers.services import organizations as services

INVITATIONS_SHOWN = 50


@login_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, slug: str) -> HttpResponse:
    """List the admins, coordinators and invitations (GET); invite a username to a role (POST).

    The answer to an invitation is the same whether or not the username exists.
    """
    organization = access.administered_organization(request.user, slug)
    user = access.signed_in(request.user)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            memberships.invite_member(organization=organization, by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(username)s is invited; the role starts when they accept.") % form.cleaned_data
            )
            return redirect("organization-members", slug=slug)
    rows = organization.memberships.coordinating().select_related("user", "territory").order_by("role")
    invitations = organization.invitations.select_related("territory", "invited_by").order_by("-created_at")
    context = {
        "organization": organization,
        "form": form,
        "memberships": rows,
        "invitations": invitations[:INVITATIONS_SHOWN],
    }
    return render(request, "observers/organizations/members.html", context)


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """End an admin's or coordinator's role (never the last admin's); the row and the log keep it."""
    organization = access.administered_organization(request.user, slug)
    user = access.signed_in(request.user)
    membership = get_object_or_404(organization.memberships.coordinating(), pk=pk)
    try:
        memberships.end_membership(organization=organization, by=user, membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("organization-members", slug=slug)


@login_required
@require_POST
def invitation_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Withdraw an invitation not answered yet."""
    organization = access.administered_organization(request.user, slug)
    invitation = get_object_or_404(organization.invitations.pending(), pk=pk)
    memberships.withdraw_invitation(
        organization=organization, by=access.signed_in(request.user), invitation=invitation
    )
    return redirect("organization-members", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def coalitions(request: HttpRequest, slug: str) -> HttpResponse:
    """List the coalitions the organisation is invited to or in (GET); create one (POST)."""
    organization = access.administered_organization(request.user, slug)
    user = access.signed_in(request.user)
    form = CoalitionForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_coalition(organization=organization, by=user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Coalition created; each invited organisation must agree."))
            return redirect("organization-coalitions", slug=slug)
    seats = CoalitionMember.history.select_related("organization").order_by("organization__name", "-id")
    rows = list(
        Coalition.objects.filter(members__organization=organization)
        .distinct()
        .select_related("election", "created_by")
        .prefetch_related(Prefetch("members", queryset=seats))
        .order_by("-created_at")
    )
    for row in rows:  # an agreed member may invite others, and again one that left
        agreed = any(
            s.organization_id == organization.pk and s.agreed_at and not s.left_at for s in row.members.all()
        )
        row.invite_form = CoalitionInviteForm(coalition=row) if agreed else None  # type: ignore[attr-defined]
    context = {"organization": organization, "form": form, "coalitions": rows}
    return render(request, "observers/organizations/coalitions.html", context)


@login_required
@require_POST
def coalition_invite(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Invite an approved organisation to a coalition the organisation agrees to (again, if it left)."""
    organization = access.administered_organization(request.user, slug)
    coalition = get_object_or_404(
        Coalition.objects.filter(members__organization=organization).distinct(), pk=pk
    )
    form = CoalitionInviteForm(request.POST, coalition=coalition)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("organization-coalitions", slug=slug)
    invited = form.cleaned_data["invited"]
    try:
        services.invite_to_coalition(
            organization=organization, by=access.signed_in(request.user), coalition=coalition, invited=invited
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s is invited; it must agree.") % {"name": invited.name})
    return redirect("organization-coalitions", slug=slug)


@login_required
@require_POST
def coalition_decide(request: HttpRequest, slug: str, pk: int, decision: str) -> HttpResponse:
    """Agree to share with a coalition (figures, and photos when ticked), or leave it (declining an
    invitation or withdrawing a consent: the seat ends and stays in the history)."""
    organization = access.administered_organization(request.user, slug)
    user = access.signed_in(request.user)
    coalition = get_object_or_404(
        Coalition.objects.filter(members__organization=organization).distinct(), pk=pk
    )
    if decision == "agree":
        photos = request.POST.get("share_photos") == "on"
        services.agree_to_coalition(
            organization=organization, by=user, coalition=coalition, share_photos=photos
        )
        messages.success(request, _("Your organisation now shares with %(name)s.") % {"name": coalition.name})
    else:
        services.leave_coalition(organization=organization, by=user, coalition=coalition)
        messages.success(request, _("Your organisation left %(name)s.") % {"name": coalition.name})
    return redirect("organization-coalitions", slug=slug)
