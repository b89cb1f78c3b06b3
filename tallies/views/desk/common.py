"""What every desk page needs: the coordinator's scope, scoped lookups, and running an action."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from elections.models import Commission, Contest, PollingStation
from observers import access
from observers.models import Organization
from tallies.errors import FieldError
from tallies.models import ProtocolCopy
from tallies.selectors import desk as selectors


class DeskScope:
    """The acting coordinator's organisation and territory (403 otherwise) and the page's contest."""

    def __init__(self, request: HttpRequest, contest_id: int) -> None:
        self.organization, self.territory = coordinator_scope(request)
        contests = Contest.objects.select_related("election", "form")
        self.contest: Contest = get_object_or_404(contests, pk=contest_id)

    def station(self, station_id: int) -> PollingStation:
        """A station of the contest's election inside the territory; 404 otherwise."""
        stations = PollingStation.objects.filter(selectors.station_filter(self.territory, None, prefix=""))
        stations = stations.select_related("pec__parent")
        return get_object_or_404(stations, pk=station_id, pec__election_id=self.contest.election_id)


def coordinator_scope(request: HttpRequest) -> tuple[Organization, Commission | None]:
    """The organisation the user coordinates and their territory; raise PermissionDenied otherwise."""
    scope = access.chosen_scope(request)
    return scope.organization, scope.territory


def scoped_copy(request: HttpRequest, pk: int) -> ProtocolCopy:
    """A copy of the user's organisation inside their territory; 404 otherwise, 403 for non-coordinators."""
    organization, territory = coordinator_scope(request)
    scope = Q(organization=organization) & selectors.station_filter(territory, None)
    copies = ProtocolCopy.objects.readable(desk=scope)  # a blind entry not yet settled: 404
    copies = copies.select_related("contest__election", "contest__form", "station__pec__parent", "observer")
    return get_object_or_404(copies, pk=pk)


def station_url(copy: ProtocolCopy) -> str:
    return reverse("desk-station", args=[copy.contest_id, copy.station_id])


def act(
    request: HttpRequest,
    form: forms.Form,
    action: Callable[[dict[str, Any]], object],
    back: str,
    done: str,
) -> HttpResponse:
    """Run a desk service with the form's data, show its refusal or `done`, and redirect to `back`."""
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(back)
    try:
        action(form.cleaned_data)
    except FieldError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(back)


def first_error(form: forms.Form) -> str:
    """The form's first error, prefixed with its field's label."""
    field, errors = next(iter(form.errors.items()))
    label = form.fields[field].label if field in form.fields else None
    return f"{label}: {errors[0]}" if label else str(errors[0])
