"""The evidence API: multipart upload by observers, 400s that say why, files only for those allowed."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from observers.models import Evidence
from tallies.models import CopyPhoto
from tests.observers.fixtures.evidence import make_act, make_copy, stored_files
from tests.observers.fixtures.evidence_images import jpeg_with_exif, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_storage")]
LIST = reverse("api-evidence-list")


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def uploaded(observer, django_capture_on_commit_callbacks):
    """Alice's photo, posted through the API and sanitised."""
    with django_capture_on_commit_callbacks(execute=True):
        response = api(observer.user).post(LIST, {"file": upload(jpeg_with_exif())}, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()


def test_it_accepts_a_multipart_photo_and_answers_with_the_pending_record(observer):
    original = jpeg_with_exif()

    response = api(observer.user).post(LIST, {"file": upload(original, "IMG_1.jpg")}, format="multipart")

    body = response.json()
    assert response.status_code == 201
    assert body["status"] == "pending" and body["file_url"] is None
    assert body["original_sha256"] == hashlib.sha256(original).hexdigest()
    assert body["observer"] == observer.code and body["original_name"] == "IMG_1.jpg"


def test_it_names_the_field_when_it_refuses_a_disguised_file(observer):
    response = api(observer.user).post(
        LIST, {"file": upload(b"%PDF-1.7 nope", "photo.jpg")}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json() == {
        "file": ["This file is not a JPEG, PNG, HEIC or WebP image, although its name says so."]
    }
    assert Evidence.objects.count() == 0 and stored_files() == []


def test_it_attaches_the_photo_to_the_observers_copy(observer, contest, station):
    copy = make_copy(observer, contest, station)

    response = api(observer.user).post(
        LIST, {"file": upload(jpeg_with_exif()), "copy": copy.pk}, format="multipart"
    )

    assert response.status_code == 201 and response.json()["copies"] == [copy.pk]
    assert CopyPhoto.objects.get().copy == copy


def test_it_treats_another_observers_copy_as_not_found_and_stores_nothing(observer, bob, contest, station):
    copy = make_copy(bob, contest, station)

    response = api(observer.user).post(
        LIST, {"file": upload(jpeg_with_exif()), "copy": copy.pk}, format="multipart"
    )

    assert response.status_code == 400 and "copy" in response.json()
    assert Evidence.objects.count() == 0 and stored_files() == []


def test_it_links_the_photo_to_the_observers_act(observer, contest, station):
    act = make_act(observer, contest, station)

    response = api(observer.user).post(
        LIST, {"file": upload(jpeg_with_exif()), "act": act.pk}, format="multipart"
    )

    assert response.json()["violation_act"] == act.pk


def test_it_refuses_uploads_from_users_who_are_not_observers(coordinator):
    response = api(coordinator).post(LIST, {"file": upload(jpeg_with_exif())}, format="multipart")

    assert response.status_code == 403


def test_it_streams_the_sanitised_file_to_the_uploader_and_the_coordinator(uploaded, observer, coordinator):
    for user in (observer.user, coordinator):
        response = api(user).get(reverse("api-evidence-file", args=[uploaded["id"]]))
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_it_gives_the_file_url_once_ready(uploaded, observer):
    body = api(observer.user).get(reverse("api-evidence-detail", args=[uploaded["id"]])).json()

    assert body["status"] == "ready"
    assert body["file_url"].endswith(reverse("api-evidence-file", args=[uploaded["id"]]))


def test_it_serves_the_file_when_the_client_asks_for_a_jpeg(uploaded, observer):
    url = reverse("api-evidence-file", args=[uploaded["id"]])

    assert api(observer.user).get(url, HTTP_ACCEPT="image/jpeg").status_code == 200


def test_it_answers_404_and_lists_nothing_for_another_organisations_coordinator(uploaded, olga):
    client = api(olga)

    assert client.get(reverse("api-evidence-file", args=[uploaded["id"]])).status_code == 404
    assert client.get(reverse("api-evidence-detail", args=[uploaded["id"]])).status_code == 404
    assert client.get(LIST).json()["results"] == []
