"""Routes of the comparison pages: comparison, discrepancy classes and TEC ranking, snapshot diff."""

from django.urls import path

from tallies.views import comparison

urlpatterns = [
    path("results/<int:contest_id>/comparison/", comparison.comparison_page, name="results-comparison"),
    path(
        "results/<int:contest_id>/comparison/regions.csv",
        comparison.regions_export,
        name="results-regions-export",
    ),
    path(
        "results/<int:contest_id>/discrepancies/",
        comparison.discrepancies_page,
        name="results-discrepancies",
    ),
    path(
        "results/<int:contest_id>/discrepancies/tec-ranking.csv",
        comparison.ranking_export,
        name="results-tec-ranking-export",
    ),
    path("results/<int:contest_id>/snapshots/", comparison.snapshot_diff_page, name="results-snapshot-diff"),
]
