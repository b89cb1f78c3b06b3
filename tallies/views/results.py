"""Results pages: a coordinator's drill-down from the nation to a station, and their CSV exports.

Thin views: the organisation comes from observers.access (403 for anyone who coordinates
none), the figures from tallies.selectors. Each CSV export is one of the page's tables.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from config.spreadsheet_text import safe_text
from elections.models import Commission, Contest, PollingStation
from observers.access import CoordinatorScope, chosen_scope
from tallies import demo, selectors
from tallies.models import OfficialSnapshot, ReconciliationRun
from tallies.selectors import station_sets
from tallies.services import reconciliation, stored_figures

Table = tuple[list[Any], Iterable[list[Any]]]


def _coordinator(request: HttpRequest, contest_id: int) -> tuple[CoordinatorScope, Contest]:
    scope = chosen_scope(request)
    contest = get_object_or_404(Contest.objects.select_related("election", "form"), pk=contest_id)
    return scope, contest


def scoped_commission(scope: CoordinatorScope, contest: Contest, commission_id: int | None) -> Commission:
    """The commission asked for, or by default the root (a territory coordinator's: their territory).

    Raises Http404 for a commission of another election or outside the coordinator's territory.
    """
    if commission_id is None and scope.territory is not None:
        commission_id = scope.territory.pk
    if commission_id is None:
        root = selectors.root_commission(contest)
        if root is None:
            raise Http404("No commissions yet: import official results first.")
        return root
    commission = get_object_or_404(Commission, pk=commission_id, election_id=contest.election_id)
    if not scope.contains(commission):
        raise Http404("No such commission in your territory.")
    return commission


def scoped_station(scope: CoordinatorScope, contest: Contest, station_id: int) -> PollingStation:
    """A station of the contest's election inside the coordinator's territory; Http404 otherwise."""
    stations = PollingStation.objects.select_related("pec").filter(scope.stations(through=""))
    return get_object_or_404(stations, pk=station_id, pec__election_id=contest.election_id)


def _footer(
    contest: Contest,
    snapshot: OfficialSnapshot | None,
    run: ReconciliationRun | None,
    freshness: station_sets.Freshness,
) -> dict[str, Any]:
    """What every figure is based on: the official snapshot, the comparison run and whether it is
    current (station_sets.freshness), the data credit."""
    credit = demo.CREDIT if contest.election.slug == "ru-duma-2011" else ""
    zone = contest.election.time_zone
    return {"credit": credit, "snapshot": snapshot, "run": run, "freshness": freshness, "time_zone": zone}


@login_required
def commission_page(request: HttpRequest, contest_id: int, commission_id: int | None = None) -> HttpResponse:
    """Show a commission: both sources side by side, its children and its discrepant stations."""
    scope, contest = _coordinator(request, contest_id)
    organization, commission = scope.organization, scoped_commission(scope, contest, commission_id)
    if commission.level == Commission.Level.PEC:
        return redirect("results-station", contest_id=contest.pk, station_id=commission.station.pk)
    results = selectors.commission_results(organization=organization, contest=contest, commission=commission)
    if results.run is not None and results.comparison_behind:
        reconciliation.request_reconcile(run=results.run)
    if results.figures_status != "current":  # counted live or out of date: have them stored afresh
        stored_figures.refresh_for_page(organization_id=organization.pk, contest_id=contest.pk)
    page = selectors.discrepant_page(results, request.GET.get("page"))
    freshness = station_sets.freshness(results.run, copies_changed=results.comparison_behind)
    context = {"results": results, "page": page, **_footer(contest, results.snapshot, results.run, freshness)}
    context |= selectors.comparison_level(results.snapshot, results.stations_compared)
    context["whole_organization"] = scope.is_whole_organization  # links to organisation-wide pages
    context["open_crumbs"] = _open_crumbs(scope, results.breadcrumb)
    return render(request, "tallies/results/commission.html", context)


@login_required
def station_page(request: HttpRequest, contest_id: int, station_id: int) -> HttpResponse:
    """Show one station: the observer's copy against the official protocol, line by line."""
    scope, contest = _coordinator(request, contest_id)
    organization, station = scope.organization, scoped_station(scope, contest, station_id)
    results = selectors.station_results(organization=organization, contest=contest, station=station)
    freshness = station_sets.freshness(results.run)
    context = {"results": results, **_footer(contest, results.snapshot, results.run, freshness)}
    context["open_crumbs"] = _open_crumbs(scope, results.breadcrumb)
    return render(request, "tallies/results/station.html", context)


def _open_crumbs(scope: CoordinatorScope, crumbs: list[Commission]) -> set[int]:
    """The pks of the breadcrumb's commissions the user may open: all of them, or for a
    coordinator of one territory only the territory and below (the ones above answer 404)."""
    territory = scope.territory
    return {c.pk for c in crumbs if territory is None or c.path.startswith(territory.path)}


@login_required
def commission_export(request: HttpRequest, contest_id: int, commission_id: int, table: str) -> HttpResponse:
    """Return one of the commission page's tables as CSV (404 for an unknown table)."""
    scope, contest = _coordinator(request, contest_id)
    organization, commission = scope.organization, scoped_commission(scope, contest, commission_id)
    if table not in COMMISSION_TABLES:
        raise Http404("No such table.")
    results = selectors.commission_results(organization=organization, contest=contest, commission=commission)
    return csv_response(f"{table}-{contest.pk}-{commission.pk}.csv", *COMMISSION_TABLES[table](results))


@login_required
def station_export(request: HttpRequest, contest_id: int, station_id: int, table: str) -> HttpResponse:
    """Return one of the station page's tables as CSV (404 for an unknown table)."""
    scope, contest = _coordinator(request, contest_id)
    organization, station = scope.organization, scoped_station(scope, contest, station_id)
    if table not in STATION_TABLES:
        raise Http404("No such table.")
    results = selectors.station_results(organization=organization, contest=contest, station=station)
    return csv_response(f"{table}-{contest.pk}-station-{station.pk}.csv", *STATION_TABLES[table](results))


def csv_cell(value: object) -> str:
    """Render a CSV cell; text a spreadsheet would run as a formula gets a leading "'"."""
    return safe_text("" if value is None else str(value))


def csv_response(filename: str, header: list[Any], rows: Iterable[list[Any]]) -> HttpResponse:
    """Write a header row and rows as UTF-8 CSV with a BOM (so Excel reads Cyrillic right)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([csv_cell(cell) for cell in header])
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return response


def _figure_table(rows: list[selectors.ComparedRow]) -> Table:
    header = [_("Line"), _("Label"), _("Observer"), _("Official"), _("Difference (official − observer)")]
    return header, ([row.number, row.label, row.observer, row.official, row.difference] for row in rows)


def _share_table(rows: list[selectors.ShareRow], *, compared: bool = True, moved: bool = True) -> Table:
    """Turnout and shares by source; a station has no "compared stations" columns.

    Without a station compared (official results published only as totals) there are neither
    "compared stations" nor "votes moved" columns: nothing was compared station by station.
    """
    header = [
        "",
        _("Observer, all copies (%)"),
        _("Official, all stations (%)"),
        _("Observer, compared stations (%)"),
        _("Official, compared stations (%)"),
        _("Votes moved (official − observer)"),
    ]
    columns = [0, 1, 2, *([3, 4] if compared else []), *([5] if moved else [])]
    cells = (
        [r.label, r.observer, r.official, r.compared_observer, r.compared_official, r.votes_moved]
        for r in rows
    )
    return [header[i] for i in columns], ([row[i] for i in columns] for row in cells)


def _children_table(results: selectors.CommissionResults) -> Table:
    header = [
        _("Commission"),
        _("Official turnout (%)"),
        _("Observer turnout (%)"),
        _("Stations with copies"),
        _("Stations compared"),
        _("Discrepant stations"),
    ]
    return header, (
        [
            row.commission.name,
            row.official_turnout,
            row.observer_turnout,
            row.stations_with_copies,
            row.stations_compared,
            row.stations_discrepant,
        ]
        for row in results.children
    )


def _discrepant_table(results: selectors.CommissionResults) -> Table:
    header = [_("Station"), _("Territorial commission"), _("Line"), _("Label"), _("Observer"), _("Official")]
    stations = selectors.discrepant_stations(results, selectors.discrepant_comparisons(results))
    return header, (
        [
            item.station.number,
            getattr(item.station.pec.parent, "name", ""),
            row.number,
            row.label,
            row.observer,
            row.official,
        ]
        for item in stations
        for row in item.differences
    )


def _findings_table(results: selectors.StationResults) -> Table:
    header = [_("Control relation"), _("Left side"), _("Right side"), _("Difference")]
    return header, ([f.label, f.lhs, f.rhs, f.difference] for f in results.findings)


COMMISSION_TABLES: dict[str, Callable[[selectors.CommissionResults], Table]] = {
    "shares": lambda results: _share_table(
        results.share_rows, compared=bool(results.stations_compared), moved=bool(results.stations_compared)
    ),
    "figures": lambda results: _figure_table(results.figure_rows),
    "totals": lambda results: _figure_table(results.total_rows),
    "children": _children_table,
    "discrepant": _discrepant_table,
}
STATION_TABLES: dict[str, Callable[[selectors.StationResults], Table]] = {
    "figures": lambda results: _figure_table(results.rows),
    "shares": lambda results: _share_table(results.share_rows, compared=False, moved=bool(results.official)),
    "findings": _findings_table,
}
