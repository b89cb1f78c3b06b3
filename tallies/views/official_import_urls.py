"""Routes of the official results upload (tallies/views/official_import.py)."""

from django.urls import path

from tallies.views import official_import

urlpatterns = [
    path("official-results/import/", official_import.upload, name="official-import"),
    path("official-results/import/confirm/", official_import.confirm, name="official-import-confirm"),
]
