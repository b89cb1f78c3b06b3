"""Photos sent with a copy on the copy form: checked first, stored with the copy, each once."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from observers.models import Evidence
from tallies.models import CopyPhoto, ProtocolCopy
from tests.observers.fixtures.evidence import stored_files
from tests.observers.fixtures.evidence_images import encoded, jpeg_with_exif, png_bomb, upload
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_storage")]


@pytest.fixture
def new_url(contest):
    return reverse("copy-new", args=[contest.pk])


def form_data(key: str | None = None, **fields):
    data = {"client_uuid": key or str(uuid.uuid4()), "number": "91", "note": ""}
    data.update({f"lines.{code}": value for code, value in LINES_PEC_91_COPY.items()})
    data.update({f"options.{code}": value for code, value in OPTIONS_PEC_91_COPY.items()})
    return {**data, **fields}


def post(alice, url, key, *photos, capture=None):
    """POST the copy with `photos` ((bytes, name) pairs); run on-commit callbacks as after a commit."""
    files = [upload(data, name) for data, name in photos]
    if capture is None:
        return alice.post(url, form_data(key, photos=files))
    with capture(execute=True):
        return alice.post(url, form_data(key, photos=files))


def photos_of(copy: ProtocolCopy) -> list[str]:
    return [p.evidence.original_name for p in copy.photos.select_related("evidence")]


def test_it_offers_a_camera_input_for_several_photos(alice, new_url):
    html = alice.get(new_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'enctype="multipart/form-data"' in html
    tag = re.search(r'<input type="file" name="photos"[^>]*>', html).group(0)
    assert all(attr in tag for attr in ('accept="image/*"', 'capture="environment"', "multiple"))
    assert "Photos of the protocol (optional)" in html


def test_it_stores_the_copy_with_its_photos_and_sanitises_them_after_commit(
    alice, new_url, django_capture_on_commit_callbacks
):
    key = str(uuid.uuid4())
    photos = [(jpeg_with_exif(), "page1.jpg"), (encoded("PNG"), "page2.png")]

    response = post(alice, new_url, key, *photos, capture=django_capture_on_commit_callbacks)

    copy = ProtocolCopy.objects.get()
    assert response.status_code == 302 and response.url == reverse("copy-detail", args=[copy.pk])
    assert photos_of(copy) == ["page1.jpg", "page2.png"]
    assert set(Evidence.objects.values_list("status", flat=True)) == {Evidence.Status.READY}


def test_it_stores_a_copy_without_photos_as_before(alice, new_url):
    response = alice.post(new_url, form_data())

    assert response.status_code == 302
    assert ProtocolCopy.objects.count() == 1 and Evidence.objects.count() == 0


@pytest.mark.parametrize(
    "bad",
    [(b"not an image at all", "page.jpg"), (png_bomb(), "bomb.png"), (b"%PDF-1.4 minutes", "minutes.pdf")],
    ids=["disguised", "pixel-bomb", "not-allowed"],
)
def test_it_refuses_a_bad_photo_on_its_field_and_stores_nothing(alice, new_url, bad):
    response = post(alice, new_url, None, (jpeg_with_exif(), "good.jpg"), bad)

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["photos"]
    assert bad[1] in response.context["form"].errors["photos"][0]
    assert ProtocolCopy.objects.count() == 0 and Evidence.objects.count() == 0
    assert stored_files() == []


def test_it_refuses_a_photo_over_the_size_limit(alice, new_url, settings, monkeypatch):
    monkeypatch.setattr("observers.services.evidence.MAX_UPLOAD_BYTES", 1000)

    response = post(alice, new_url, None, (jpeg_with_exif(), "big.jpg"))

    assert "photos" in response.context["form"].errors
    assert ProtocolCopy.objects.count() == 0 and Evidence.objects.count() == 0


def test_it_stores_nothing_when_the_copy_is_refused(alice, new_url):
    response = alice.post(new_url, form_data(number="9999", photos=[upload(jpeg_with_exif())]))

    assert response.status_code == 200 and "number" in response.context["form"].errors
    assert Evidence.objects.count() == 0 and stored_files() == []


def test_it_stores_each_photo_once_when_the_copy_is_resent(alice, new_url):
    key, page1 = str(uuid.uuid4()), (jpeg_with_exif(), "page1.jpg")
    post(alice, new_url, key, page1)

    resent = post(alice, new_url, key, page1)

    copy = ProtocolCopy.objects.get()
    assert resent.status_code == 302 and resent.url == reverse("copy-detail", args=[copy.pk])
    assert photos_of(copy) == ["page1.jpg"]
    assert Evidence.objects.count() == 1 and CopyPhoto.objects.count() == 1
    assert len(stored_files()) == 1, "the resent photo's file must not be stored again"


def test_it_adds_only_the_new_photo_that_a_resend_carries(alice, new_url):
    key, page1, page2 = str(uuid.uuid4()), (jpeg_with_exif(), "page1.jpg"), (encoded("PNG"), "page2.png")
    post(alice, new_url, key, page1)

    resent = post(alice, new_url, key, page1, page2)

    assert photos_of(ProtocolCopy.objects.get()) == ["page1.jpg", "page2.png"]
    assert "only the new photos were added" in alice.get(resent.url).content.decode()
    assert Evidence.objects.count() == 2


def test_it_stores_a_photo_chosen_twice_in_one_send_once(alice, new_url):
    post(alice, new_url, None, (jpeg_with_exif(), "a.jpg"), (jpeg_with_exif(), "b.jpg"))

    assert photos_of(ProtocolCopy.objects.get()) == ["a.jpg"]


def test_it_refuses_more_photos_than_the_limit(alice, new_url):
    many = [(encoded("PNG", size=(8, 8 + n)), f"p{n}.png") for n in range(11)]

    response = post(alice, new_url, None, *many)

    assert "photos" in response.context["form"].errors and Evidence.objects.count() == 0
