"""Routes of the analysis pages (seats, quick count, forensics), their run buttons and CSV exports."""

from django.urls import path

from tallies.views import analysis

urlpatterns = [
    path("results/<int:contest_id>/seats/", analysis.seats_page, name="analysis-seats"),
    path("results/<int:contest_id>/quick-count/", analysis.quick_count_page, name="analysis-quick-count"),
    path(
        "results/<int:contest_id>/quick-count/draw/",
        analysis.quick_count_draw,
        name="analysis-quick-count-draw",
    ),
    path(
        "results/<int:contest_id>/quick-count/<int:sample_id>/freeze/",
        analysis.quick_count_freeze,
        name="analysis-quick-count-freeze",
    ),
    path("results/<int:contest_id>/forensics/", analysis.forensics_page, name="analysis-forensics"),
    path("results/<int:contest_id>/analysis/<slug:page>/run/", analysis.run_analysis, name="analysis-run"),
    path("results/<int:contest_id>/analysis/<slug:table>.csv", analysis.export, name="analysis-export"),
]
