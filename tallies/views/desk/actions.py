"""Desk actions on a copy or a station (POST only): quarantine, release, verify a line, resolve a
line, accept one copy for all of a station's disputed lines."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from elections.models import PollingStation
from tallies.forms.desk import AcceptCopyForm, QuarantineForm, ReleaseForm, ResolveForm, VerifyForm
from tallies.models import ProtocolCopy, Quarantine
from tallies.services import desk
from tallies.views.desk.common import DeskScope, act, coordinator_scope, scoped_copy, station_url


@login_required
@require_POST
def copy_quarantine(request: HttpRequest, pk: int) -> HttpResponse:
    """Hold a copy out of the tally, with a reason."""
    copy = scoped_copy(request, pk)

    def action(data: dict[str, Any]) -> object:
        return desk.quarantine(copy=copy, scope=data["scope"], reason=data["reason"], by=request.user)

    return act(
        request, QuarantineForm(request.POST), action, station_url(copy), _("The copy is in quarantine.")
    )


@login_required
@require_POST
def quarantine_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Release a quarantine, with a reason: the copy counts again."""
    organization, _territory = coordinator_scope(request)
    held = get_object_or_404(Quarantine, pk=pk, copy__organization=organization)
    copy = scoped_copy(request, held.copy_id)

    def action(data: dict[str, Any]) -> object:
        return desk.release(quarantine=held, reason=data["reason"], by=request.user)

    return act(request, ReleaseForm(request.POST), action, station_url(copy), _("The copy is released."))


@login_required
@require_POST
def copy_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one figure of a copy as checked against the photo or by call-back."""
    copy = scoped_copy(request, pk)

    def action(data: dict[str, Any]) -> object:
        return desk.verify_line(
            copy=copy, code=data["code"], method=data["method"], note=data["note"], by=request.user
        )

    form = VerifyForm(request.POST, contest=copy.contest)
    return act(request, form, action, station_url(copy), _("The figure is marked as verified."))


@login_required
@require_POST
def station_resolve(request: HttpRequest, contest_id: int, station_id: int) -> HttpResponse:
    """Settle one disputed line of a station with a copy's value or another value."""
    scope = DeskScope(request, contest_id)
    station = scope.station(station_id)
    copies = (
        ProtocolCopy.objects.current().of(scope.organization).filter(contest=scope.contest, station=station)
    )
    form = ResolveForm(request.POST, options=[(copy.pk, str(copy.pk)) for copy in copies])

    def action(data: dict[str, Any]) -> object:
        chosen = copies.get(pk=data["chosen_copy"]) if data["chosen_copy"] is not None else None
        return desk.resolve_conflict(
            organization=scope.organization, station=station, contest=scope.contest, code=data["code"],
            value=data["value"], chosen_copy=chosen, reason=data["reason"], by=request.user,
        )  # fmt: skip

    return act(request, form, action, _back(request, scope, station), _("The line is resolved."))


def _back(request: HttpRequest, scope: DeskScope, station: PollingStation) -> str:
    """The page the form came from (?next, same host only), else the station's desk page."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("desk-station", args=[scope.contest.pk, station.pk])
    return back


@login_required
@require_POST
def station_accept_copy(request: HttpRequest, contest_id: int, station_id: int) -> HttpResponse:
    """Settle every disputed line of a station with one copy's values and one reason."""
    scope = DeskScope(request, contest_id)
    station = scope.station(station_id)
    copies = (
        ProtocolCopy.objects.current().of(scope.organization).filter(contest=scope.contest, station=station)
    )
    form = AcceptCopyForm(request.POST, options=[(copy.pk, str(copy.pk)) for copy in copies])

    def action(data: dict[str, Any]) -> object:
        return desk.accept_copy(
            organization=scope.organization, station=station, contest=scope.contest,
            chosen_copy=copies.get(pk=data["chosen_copy"]), reason=data["reason"], by=request.user,
        )  # fmt: skip

    return act(
        request, form, action, _back(request, scope, station), _("The station's disputed lines are resolved.")
    )
