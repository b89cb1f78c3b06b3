"""Web pages of the tallies app, by area; included once at the site root by config/urls.py.

Its REST endpoints live in config/api_urls.py (the one API module). The route names are what
templates, reverse() calls and tests/security/routes.py use: keep them when moving a route.
"""

from django.urls import URLPattern, include, path

from tallies.channels import views as channels
from tallies.views import (
    analysis,
    coalitions,
    comparison,
    dashboard,
    entry,
    home,
    official_import,
    offline,
    public,
    public_files,
    public_manage,
    results,
)
from tallies.views.desk import actions, queues, transcription
from tallies.views.desk import entry as desk_entry

# --- Public pages of published releases, under /public/ -------------------------------------------
# A release's permalink is /public/<organisation>/<election>/<contest>/v<number>/, a coalition's
# /public/coalitions/<coalition id>/<election>/<contest>/v<number>/ (its own series); every page
# and file of a release lives under it, so an old version stays reachable after a correction.
# The coalition's routes come first: "coalitions" is not read as an organisation's slug.

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


PUBLIC_PAGES = [
    path("", public.index, name="public-index"),
    path("verify_release.py", public_files.verifier, name="public-verifier"),
    path("receipts/", public_files.receipt_lookup, name="public-receipt-lookup"),
    path("receipts/<str:receipt>/", public_files.receipt, name="public-receipt"),
    path("manage/<slug:slug>/", public_manage.manage, name="public-manage"),
    *release_routes(COALITION, "public-coalition-"),
    *release_routes(ORGANIZATION, "public-"),
]

RESULTS = "results/<int:contest_id>/"  # a contest's results pages
POOLED = "coalitions/<int:coalition_id>/contests/<int:contest_id>/"  # a coalition's pooled count

urlpatterns = [
    path("public/", include(PUBLIC_PAGES)),
    # --- Messaging channels: SMS gateways' and the Telegram bot's webhooks (issue 18) -------------
    path("channels/sms/<uuid:public_id>/", channels.sms_webhook, name="channel-sms-webhook"),
    path("channels/telegram/link/", channels.telegram_link_code, name="telegram-link"),
    path("channels/telegram/<uuid:public_id>/", channels.telegram_webhook, name="channel-telegram-webhook"),
    # --- Results: home, commission drill-down, station, CSV exports ---------------------------------
    path("", home.home, name="home"),
    path(RESULTS, results.commission_page, name="results-root"),
    path(RESULTS + "c/<int:commission_id>/", results.commission_page, name="results-commission"),
    path(RESULTS + "s/<int:station_id>/", results.station_page, name="results-station"),
    path(
        RESULTS + "c/<int:commission_id>/export/<slug:table>.csv",
        results.commission_export,
        name="results-commission-export",
    ),
    path(
        RESULTS + "s/<int:station_id>/export/<slug:table>.csv",
        results.station_export,
        name="results-station-export",
    ),
    # --- Comparison with official results: regions, discrepancy classes, TEC ranking, snapshots -----
    path(RESULTS + "comparison/", comparison.comparison_page, name="results-comparison"),
    path(RESULTS + "comparison/regions.csv", comparison.regions_export, name="results-regions-export"),
    path(RESULTS + "discrepancies/", comparison.discrepancies_page, name="results-discrepancies"),
    path(
        RESULTS + "discrepancies/tec-ranking.csv",
        comparison.ranking_export,
        name="results-tec-ranking-export",
    ),
    path(RESULTS + "snapshots/", comparison.snapshot_diff_page, name="results-snapshot-diff"),
    # --- Analysis: seats, quick count, forensics, their run buttons and CSV exports -----------------
    path(RESULTS + "seats/", analysis.seats_page, name="analysis-seats"),
    path(RESULTS + "quick-count/", analysis.quick_count_page, name="analysis-quick-count"),
    path(RESULTS + "quick-count/draw/", analysis.quick_count_draw, name="analysis-quick-count-draw"),
    path(
        RESULTS + "quick-count/<int:sample_id>/freeze/",
        analysis.quick_count_freeze,
        name="analysis-quick-count-freeze",
    ),
    path(RESULTS + "forensics/", analysis.forensics_page, name="analysis-forensics"),
    path(RESULTS + "analysis/<slug:page>/run/", analysis.run_analysis, name="analysis-run"),
    path(RESULTS + "analysis/<slug:table>.csv", analysis.export, name="analysis-export"),
    # --- Election-night dashboard and the process statistics ---------------------------------------
    path(RESULTS + "dashboard/", dashboard.dashboard_page, name="dashboard"),
    path(RESULTS + "dashboard/data.json", dashboard.dashboard_json, name="dashboard-data"),
    path(RESULTS + "dashboard/stations.json", dashboard.dashboard_stations, name="dashboard-stations"),
    path(RESULTS + "dashboard/record/", dashboard.dashboard_record, name="dashboard-record"),
    path(RESULTS + "process/", dashboard.process_page, name="dashboard-process"),
    # --- Coordinator desk: queues, a station's copies, quarantine, blind entry, transcription -------
    path("desk/<int:contest_id>/", queues.desk_home, name="desk-home"),
    path("desk/<int:contest_id>/queue/<slug:name>/", queues.desk_queue, name="desk-queue"),
    path("desk/<int:contest_id>/station/<int:station_id>/", queues.station_page, name="desk-station"),
    path(
        "desk/<int:contest_id>/station/<int:station_id>/resolve/",
        actions.station_resolve,
        name="desk-resolve",
    ),
    path(
        "desk/<int:contest_id>/station/<int:station_id>/accept-copy/",
        actions.station_accept_copy,
        name="desk-accept-copy",
    ),
    path("desk/<int:contest_id>/phone-in/", desk_entry.phone_in, name="desk-phone-in"),
    path("desk/copy/<int:pk>/quarantine/", actions.copy_quarantine, name="desk-quarantine"),
    path("desk/copy/<int:pk>/verify/", actions.copy_verify, name="desk-verify"),
    path("desk/copy/<int:pk>/blind-entry/", desk_entry.blind_entry, name="desk-blind-entry"),
    path("desk/copy/<int:pk>/blind-entry/diff/", desk_entry.blind_diff, name="desk-blind-diff"),
    path("desk/copy/<int:pk>/blind-entry/confirm/", desk_entry.blind_confirm, name="desk-blind-confirm"),
    path("desk/copy/<int:pk>/transcribe/", transcription.transcribe, name="desk-transcribe"),
    path("desk/copy/<int:pk>/transcribe/settle/", transcription.settle, name="desk-transcription-settle"),
    path("desk/quarantine/<int:pk>/release/", actions.quarantine_release, name="desk-release"),
    # --- Copy entry by observers, and the offline service worker -----------------------------------
    path("copies/", entry.copy_list, name="copy-list"),
    path("copies/new/<int:contest_id>/", entry.copy_new, name="copy-new"),
    path("copies/photo/<int:contest_id>/", entry.copy_photo_only, name="copy-photo-only"),
    path("copies/<int:pk>/", entry.copy_detail, name="copy-detail"),
    path("sw.js", offline.service_worker, name="service-worker"),
    # --- Official results upload -------------------------------------------------------------------
    path("official-results/import/", official_import.upload, name="official-import"),
    path("official-results/import/confirm/", official_import.confirm, name="official-import-confirm"),
    # --- A coalition's pooled count, its resolution and its releases --------------------------------
    path(POOLED, coalitions.coalition_results, name="coalition-results"),
    path(POOLED + "forensics/", coalitions.coalition_forensics, name="coalition-forensics"),
    path(POOLED + "quick-count/", coalitions.coalition_quick_count, name="coalition-quick-count"),
    path(POOLED + "resolve/", coalitions.coalition_resolve, name="coalition-resolve"),
    path(
        POOLED + "stations/<int:station_id>/photos/<int:organization_id>/",
        coalitions.coalition_photo,
        name="coalition-photo",
    ),
    path(
        POOLED + "releases/preview/", coalitions.coalition_release_preview, name="coalition-release-preview"
    ),
    path(
        POOLED + "releases/prepare/", coalitions.coalition_release_prepare, name="coalition-release-prepare"
    ),
    path(
        POOLED + "releases/consent/", coalitions.coalition_release_consent, name="coalition-release-consent"
    ),
    path(
        POOLED + "releases/publish/", coalitions.coalition_release_publish, name="coalition-release-publish"
    ),
]
