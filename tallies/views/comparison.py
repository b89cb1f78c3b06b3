"""Comparison pages under the results: the comparison at the finest level, discrepancy classes with
the TEC ranking (and its CSV), and what changed between two official snapshots.

Thin views: the organisation comes from observers.access (403 for anyone who coordinates none),
the figures from tallies.selectors; the comparison itself is computed in Celery and read back.
The comparison, the discrepancy classes and the ranking cover the whole organisation, so a
coordinator limited to a territory gets 403 there (their territory's results pages cover it);
the snapshot diff shows official figures only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.outbox import NOT_STARTED, enqueue_asked
from elections.models import Contest
from observers.access import chosen_scope
from observers.models import Organization
from tallies import tasks
from tallies.publication.regions_table import regions_table_of
from tallies.selectors import comparison as selectors
from tallies.selectors import station_sets
from tallies.selectors.layout import Layout
from tallies.selectors.regional import regional_rows
from tallies.selectors.snapshot_diff import diff_snapshots
from tallies.views.results import csv_response

CHANGES_PER_PAGE = 50


def _organization_wide(request: HttpRequest, contest_id: int) -> tuple[Organization, Contest]:
    """The organisation a whole-organisation coordinator acts for, and the contest; 403, 404."""
    scope = chosen_scope(request)
    scope.require_whole_organization()
    contest = get_object_or_404(Contest.objects.select_related("election", "form"), pk=contest_id)
    return scope.organization, contest


@login_required
@require_http_methods(["GET", "POST"])
def comparison_page(request: HttpRequest, contest_id: int) -> HttpResponse:
    """Show the stored comparison with a chosen snapshot; POST asks Celery to compute it afresh."""
    organization, contest = _organization_wide(request, contest_id)
    snapshot = selectors.chosen_snapshot(contest, request.POST.get("snapshot") or request.GET.get("snapshot"))
    url = reverse("results-comparison", args=[contest.pk])
    if request.method == "POST":
        if enqueue_asked(
            tasks.run_comparison,
            organization_id=organization.pk,
            contest_id=contest.pk,
            snapshot_id=snapshot.pk if snapshot else None,
        ):
            messages.info(request, _("The comparison is being computed; reload this page in a moment."))
        else:
            messages.error(request, NOT_STARTED)
        return redirect(f"{url}?snapshot={snapshot.pk}" if snapshot else url)
    context = {
        "contest": contest,
        "stored": selectors.stored_comparison(organization, contest, snapshot),
        "snapshots": selectors.snapshots(contest),
        "time_zone": contest.election.time_zone,
        "unobserved_text": selectors.UNOBSERVED,
    }
    return render(request, "tallies/comparison/page.html", context)


def _report(request: HttpRequest, contest_id: int) -> tuple[Contest, Any, selectors.DiscrepancyReport]:
    organization, contest = _organization_wide(request, contest_id)
    snapshot = selectors.chosen_snapshot(contest, request.GET.get("snapshot"))
    run = selectors.latest_reconciliation(organization, contest, snapshot)
    return contest, snapshot, selectors.discrepancy_report(run)


@login_required
def discrepancies_page(request: HttpRequest, contest_id: int) -> HttpResponse:
    """Show the discrepancy classes, the region roll-ups and the TEC ranking of the latest run."""
    contest, snapshot, report = _report(request, contest_id)
    context = {
        "contest": contest,
        "snapshot": snapshot,
        "snapshots": selectors.snapshots(contest),
        "report": report,
        "freshness": station_sets.freshness(report.run),
        "options": list(contest.options.all()),
        "time_zone": contest.election.time_zone,
    }
    return render(request, "tallies/comparison/discrepancies.html", context)


@login_required
def ranking_export(request: HttpRequest, contest_id: int) -> HttpResponse:
    """Return the TEC ranking as CSV: net votes moved (official − observer) per option."""
    contest, _snapshot, report = _report(request, contest_id)
    options = list(contest.options.all())
    header = [
        _("Rank"),
        _("Territorial commission"),
        _("Stations compared"),
        _("Stations whose protocol was changed"),
        *(str(option) for option in options),
    ]
    rows = (
        [
            rank,
            row.rollup.commission.name,
            row.rollup.stations_compared,
            row.rollup.stations_changed,
            *row.moved,
        ]
        for rank, row in enumerate(report.ranking, start=1)
    )
    return csv_response(f"tec-ranking-{contest.pk}.csv", header, rows)


@login_required
def snapshot_diff_page(request: HttpRequest, contest_id: int) -> HttpResponse:
    """Choose two snapshots of the contest (default: the two newest) and show what changed."""
    scope = chosen_scope(request)  # official figures only: any coordinator, territory or not
    contest = get_object_or_404(Contest.objects.select_related("election", "form"), pk=contest_id)
    snapshots = list(selectors.snapshots(contest))
    by_id = {str(s.pk): s for s in snapshots}
    after = by_id.get(request.GET.get("after", "")) or (snapshots[0] if snapshots else None)
    before = by_id.get(request.GET.get("before", "")) or (snapshots[1] if len(snapshots) > 1 else None)
    context: dict[str, Any] = {"contest": contest, "snapshots": snapshots, "before": before, "after": after}
    context["whole_organization"] = scope.is_whole_organization  # the comparison page is theirs only
    context["time_zone"] = contest.election.time_zone
    if before and after and before.pk != after.pk:
        diff = diff_snapshots(before=before, after=after)
        page = Paginator(diff.changed, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
        layout = Layout.of(contest)
        context |= {
            "diff": diff,
            "page": page,
            "changes": [(change, selectors.change_rows(layout, change)) for change in page.object_list],
        }
    return render(request, "tallies/comparison/snapshot_diff.html", context)


@login_required
def regions_export(request: HttpRequest, contest_id: int) -> HttpResponse:
    """Return every region against its official total as CSV (the release's regions.csv columns)."""
    organization, contest = _organization_wide(request, contest_id)
    snapshot = selectors.chosen_snapshot(contest, request.GET.get("snapshot"))
    options = [option.code for option in contest.options.all()]
    table = regions_table_of(regional_rows(organization.pk, contest, snapshot), options)
    return csv_response(f"regions-{contest.pk}.csv", [c.name for c in table.columns], table.rows)
