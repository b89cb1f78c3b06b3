"""Analysis pages: seats, quick count and forensics, read from stored runs; buttons to recompute.

Thin views: the organisation comes from observers.access (403 for non-coordinators, and for
coordinators limited to a territory: seats, quick count and forensics read and write the whole
organisation's data); samples and runs are the organisation's own (another's sample is a 404).
Runs are requested through tallies.services.analysis and computed in Celery; the pages say what
each figure is based on.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from elections.models import Contest
from observers.access import chosen_scope, signed_in
from observers.models import Organization
from tallies.forms.analysis import DrawSampleForm, SharesForm
from tallies.models import AnalysisRun, QuickCountSample
from tallies.selectors import analysis as selectors
from tallies.selectors.analysis import charts, tables
from tallies.services import analysis
from tallies.services.analysis.forensics import MIN_OBSERVER_STATIONS, OBSERVERS, OFFICIAL
from tallies.views.results import csv_response

PAGES = {"seats": "analysis-seats", "quick-count": "analysis-quick-count", "forensics": "analysis-forensics"}
KINDS = {
    "seats": AnalysisRun.Kind.SEATS,
    "quick-count": AnalysisRun.Kind.QUICK_COUNT,
    "forensics": AnalysisRun.Kind.FORENSICS,
}


def _organization_wide(request: HttpRequest, contest_id: int) -> tuple[Organization, Contest]:
    """The organisation a whole-organisation coordinator acts for, and the contest; 403, 404."""
    scope = chosen_scope(request)
    scope.require_whole_organization()
    contest = get_object_or_404(Contest.objects.select_related("election", "form"), pk=contest_id)
    return scope.organization, contest


def _page(request: HttpRequest, template: str, contest: Contest, context: dict[str, Any]) -> HttpResponse:
    footer = {"time_zone": contest.election.time_zone, "contest": contest}
    return render(request, f"tallies/analysis/{template}.html", {**footer, **context})


@login_required
def seats_page(request: HttpRequest, contest_id: int) -> HttpResponse:
    """Show the seats under the official and the observers' figures, and from shares entered."""
    organization, contest = _organization_wide(request, contest_id)
    state = selectors.run_state(organization, contest, AnalysisRun.Kind.SEATS, {})
    rows = selectors.seat_rows(contest, state.result)
    form, from_shares = _shares(request, contest)
    published = selectors.seats.published_shares(contest)
    context = {"state": state, "rows": rows, "rule": selectors.seat_rule(contest), "form": form}
    context |= {"from_shares": from_shares, "published": published, "chart": charts.seats_chart(rows)}
    context["share_rows"] = selectors.share_seat_rows(contest, from_shares) if from_shares else []
    context["published_query"] = urlencode(published.query()) if published else ""
    return _page(request, "seats", contest, context)


def _shares(request: HttpRequest, contest: Contest) -> tuple[SharesForm, dict[str, Any] | None]:
    """Read the shares form from the query string; allocate when it is valid and a rule exists."""
    parties = selectors.parties(contest)
    if not any(key.startswith("share_") for key in request.GET):
        return SharesForm(parties=parties), None
    form = SharesForm(request.GET, parties=parties)
    if not form.is_valid() or selectors.seat_rule(contest) is None:
        return form, None
    return form, analysis.seats_from_shares(contest=contest, shares=form.shares())


@login_required
def quick_count_page(request: HttpRequest, contest_id: int) -> HttpResponse:
    """Show the sample (draw and freeze it here) and the estimate from the sampled stations' reports."""
    organization, contest = _organization_wide(request, contest_id)
    page = selectors.quick_count_page(organization, contest)
    chart = charts.convergence_chart(contest, page.state.result)
    header, convergence = tables.convergence(contest, page)
    context = {"page": page, "state": page.state, "chart": chart, "convergence_header": header}
    context |= {
        "convergence": convergence,
        "form": DrawSampleForm(),
        "shown": selectors.quick_count.SAMPLE_SHOWN,
    }
    return _page(request, "quick_count", contest, context)


@login_required
@require_POST
def quick_count_draw(request: HttpRequest, contest_id: int) -> HttpResponse:
    """Draw a sample (refused once a sample is frozen) and go back to the quick-count page."""
    organization, contest = _organization_wide(request, contest_id)
    form = DrawSampleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("analysis-quick-count", contest_id=contest.pk)
    try:
        sample = analysis.draw_sample(
            organization=organization,
            contest=contest,
            created_by=signed_in(request.user),
            **form.cleaned_data,
        )
    except analysis.QuickCountError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Sample drawn with seed %(seed)d.") % {"seed": sample.seed})
    return redirect("analysis-quick-count", contest_id=contest.pk)


@login_required
@require_POST
def quick_count_freeze(request: HttpRequest, contest_id: int, sample_id: int) -> HttpResponse:
    """Freeze the organisation's latest sample; another organisation's sample is not found."""
    organization, contest = _organization_wide(request, contest_id)
    samples = QuickCountSample.objects.filter(organization=organization, contest=contest)
    sample = get_object_or_404(samples, pk=sample_id)
    try:
        analysis.freeze_sample(organization=organization, sample=sample)
    except analysis.QuickCountError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The sample is frozen: it can no longer be redrawn."))
    return redirect("analysis-quick-count", contest_id=contest.pk)


@login_required
def forensics_page(request: HttpRequest, contest_id: int) -> HttpResponse:
    """Show the forensic tests of the chosen source's station figures, as leads and not verdicts."""
    organization, contest = _organization_wide(request, contest_id)
    source, snapshot_id = _source(request.GET)
    page = selectors.forensics_page(organization, contest, source, snapshot_id)
    result = page.state.result
    context = {"page": page, "state": page.state, "min_observer_stations": MIN_OBSERVER_STATIONS}
    context["charts"] = {
        "fingerprint": charts.fingerprint_chart(result),
        "histogram": charts.histogram_chart(result),
        "tenths": charts.tenths_chart(page),
        "digits": charts.digits_chart(page),
    }
    return _page(request, "forensics", contest, context)


def _source(data: Any) -> tuple[str, int | None]:
    """Return the source ("official" or "observers") and the snapshot chosen, from GET or POST data."""
    source = OBSERVERS if data.get("source") == OBSERVERS else OFFICIAL
    snapshot = data.get("snapshot", "")
    return source, int(snapshot) if snapshot.isdigit() else None


@login_required
@require_POST
def run_analysis(request: HttpRequest, contest_id: int, page: str) -> HttpResponse:
    """Request a run for the page (reused when its inputs are unchanged) and go back to the page."""
    organization, contest = _organization_wide(request, contest_id)
    if page not in KINDS:
        raise Http404("No such analysis.")
    parameters, query = _parameters(request, page, organization, contest)
    try:
        run = analysis.request_run(
            organization=organization, contest=contest, kind=KINDS[page], parameters=parameters
        )
    except analysis.AnalysisError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _run_message(run))
    url = reverse(PAGES[page], args=[contest.pk])
    return redirect(f"{url}?{urlencode(query)}" if query else url)


def _parameters(
    request: HttpRequest, page: str, organization: Organization, contest: Contest
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the run's parameters and the query string that brings the page back to them."""
    if page == "forensics":
        source, snapshot_id = _source(request.POST)
        query = {"source": source, **({"snapshot": snapshot_id} if snapshot_id else {})}
        return {"source": source, "snapshot_id": snapshot_id}, query
    if page == "quick-count":
        sample = selectors.latest_sample(organization, contest)
        return {"sample_id": sample.pk if sample else None}, {}
    return {}, {}


def _run_message(run: AnalysisRun) -> str:
    if run.status == AnalysisRun.Status.DONE:
        return _("Up to date: computed from the data as they are now.")
    if run.status == AnalysisRun.Status.FAILED:
        return _("The computation failed: %(error)s") % {"error": run.error}
    return _("Computing: reload the page in a moment.")


EXPORTS = {
    "seats": ("seats", lambda c, p: selectors.seats_table(c, p.result)),
    "estimate": ("quick-count", lambda c, p: tables.estimate_table(p)),
    "convergence": ("quick-count", lambda c, p: tables.convergence(c, p)),
    "sample": ("quick-count", lambda c, p: tables.sample_table(p, _all_sampled(c, p))),
    "fingerprint": ("forensics", lambda c, p: tables.fingerprint_table(p)),
    "histogram": ("forensics", lambda c, p: tables.histogram_table(p)),
    "integer": ("forensics", lambda c, p: tables.tests_table(p)),
    "tenths": ("forensics", lambda c, p: tables.tenths_table(p)),
    "digits": ("forensics", lambda c, p: tables.digits_table(p)),
    "digit-tests": ("forensics", lambda c, p: tables.digit_tests_table(p)),
    "outliers": ("forensics", lambda c, p: tables.outliers_table(p)),
}


def _all_sampled(contest: Contest, page: selectors.QuickCountPage) -> list[Any]:
    if page.sample is None:
        return []
    return selectors.sampled_stations(page.sample.organization, contest, page.sample)


@login_required
def export(request: HttpRequest, contest_id: int, table: str) -> HttpResponse:
    """Return one table of an analysis page as CSV (404 for an unknown table)."""
    organization, contest = _organization_wide(request, contest_id)
    if table not in EXPORTS:
        raise Http404("No such table.")
    page_name, build = EXPORTS[table]
    page = _export_page(request, page_name, organization, contest)
    return csv_response(f"{table}-{contest.pk}.csv", *build(contest, page))


def _export_page(request: HttpRequest, page: str, organization: Organization, contest: Contest) -> Any:
    if page == "seats":
        return selectors.run_state(organization, contest, AnalysisRun.Kind.SEATS, {})
    if page == "quick-count":
        return selectors.quick_count_page(organization, contest)
    source, snapshot_id = _source(request.GET)
    return selectors.forensics_page(organization, contest, source, snapshot_id)
