"""Routes of the roster pages (observers/views/roster.py)."""

from django.urls import path

from observers.views import roster

urlpatterns = [
    path("organizations/<slug:slug>/roster/", roster.roster_list, name="roster-list"),
    path("organizations/<slug:slug>/roster/add/", roster.roster_add, name="roster-add"),
    path("organizations/<slug:slug>/roster/import/", roster.roster_import, name="roster-import"),
    path(
        "organizations/<slug:slug>/roster/import/confirm/",
        roster.roster_import_confirm,
        name="roster-import-confirm",
    ),
    path(
        "organizations/<slug:slug>/roster/<int:pk>/deactivate/",
        roster.roster_observer_action,
        {"action": "deactivate"},
        name="roster-observer-deactivate",
    ),
    path(
        "organizations/<slug:slug>/roster/<int:pk>/reactivate/",
        roster.roster_observer_action,
        {"action": "reactivate"},
        name="roster-observer-reactivate",
    ),
    path(
        "organizations/<slug:slug>/roster/<int:pk>/revoke-tokens/",
        roster.roster_observer_action,
        {"action": "revoke"},
        name="roster-observer-revoke",
    ),
    path(
        "organizations/<slug:slug>/roster/<int:pk>/token/",
        roster.roster_observer_token,
        name="roster-observer-token",
    ),
]
