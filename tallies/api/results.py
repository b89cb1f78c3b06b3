"""Results API: what the results pages show, as JSON, for the coordinator's own organisation.

Thin views over tallies.selectors. Everything is scoped by the organisation the user
coordinates (observers.access); anyone else gets 403.
"""

from __future__ import annotations

from dataclasses import fields

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from elections.models import Commission, Contest
from observers.access import CoordinatorScope, chosen_organization, chosen_scope, coordinated_organizations
from tallies import selectors
from tallies.api.result_serializers import (
    CommissionResultsSerializer,
    RegionalComparisonSerializer,
    ResultsContestSerializer,
    StationResultsSerializer,
)
from tallies.publication.regions_table import CAVEATS
from tallies.selectors import station_sets
from tallies.selectors.regional import regional_rows
from tallies.services import stored_figures
from tallies.views.results import scoped_commission, scoped_station

PAGE = OpenApiParameter("page", int, description="Page of discrepant stations (50 a page).")
FORBIDDEN = OpenApiResponse(description="Not a coordinator of an organisation.")
PRECINCT = OpenApiResponse(description="The commission is a precinct: see Location (station comparison).")


class IsCoordinator(BasePermission):
    """Allow users who coordinate (or administer) at least one organisation."""

    message = "You do not coordinate an organisation."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(coordinated_organizations(request.user))


PERMISSIONS = [IsAuthenticated, IsCoordinator]


def _coordinator(request: Request, contest_id: int) -> tuple[CoordinatorScope, Contest]:
    scope = chosen_scope(request)
    contest = get_object_or_404(Contest.objects.select_related("election", "form"), pk=contest_id)
    return scope, contest


class ContestListView(generics.ListAPIView):
    """Contests the coordinator's organisation has copies or comparisons for."""

    serializer_class = ResultsContestSerializer
    permission_classes = PERMISSIONS
    pagination_class = None

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.contests_with_data(chosen_organization(self.request))


class CommissionResultsView(APIView):
    """A commission's figures by source, comparison, children and discrepant stations."""

    permission_classes = PERMISSIONS

    @extend_schema(
        operation_id="contests_results_commission",
        parameters=[PAGE],
        responses={200: CommissionResultsSerializer, 303: PRECINCT, 403: FORBIDDEN},
    )
    def get(self, request: Request, contest_id: int, commission_id: int) -> Response:
        """Return the results of one commission of the contest's election."""
        return self.respond(request, contest_id, commission_id)

    def respond(self, request: Request, contest_id: int, commission_id: int | None) -> Response:
        scope, contest = _coordinator(request, contest_id)
        organization, commission = scope.organization, scoped_commission(scope, contest, commission_id)
        if commission.level == Commission.Level.PEC:
            url = reverse("api-station-comparison", args=[contest.pk, commission.station.pk], request=request)
            return Response(status=status.HTTP_303_SEE_OTHER, headers={"Location": url})
        results = selectors.commission_results(
            organization=organization, contest=contest, commission=commission
        )
        data = {f.name: getattr(results, f.name) for f in fields(results)}
        data["comparison"] = station_sets.freshness(results.run, copies_changed=results.comparison_behind)
        data["figures"] = {"status": results.figures_status, "computed_at": results.figures_as_of}
        if results.figures_status != "current":  # counted live or out of date: have them stored afresh
            stored_figures.refresh_for_page(organization_id=organization.pk, contest_id=contest.pk)
        data["discrepant_stations"] = selectors.discrepant_page(results, request.query_params.get("page"))
        return Response(CommissionResultsSerializer(data).data)


class RootResultsView(CommissionResultsView):
    """The results of the root commission (the nation)."""

    @extend_schema(
        operation_id="contests_results_root",
        parameters=[PAGE],
        responses={200: CommissionResultsSerializer, 403: FORBIDDEN},
    )
    def get(self, request: Request, contest_id: int) -> Response:  # type: ignore[override]
        """Return the results of the contest's root commission."""
        return self.respond(request, contest_id, None)


class StationComparisonView(APIView):
    """One station: the organisation's current copy against the official protocol."""

    permission_classes = PERMISSIONS

    @extend_schema(responses={200: StationResultsSerializer, 403: FORBIDDEN})
    def get(self, request: Request, contest_id: int, station_id: int) -> Response:
        """Return every line and option by source, the difference, the copy's control findings and
        whether the organisation's comparison is current (`comparison`)."""
        scope, contest = _coordinator(request, contest_id)
        organization, station = scope.organization, scoped_station(scope, contest, station_id)
        results = selectors.station_results(organization=organization, contest=contest, station=station)
        context = {"comparison": station_sets.freshness(results.run)}  # as the station page says it
        return Response(StationResultsSerializer(results, context=context).data)


WHOLE_ONLY = OpenApiResponse(
    description="Not a coordinator of the whole organisation (regions span territories)."
)


class RegionalComparisonView(APIView):
    """Every region against its official total: coverage, design, margins where allowed, implied
    figures for the stations without copies, caveats as codes (issue 22)."""

    permission_classes = PERMISSIONS

    @extend_schema(responses={200: RegionalComparisonSerializer, 403: WHOLE_ONLY})
    def get(self, request: Request, contest_id: int) -> Response:
        """Return the regional comparison with the latest final official snapshot."""
        scope, contest = _coordinator(request, contest_id)
        if not scope.is_whole_organization:
            raise PermissionDenied(
                "The regional comparison spans every territory: ask a coordinator of the whole organisation."
            )
        snapshot = selectors.latest_snapshot(contest)
        data = {
            "contest_id": contest.pk,
            "snapshot": snapshot,
            "caveats": CAVEATS,
            "regions": regional_rows(scope.organization.pk, contest, snapshot),
        }
        return Response(RegionalComparisonSerializer(data).data)
