"""Deployment (issue 12, reproduction 5): one trusted-proxy setting, secure compose defaults, caches.

The public API's rate limit believed any X-Forwarded-For (spoofed requests past the limit all
got 200) while login lockout used its own rule; SECURE_PROXY_SSL_HEADER was always trusted;
docker-compose.yml turned secure cookies and the HTTPS redirect off and published gunicorn's
port; public pages were sent Cache-Control: public together with Set-Cookie: csrftoken.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.urls import reverse
from rest_framework.settings import api_settings

from observers.login_security import client_ip

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def three_a_minute(monkeypatch):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setitem(api_settings.DEFAULT_THROTTLE_RATES, "public_api", "3/minute")
    yield
    cache.clear()


@pytest.mark.django_db
def test_it_does_not_let_a_spoofed_forwarded_for_pass_the_public_api_limit(client, three_a_minute):
    answers = [
        client.get(reverse("public-api-releases"), HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code
        for n in range(5)
    ]

    assert answers == [200, 200, 200, 429, 429]


@pytest.mark.django_db
def test_it_counts_per_client_behind_a_trusted_proxy(client, settings, three_a_minute):
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("public-api-releases")

    first = [client.get(url, HTTP_X_FORWARDED_FOR="spoofed, 10.0.0.1").status_code for _ in range(4)]
    other = client.get(url, HTTP_X_FORWARDED_FOR="spoofed, 10.0.0.2").status_code

    assert (first, other) == ([200, 200, 200, 429], 200)


def test_login_lockout_and_rate_limits_read_the_same_address(rf, settings):
    from observers.throttling import SignUpThrottle

    request = rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8", REMOTE_ADDR="9.9.9.9")
    settings.TRUSTED_PROXY_COUNT = 0
    untrusted = (client_ip(request), SignUpThrottle().get_ident(request))
    settings.TRUSTED_PROXY_COUNT = 1
    trusted = (client_ip(request), SignUpThrottle().get_ident(request))

    assert (untrusted, trusted) == (("9.9.9.9", "9.9.9.9"), ("5.6.7.8", "5.6.7.8"))
    assert settings.AXES_CLIENT_IP_CALLABLE == "observers.login_security.client_ip"


def settings_with(**env: str) -> str:
    """SECURE_PROXY_SSL_HEADER as the production settings compute it under `env`."""
    code = "import config.settings as s; print(s.SECURE_PROXY_SSL_HEADER)"
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment.update({"SECRET_KEY": "x" * 50, "DEBUG": "0", **env})
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    return done.stdout.strip()


def test_it_believes_x_forwarded_proto_only_from_a_trusted_proxy():
    assert settings_with(TRUSTED_PROXY_COUNT="0") == "None"
    assert settings_with(TRUSTED_PROXY_COUNT="1") == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_compose_publishes_only_the_tls_proxy_and_keeps_secure_defaults():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    app_env = compose["x-app"]["environment"]

    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert "caddy" in services["proxy"]["image"]
    assert not {"SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"} & set(app_env)
    assert str(app_env["TRUSTED_PROXY_COUNT"]) == "1"
    assert str(app_env["DEBUG"]).endswith("0}")
    assert "reverse_proxy web:8000" in (ROOT / "deploy" / "Caddyfile").read_text()


def test_compose_can_run_several_workers():
    """`docker compose up --scale worker=N` needs no fixed name, port or node name (docs/scaling.md)."""
    worker = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["worker"]
    command = " ".join(worker["command"])

    assert not {"container_name", "ports", "hostname"} & set(worker)
    assert "celery -A config worker" in command
    assert "-n worker@%h" in command  # the container's own hostname: unique per replica


@pytest.mark.django_db
def test_it_never_sends_a_public_page_with_a_cookie_to_shared_caches(client):
    response = client.get(reverse("public-index"))

    cache_control = response.get("Cache-Control", "")
    assert response.status_code == 200
    assert not (response.cookies and "public" in cache_control)
    if response.cookies:
        assert "private" in cache_control


def test_it_keeps_a_public_response_without_cookies_publicly_cacheable(rf):
    from django.http import HttpResponse

    from config.cache_headers import NoPublicCacheWithCookiesMiddleware

    def page(cookie: bool) -> HttpResponse:
        response = HttpResponse("results")
        response["Cache-Control"] = "public, max-age=60"
        if cookie:
            response.set_cookie("csrftoken", "x")
        return response

    plain = NoPublicCacheWithCookiesMiddleware(lambda request: page(False))(rf.get("/"))
    cookied = NoPublicCacheWithCookiesMiddleware(lambda request: page(True))(rf.get("/"))

    assert plain["Cache-Control"] == "public, max-age=60"
    assert "public" not in cookied["Cache-Control"] and "private" in cookied["Cache-Control"]
    assert settings.MIDDLEWARE[0] == "config.cache_headers.NoPublicCacheWithCookiesMiddleware"
