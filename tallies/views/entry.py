"""Web pages where an observer enters a protocol copy on a phone and gets a receipt.

Thin: CopyForm checks the shape, services.submit_protocol_copy the rules; its FieldError is
shown next to the field it names. The hidden client_uuid is made when the empty form is first
rendered, so a double tap or a resend of the same page returns the same copy. Photos sent
with the copy go through tallies.services.photos.submit_copy_with_photos.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.form_errors import show_error, show_on_form
from elections import relations
from elections.models import Contest, PollingStation
from observers.access import observer_for
from observers.errors import EvidenceRefused
from observers.models import Observer
from observers.services import visits
from tallies.errors import FieldError, IdempotencyConflict
from tallies.forms.entry import CopyForm, PhotoOnlyCopyForm, initial_for_revision
from tallies.models import ProtocolCopy
from tallies.selectors import home
from tallies.selectors.receipts import receipt_for
from tallies.services import photos


@login_required
@require_http_methods(["GET", "POST"])
def copy_new(request: HttpRequest, contest_id: int) -> HttpResponse:
    """Show the copy form for a contest (GET) or store the copy and redirect to its receipt (POST)."""
    observer = observer_for(request.user)
    contest = get_object_or_404(Contest.objects.select_related("election", "form"), pk=contest_id)
    mandated = visits.live_stations(observer)
    if request.method == "GET":
        initial = _initial(request, contest, observer)
        form = CopyForm(initial=initial, contest=contest, observer=observer, mandated=mandated)
    else:
        form = CopyForm(request.POST, request.FILES, contest=contest, observer=observer, mandated=mandated)
        copy = _submit(request, form, observer) if form.is_valid() else None
        if copy is not None:
            return redirect("copy-detail", pk=copy.pk)
    context = {"form": form, "contest": contest, "relations": relations.relation_data(contest.form)}
    return render(request, "tallies/entry/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def copy_photo_only(request: HttpRequest, contest_id: int) -> HttpResponse:
    """Show the "I only have a photo" form (GET) or store the photos as a copy awaiting
    transcription at the desk and redirect to its receipt (POST)."""
    observer = observer_for(request.user)
    contest = get_object_or_404(Contest.objects.select_related("election"), pk=contest_id)
    mandated = visits.live_stations(observer)
    if request.method == "GET":
        initial = {"client_uuid": uuid.uuid4(), **_initial_station(request)}
        form = PhotoOnlyCopyForm(initial=initial, contest=contest, mandated=mandated)
    else:
        form = PhotoOnlyCopyForm(request.POST, request.FILES, contest=contest, mandated=mandated)
        copy = _submit_photos(request, form, observer, contest) if form.is_valid() else None
        if copy is not None:
            return redirect("copy-detail", pk=copy.pk)
    return render(request, "tallies/entry/photo_only.html", {"form": form, "contest": contest})


def _initial_station(request: HttpRequest) -> dict[str, Any]:
    station = request.GET.get("station", "")
    return {"station": int(station)} if station.isdigit() else {}


def _submit_photos(
    request: HttpRequest, form: PhotoOnlyCopyForm, observer: Observer, contest: Contest
) -> ProtocolCopy | None:
    """Store the form's photos as a photo-only copy; on a refusal put the reason on the form."""
    data = form.cleaned_data
    try:
        submitted, added = photos.submit_photo_only_copy(
            observer=observer, contest=contest, station=data["station"], uploads=data["photos"],
            client_uuid=data["client_uuid"], channel=ProtocolCopy.Channel.WEB,
        )  # fmt: skip
    except (FieldError, EvidenceRefused) as error:
        show_error(form, error)
        return None
    except IdempotencyConflict:
        form.add_error(None, _("This page was already sent for another station. Check it and send again."))
        data = request.POST.copy()
        data["client_uuid"] = str(uuid.uuid4())
        form.data = data
        return None
    if not submitted.created:
        messages.info(request, _("These photos had already been received; only the new ones were added."))
    elif added:
        messages.success(
            request, _("The photos are stored. Two coordinators will type the figures from them.")
        )
    return submitted.copy


@login_required
def copy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the receipt of one of the observer's copies: figures and broken control relations."""
    copy = get_object_or_404(_own_copies(observer_for(request.user)), pk=pk)
    lines, options = _figure_rows(copy)
    context = {
        "copy": copy,
        "receipt": receipt_for(copy),
        "lines": lines,
        "options": options,
        "findings": copy.findings.select_related("relation"),
        "missing": any(value is None for _, value in lines + options),
        "revised_by": ProtocolCopy.objects.filter(revises=copy).first(),
        "photo_only": not any(value is not None for _, value in lines + options),
    }
    return render(request, "tallies/entry/detail.html", context)


@login_required
def copy_list(request: HttpRequest) -> HttpResponse:
    """List the observer's own copies, newest first, with their receipts and links to enter a new one."""
    observer = observer_for(request.user)
    copies = home.observer_copies(observer, limit=None)
    elections = visits.live_stations(observer).values("pec__election_id")
    contests = Contest.objects.filter(election_id__in=elections).select_related("election")
    contests = contests.order_by("-election__held_on", "id")  # only where a live mandate lets them send
    return render(request, "tallies/entry/list.html", {"copies": copies, "contests": contests})


def _submit(request: HttpRequest, form: CopyForm, observer: Observer) -> ProtocolCopy | None:
    """Store the form's copy and its photos; on a refusal put the reason on the form and return None."""
    try:
        submitted, added = photos.submit_copy_with_photos(
            observer=observer,
            submission=form.submission(),
            uploads=form.cleaned_data["photos"],
            user=request.user,
        )
    except FieldError as error:
        show_on_form(form, _form_field(form, error.field), error.message)
        return None
    except EvidenceRefused as refusal:  # on "photos": the form checked them, a file changed since
        show_error(form, refusal)
        return None
    except IdempotencyConflict:
        form.add_error(None, _("This page was already sent for another station. Check it and send again."))
        # Only a fresh key can store a different copy; the figures typed so far are kept.
        data = request.POST.copy()
        data["client_uuid"] = str(uuid.uuid4())
        form.data = data
        return None
    if not submitted.created and added:
        messages.info(request, _("This copy had already been received; only the new photos were added."))
    elif not submitted.created:
        messages.info(request, _("This copy had already been received; nothing was changed."))
    return submitted.copy


def _form_field(form: CopyForm, field: str) -> str | None:
    if field == "station" and form.chooses_from_mandates:
        return "station"
    if field == "station" and form.fixed_station() is None:
        return "number"
    return field


def _initial(request: HttpRequest, contest: Contest, observer: Observer) -> dict[str, Any]:
    initial: dict[str, Any] = {"client_uuid": uuid.uuid4()}
    if "revises" in request.GET:
        copies = ProtocolCopy.objects.sent_by(observer).filter(contest=contest)  # a colleague's: 404
        initial.update(initial_for_revision(get_object_or_404(copies, pk=_id_param(request, "revises"))))
    elif "station" in request.GET:
        stations = PollingStation.objects.filter(pec__election_id=contest.election_id)
        initial["station"] = get_object_or_404(stations, pk=_id_param(request, "station")).pk
    return initial


def _id_param(request: HttpRequest, name: str) -> int:
    value = request.GET.get(name, "")
    if not value.isdigit():
        raise Http404(f"{name} must be an id")
    return int(value)


def _own_copies(observer: Observer) -> QuerySet[ProtocolCopy]:
    return ProtocolCopy.objects.sent_by(observer).select_related(
        "station__pec__parent", "contest__election", "contest__form", "revises"
    )


def _figure_rows(copy: ProtocolCopy) -> tuple[list[tuple[str, int | None]], list[tuple[str, int | None]]]:
    """(“N. label”, count) per line and (name, votes) per option, in the order of the form."""
    figures = copy.figures()
    lines = [
        (f"{line.number}. {line.label}", figures.lines.get(line.code))
        for line in copy.contest.form.lines.all()
    ]
    options = [(option.local_name, figures.options.get(option.code)) for option in copy.contest.options.all()]
    return lines, options
