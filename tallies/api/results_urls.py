"""Routes of the results API (tallies/api/results.py)."""

from django.urls import path

from tallies.api import results

urlpatterns = [
    path("contests/", results.ContestListView.as_view(), name="api-contest-list"),
    path(
        "contests/<int:contest_id>/results/",
        results.RootResultsView.as_view(),
        name="api-contest-results",
    ),
    path(
        "contests/<int:contest_id>/results/<int:commission_id>/",
        results.CommissionResultsView.as_view(),
        name="api-commission-results",
    ),
    path(
        "contests/<int:contest_id>/regions/",
        results.RegionalComparisonView.as_view(),
        name="api-regional-comparison",
    ),
    path(
        "contests/<int:contest_id>/stations/<int:station_id>/comparison/",
        results.StationComparisonView.as_view(),
        name="api-station-comparison",
    ),
]
