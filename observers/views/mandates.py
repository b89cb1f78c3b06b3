"""Mandate pages: coordinators issue mandates, record their history, read the funnel; observers see theirs.

Thin: forms check the shape, observers.services.mandates the rules (transitions, stations,
reasons); its MandateError is shown next to the field it names. A coordinator limited to a
territory sees and issues only mandates for stations in it; an observer sees only their own
mandates (others are 404) and may record only what happened to them at the station.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from config.form_errors import show_error
from config.spreadsheet_text import safe_text
from elections.models import Commission, Election, stations_within
from observers.access import CoordinatorScope, coordinator_scope, observer_for
from observers.errors import MandateError
from observers.forms.mandates import ElectionForm, EventForm, FunnelForm, IssueMandateForm
from observers.models import Mandate, MandateEvent, Organization
from observers.services import funnel
from observers.services import mandates as service


@login_required
@require_http_methods(["GET", "POST"])
def mandate_list(request: HttpRequest, slug: str) -> HttpResponse:
    """List an election's mandates (GET ?election=) and issue a new one (POST)."""
    scope = coordinator_scope(request.user, slug)
    organization, territory = scope.organization, scope.territory
    default = funnel.funnel_elections(organization).first()
    choice = ElectionForm(request.GET or None, elections=Election.objects.all(), default=default)
    election = choice.chosen()
    form = None
    if election is not None:
        data = request.POST if request.method == "POST" else None
        form = IssueMandateForm(data, organization=organization, election=election, territory=territory)
        if data is not None and _issue(request, form, organization, election):
            return redirect(f"{request.path}?election={election.pk}")
    context = {
        "organization": organization,
        "territory": territory,  # a coordinator of one territory: no roster link (organisation-wide)
        "choice": choice,
        "election": election,
        "form": form,
        "mandates": _mandates(organization, territory).filter(election=election).prefetch_related("stations"),
    }
    return render(request, "observers/mandates/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def mandate_manage(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Show a mandate's history to a coordinator (GET) and record a status change (POST)."""
    scope = coordinator_scope(request.user, slug)
    organization = scope.organization
    mandate = get_object_or_404(_mandates(organization, scope.territory), pk=pk)
    form = EventForm(request.POST or None, mandate=mandate, statuses=service.allowed_statuses(mandate))
    if request.method == "POST" and form.is_valid() and _record(request, form, mandate):
        return redirect("organization-mandate", slug=organization.slug, pk=mandate.pk)
    context = {"organization": organization, "mandate": mandate, "form": form, "events": _events(mandate)}
    return render(request, "observers/mandates/manage.html", context)


@login_required
@require_GET
def my_mandates(request: HttpRequest) -> HttpResponse:
    """List the observer's own mandates, live ones first, with their stations and status."""
    observer = observer_for(request.user)
    own = observer.mandates.select_related("election").prefetch_related("stations__pec__parent")
    live = set(own.live().values_list("pk", flat=True))
    rows = sorted(own, key=lambda mandate: mandate.pk not in live)
    return render(request, "observers/mandates/mine.html", {"observer": observer, "rows": rows, "live": live})


@login_required
@require_http_methods(["GET", "POST"])
def mandate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one of the observer's mandates (GET) and record what happened at the station (POST)."""
    observer = observer_for(request.user)
    mandate = get_object_or_404(observer.mandates.select_related("election"), pk=pk)
    statuses = [s for s in service.allowed_statuses(mandate) if s in service.OBSERVER_STATUSES]
    form = EventForm(request.POST or None, mandate=mandate, statuses=statuses)
    if request.method == "POST" and form.is_valid() and _record(request, form, mandate, observer=True):
        return redirect("mandate-detail", pk=mandate.pk)
    context = {"mandate": mandate, "form": form if statuses else None, "events": _events(mandate)}
    return render(request, "observers/mandates/detail.html", context)


def _mandates(organization: Organization, territory: Commission | None) -> QuerySet[Mandate]:
    """The organisation's mandates a coordinator may see: those with a station in their territory."""
    mandates = Mandate.objects.filter(organization=organization).select_related("observer", "election")
    if territory is None:
        return mandates
    return mandates.filter(pk__in=Mandate.objects.filter(stations_within(territory, "stations__")))


def _events(mandate: Mandate) -> QuerySet[MandateEvent]:
    return mandate.events.select_related("station", "contest", "recorded_by")


def _issue(
    request: HttpRequest, form: IssueMandateForm, organization: Organization, election: Election
) -> bool:
    """Issue the form's mandate; on a refusal put the reason on the form and return False."""
    if not form.is_valid():
        return False
    try:
        mandate = service.issue_mandate(
            organization=organization,
            observer=form.cleaned_data["observer"],
            election=election,
            stations=form.cleaned_data["stations"],
            issued_by=request.user,
        )
    except MandateError as error:
        show_error(form, error)
        return False
    messages.success(request, _("Mandate issued to %(code)s.") % {"code": mandate.observer.code})
    return True


def _record(request: HttpRequest, form: EventForm, mandate: Mandate, observer: bool = False) -> bool:
    """Record the form's event as the observer or a coordinator; on a refusal show why, return False."""
    try:
        if observer:
            service.record_observer_event(
                observer=observer_for(request.user), mandate=mandate, **form.event()
            )
        else:
            service.record_event(mandate=mandate, recorded_by=request.user, **form.event())
    except MandateError as error:
        show_error(form, error)
        return False
    messages.success(request, _("Recorded."))
    return True


@login_required
@require_GET
def funnel_report(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the deployment funnel (HAQ's columns) of an election by region or TEC, with totals."""
    scope = coordinator_scope(request.user, slug)
    organization = scope.organization
    form, table = _funnel(request, scope)
    context = {"organization": organization, "form": form, "table": table, "query": request.GET.urlencode()}
    return render(request, "observers/mandates/funnel.html", context)


@login_required
@require_GET
def funnel_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """Download the funnel as CSV (UTF-8 with a BOM, so that Excel reads Cyrillic names)."""
    scope = coordinator_scope(request.user, slug)
    organization = scope.organization
    table = _funnel(request, scope)[1]
    if table is None:
        raise Http404("no mandates in any election")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="funnel-{organization.slug}-{table.level}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([str(title) for title in FUNNEL_COLUMNS])
    for row in [*table.rows, table.total]:
        name = row.commission.name if row.commission else _("Total")
        writer.writerow([safe_text(name), *row.counts()])  # names come from imported files
    return response


FUNNEL_COLUMNS = [
    gettext_lazy("Commission"),
    gettext_lazy("Mandates sent"),
    gettext_lazy("Handed out"),
    gettext_lazy("PECs covered"),
    gettext_lazy("Protocols"),
    gettext_lazy("Protocols withdrawn or not admitted"),
]


def _funnel(request: HttpRequest, scope: CoordinatorScope) -> tuple[FunnelForm, funnel.Funnel | None]:
    """The GET form and the funnel it asks for (None when the organisation has issued no mandate)."""
    organization = scope.organization
    form = FunnelForm(request.GET or None, elections=funnel.funnel_elections(organization))
    election = form.chosen()
    if election is None:
        return form, None
    table = funnel.deployment_funnel(
        organization=organization, election=election, level=form.chosen_level(), within=scope.territory
    )
    return form, table
