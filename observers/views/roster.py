"""Roster pages of an organisation's coordinators: the observers, add one, import a file.

Names and phones appear only here and on the other coordinator pages of the same organisation;
everything another organisation or the public sees uses the pseudonymous code. An import is a
dry run first (every row's errors, nothing written) and a confirmation that imports all rows
in one transaction, or none.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.form_errors import show_error
from observers import access
from observers.access import coordinator_scope
from observers.errors import RosterError, RosterImportError
from observers.forms.roster import (
    ConfirmImportForm,
    ObserverForm,
    RosterFileForm,
    confirmation_token,
)
from observers.models import Mandate, Membership, Observer, Organization
from observers.services import accounts, roster

PREVIEW_ROWS = 20


def _whole_organization(request: HttpRequest, slug: str) -> Organization:
    """The organisation, for its admins and coordinators not limited to a territory; else 403.

    The roster holds every observer's name and phone, and adding observers is an
    organisation-wide write (issue 12): a coordinator of one region reaches neither.
    """
    scope = coordinator_scope(request.user, slug)
    scope.require_whole_organization()
    return scope.organization


@login_required
@require_GET
def roster_list(request: HttpRequest, slug: str) -> HttpResponse:
    """List the organisation's observers: code, name, phone, account and live mandates."""
    organization = _whole_organization(request, slug)
    live = Q(mandates__in=Mandate.objects.live())
    observers = (
        organization.observers.select_related("user")
        .annotate(live_mandates=Count("mandates", filter=live))
        .order_by("-is_active", "display_name", "code")
    )
    admins = organization.memberships.filter(role=Membership.Role.ADMIN)
    is_admin = admins.filter(user=access.signed_in(request.user)).exists()
    context = {"organization": organization, "observers": observers, "is_admin": is_admin}
    return render(request, "observers/roster/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def roster_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the form for one observer (GET) or add them and go back to the roster (POST)."""
    organization = _whole_organization(request, slug)
    form = ObserverForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            observer = roster.add_observer(organization=organization, **form.cleaned_data)
        except RosterError as error:
            show_error(form, error)
        else:
            messages.success(request, _added(observer))
            return redirect("roster-list", slug=organization.slug)
    return render(request, "observers/roster/add.html", {"organization": organization, "form": form})


def _added(observer: Observer) -> str:
    if observer.user is None:
        return _("Observer %(code)s added.") % {"code": observer.code}
    added = _("Observer %(code)s added; they log in as %(username)s.")
    return added % {"code": observer.code, "username": observer.user.get_username()}


@login_required
@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the upload form (GET) or dry-run an uploaded roster and report its errors (POST)."""
    organization = _whole_organization(request, slug)
    form = RosterFileForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"organization": organization, "form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        check = roster.check_roster(organization=organization, content=upload.read(), filename=upload.name)
        context.update(_report(organization, check.rows, check.errors))
    return render(request, "observers/roster/import.html", context)


@login_required
@require_POST
def roster_import_confirm(request: HttpRequest, slug: str) -> HttpResponse:
    """Import the rows of a clean dry run in one transaction; on any error import none and say why."""
    organization = _whole_organization(request, slug)
    confirm = ConfirmImportForm(request.POST, organization=organization)
    if not confirm.is_valid():
        messages.error(
            request, " ".join(str(e) for e in confirm.errors.get("token", [_("Upload the file again.")]))
        )
        return redirect("roster-import", slug=organization.slug)
    try:
        imported = roster.import_roster(organization=organization, rows=confirm.cleaned_data["token"])
    except RosterImportError as error:
        context = {"organization": organization, "form": RosterFileForm()}
        context.update(_report(organization, [], error.errors))
        return render(request, "observers/roster/import.html", context)
    messages.success(request, _("%(count)s observers imported.") % {"count": len(imported)})
    return redirect("roster-list", slug=organization.slug)


def _report(organization: Organization, rows: list[roster.RosterRow], errors: list[roster.RowError]) -> dict:
    """Template context of a dry run: the errors, or the rows and a confirmation form when clean."""
    if errors:
        return {"checked": True, "errors": errors}
    token = confirmation_token(organization, rows)
    confirm = ConfirmImportForm(initial={"token": token}, organization=organization)
    return {
        "checked": True,
        "errors": [],
        "rows": rows[:PREVIEW_ROWS],
        "count": len(rows),
        "confirm": confirm,
    }


@login_required
@require_POST
def roster_observer_action(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    """An admin's change to one observer's account: deactivate, reactivate or revoke their API tokens."""
    organization = access.administered_organization(request.user, slug)
    observer = get_object_or_404(organization.observers, pk=pk)
    user = access.signed_in(request.user)
    if action == "revoke":
        count = accounts.revoke_observer_tokens(organization=organization, by=user, observer=observer)
        revoked = _("%(count)s API tokens of %(code)s revoked.")
        messages.success(request, revoked % {"count": count, "code": observer.code})
    else:
        active = action == "reactivate"
        accounts.set_observer_active(organization=organization, by=user, observer=observer, active=active)
        done = (
            _("%(code)s can work again.")
            if active
            else _("%(code)s is deactivated; their tokens are revoked.")
        )
        messages.success(request, done % {"code": observer.code})
    return redirect("roster-list", slug=organization.slug)


@login_required
@require_POST
def roster_observer_token(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Issue an API token for an observer's device and show it once (never stored in the clear)."""
    organization = access.administered_organization(request.user, slug)
    observer = get_object_or_404(organization.observers, pk=pk)
    user = access.signed_in(request.user)
    try:
        token = accounts.issue_observer_token(organization=organization, by=user, observer=observer)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("roster-list", slug=organization.slug)
    context = {"organization": organization, "observer": observer, "token": token}
    response = render(request, "observers/roster/token.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
