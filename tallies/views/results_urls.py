"""Routes of the results pages: home, commission drill-down, station, CSV exports."""

from django.urls import include, path

from tallies.views import home, results

urlpatterns = [
    path("", home.home, name="home"),
    path("results/<int:contest_id>/", results.commission_page, name="results-root"),
    path(
        "results/<int:contest_id>/c/<int:commission_id>/",
        results.commission_page,
        name="results-commission",
    ),
    path("results/<int:contest_id>/s/<int:station_id>/", results.station_page, name="results-station"),
    path(
        "results/<int:contest_id>/c/<int:commission_id>/export/<slug:table>.csv",
        results.commission_export,
        name="results-commission-export",
    ),
    path(
        "results/<int:contest_id>/s/<int:station_id>/export/<slug:table>.csv",
        results.station_export,
        name="results-station-export",
    ),
    path("", include("tallies.views.comparison_urls")),
    path("", include("tallies.views.analysis_urls")),
    path("", include("tallies.views.dashboard_urls")),
    path("", include("tallies.views.desk_urls")),
]
