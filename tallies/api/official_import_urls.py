"""Route of the official results import API (tallies/api/official_import.py)."""

from django.urls import path

from tallies.api import official_import

urlpatterns = [
    path("official-results/", official_import.OfficialImportView.as_view(), name="api-official-import"),
]
