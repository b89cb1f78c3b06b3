"""Root URLs: the accounts, the REST API (config/api_urls.py) and each app's pages (<app>/urls.py).

Logging in goes through django-two-factor-auth's two-step login (password, then a TOTP code for
users who have set one up); see observers/login_security.py for who must.
"""

from django.contrib import admin
from django.urls import include, path
from two_factor.urls import urlpatterns as two_factor_urls
from two_factor.views import LoginView

from config import health
from observers.views import login_security

urlpatterns = [
    path("healthz/", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/verify/", login_security.verify, name="second-factor-verify"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include(two_factor_urls)),  # account/two_factor/setup/, qrcode/, backup/tokens/, ...
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("config.api_urls")),
    path("", include("observers.urls")),
    path("", include("tallies.urls")),
]

handler404 = "config.errors.not_found"
