"""Photo-only copies at the desk: a coordinator's blind entry beside the photo, and a third
coordinator's settlement of the lines where the two entries differ (tallies.services.desk)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.form_errors import show_error
from observers.models import Evidence
from tallies.errors import FieldError
from tallies.forms.desk import BlindEntryForm, SettleTranscriptionForm
from tallies.models import CopyPhoto, ProtocolCopy
from tallies.selectors.desk.figures import labels
from tallies.selectors.layout import Layout
from tallies.services import desk
from tallies.services.desk.transcription import ENTRIES, differences, entries_of
from tallies.services.submission import SubmittedCopy
from tallies.views.desk.common import scoped_copy
from tallies.views.desk.entry import stored_or_refused


@login_required
@require_http_methods(["GET", "POST"])
def transcribe(request: HttpRequest, pk: int) -> HttpResponse:
    """Show empty figure fields beside the copy's photos (GET), or store this coordinator's entry (POST).

    The other entry's figures are never shown here; with both entries typed the page sends the
    coordinator to the settlement of the differences (or the queue, when they agreed).
    """
    copy = scoped_copy(request, pk)
    if request.method == "GET" and len(entries_of(copy)) >= ENTRIES:
        return redirect("desk-transcription-settle", pk=copy.pk)
    if request.method == "GET":
        form = BlindEntryForm(
            initial={"client_uuid": uuid.uuid4()}, contest=copy.contest, missing_allowed=True
        )
    else:
        form = BlindEntryForm(request.POST, contest=copy.contest, missing_allowed=True)

        def store() -> SubmittedCopy:
            data = form.cleaned_data
            return desk.transcribe_photo_copy(
                copy=copy,
                client_uuid=data["client_uuid"],
                by=request.user,
                missing=form.missing(),
                **form.figures(),
            )

        if form.is_valid() and stored_or_refused(request, form, store):
            return _after_entry(request, copy)
    context = {"copy": copy, "contest": copy.contest, "form": form, "photos": _photos(copy)}
    return render(request, "tallies/desk/transcribe.html", context)


def _after_entry(request: HttpRequest, copy: ProtocolCopy) -> HttpResponse:
    """Say what the entry led to and go back to the queue (or on to the settlement)."""
    entries = entries_of(copy)
    queue = reverse("desk-queue", args=[copy.contest_id, "photos"])
    if len(entries) < ENTRIES:
        messages.info(request, _("Your entry is stored. A second coordinator types the photo too."))
    elif ProtocolCopy.objects.filter(revises=copy).exists():
        messages.success(request, _("Both entries agree: the figures are stored as the observer's copy."))
    else:
        messages.warning(
            request, _("The two entries differ: a third coordinator settles the differing lines.")
        )
    return redirect(queue)


@login_required
@require_http_methods(["GET", "POST"])
def settle(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the lines where the two entries differ beside the photo (GET), or settle them (POST)."""
    copy = scoped_copy(request, pk)
    entries = entries_of(copy)
    if len(entries) < ENTRIES:
        messages.info(request, _("This copy does not have its two entries yet."))
        return redirect("desk-queue", copy.contest_id, "photos")
    revision = ProtocolCopy.objects.filter(revises=copy).first()
    differing = differences(entries)
    names = labels(Layout.of(copy.contest))
    form = SettleTranscriptionForm(request.POST or None, differing=differing, labels=names)
    if revision is None and request.method == "POST" and form.is_valid():
        try:
            revision = desk.settle_transcription(
                copy=copy, values=form.values(), reason=form.cleaned_data["reason"], by=request.user
            )
        except FieldError as error:
            show_error(form, error)
        else:
            messages.success(
                request, _("The differences are settled: the figures are stored as the observer's copy.")
            )
            return redirect("desk-queue", copy.contest_id, "photos")
    context = {
        "copy": copy,
        "contest": copy.contest,
        "form": form,
        "entries": entries,
        "revision": revision,
        "photos": _photos(copy),
    }
    return render(request, "tallies/desk/transcription_settle.html", context)


def _photos(copy: ProtocolCopy) -> list[CopyPhoto]:
    ready = copy.photos.filter(evidence__status=Evidence.Status.READY).select_related("evidence")
    return list(ready)
