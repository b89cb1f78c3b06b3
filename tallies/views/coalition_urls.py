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
        "coalitions/<int:coalition_id>/contests/<int:contest_id>/resolve/",
        coalitions.coalition_resolve,
        name="coalition-resolve",
    ),
]
