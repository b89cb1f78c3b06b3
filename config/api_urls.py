"""The REST API, all of it: included once under /api/ by config/urls.py.

One DRF router holds the viewsets (copies and the field work); the other views are plain routes,
grouped by area below. The route names are what reverse() calls, the OpenAPI schema and
tests/security/routes.py use: keep them when moving a route. Names start with "api-" ("public-api-"
for the public API) because the web pages own "copy-list", "visit-detail" and the like.
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from config import api_docs
from observers.api.evidence import EvidenceViewSet
from observers.api.violations import ActViewSet, ViolationTypeViewSet
from observers.api.visits import ChecklistItemViewSet, VisitViewSet
from tallies.api import official_import, public, results
from tallies.api.copies import ContestViewSet, CopyViewSet, StationViewSet

router = SimpleRouter()
# Copies (tallies/api/copies.py): /copies/ (+ photo-only/, {id}/), /contests/{id}/form/, /stations/.
router.register("copies", CopyViewSet, basename="api-copy")
router.register("contests", ContestViewSet, basename="api-contest")
router.register("stations", StationViewSet, basename="api-station")
# Evidence photos (observers/api/evidence.py): /evidence/ (+ {id}/, {id}/file/).
router.register("evidence", EvidenceViewSet, basename="api-evidence")
# Field work (observers/api/visits.py, violations.py): /visits/ (+ {id}/stages/, count-start/,
# answers/, check-out/), /checklist-items/, /acts/ (+ {id}/cosigners/, filing/, complaints/,
# review/), /violation-types/.
router.register("visits", VisitViewSet, basename="api-visit")
router.register("checklist-items", ChecklistItemViewSet, basename="api-checklist-item")
router.register("acts", ActViewSet, basename="api-act")
router.register("violation-types", ViolationTypeViewSet, basename="api-violation-type")

RELEASE = "public/releases/<int:release_id>/"

# The public API of published releases (tallies/api/public.py): no account needed.
PUBLIC_API = [
    path("public/releases/", public.ReleaseListView.as_view(), name="public-api-releases"),
    path(RELEASE, public.ReleaseDetailView.as_view(), name="public-api-release"),
    path(RELEASE + "commissions/", public.CommissionListView.as_view(), name="public-api-commissions"),
    path(
        RELEASE + "commissions/<int:commission_id>/",
        public.CommissionDetailView.as_view(),
        name="public-api-commission",
    ),
    path(RELEASE + "stations/", public.StationListView.as_view(), name="public-api-stations"),
    path(
        RELEASE + "stations/<int:station_id>/", public.StationDetailView.as_view(), name="public-api-station"
    ),
]

CONTEST = "contests/<int:contest_id>/"

urlpatterns = [
    *PUBLIC_API,
    # --- The OpenAPI schema and its two readers ----------------------------------------------------
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", api_docs.SwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("redoc/", api_docs.RedocView.as_view(url_name="schema"), name="api-redoc"),
    # --- Results and the comparison with official results (tallies/api/results.py) ----------------
    path("contests/", results.ContestListView.as_view(), name="api-contest-list"),
    path(CONTEST + "results/", results.RootResultsView.as_view(), name="api-contest-results"),
    path(
        CONTEST + "results/<int:commission_id>/",
        results.CommissionResultsView.as_view(),
        name="api-commission-results",
    ),
    path(CONTEST + "regions/", results.RegionalComparisonView.as_view(), name="api-regional-comparison"),
    path(
        CONTEST + "stations/<int:station_id>/comparison/",
        results.StationComparisonView.as_view(),
        name="api-station-comparison",
    ),
    # --- The official results import (tallies/api/official_import.py) ------------------------------
    path("official-results/", official_import.OfficialImportView.as_view(), name="api-official-import"),
    # --- The viewsets -----------------------------------------------------------------------------
    *router.urls,
]
