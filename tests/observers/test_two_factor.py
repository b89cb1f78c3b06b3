"""Login security: coordinators and admins need a TOTP second factor, observers do not; brute force locks out.

tests/settings.py turns the second-factor requirement off for the rest of the suite; every test
here turns it on with the `settings` fixture (`otp_on`).
"""

from __future__ import annotations

import datetime
from base64 import b32decode

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from observers.login_security import client_ip, issue_token
from tests.observers.support import APPLICATION
from tests.otp import current_token, verified_login

pytestmark = pytest.mark.django_db

LOGIN = {"login_view-current_step": "auth"}


@pytest.fixture
def otp_on(settings):
    settings.OTP_REQUIRED_FOR_COORDINATORS = True


def log_in(client, username: str, password: str, ip: str = "10.0.0.1"):
    data = {**LOGIN, "auth-username": username, "auth-password": password}
    return client.post(reverse("login"), data, REMOTE_ADDR=ip)


def test_it_sends_a_coordinator_without_a_device_to_the_setup_wizard(otp_on, client, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('two_factor:setup')}?next=%2F"


def test_it_asks_a_coordinator_with_a_device_for_a_code(otp_on, client, coordinator):
    TOTPDevice.objects.create(user=coordinator, name="default")
    client.force_login(coordinator)

    response = client.get(reverse("organization-detail", args=["golos"]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second-factor-verify"))


def test_it_keeps_a_coordinator_with_a_device_from_enrolling_another_unverified(otp_on, client, coordinator):
    TOTPDevice.objects.create(user=coordinator, name="default")
    client.force_login(coordinator)

    response = client.post(reverse("two_factor:setup"), {"setup_view-current_step": "welcome"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second-factor-verify"))


def test_it_lets_a_coordinator_in_after_the_code(otp_on, client, coordinator):
    device = TOTPDevice.objects.create(user=coordinator, name="default")
    client.force_login(coordinator)

    response = client.post(reverse("second-factor-verify"), {"otp_token": current_token(device), "next": "/"})

    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(reverse("home")).status_code == 200


def test_it_refuses_a_wrong_code(otp_on, client, coordinator):
    device = TOTPDevice.objects.create(user=coordinator, name="default")
    client.force_login(coordinator)
    wrong = f"{(int(current_token(device)) + 1) % 1_000_000:06d}"

    response = client.post(reverse("second-factor-verify"), {"otp_token": wrong})

    assert response.status_code == 200 and response.context["form"].errors
    assert client.get(reverse("home")).status_code == 302


def test_it_lets_a_verified_coordinator_use_pages_and_the_api(otp_on, client, coordinator):
    verified_login(client, coordinator)

    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("organization-accreditations", args=["golos"])).status_code == 200
    assert client.get(reverse("api-contest-list")).status_code == 200


def test_it_answers_403_to_an_unverified_coordinators_api_call(otp_on, client, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("api-contest-list"))

    assert response.status_code == 403
    assert "second factor" in response.json()["detail"]


def test_it_sends_a_new_organizations_admin_to_set_up_the_second_factor(otp_on, client):
    client.post(reverse("organization-sign-up"), APPLICATION)
    client.login(username=APPLICATION["username"], password=APPLICATION["password1"])

    response = client.get(reverse("organization-detail", args=["free-vote"]), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("two_factor:setup"))
    assert "free-vote" in response.redirect_chain[-1][0]  # back to its status page afterwards


def test_it_asks_platform_staff_for_a_second_factor_too(otp_on, client):
    staff = get_user_model().objects.create_user(username="stan", is_staff=True)
    client.force_login(staff)

    assert client.get(reverse("organization-review-queue")).status_code == 302


def test_it_asks_no_second_factor_of_an_observer(otp_on, client, observer):
    client.force_login(observer.user)

    assert client.get(reverse("copy-list")).status_code == 200


def test_it_accepts_an_observers_device_token_but_not_a_coordinators(otp_on, observer, coordinator):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(observer.user)}")
    assert api.get("/api/copies/").status_code == 200

    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(coordinator)}")
    assert api.get("/api/copies/").status_code in (401, 403)


def test_it_lets_an_unverified_coordinator_log_out(otp_on, client, coordinator):
    client.force_login(coordinator)

    client.post(reverse("logout"))

    assert "_auth_user_id" not in client.session


def test_it_logs_a_coordinator_in_with_password_then_code(otp_on, client, coordinator):
    device = TOTPDevice.objects.create(user=coordinator, name="default")

    log_in(client, "carol", "pw-carol")
    response = client.post(
        reverse("login"), {"login_view-current_step": "token", "token-otp_token": current_token(device)}
    )

    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_it_sets_up_an_authenticator_app_and_verifies_the_session(otp_on, client, coordinator):
    client.force_login(coordinator)
    url = reverse("two_factor:setup")
    client.get(url)
    response = client.post(url, {"setup_view-current_step": "welcome"})
    key = b32decode(response.context["secret_key"])

    response = client.post(
        url, {"setup_view-current_step": "generator", "generator-token": f"{totp(key):06d}"}
    )

    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=coordinator).confirmed
    assert client.get(reverse("home")).status_code == 200


def test_it_renders_the_login_and_verify_pages_in_the_site_layout(otp_on, client, coordinator):
    TOTPDevice.objects.create(user=coordinator, name="default")
    login_page = client.get(reverse("login")).content.decode()
    client.force_login(coordinator)
    verify_page = client.get(reverse("second-factor-verify")).content.decode()

    assert 'class="topbar"' in login_page and "bootstrap" not in login_page
    assert 'class="topbar"' in verify_page and 'name="otp_token"' in verify_page


def test_it_locks_a_username_out_from_one_address_after_five_failures(client):
    for _attempt in range(5):
        log_in(client, "carol_x", "wrong")
    get_user_model().objects.create_user(username="carol_x", password="pw-right")

    locked = log_in(client, "carol_x", "pw-right")
    elsewhere = log_in(client, "carol_x", "pw-right", ip="10.0.0.2")

    assert locked.status_code == 429
    assert elsewhere.status_code == 302


def test_it_keeps_other_usernames_open_from_the_locked_address(client, coordinator):
    for _attempt in range(5):
        log_in(client, "mallory", "wrong")

    assert log_in(client, "carol", "pw-carol").status_code == 302


def test_it_lifts_the_lock_after_the_cool_off(client, coordinator):
    for _attempt in range(5):
        log_in(client, "carol", "wrong")
    assert log_in(client, "carol", "pw-carol").status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))

    assert log_in(client, "carol", "pw-carol").status_code == 302


def test_it_keeps_the_test_clients_login_working(client, coordinator):
    assert client.login(username="carol", password="pw-carol")


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.9"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),
        (2, "6.6.6.6, 1.2.3.4, 10.1.1.1", "1.2.3.4"),
    ],
)
def test_it_takes_the_client_address_the_trusted_proxies_saw(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected
