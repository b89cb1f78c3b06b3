"""Routes of the station-visit pages (observers/views/visits.py)."""

from django.urls import path

from observers.views import visits

urlpatterns = [
    path("visits/", visits.visit_list, name="visit-list"),
    path("visits/check-in/", visits.visit_check_in, name="visit-check-in"),
    path("visits/<int:pk>/", visits.visit_detail, name="visit-detail"),
    path("visits/<int:pk>/stage/", visits.visit_stage, name="visit-stage"),
    path("visits/<int:pk>/count-start/", visits.visit_count_start, name="visit-count-start"),
    path("visits/<int:pk>/checklist/<slug:stage>/", visits.visit_checklist, name="visit-checklist"),
    path("visits/<int:pk>/check-out/", visits.visit_check_out, name="visit-check-out"),
]
