"""The sanitising task: a re-encoded JPEG without EXIF, GPS or device data; the original's hash kept."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.db import InterfaceError, OperationalError
from PIL import Image

from observers import tasks
from observers.models import Evidence
from tests.observers.fixtures.evidence import send, stored_files
from tests.observers.fixtures.evidence_images import GPS_IFD, encoded, jpeg_with_exif

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_storage")]


def stored_image(evidence: Evidence) -> tuple[bytes, Image.Image]:
    with evidence.file.open("rb") as stored:
        data = stored.read()
    return data, Image.open(io.BytesIO(data))


def test_it_strips_gps_and_camera_data_from_a_photo_that_carries_them(sent):
    original = jpeg_with_exif()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test photo does carry GPS

    evidence = sent(original)

    data, image = stored_image(evidence)
    assert evidence.status == Evidence.Status.READY
    assert image.format == "JPEG" and len(image.getexif()) == 0
    assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)
    for secret in (b"Exif", b"SpyCam", b"SN-0042", b"PEC 91", b"fake-icc"):
        assert secret not in data


def test_it_records_the_sha256_and_size_of_the_bytes_as_uploaded(sent):
    original = jpeg_with_exif()

    evidence = sent(original, name="IMG_0042.JPG")

    assert evidence.original_sha256 == hashlib.sha256(original).hexdigest()
    assert evidence.original_size == len(original)
    assert evidence.original_name == "IMG_0042.JPG"
    assert evidence.content_type == "image/jpeg"


def test_it_turns_the_photo_upright_before_dropping_the_orientation_tag(sent):
    evidence = sent(jpeg_with_exif(size=(640, 480)))  # orientation 6: held upright

    assert stored_image(evidence)[1].size == (480, 640)


def test_it_shrinks_a_large_photo_to_2048_pixels_on_its_longest_side(sent):
    evidence = sent(encoded("JPEG", size=(3000, 1500)))

    assert stored_image(evidence)[1].size == (2048, 1024)


def test_it_deletes_the_raw_upload_once_sanitised(sent):
    evidence = sent(jpeg_with_exif())

    assert not evidence.upload
    assert stored_files() == [evidence.file.name]
    assert evidence.file.name.startswith("evidence/clean/")


@pytest.mark.parametrize(
    ("format_", "mode", "name"),
    [
        ("PNG", "RGBA", "scan.png"),
        ("PNG", "P", "scan.png"),
        ("WEBP", "RGB", "x.webp"),
        ("PNG", "L", "grey.png"),
    ],
)
def test_it_reencodes_other_accepted_formats_as_jpeg(sent, format_, mode, name):
    evidence = sent(encoded(format_, mode=mode), name=name)

    assert evidence.status == Evidence.Status.READY
    assert stored_image(evidence)[1].format == "JPEG"


def test_it_accepts_an_iphone_heic_photo(sent):
    try:
        heic = encoded("HEIF", size=(400, 300), exif=jpeg_exif_bytes())
    except (OSError, ValueError, KeyError) as error:
        pytest.skip(f"pillow-heif cannot write HEIC here: {error}")

    evidence = sent(heic, name="IMG_0001.HEIC")

    data, image = stored_image(evidence)
    assert evidence.status == Evidence.Status.READY
    assert image.format == "JPEG" and len(image.getexif()) == 0 and b"SpyCam" not in data
    assert evidence.original_sha256 == hashlib.sha256(heic).hexdigest()


def jpeg_exif_bytes() -> bytes:
    return Image.open(io.BytesIO(jpeg_with_exif())).info["exif"]


def test_it_rejects_a_damaged_image_with_a_reason_and_deletes_the_upload(sent):
    whole = jpeg_with_exif(size=(1200, 900))

    evidence = sent(whole[: len(whole) // 2], name="cut.jpg")

    assert evidence.status == Evidence.Status.REJECTED
    assert "could not be read" in evidence.rejection
    assert not evidence.file and not evidence.upload
    assert stored_files() == []


def test_it_does_nothing_when_run_again_on_a_ready_photo(sent):
    evidence = sent(jpeg_with_exif())

    assert tasks.sanitise_evidence(evidence_id=evidence.pk) == Evidence.Status.READY

    again = Evidence.objects.get(pk=evidence.pk)
    assert again.file.name == evidence.file.name
    assert stored_files() == [evidence.file.name]


def test_it_leaves_sanitising_to_the_task_so_the_upload_returns_at_once(
    observer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        evidence = send(observer, jpeg_with_exif())

    assert len(callbacks) == 1  # the task is sent after the commit
    assert evidence.status == Evidence.Status.PENDING and not evidence.file
    assert stored_files() == [evidence.upload.name]
    assert evidence.upload.name.startswith("evidence/incoming/")


def test_it_retries_the_task_only_on_a_database_outage():
    # a dropped connection surfaces as either error (config.task_retry.TRANSIENT); a bad image never
    assert set(tasks.sanitise_evidence.autoretry_for) == {OperationalError, InterfaceError}
