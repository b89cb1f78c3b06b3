"""Pages of violation acts: an observer files and follows acts on a phone; coordinators review them.

Thin: forms check shape, observers.services.violations checks the rules; its FieldWorkError is
shown next to the field it names. Every act is fetched through `visible_acts` within the
organisation the user works in (observers.access.working_scope), so an act of another
organisation, or of one the user coordinates but has not chosen, is a 404 whatever the URL.
The type list is filtered by stage by choosing the stage first (a plain link, no script).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.form_errors import show_error
from observers.access import CoordinatorScope, chosen_organization, observer_for, scope_rows, working_scope
from observers.errors import FieldWorkError
from observers.forms.violations import (
    ActForm,
    ComplaintForm,
    CoSignerForm,
    FilingForm,
    QueueFilterForm,
    ReviewForm,
)
from observers.models import ViolationAct
from observers.models.visits import Stage
from observers.selectors.violations import category_label
from observers.services import violations as service
from observers.services.visits import live_stations

FORM_FIELDS = {"occurred_at": "time", "cosigners": "cosigner_codes"}  # service field → form field


@login_required
@require_GET
def act_list(request: HttpRequest) -> HttpResponse:
    """List the acts the user may read (an observer's own and co-signed ones), newest first."""
    acts = service.visible_acts(request.user, working_scope(request))[:100]
    is_observer = hasattr(request.user, "observer")
    return render(request, "observers/violations/list.html", {"acts": acts, "is_observer": is_observer})


@login_required
@require_GET
def act_stage(request: HttpRequest) -> HttpResponse:
    """Ask the observer for the stage first, so the next page offers only that stage's types."""
    observer_for(request.user)
    return render(request, "observers/violations/stage.html", {"stages": Stage.choices})


@login_required
@require_http_methods(["GET", "POST"])
def act_new(request: HttpRequest, stage: str) -> HttpResponse:
    """Show the act form of a stage (GET) or file the act and open it (POST)."""
    observer = observer_for(request.user)
    if stage not in Stage.values:
        raise Http404("unknown stage")
    initial = {"client_uuid": uuid.uuid4()}  # the act's key: sending this page twice files one act
    form = ActForm(request.POST or None, initial=initial, stage=stage, stations=live_stations(observer))
    if request.method == "POST" and form.is_valid():
        filed = _attempt(form, lambda: service.file_act(observer=observer, **form.submission()))
        if filed is not None:
            messages.success(request, _("The act is filed. Your coordinator will review it."))
            return redirect("act-detail", pk=filed.act.pk)
    context = {"form": form, "stage_label": Stage(stage).label}
    return render(request, "observers/violations/form.html", context)


@login_required
@require_GET
def act_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show an act with its review, co-signers, complaint track, evidence and the forms allowed."""
    scope = working_scope(request)
    act = get_object_or_404(service.visible_acts(request.user, scope), pk=pk)
    return render(request, "observers/violations/detail.html", _detail_context(request, act, scope))


@login_required
@require_POST
def act_cosigner(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a co-signer to one of the observer's own acts."""
    act = get_object_or_404(_acts_of_author(request), pk=pk)
    form = CoSignerForm(request.POST)
    return _apply(request, act, form, lambda: service.add_cosigner(act=act, **form.cleaned_data))


@login_required
@require_POST
def act_filing(request: HttpRequest, pk: int) -> HttpResponse:
    """Record where the act stands with the PEC (author or coordinator)."""
    act = get_object_or_404(_editable_acts(request), pk=pk)
    form = FilingForm(request.POST)
    return _apply(request, act, form, lambda: service.set_filing(act=act, **form.cleaned_data))


@login_required
@require_POST
def act_complaint(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a step of the complaint track (author or coordinator)."""
    act = get_object_or_404(_editable_acts(request), pk=pk)
    form = ComplaintForm(request.POST)
    return _apply(request, act, form, lambda: service.add_complaint_step(act=act, **form.cleaned_data))


@login_required
@require_POST
def act_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Verify or reject a new act (coordinators of its organisation only)."""
    scope = working_scope(request)
    act = get_object_or_404(service.visible_acts(request.user, scope).filter(scope_rows(scope)), pk=pk)
    form = ReviewForm(request.POST)
    return _apply(
        request, act, form, lambda: service.review_act(act=act, reviewer=request.user, **form.cleaned_data)
    )


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """List the new acts of the coordinator's organisation, oldest first, by stage and region."""
    organization = chosen_organization(request)
    election_ids = ViolationAct.objects.filter(organization=organization).values("election_id")
    form = QueueFilterForm(request.GET or None, election_ids=election_ids)
    filters = form.cleaned_data if form.is_valid() else {}
    acts = service.review_queue(
        user=request.user,
        organization=organization,
        stage=filters.get("stage", ""),
        region=filters.get("region"),
    )
    context = {"organization": organization, "form": form, "acts": acts[:200]}
    return render(request, "observers/violations/queue.html", context)


def _attempt(form: Form, call: Any) -> Any:
    """Run a service call; on FieldWorkError put the message on the form and return None."""
    try:
        return call()
    except FieldWorkError as error:
        show_error(form, error, aliases=FORM_FIELDS)
        return None


def _apply(request: HttpRequest, act: ViolationAct, form: Form, call: Any) -> HttpResponse:
    """Run a service call on a valid form, then show the act again with the outcome."""
    if form.is_valid() and _attempt(form, call) is not None:
        messages.success(request, _("Saved."))
        return redirect("act-detail", pk=act.pk)
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, str(message))
    return redirect("act-detail", pk=act.pk)


def _acts_of_author(request: HttpRequest) -> QuerySet[ViolationAct]:
    return ViolationAct.objects.filter(observer=observer_for(request.user))


def _editable_acts(request: HttpRequest) -> QuerySet[ViolationAct]:
    scope = working_scope(request)
    editable = Q(observer__user_id=request.user.pk) | scope_rows(scope)
    return service.visible_acts(request.user, scope).filter(editable)


def _detail_context(
    request: HttpRequest, act: ViolationAct, scope: CoordinatorScope | None
) -> dict[str, Any]:
    is_author = act.observer.user_id == request.user.pk
    is_coordinator = ViolationAct.objects.filter(scope_rows(scope), pk=act.pk).exists()
    return {
        "act": act,
        "category": category_label(act.violation_type.category),
        "cosigners": act.cosigners.select_related("observer"),
        "complaints": act.complaints.order_by("filed_on", "id"),
        "evidence": act.evidence.all(),
        "is_author": is_author,
        "can_edit": is_author or is_coordinator,
        "can_review": is_coordinator and act.review == ViolationAct.Review.NEW,
        "cosigner_form": CoSignerForm(),
        "filing_form": FilingForm(initial={"filing": act.filing}),
        "complaint_form": ComplaintForm(),
        "review_form": ReviewForm(),
    }
