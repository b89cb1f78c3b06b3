"""Uploads: the type is judged by the bytes; refused files leave no row and no file behind."""

from __future__ import annotations

import pytest

from observers.models import Evidence
from observers.services import evidence as service
from tests.observers.fixtures.evidence import make_act, send, stored_files
from tests.observers.fixtures.evidence_images import encoded, jpeg_with_exif, png_bomb

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_storage")]


def refusal(observer, data: bytes, name: str = "photo.jpg", **kwargs) -> str:
    """Send a file that must be refused; check nothing was stored and return the message."""
    with pytest.raises(service.EvidenceRefused) as refused:
        send(observer, data, name, **kwargs)
    assert Evidence.objects.count() == 0
    assert stored_files() == []
    return refused.value.message


def test_it_refuses_a_text_file_named_like_a_photo(observer):
    message = refusal(observer, b"Just some notes, honestly.\n" * 10, "photo.jpg")

    assert message == "This file is not a JPEG, PNG, HEIC or WebP image, although its name says so."


def test_it_refuses_a_file_with_png_magic_but_no_image_behind_it(observer):
    message = refusal(observer, b"\x89PNG\r\n\x1a\n" + b"garbage" * 50, "scan.png")

    assert "not a JPEG, PNG, HEIC or WebP image" in message


def test_it_refuses_an_image_of_a_type_not_allowed(observer):
    message = refusal(observer, encoded("GIF"), "animation.gif")

    assert message == "Only JPEG, PNG, HEIC or WebP photos are accepted."


def test_it_refuses_a_file_over_the_size_limit(observer):
    message = refusal(observer, b"\xff\xd8\xff" + bytes(service.MAX_UPLOAD_BYTES), "huge.jpg")

    assert message == "The file is too large: at most 15 MB."


def test_it_refuses_a_decompression_bomb(observer):
    bomb = png_bomb(20_000, 20_000)  # 400 megapixels of one colour, ~50 KB
    assert len(bomb) < 100_000

    message = refusal(observer, bomb, "bomb.png")

    assert message == "The image has too many pixels: at most 50 megapixels."


def test_it_refuses_an_image_just_over_the_pixel_limit_where_pillow_only_warns(observer):
    message = refusal(observer, png_bomb(10_000, 6_000), "big.png")  # 60 Mpx: a warning for Pillow

    assert "too many pixels" in message


def test_it_refuses_evidence_for_someone_elses_act(observer, bob, contest, station):
    act = make_act(bob, contest, station)

    message = refusal(observer, jpeg_with_exif(), violation_act=act)

    assert message == "You cannot add evidence to this act."


def test_it_links_evidence_to_the_observers_own_act(sent, observer, contest, station):
    act = make_act(observer, contest, station)

    evidence = sent(jpeg_with_exif(), violation_act=act)

    assert evidence.violation_act == act and act.evidence.get() == evidence


def test_it_lets_a_cosigner_add_evidence_to_the_act(sent, observer, bob, contest, station):
    act = make_act(bob, contest, station)
    act.cosigners.create(observer=observer)

    evidence = sent(jpeg_with_exif(), violation_act=act)

    assert evidence.violation_act == act


def test_it_stores_nothing_when_the_step_after_the_upload_fails(observer):
    def failing(evidence):
        raise RuntimeError("attach failed")

    with pytest.raises(RuntimeError):
        send(observer, jpeg_with_exif(), then=failing)

    assert Evidence.objects.count() == 0
    assert stored_files() == []


def test_it_keeps_only_the_base_name_and_scopes_the_row_to_the_observers_organisation(sent, observer):
    evidence = sent(jpeg_with_exif(), name="DCIM/100APPLE/IMG_0001.jpg")

    assert evidence.organization == observer.organization and evidence.uploaded_by == observer
    assert "/" not in evidence.original_name
