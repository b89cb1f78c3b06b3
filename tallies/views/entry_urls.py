"""Routes of the copy entry pages (tallies/views/entry.py) and their offline service worker."""

from django.urls import path

from tallies.views import entry, offline

urlpatterns = [
    path("copies/", entry.copy_list, name="copy-list"),
    path("copies/new/<int:contest_id>/", entry.copy_new, name="copy-new"),
    path("copies/photo/<int:contest_id>/", entry.copy_photo_only, name="copy-photo-only"),
    path("copies/<int:pk>/", entry.copy_detail, name="copy-detail"),
    path("sw.js", offline.service_worker, name="service-worker"),
]
