"""Evidence pages: the phone upload form, copy and act photos, and files served only after a check."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLPattern, URLResolver
from django.views.static import serve

from observers.models import Evidence
from tallies.models import CopyPhoto
from tests.observers.fixtures.evidence import make_act, make_copy, send, stored_files
from tests.observers.fixtures.evidence_images import jpeg_with_exif, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_storage")]
NEW = reverse("evidence-new")


def post_photo(client, url: str, data: bytes, name: str = "photo.jpg"):
    return client.post(url, {"file": upload(data, name)})


def test_it_renders_a_phone_upload_form_for_photos(alice):
    page = alice.get(NEW).content.decode()

    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    assert 'accept="image/jpeg,image/png,image/heic' in page


def test_it_stores_a_photo_and_shows_its_receipt(alice, django_capture_on_commit_callbacks):
    original = jpeg_with_exif()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_photo(alice, NEW, original)

    evidence = Evidence.objects.get()
    assert response.status_code == 302 and response.url == reverse("evidence-detail", args=[evidence.pk])
    page = alice.get(response.url).content.decode()
    assert evidence.original_sha256[:8] in page and reverse("evidence-file", args=[evidence.pk]) in page


def test_it_shows_why_a_disguised_file_is_refused_and_stores_nothing(alice):
    response = post_photo(alice, NEW, b"not a photo at all\n" * 20, "photo.jpg")

    assert response.status_code == 200
    assert "although its name says so" in response.content.decode()
    assert Evidence.objects.count() == 0 and stored_files() == []


def test_it_attaches_a_photo_to_the_observers_copy_and_returns_to_the_receipt(
    alice, observer, contest, station, django_capture_on_commit_callbacks
):
    copy = make_copy(observer, contest, station)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_photo(alice, f"{NEW}?copy={copy.pk}", jpeg_with_exif())

    assert response.url == reverse("copy-detail", args=[copy.pk])
    photo = CopyPhoto.objects.get()
    assert photo.copy == copy and photo.evidence.status == Evidence.Status.READY


def test_it_lists_a_copys_photos_in_the_include_for_the_receipt(alice, observer, contest, station, sent):
    copy = make_copy(observer, contest, station)
    evidence = sent(jpeg_with_exif())
    CopyPhoto.objects.create(copy=copy, evidence=evidence)

    html = render_to_string("observers/evidence/list.html", {"copy": copy, "user": observer.user})

    assert reverse("evidence-file", args=[evidence.pk]) in html
    assert f"{NEW}?copy={copy.pk}" in html


def test_it_answers_404_for_a_copy_of_another_observer_and_stores_nothing(alice, bob, contest, station):
    copy = make_copy(bob, contest, station)

    response = post_photo(alice, f"{NEW}?copy={copy.pk}", jpeg_with_exif())

    assert response.status_code == 404
    assert Evidence.objects.count() == 0 and stored_files() == []


def test_it_links_a_photo_to_the_observers_act(alice, observer, contest, station):
    act = make_act(observer, contest, station)

    post_photo(alice, f"{NEW}?act={act.pk}", jpeg_with_exif())

    assert Evidence.objects.get().violation_act == act


def test_it_answers_404_for_an_act_of_another_organisation(alice, other_observer, contest, station):
    act = make_act(other_observer, contest, station)

    assert alice.get(f"{NEW}?act={act.pk}").status_code == 404


@pytest.fixture
def ready(sent):
    return sent(jpeg_with_exif())


def test_it_streams_the_clean_file_to_the_uploader_with_safe_headers(alice, ready):
    response = alice.get(reverse("evidence-file", args=[ready.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'inline; filename="evidence-{ready.pk}.jpg"'
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")


def test_it_streams_the_file_to_a_coordinator_of_the_organisation(client, coordinator, ready):
    client.force_login(coordinator)

    assert client.get(reverse("evidence-file", args=[ready.pk])).status_code == 200
    assert client.get(reverse("evidence-detail", args=[ready.pk])).status_code == 200


@pytest.mark.parametrize("who", ["olga", "bob", "other_observer"])
def test_it_answers_404_to_anyone_else(client, ready, who, request):
    person = request.getfixturevalue(who)
    client.force_login(getattr(person, "user", person))

    assert client.get(reverse("evidence-file", args=[ready.pk])).status_code == 404
    assert client.get(reverse("evidence-detail", args=[ready.pk])).status_code == 404
    assert ready.original_name not in client.get(reverse("evidence-index")).content.decode()


def test_it_sends_anonymous_visitors_to_the_login_page(client, ready):
    response = client.get(reverse("evidence-file", args=[ready.pk]))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_it_serves_no_file_before_it_is_sanitised(alice, observer):
    pending = send(observer, jpeg_with_exif())  # its task waits for a commit that never comes

    assert alice.get(reverse("evidence-file", args=[pending.pk])).status_code == 404


def test_it_routes_no_url_to_the_media_folder(client, ready):
    def views(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from views(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                yield pattern.callback

    assert serve not in list(views(get_resolver().url_patterns))
    assert client.get(f"/media/{ready.file.name}").status_code == 404
