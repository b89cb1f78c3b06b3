"""Routes of the public API, under /api/public/ (config/urls.py)."""

from django.urls import path

from tallies.api import public

urlpatterns = [
    path("releases/", public.ReleaseListView.as_view(), name="public-api-releases"),
    path("releases/<int:release_id>/", public.ReleaseDetailView.as_view(), name="public-api-release"),
    path(
        "releases/<int:release_id>/commissions/",
        public.CommissionListView.as_view(),
        name="public-api-commissions",
    ),
    path(
        "releases/<int:release_id>/commissions/<int:commission_id>/",
        public.CommissionDetailView.as_view(),
        name="public-api-commission",
    ),
    path("releases/<int:release_id>/stations/", public.StationListView.as_view(), name="public-api-stations"),
    path(
        "releases/<int:release_id>/stations/<int:station_id>/",
        public.StationDetailView.as_view(),
        name="public-api-station",
    ),
]
