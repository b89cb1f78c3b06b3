"""Election-night dashboard: coverage live, progress, call list, station map; process statistics.

Thin views: the organisation comes from observers.access (403 for anyone who coordinates none),
a territory coordinator sees only their region or TEC, the figures come from tallies.selectors.
The page's script (static/js/dashboard.js) polls `dashboard_json` every 30 s; both answers carry
observers' phones, so neither may be cached.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from config.outbox import NOT_STARTED, enqueue_asked
from elections.models import Contest
from observers.access import chosen_scope
from tallies import tasks
from tallies.selectors import dashboard as selectors
from tallies.selectors import process_stats
from tallies.selectors.coalition_deployment import deployment
from tallies.selectors.coverage import CoverageScope

POLL_SECONDS = 30
STATION_PLACEHOLDER = 999_999_999  # replaced by a station id in the script


def _coverage_scope(request: HttpRequest, contest_id: int) -> CoverageScope:
    """The user's organisation, the contest and their territory; PermissionDenied, Http404."""
    coordinator = chosen_scope(request)
    contest = get_object_or_404(Contest.objects.select_related("election"), pk=contest_id)
    return CoverageScope(coordinator.organization, contest, coordinator.territory)


@login_required
@require_GET
@never_cache
def dashboard_page(request: HttpRequest, contest_id: int) -> HttpResponse:
    """Show coverage by status, region and TEC, its progress, the call list, shares and the map."""
    scope = _coverage_scope(request, contest_id)
    board = selectors.dashboard(scope)
    unlocated_count, unlocated = selectors.unlocated_stations(scope)
    partner_count, doubled, partner_rows = deployment(scope)
    context = {
        "scope": scope,
        "contest": scope.contest,
        "board": board,
        "statuses": selectors.status_legend(),
        "unlocated_count": unlocated_count,
        "unlocated": unlocated,
        "map_note": selectors.map_note(scope),
        "partner_count": partner_count,
        "partner_doubled": doubled,
        "partner_rows": partner_rows,
        "initial": board.as_json(),
        "config": _config(scope),
        "time_zone": scope.contest.election.time_zone,
    }
    return render(request, "tallies/dashboard/page.html", context)


def _config(scope: CoverageScope) -> dict[str, object]:
    """What the script needs besides the data: where to poll, labels in the active language."""
    contest_id = scope.contest.pk
    return {
        "data_url": reverse("dashboard-data", args=[contest_id]),
        "stations_url": reverse("dashboard-stations", args=[contest_id]),
        "station_url": reverse("results-station", args=[contest_id, STATION_PLACEHOLDER]),
        "placeholder": str(STATION_PLACEHOLDER),
        "poll_seconds": POLL_SECONDS,
        "statuses": selectors.status_legend(),
        "labels": selectors.chart_labels(),
        "decimal_separator": formats.get_format("DECIMAL_SEPARATOR"),  # as the page's own numbers
    }


@login_required
@require_GET
@never_cache
def dashboard_json(request: HttpRequest, contest_id: int) -> JsonResponse:
    """Return the dashboard's counts, progress, call list and shares as JSON (what the page polls)."""
    return JsonResponse(selectors.dashboard(_coverage_scope(request, contest_id)).as_json())


@login_required
@require_GET
@never_cache
def dashboard_stations(request: HttpRequest, contest_id: int) -> JsonResponse:
    """Return the located stations in scope: {"stations": [[id, number, lat, lng, status], ...]}."""
    return JsonResponse({"stations": selectors.map_stations(_coverage_scope(request, contest_id))})


@login_required
@require_POST
def dashboard_record(request: HttpRequest, contest_id: int) -> HttpResponse:
    """Ask Celery to record a coverage sample now (a point of the progress chart).

    The sample covers every territory of the organisation: a whole-organisation write (403 else).
    """
    chosen_scope(request).require_whole_organization()
    scope = _coverage_scope(request, contest_id)
    if enqueue_asked(
        tasks.record_coverage, organization_id=scope.organization.pk, election_id=scope.contest.election_id
    ):
        messages.info(request, _("Coverage is being recorded; the chart shows it at the next update."))
    else:
        messages.error(request, NOT_STARTED)
    return redirect("dashboard", contest_id=contest_id)


@login_required
@require_GET
def process_page(request: HttpRequest, contest_id: int) -> HttpResponse:
    """Show checklist problems by stage and region, and violation acts by stage, category, region."""
    scope = _coverage_scope(request, contest_id)
    violations = process_stats.violation_stats(scope)
    context = {
        "scope": scope,
        "contest": scope.contest,
        "stages": process_stats.checklist_stats(scope),
        "violations": violations,
        "reviews": process_stats.review_choices(),
        "violations_chart": process_stats.violations_chart(violations),
        "time_zone": scope.contest.election.time_zone,
    }
    return render(request, "tallies/dashboard/process.html", context)
