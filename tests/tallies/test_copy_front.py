"""The copy API's front (tallies/api/copy_front.py) answers a device's ordinary submission itself,
exactly as DRF would, and hands every other request to DRF's view.

Alice's phone sends her token (alice_device). "Through DRF" below means the same request with the
front switched off (its `_ordinary_submission` answering None), so that CopyViewSet answers it as
before the front existed.
"""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from observers.login_security import ObserverTokenAuthentication, issue_token, revoke_tokens, token_user_id
from tallies.api import copy_front
from tallies.api.copies import CopyViewSet
from tallies.models import ProtocolCopy
from tests.tallies.support import body

pytestmark = pytest.mark.django_db

URL = "/api/copies/"


@pytest.fixture
def no_drf_create(monkeypatch):
    """Make CopyViewSet.create fail, to show that a request never reached it."""

    def create(self, request):
        raise AssertionError("the ordinary submission reached DRF's view")

    monkeypatch.setattr(CopyViewSet, "create", create)


def test_it_stores_an_ordinary_submission_without_drfs_view(alice_device, contest, station, no_drf_create):
    response = alice_device.post(URL, body(contest, station), format="json")

    assert response.status_code == 201
    assert ProtocolCopy.objects.filter(pk=response.data["id"]).exists()


def test_it_answers_byte_for_byte_as_drf_answers_the_same_copy(alice_device, contest, station, monkeypatch):
    # A resend answers the stored copy, so the front's 201 and DRF's 200 carry the same body; the
    # note has non-ASCII text and U+2028, which JSONRenderer escapes.
    copy = {**body(contest, station), "note": "Печать смазана\u2028стр. 2"}
    first = alice_device.post(URL, copy, format="json")
    monkeypatch.setattr(copy_front, "_ordinary_submission", lambda request: None)
    again = alice_device.post(URL, copy, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.content == again.content
    assert b"\\u2028" in first.content
    assert dict(first.headers) == dict(again.headers)
    assert first.headers["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_it_answers_a_resend_as_drf_does(alice_device, contest, station, monkeypatch):
    copy = body(contest, station)
    alice_device.post(URL, copy, format="json")

    resent = alice_device.post(URL, copy, format="json")
    monkeypatch.setattr(copy_front, "_ordinary_submission", lambda request: None)
    through_drf = alice_device.post(URL, copy, format="json")

    assert resent.status_code == through_drf.status_code == 200
    assert resent.content == through_drf.content
    assert dict(resent.headers) == dict(through_drf.headers)


def test_it_refuses_a_revoked_token_at_once(observer, contest, station):
    device = APIClient(HTTP_AUTHORIZATION=f"Token {issue_token(observer.user)}")
    assert device.post(URL, body(contest, station), format="json").status_code == 201

    revoke_tokens(observer.user)
    response = device.post(URL, body(contest, station), format="json")

    assert (response.status_code, str(response.data["detail"])) == (403, "Invalid token.")
    assert ProtocolCopy.objects.count() == 1


def test_it_refuses_a_deactivated_observer_at_once(alice_device, observer, contest, station):
    assert alice_device.post(URL, body(contest, station), format="json").status_code == 201

    observer.is_active = False
    observer.save(update_fields=["is_active"])
    response = alice_device.post(URL, body(contest, station), format="json")

    assert (response.status_code, str(response.data["detail"])) == (403, "User inactive or deleted.")
    assert ProtocolCopy.objects.count() == 1


def test_it_refuses_an_expired_token(alice_device, contest, station):
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))

    response = alice_device.post(URL, body(contest, station), format="json")

    assert (response.status_code, str(response.data["detail"])) == (403, "Invalid token.")
    assert not ProtocolCopy.objects.exists()


def test_it_refuses_a_coordinators_token_when_a_second_factor_is_required(
    settings, coordinator, contest, station
):
    settings.OTP_REQUIRED_FOR_COORDINATORS = True
    device = APIClient(HTTP_AUTHORIZATION=f"Token {issue_token(coordinator)}")

    response = device.post(URL, body(contest, station), format="json")

    assert response.status_code == 403
    assert "second factor" in str(response.data["detail"])
    assert not ProtocolCopy.objects.exists()


@pytest.mark.parametrize("otp", [True, False])
@pytest.mark.parametrize(
    "state", ["live", "revoked", "expired", "inactive user", "inactive observer", "coordinator", "staff"]
)
def test_token_user_id_accepts_exactly_the_tokens_drf_accepts(settings, observer, coordinator, state, otp):
    settings.OTP_REQUIRED_FOR_COORDINATORS = otp
    user = coordinator if state == "coordinator" else observer.user
    token = issue_token(user)
    if state == "revoked":
        revoke_tokens(user)
    elif state == "expired":
        AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    elif state == "inactive user":
        user.is_active = False
        user.save(update_fields=["is_active"])
    elif state == "inactive observer":
        observer.is_active = False
        observer.save(update_fields=["is_active"])
    elif state == "staff":
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    try:
        drf_user_id = ObserverTokenAuthentication().authenticate_credentials(token)[0].pk
    except Exception:  # AuthenticationFailed
        drf_user_id = None

    assert token_user_id(token) == drf_user_id
    assert (drf_user_id is not None) == (state == "live" or (not otp and state in {"coordinator", "staff"}))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": {"ballots_valid": 1}}, "lines"),  # the other codes missing
        ({"note": "x" * 2001}, "note"),
        ({"station": 0}, "station"),
        ({"client_uuid": "not-a-uuid"}, "client_uuid"),
    ],
    ids=["missing-codes", "long-note", "station-0", "bad-uuid"],
)
def test_a_body_that_is_not_ordinary_still_gets_its_field_error(
    alice_device, contest, station, change, field
):
    response = alice_device.post(URL, {**body(contest, station), **change}, format="json")

    assert response.status_code == 400
    assert any(key.startswith(field) for key in response.json())
    assert not ProtocolCopy.objects.exists()


def test_it_refuses_nan_as_drfs_strict_parser_does(alice_device, contest, station):
    text = json.dumps(body(contest, station))[:-1] + ', "extra": NaN}'

    response = alice_device.generic("POST", URL, text, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    assert not ProtocolCopy.objects.exists()


def test_a_signed_in_session_is_authenticated_by_the_session_and_needs_csrf(observer, bob, contest, station):
    # DRF tries the session first: with one, the token is not looked at and CSRF applies.
    browser = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {issue_token(bob.user)}")
    browser.force_login(observer.user)

    response = browser.post(URL, body(contest, station), content_type="application/json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not ProtocolCopy.objects.exists()


def test_it_leaves_an_accept_header_it_does_not_render_to_drf(alice_device, contest, station):
    response = alice_device.post(URL, body(contest, station), format="json", HTTP_ACCEPT="application/xml")

    assert response.status_code == 406
    assert not ProtocolCopy.objects.exists()


def test_it_will_not_stand_in_front_of_a_throttled_viewset():
    class Throttled(CopyViewSet):
        throttle_classes = [AnonRateThrottle]

    with pytest.raises(ImproperlyConfigured, match="throttle"):
        Throttled.as_view({"get": "list", "post": "create"})
