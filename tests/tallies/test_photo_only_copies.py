"""Copies sent as photos only (issue 18): stored append-only with their sanitised photos, no figures,
counted nowhere until the desk transcribes them; on the web form, over the API and for the bot."""

from __future__ import annotations

import io
import uuid

import pytest
from django.urls import reverse
from PIL import Image

from observers.models import Evidence, Mandate
from tallies.errors import FieldError, NotAssignedError
from tallies.models import ObserverTally, ProtocolCopy, StationTallyState
from tallies.services import photos
from tests.observers.fixtures.evidence_images import encoded, jpeg_with_exif, upload
from tests.tallies.support import assert_equals_recompute, root_tally, submit_web_copy

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_storage")]
API = "/api/copies/photo-only/"


def send_photos(observer, station, *files, key=None, channel="telegram"):
    """The bot's call: photos of the protocol of `station`, no figures."""
    return photos.submit_photo_only_copy(
        observer=observer, station=station, uploads=list(files), client_uuid=key or uuid.uuid4(),
        channel=channel,
    )  # fmt: skip


def test_it_stores_photos_as_a_copy_with_no_figures_and_sanitises_them(
    observer, contest, station, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted, added = send_photos(observer, station, upload(jpeg_with_exif(), "page1.jpg"))

    copy = submitted.copy
    assert (submitted.created, added, copy.channel, copy.contest, copy.observer) == (
        True, 1, "telegram", contest, observer,
    )  # fmt: skip
    stored = ProtocolCopy.objects.get(pk=copy.pk)
    assert (stored.figure_values, stored.figure_layout_id) == (None, None) and not copy.findings.exists()
    assert list(ProtocolCopy.objects.awaiting_transcription()) == [copy]
    evidence = Evidence.objects.get()
    assert evidence.status == Evidence.Status.READY and evidence.copy_photos.get().copy == copy
    with evidence.file.open("rb") as stored:
        assert len(Image.open(io.BytesIO(stored.read())).getexif()) == 0  # EXIF and GPS gone


def test_it_stores_a_resent_key_once_adding_only_the_new_photos(observer, station):
    key = uuid.uuid4()
    first, _added = send_photos(observer, station, upload(jpeg_with_exif(), "a.jpg"), key=key)
    again, added = send_photos(
        observer, station, upload(jpeg_with_exif(), "a.jpg"), upload(encoded("PNG"), "b.png"), key=key
    )

    assert (again.created, again.copy, added) == (False, first.copy, 1)
    assert ProtocolCopy.objects.count() == 1 and first.copy.photos.count() == 2


def test_it_counts_a_photo_only_copy_nowhere(
    observer, bob, contest, station, organization, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit_web_copy(bob, contest, station)
        send_photos(observer, station, upload(jpeg_with_exif()))

    state = StationTallyState.objects.get(station=station)
    assert state.current_copy.observer == bob and state.conflicts == []
    assert root_tally(contest, organization).option_totals["p6_UR"] == 445
    assert root_tally(contest, organization).stations_count == 1
    assert_equals_recompute(contest, organization)


def test_it_leaves_a_station_with_only_photos_out_of_the_tallies(
    observer, contest, station, organization, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_photos(observer, station, upload(jpeg_with_exif()))

    assert not StationTallyState.objects.filter(station=station).exists()
    assert not ObserverTally.objects.filter(organization=organization, stations_count__gt=0).exists()


def test_it_refuses_photos_without_a_live_mandate_or_without_a_photo(observer, station):
    with pytest.raises(FieldError) as refused:
        send_photos(observer, station)
    assert refused.value.field == "photos"

    Mandate.objects.filter(observer=observer).update(status=Mandate.Status.WITHDRAWN)
    with pytest.raises(NotAssignedError):
        send_photos(observer, station, upload(jpeg_with_exif()))
    assert ProtocolCopy.objects.count() == 0 and Evidence.objects.count() == 0


def test_it_offers_the_photo_path_from_my_copies_and_from_the_copy_form(alice, contest):
    url = reverse("copy-photo-only", args=[contest.pk])

    assert url in alice.get(reverse("copy-list")).content.decode()
    assert url in alice.get(reverse("copy-new", args=[contest.pk])).content.decode()
    page = alice.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'capture="environment"' in page
    assert "Отправить фото протокола" in page


def test_it_stores_the_web_forms_photos_and_shows_the_copy_awaiting_transcription(
    alice, contest, station, django_capture_on_commit_callbacks
):
    url = reverse("copy-photo-only", args=[contest.pk])
    data = {"client_uuid": str(uuid.uuid4()), "station": station.pk}

    refused = alice.post(url, data)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice.post(url, {**data, "photos": [upload(jpeg_with_exif(), "p.jpg")]})

    assert refused.status_code == 200 and "Send at least one photo" in refused.content.decode()
    copy = ProtocolCopy.objects.get()
    assert response.status_code == 302 and response.url == reverse("copy-detail", args=[copy.pk])
    detail = alice.get(response.url, HTTP_ACCEPT_LANGUAGE="kk").content.decode()
    assert 'id="awaiting-transcription"' in detail and copy.channel == "web"


def test_it_takes_photo_only_copies_over_the_api_idempotently(alice_device, contest, station):
    key = str(uuid.uuid4())

    def post(*files):
        body = {"client_uuid": key, "contest": contest.pk, "station": station.pk, "photos": list(files)}
        return alice_device.post(API, body, format="multipart")

    first = post(upload(jpeg_with_exif(), "p.jpg"))
    again = post(upload(jpeg_with_exif(), "p.jpg"))

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] == ProtocolCopy.objects.get().pk
    assert Evidence.objects.count() == 1


def test_it_names_the_field_over_the_api_without_photos_or_with_a_disguised_file(
    alice_device, contest, station
):
    body = {"client_uuid": str(uuid.uuid4()), "contest": contest.pk, "station": station.pk}

    empty = alice_device.post(API, body, format="multipart")
    disguised = alice_device.post(
        API, {**body, "photos": [upload(b"%PDF-1.7 nope", "p.jpg")]}, format="multipart"
    )

    assert empty.status_code == 400 and "photos" in empty.json()
    assert disguised.status_code == 400 and "photos" in disguised.json()
    assert ProtocolCopy.objects.count() == 0
