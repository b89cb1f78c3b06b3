"""Routes of the public pages, under /public/ (config/urls.py).

A release's permalink is /public/<organisation>/<election>/<contest>/v<number>/, a coalition's
/public/coalitions/<coalition id>/<election>/<contest>/v<number>/ (its own series); every page
and file of a release lives under it, so an old version stays reachable after a correction.
The coalition's routes come first: "coalitions" is not read as an organisation's slug.
"""

from django.urls import URLPattern, path

from tallies.views import public, public_files, public_manage

ORGANIZATION = "<slug:organization>/<slug:election>/<slug:contest>/"
COALITION = "coalitions/<int:coalition>/<slug:election>/<slug:contest>/"


def release_routes(series: str, prefix: str) -> list[URLPattern]:
    """The pages and files of a release of the series whose routes start with `series`."""
    release = series + "v<int:number>/"
    return [
        path(series, public.latest, name=f"{prefix}latest"),
        path(release, public.overview, name=f"{prefix}release"),
        path(release + "c/<int:commission_id>/", public.commission, name=f"{prefix}commission"),
        path(release + "s/<int:station_id>/", public.station, name=f"{prefix}station"),
        path(
            release + "s/<int:station_id>/photo.jpg",
            public_files.station_photo,
            name=f"{prefix}station-photo",
        ),
        path(release + "violations/", public.violations, name=f"{prefix}violations"),
        path(release + "data/", public.data, name=f"{prefix}data"),
        path(release + "files/<str:name>", public_files.release_file, name=f"{prefix}file"),
        path(release + "release.zip", public_files.release_zip, name=f"{prefix}zip"),
    ]


urlpatterns = [
    path("", public.index, name="public-index"),
    path("verify_release.py", public_files.verifier, name="public-verifier"),
    path("receipts/", public_files.receipt_lookup, name="public-receipt-lookup"),
    path("receipts/<str:receipt>/", public_files.receipt, name="public-receipt"),
    path("manage/<slug:slug>/", public_manage.manage, name="public-manage"),
    *release_routes(COALITION, "public-coalition-"),
    *release_routes(ORGANIZATION, "public-"),
]
