"""Accounts (issue 12, reproduction 5): deactivated observers and revoked or expired tokens are refused.

A deactivated observer could still submit copies, acts and evidence; admins could neither
deactivate an observer nor revoke a token; tokens were stored in the clear and never expired.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from observers import access
from observers.login_security import issue_token
from observers.models import AuditEntry
from observers.services import accounts
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY

pytestmark = pytest.mark.django_db


def device(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def copy_body(contest, station) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "contest": contest.pk,
        "station": station.pk,
        "lines": dict(LINES_PEC_91_COPY),
        "options": dict(OPTIONS_PEC_91_COPY),
    }


def act_body(station) -> dict:
    return {
        "station": station.pk,
        "stage": "voting",
        "violation_type": "VOT-GROUP",
        "occurred_at": "2011-12-04T20:00",
        "description": "A man marked the ballots of his wife and daughter.",
        "cosigner_codes": [],
        "client_uuid": str(uuid.uuid4()),
    }


def deactivate(observer) -> None:
    observer.is_active = False
    observer.save(update_fields=["is_active"])


def test_it_refuses_a_deactivated_observers_copies_acts_and_evidence_on_the_api(observer, contest, station):
    phone = device(issue_token(observer.user))
    deactivate(observer)

    answers = [
        phone.post("/api/copies/", copy_body(contest, station), format="json").status_code,
        phone.post("/api/acts/", act_body(station), format="json").status_code,
        phone.post(reverse("api-evidence-list"), {}, format="multipart").status_code,
        phone.get("/api/copies/").status_code,
    ]

    assert all(status in (401, 403) for status in answers), answers


def test_it_logs_a_deactivated_observer_out_of_the_web(client, observer, contest):
    client.force_login(observer.user)
    deactivate(observer)

    pages = [reverse("copy-new", args=[contest.pk]), reverse("act-list"), reverse("evidence-index")]

    assert all(client.get(page).status_code == 302 for page in pages)
    assert client.get(pages[0])["Location"].startswith(reverse("login"))
    with pytest.raises(PermissionDenied):
        access.observer_for(observer.user)


def test_it_stores_tokens_hashed(observer):
    token = issue_token(observer.user)

    stored = AuthToken.objects.get(user=observer.user)
    assert token not in (stored.digest, stored.token_key)
    assert stored.expiry is not None and stored.expiry > timezone.now()


def test_it_refuses_an_expired_token(observer):
    token = issue_token(observer.user)
    AuthToken.objects.filter(user=observer.user).update(expiry=timezone.now() - timedelta(seconds=1))

    assert device(token).get("/api/copies/").status_code in (401, 403)


def test_it_lets_an_admin_deactivate_an_observer_from_the_roster(client, admin, organization, observer):
    token = issue_token(observer.user)
    client.force_login(admin)

    response = client.post(reverse("roster-observer-deactivate", args=[organization.slug, observer.pk]))

    observer.refresh_from_db()
    assert response.status_code == 302 and not observer.is_active
    assert not AuthToken.objects.filter(user=observer.user).exists()
    assert device(token).get("/api/copies/").status_code in (401, 403)
    entry = AuditEntry.objects.get(organization=organization, action="observer.deactivated")
    assert (entry.actor, entry.object_id) == (admin, str(observer.pk))


def test_it_lets_an_admin_revoke_an_observers_tokens_from_the_roster(client, admin, organization, observer):
    token = issue_token(observer.user)
    assert device(token).get("/api/copies/").status_code == 200
    client.force_login(admin)

    client.post(reverse("roster-observer-revoke", args=[organization.slug, observer.pk]))

    assert device(token).get("/api/copies/").status_code in (401, 403)
    observer.refresh_from_db()
    assert observer.is_active


def test_it_shows_a_new_token_once_and_it_works(client, admin, organization, observer):
    client.force_login(admin)

    response = client.post(reverse("roster-observer-token", args=[organization.slug, observer.pk]))

    token = response.context["token"]
    assert "no-store" in response["Cache-Control"]
    assert device(token).get("/api/copies/").status_code == 200


def test_it_lets_only_admins_change_observers_accounts(client, coordinator, organization, observer):
    client.force_login(coordinator)

    response = client.post(reverse("roster-observer-deactivate", args=[organization.slug, observer.pk]))

    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        accounts.set_observer_active(
            organization=organization, by=coordinator, observer=observer, active=False
        )
    observer.refresh_from_db()
    assert observer.is_active


def test_it_cannot_deactivate_another_organisations_observer(client, admin, organization, other_observer):
    client.force_login(admin)

    response = client.post(reverse("roster-observer-deactivate", args=[organization.slug, other_observer.pk]))

    other_observer.refresh_from_db()
    assert response.status_code == 404 and other_observer.is_active
