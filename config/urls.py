"""Root URLs: the web pages, the REST API and its OpenAPI schema.

Logging in goes through django-two-factor-auth's two-step login (password, then a TOTP code for
users who have set one up); see observers/login_security.py for who must.
"""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from two_factor.urls import urlpatterns as two_factor_urls
from two_factor.views import LoginView

from config import api_docs, health
from observers.views import login_security

urlpatterns = [
    path("healthz/", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/verify/", login_security.verify, name="second-factor-verify"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include(two_factor_urls)),  # account/two_factor/setup/, qrcode/, backup/tokens/, ...
    path("i18n/", include("django.conf.urls.i18n")),
    path("public/", include("tallies.views.public_urls")),
    path("api/public/", include("tallies.api.public_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_docs.SwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", api_docs.RedocView.as_view(url_name="schema"), name="api-redoc"),
    path("api/", include("tallies.api_urls")),
    path("", include("tallies.channels.urls")),
    path("", include("observers.urls")),
    path("", include("tallies.urls")),
]

handler404 = "config.errors.not_found"
