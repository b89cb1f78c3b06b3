"""Organisation pages: public sign-up, the applicant's status page, staff review, accreditation, obstacles.

Thin: observers.access picks the organisation (403 outside it; coordinator pages only for an
approved one), observers.services.organizations writes and checks the roles again.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from observers import access
from observers.forms.organizations import (
    AccreditationForm,
    ObstacleForm,
    ReviewForm,
    SignUpForm,
    add_service_errors,
)
from observers.models import CoalitionMember, Membership, Organization
from observers.services import organizations as services
from observers.throttling import sign_up_rate_limited


@require_http_methods(["GET", "POST"])
@sign_up_rate_limited
def sign_up(request: HttpRequest) -> HttpResponse:
    """Show the application form (GET); create the pending organisation and send its admin to log in (POST).

    The answer to a valid application is the same whether or not its username was free (the
    service then creates nothing): no page tells whether a username exists.
    """
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _sign_up(form):
        messages.success(
            request,
            _(
                "Application received. Platform staff will review it: log in with the username and "
                "password you chose to follow it. If they do not work, the username was taken; apply again."
            ),
        )
        return redirect("login")
    return render(request, "observers/organizations/signup.html", {"form": form})


@login_required
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Show an organisation to its admins and coordinators: review status and reason, its pages."""
    organization = access.member_organization(request.user, slug)
    admins = organization.memberships.filter(role=Membership.Role.ADMIN)
    is_admin = admins.filter(user=access.signed_in(request.user)).exists()
    invitations = CoalitionMember.objects.filter(organization=organization, agreed_at__isnull=True)
    context = {
        "organization": organization,
        "approved": organization.status == Organization.Status.APPROVED,
        "is_admin": is_admin,
        "invitations": invitations.count(),
    }
    return render(request, "observers/organizations/detail.html", context)


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """List pending applications and the latest decisions for platform staff."""
    _require_staff(request)
    pending = Organization.objects.filter(status=Organization.Status.PENDING).order_by("created_at")
    reviewed = Organization.objects.exclude(status=Organization.Status.PENDING).order_by("-reviewed_at")
    context = {
        "pending": pending,
        "reviewed": reviewed.select_related("reviewed_by")[:20],
        "form": ReviewForm(),
    }
    return render(request, "observers/organizations/review.html", context)


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or refuse one application; a refusal without a reason goes back to the queue."""
    _require_staff(request)
    user = access.signed_in(request.user)
    organization = get_object_or_404(Organization, pk=pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.review_organization(
                organization=organization,
                by=user,
                approve=approve,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(name)s: decision recorded.") % {"name": organization.name})
    return redirect("organization-review-queue")


@login_required
@require_http_methods(["GET", "POST"])
def accreditations(request: HttpRequest, slug: str) -> HttpResponse:
    """List the organisation's accreditations (GET); record or update one (POST)."""
    organization = access.coordinated_organization(request.user, slug)
    user = access.signed_in(request.user)
    form = AccreditationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.record_accreditation(organization=organization, by=user, **form.cleaned_data)
        messages.success(request, _("Accreditation saved."))
        return redirect("organization-accreditations", slug=slug)
    rows = organization.accreditations.select_related("election").order_by("-election__held_on")
    context = {"organization": organization, "form": form, "accreditations": rows}
    return render(request, "observers/organizations/accreditations.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def obstacles(request: HttpRequest, slug: str) -> HttpResponse:
    """List the organisation's obstacles log (GET); add an entry (POST)."""
    organization = access.coordinated_organization(request.user, slug)
    user = access.signed_in(request.user)
    form = ObstacleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.record_obstacle(organization=organization, by=user, **form.cleaned_data)
        messages.success(request, _("Obstacle recorded."))
        return redirect("organization-obstacles", slug=slug)
    rows = organization.obstacles.select_related("election", "recorded_by")
    context = {"organization": organization, "form": form, "obstacles": rows}
    return render(request, "observers/organizations/obstacles.html", context)


def _sign_up(form: SignUpForm) -> bool:
    """Run the sign-up service; True unless it refused (the reasons are then on the form)."""
    try:
        services.sign_up_organization(**form.submission())
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    return True


def _require_staff(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied("Only platform staff review organisations.")
