"""Routes of the coordinator desk (tallies/views/desk/)."""

from django.urls import path

from tallies.views.desk import actions, entry, queues, transcription

urlpatterns = [
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
    path("desk/<int:contest_id>/phone-in/", entry.phone_in, name="desk-phone-in"),
    path("desk/copy/<int:pk>/quarantine/", actions.copy_quarantine, name="desk-quarantine"),
    path("desk/copy/<int:pk>/verify/", actions.copy_verify, name="desk-verify"),
    path("desk/copy/<int:pk>/blind-entry/", entry.blind_entry, name="desk-blind-entry"),
    path("desk/copy/<int:pk>/blind-entry/diff/", entry.blind_diff, name="desk-blind-diff"),
    path("desk/copy/<int:pk>/blind-entry/confirm/", entry.blind_confirm, name="desk-blind-confirm"),
    path("desk/copy/<int:pk>/transcribe/", transcription.transcribe, name="desk-transcribe"),
    path("desk/copy/<int:pk>/transcribe/settle/", transcription.settle, name="desk-transcription-settle"),
    path("desk/quarantine/<int:pk>/release/", actions.quarantine_release, name="desk-release"),
]
