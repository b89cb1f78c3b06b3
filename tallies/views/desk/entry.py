"""Copies typed at the desk: a phone-in on an observer's behalf, a blind entry and its diff."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from config.form_errors import show_on_form
from observers.models import Evidence
from tallies.errors import FieldError, IdempotencyConflict
from tallies.forms.desk import BlindEntryForm, PhoneInForm, ResolveForm
from tallies.models import ProtocolCopy
from tallies.selectors import desk as selectors
from tallies.services import desk
from tallies.services.submission import SubmittedCopy
from tallies.views.desk.common import DeskScope, scoped_copy, station_url


@login_required
@require_http_methods(["GET", "POST"])
def phone_in(request: HttpRequest, contest_id: int) -> HttpResponse:
    """Show the phone-in form (GET) or store the dictated copy and open its station (POST)."""
    scope = DeskScope(request, contest_id)
    contest, organization = scope.contest, scope.organization
    if request.method == "GET":
        initial = {"client_uuid": uuid.uuid4(), **_prefill(request)}
        form = PhoneInForm(initial=initial, contest=contest, organization=organization)
    else:
        form = PhoneInForm(request.POST, contest=contest, organization=organization)
        if form.is_valid() and stored_or_refused(
            request, form, lambda: desk.phone_in(**form.submission(), by=request.user)
        ):
            return redirect(reverse("desk-station", args=[scope.contest.pk, form.cleaned_data["station"].pk]))
    return render(request, "tallies/desk/phone_in.html", {"contest": scope.contest, "form": form})


def _prefill(request: HttpRequest) -> dict[str, str]:
    """The observer and station given in the query string (?observer=&station=), if any."""
    found = {key: request.GET.get(key, "") for key in ("observer", "station")}
    return {key: value for key, value in found.items() if value.isdigit()}


def stored_or_refused(request: HttpRequest, form: Form, submit: Callable[[], SubmittedCopy]) -> bool:
    """Run a copy-storing service; on a refusal put it on the form and return False."""
    try:
        submitted = submit()
    except FieldError as error:
        number_for_station = (
            error.field == "station" and "number" in form.fields and not form["station"].value()
        )
        show_on_form(form, "number" if number_for_station else error.field, error.message)
        return False
    except IdempotencyConflict:
        form.add_error(None, _("This page was already sent for another copy. Check it and send again."))
        data = cast(QueryDict, form.data).copy()
        data["client_uuid"] = str(uuid.uuid4())  # only a fresh key can store a different copy
        form.data = data
        return False
    if not submitted.created:
        messages.info(request, _("This copy had already been received; nothing was changed."))
    else:
        messages.success(request, _("The copy is stored."))
    return True


@login_required
@require_http_methods(["GET", "POST"])
def blind_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """Show empty figure fields next to the copy's photos (GET), or store the blind entry (POST)."""
    copy = scoped_copy(request, pk)
    if desk.blind_entry_of(copy) is not None and request.method == "GET":
        return redirect("desk-blind-diff", pk=copy.pk)
    if request.method == "GET":
        form = BlindEntryForm(initial={"client_uuid": uuid.uuid4()}, contest=copy.contest)
    else:
        form = BlindEntryForm(request.POST, contest=copy.contest)

        def store() -> SubmittedCopy:
            data = form.cleaned_data
            return desk.blind_entry(
                copy=copy, client_uuid=data["client_uuid"], by=request.user, **form.figures()
            )

        if form.is_valid() and stored_or_refused(request, form, store):
            return redirect("desk-blind-diff", pk=copy.pk)
    photos = copy.photos.filter(evidence__status=Evidence.Status.READY).select_related("evidence")
    context = {"copy": copy, "contest": copy.contest, "form": form, "photos": photos}
    return render(request, "tallies/desk/blind_entry.html", context)


@login_required
@require_http_methods(["GET"])
def blind_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the lines where the blind entry differs from the copy, each with a resolve form."""
    copy = scoped_copy(request, pk)
    entry = desk.blind_entry_of(copy)
    if entry is None:
        raise Http404("no blind entry of this copy yet")
    rows = [
        (row, _diff_form(copy, entry, row, request.get_full_path()))
        for row in selectors.blind_diff(copy, entry)
    ]
    context = {"copy": copy, "entry": entry, "contest": copy.contest, "rows": rows}
    return render(request, "tallies/desk/blind_diff.html", context)


def _diff_form(copy: ProtocolCopy, entry: ProtocolCopy, row: selectors.DiffRow, next_url: str) -> ResolveForm:
    options = [
        (copy.pk, _("%(value)s, as on the copy") % {"value": row.copy_value}),
        (entry.pk, _("%(value)s, as in the blind entry") % {"value": row.entry_value}),
    ]
    auto_id = f"id_{row.code.replace('.', '_')}_%s"
    return ResolveForm(initial={"code": row.code, "next": next_url}, options=options, auto_id=auto_id)


@login_required
@require_POST
def blind_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm that the blind entry matches the copy: every figure is marked verified by photo."""
    copy = scoped_copy(request, pk)
    try:
        desk.confirm_blind_entry(copy=copy, by=request.user)
    except FieldError as error:
        messages.error(request, error.message)
        return redirect("desk-blind-diff", pk=copy.pk)
    messages.success(request, _("The blind entry matches: every figure of the copy is marked verified."))
    return redirect(station_url(copy))
