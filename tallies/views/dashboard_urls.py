"""Routes of the election-night dashboard and the process statistics, under a contest's results."""

from django.urls import path

from tallies.views import dashboard

urlpatterns = [
    path("results/<int:contest_id>/dashboard/", dashboard.dashboard_page, name="dashboard"),
    path("results/<int:contest_id>/dashboard/data.json", dashboard.dashboard_json, name="dashboard-data"),
    path(
        "results/<int:contest_id>/dashboard/stations.json",
        dashboard.dashboard_stations,
        name="dashboard-stations",
    ),
    path("results/<int:contest_id>/dashboard/record/", dashboard.dashboard_record, name="dashboard-record"),
    path("results/<int:contest_id>/process/", dashboard.process_page, name="dashboard-process"),
]
