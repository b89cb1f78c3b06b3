"""Phone pages of a station visit: my stations, check in, stages, count start, checklists, check out.

Thin: forms check shape, observers.services.visits checks the rules and its FieldWorkError is
shown as a message. An observer sees only their own visits (others are 404); a station can be
checked in at only under a live mandate. Recording "not admitted" is a mandate event, on the
mandate's page (observers/views/mandates.py), linked from each station.
"""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.form_errors import show_error
from observers.access import observer_for
from observers.errors import FieldWorkError
from observers.forms.visits import CheckInForm, ChecklistForm, LocalTimeForm, StageForm
from observers.models import ChecklistItem, Mandate, Observer, Visit
from observers.models.visits import Stage
from observers.services import visits as service

VISIT_STAGES = [Stage.OPENING, Stage.VOTING, Stage.MOBILE_VOTING, Stage.COUNTING, Stage.TABULATION]


@login_required
@require_GET
def visit_list(request: HttpRequest) -> HttpResponse:
    """List the stations of the observer's live mandates (check in there) and their visits."""
    observer = observer_for(request.user)
    open_at = {visit.station_id: visit for visit in _own_visits(observer).filter(checked_out_at=None)}
    rows = [
        (station, open_at.get(station.pk), reverse("mandate-detail", args=[mandate.pk]))
        for mandate, station in _mandated_stations(observer)
    ]
    context = {"rows": rows, "visits": _own_visits(observer)[:50]}
    return render(request, "observers/visits/list.html", context)


@login_required
@require_POST
def visit_check_in(request: HttpRequest) -> HttpResponse:
    """Check in at a station of a live mandate and open the visit page."""
    observer = observer_for(request.user)
    form = CheckInForm(request.POST)
    if not form.is_valid():
        raise Http404("no such polling station")
    try:
        visit, _created = service.check_in(
            observer=observer,
            station=form.cleaned_data["station"],
            client_uuid=form.cleaned_data["client_uuid"] or uuid.uuid4(),  # a page cached without one
        )
    except FieldWorkError as error:
        messages.error(request, error.message)
        return redirect("visit-list")
    return redirect("visit-detail", pk=visit.pk)


@login_required
@require_GET
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a visit: stages observed, checklist links, count start, problems found, check-out."""
    visit = _visit(request, pk)
    count_form = LocalTimeForm(initial=_local_initial(visit))
    return render(request, "observers/visits/detail.html", _detail_context(visit, count_form))


@login_required
@require_POST
def visit_stage(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a stage as observed during the visit, or unmark it."""
    visit = _visit(request, pk)
    form = StageForm(request.POST)
    if form.is_valid():
        service.set_stage(
            visit=visit, stage=form.cleaned_data["stage"], observed=form.cleaned_data["observed"]
        )
    return redirect("visit-detail", pk=visit.pk)


@login_required
@require_POST
def visit_count_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Record when the count started, typed in the election's local time."""
    visit = _visit(request, pk)
    form = LocalTimeForm(request.POST)
    if not form.is_valid():
        return render(request, "observers/visits/detail.html", _detail_context(visit, form), status=400)
    service.record_count_start(visit=visit, started_at=form.local_datetime())
    messages.success(request, _("The start of the count is recorded."))
    return redirect("visit-detail", pk=visit.pk)


@login_required
@require_http_methods(["GET", "POST"])
def visit_checklist(request: HttpRequest, pk: int, stage: str) -> HttpResponse:
    """Show a stage's checklist with the latest answers (GET), or store the changed ones (POST)."""
    visit = _visit(request, pk)
    if stage not in VISIT_STAGES:
        raise Http404("no checklist for this stage")
    items = ChecklistItem.objects.filter(stage=stage).order_by("position")
    form = ChecklistForm(request.POST or None, items=items, latest=service.latest_answers(visit))
    if request.method == "POST" and form.is_valid():
        stored = _store_answers(request, visit, form)
        if stored is not None:
            messages.success(request, _("Answers saved: %(count)s changed.") % {"count": stored})
            return redirect("visit-detail", pk=visit.pk)
    context = {"visit": visit, "form": form, "stage_label": Stage(stage).label}
    return render(request, "observers/visits/checklist.html", context)


@login_required
@require_POST
def visit_check_out(request: HttpRequest, pk: int) -> HttpResponse:
    """Check out of the visit now."""
    visit = _visit(request, pk)
    try:
        service.check_out(visit=visit)
    except FieldWorkError as error:
        messages.error(request, error.message)
    return redirect("visit-list")


def _store_answers(request: HttpRequest, visit: Visit, form: ChecklistForm) -> int | None:
    try:
        return service.answer_all(visit=visit, answers=form.answers())
    except FieldWorkError as error:
        show_error(form, error)
        return None


def _own_visits(observer: Observer) -> QuerySet[Visit]:
    return Visit.objects.filter(observer=observer).select_related(
        "station__pec__parent", "station__pec__election"
    )


def _visit(request: HttpRequest, pk: int) -> Visit:
    return get_object_or_404(_own_visits(observer_for(request.user)), pk=pk)


def _mandated_stations(observer: Observer) -> list[tuple[Mandate, Any]]:
    """(mandate, station) for each station of a live mandate, under its newest mandate."""
    mandates = Mandate.objects.live_of(observer).prefetch_related(
        "stations__pec__parent", "stations__pec__election"
    )
    newest: dict[int, tuple[Mandate, Any]] = {}  # mandates come newest first
    for mandate in mandates:
        for station in mandate.stations.all():
            newest.setdefault(station.pk, (mandate, station))
    return list(newest.values())


def _local_initial(visit: Visit) -> dict[str, Any]:
    """The count start as local date and time, or the election day when not yet recorded."""
    election = visit.station.pec.election
    if visit.count_started_at is None:
        return {"date": election.held_on}
    local = visit.count_started_at.astimezone(ZoneInfo(election.time_zone))
    return {"date": local.date(), "time": local.time().replace(second=0, microsecond=0)}


def _detail_context(visit: Visit, count_form: LocalTimeForm) -> dict[str, Any]:
    stages = [(stage, stage.label, stage.value in visit.stages) for stage in VISIT_STAGES]
    return {
        "visit": visit,
        "stages": stages,
        "count_form": count_form,
        "problems": service.problems(visit),
        "time_zone": visit.station.pec.election.time_zone,
    }
