"""Web pages of the observers app: each topic's routes live in observers/views/<topic>_urls.py."""

from django.urls import include, path  # noqa: F401  (topics add their includes)

urlpatterns: list = [
    # path("", include("observers.views.<topic>_urls")),
]
