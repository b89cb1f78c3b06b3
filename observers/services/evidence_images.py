"""Image checks and re-encoding for evidence files (Pillow + pillow-heif); no database here.

`sniff` names the format from the magic bytes, `verify` lets Pillow read the header without
decoding the pixels, `reencode` decodes and writes a JPEG that carries no metadata at all.
Decompression bombs raise Image.DecompressionBombError above MAX_PIXELS.
"""

from __future__ import annotations

import io
import warnings
from typing import IO

import pillow_heif
from PIL import Image, ImageOps

MAX_PIXELS = 50_000_000  # a 48 Mpx phone photo passes; a decompression bomb does not
MAX_SIDE = 2048  # pixels, the longest side of the stored copy
JPEG_QUALITY = 85
# Pillow format -> (content type, extension of the private raw copy)
ALLOWED = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "HEIF": ("image/heic", "heic"),
    "WEBP": ("image/webp", "webp"),
}
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, TypeError)  # what Pillow raises on junk
BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)

pillow_heif.register_heif_opener()
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # process-wide: every Image.open in this app is as strict


def sniff(head: bytes) -> str | None:
    """The Pillow format named by a file's first 12+ bytes, if it is one we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "HEIF"
    return None


def verify(source: IO[bytes], format_: str) -> None:
    """Read the header as `format_` and check the structure; raise BOMB_ERRORS or DECODE_ERRORS."""
    source.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(source, formats=[format_]) as image:
            check_pixels(image.size)
            image.verify()


def reencode(source: IO[bytes]) -> bytes:
    """Decode an image and return it as a JPEG of at most MAX_SIDE px with no metadata at all."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(source, formats=list(ALLOWED)) as image:
            check_pixels(image.size)
            if image.format == "JPEG":
                # libjpeg scales by 1/2, 1/4 or 1/8 while decoding, far cheaper than decoding in
                # full and resizing; draft picks the largest scale still at least the output size.
                image.draft(None, stored_size(image.size))
            # Shrinking first gives the same picture (the bound is square) at half the cost.
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            image.load()
    ImageOps.exif_transpose(image, in_place=True)
    clean = _flatten(image)
    clean.info.clear()  # no comment, exif, icc_profile or xmp can ride along
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def stored_size(size: tuple[int, int]) -> tuple[int, int]:
    """The (width, height) in pixels an image of `size` is shrunk to, short side rounded up.

    Rounded up, it is never below the size thumbnail() makes, so a decoder scaled to it never
    leaves too few pixels. An image within MAX_SIDE keeps its size.
    """
    width, height = size
    longest = max(width, height)
    if longest <= MAX_SIDE:
        return size
    return -(-width * MAX_SIDE // longest), -(-height * MAX_SIDE // longest)  # ceiling division


def check_pixels(size: tuple[int, int]) -> None:
    """Raise DecompressionBombError above MAX_PIXELS, whatever Pillow's global limit says."""
    if size[0] * size[1] > MAX_PIXELS:
        raise Image.DecompressionBombError(f"{size[0]}x{size[1]} pixels is over {MAX_PIXELS}")


def _flatten(image: Image.Image) -> Image.Image:
    """The image in RGB (or greyscale); transparency is laid over white."""
    if image.mode in ("RGB", "L"):
        return image
    rgba = image.convert("RGBA")
    white = Image.new("RGB", rgba.size, "white")
    white.paste(rgba, mask=rgba.getchannel("A"))
    return white
