"""Web pages of the observers app: each topic's routes live in observers/views/<topic>_urls.py."""

from django.urls import include, path

urlpatterns: list = [
    # path("", include("observers.views.<topic>_urls")),
    path("", include("observers.views.evidence_urls")),
    path("", include("observers.views.organizations_urls")),
    path("api/", include("observers.api.evidence_urls")),
    path("", include("observers.views.visits_urls")),
    path("", include("observers.views.violations_urls")),
    path("api/", include("observers.api.api_urls")),
    path("", include("observers.views.roster_urls")),
    path("", include("observers.views.mandates_urls")),
    path("", include("observers.views.accounts_urls")),
]
