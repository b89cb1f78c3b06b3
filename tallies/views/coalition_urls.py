"""URLs of a coalition's pooled count (tallies.views.coalitions)."""

from django.urls import path

from tallies.views import coalitions

urlpatterns = [
    path(
        "coalitions/<int:coalition_id>/contests/<int:contest_id>/",
        coalitions.coalition_results,
        name="coalition-results",
    ),
    path(
        "coalitions/<int:coalition_id>/contests/<int:contest_id>/forensics/",
        coalitions.coalition_forensics,
        name="coalition-forensics",
    ),
    path(
        "coalitions/<int:coalition_id>/contests/<int:contest_id>/quick-count/",
        coalitions.coalition_quick_count,
        name="coalition-quick-count",
    ),
    path(
        "coalitions/<int:coalition_id>/contests/<int:contest_id>/resolve/",
        coalitions.coalition_resolve,
        name="coalition-resolve",
    ),
    path(
        "coalitions/<int:coalition_id>/contests/<int:contest_id>/stations/<int:station_id>/photos/<int:organization_id>/",
        coalitions.coalition_photo,
        name="coalition-photo",
    ),
    path(
        "coalitions/<int:coalition_id>/contests/<int:contest_id>/releases/preview/",
        coalitions.coalition_release_preview,
        name="coalition-release-preview",
    ),
    path(
        "coalitions/<int:coalition_id>/contests/<int:contest_id>/releases/consent/",
        coalitions.coalition_release_consent,
        name="coalition-release-consent",
    ),
    path(
        "coalitions/<int:coalition_id>/contests/<int:contest_id>/releases/publish/",
        coalitions.coalition_release_publish,
        name="coalition-release-publish",
    ),
]
