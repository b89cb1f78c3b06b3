"""Routes of the public pages, under /public/ (config/urls.py).

A release's permalink is /public/<organisation>/<election>/<contest>/v<number>/; every page
and file of a release lives under it, so an old version stays reachable after a correction.
"""

from django.urls import path

from tallies.views import public, public_files, public_manage

RELEASE = "<slug:organization>/<slug:election>/<slug:contest>/v<int:number>/"

urlpatterns = [
    path("", public.index, name="public-index"),
    path("verify_release.py", public_files.verifier, name="public-verifier"),
    path("receipts/", public_files.receipt_lookup, name="public-receipt-lookup"),
    path("receipts/<str:receipt>/", public_files.receipt, name="public-receipt"),
    path("manage/<slug:slug>/", public_manage.manage, name="public-manage"),
    path("<slug:organization>/<slug:election>/<slug:contest>/", public.latest, name="public-latest"),
    path(RELEASE, public.overview, name="public-release"),
    path(RELEASE + "c/<int:commission_id>/", public.commission, name="public-commission"),
    path(RELEASE + "s/<int:station_id>/", public.station, name="public-station"),
    path(RELEASE + "s/<int:station_id>/photo.jpg", public_files.station_photo, name="public-station-photo"),
    path(RELEASE + "violations/", public.violations, name="public-violations"),
    path(RELEASE + "data/", public.data, name="public-data"),
    path(RELEASE + "files/<str:name>", public_files.release_file, name="public-file"),
    path(RELEASE + "release.zip", public_files.release_zip, name="public-zip"),
]
