"""Re-encoding large JPEGs: the decoder scales them down while decoding, and the result is as before."""

from __future__ import annotations

import io

import pytest
from PIL import Image, JpegImagePlugin

from observers.services import evidence_images as images
from tests.observers.fixtures.evidence_images import camera_exif, photo


def jpeg(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    photo(size).save(out, "JPEG", exif=camera_exif())  # orientation 6: held upright
    return out.getvalue()


def thumbnail_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size Pillow's thumbnail() gives, on a picture in memory (no decoder to scale)."""
    picture = Image.new("L", size)
    picture.thumbnail((images.MAX_SIDE, images.MAX_SIDE))
    return picture.size


@pytest.mark.parametrize("size", [(4096, 3072), (4400, 3300), (6000, 4000), (8191, 2047), (1000, 9000)])
def test_it_stores_a_large_jpeg_at_the_size_and_orientation_it_always_had(size):
    clean = Image.open(io.BytesIO(images.reencode(io.BytesIO(jpeg(size)))))

    width, height = thumbnail_size(size)
    assert clean.size == (height, width)  # shrunk as thumbnail() shrinks it, then turned upright
    assert not clean.getexif()


def test_it_has_the_decoder_scale_a_photo_twice_the_stored_size(monkeypatch):
    decoded = []
    draft = JpegImagePlugin.JpegImageFile.draft

    def spy(image, mode, size):  # type: ignore[no-untyped-def]
        result = draft(image, mode, size)
        decoded.append(image.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)

    images.reencode(io.BytesIO(jpeg((4400, 3300))))

    assert decoded[0] == (2200, 1650)  # 1/2 scale in the DCT, then resized to 2048 × 1536


@pytest.mark.parametrize(
    "size", [(w, h) for w in (2049, 3000, 4095, 4096, 4097, 8191) for h in (1, 767, 2047, 3071)]
)
def test_it_never_asks_the_decoder_for_fewer_pixels_than_it_stores(size):
    for flipped in (size, size[::-1]):
        asked, stored = images.stored_size(flipped), thumbnail_size(flipped)

        assert max(asked) == images.MAX_SIDE
        assert asked[0] >= stored[0] and asked[1] >= stored[1]


def test_it_keeps_the_size_of_a_photo_within_the_bound():
    assert images.stored_size((2048, 1536)) == (2048, 1536)
