"""P5: sanitising one 12-megapixel evidence photo on one core (observers.services.evidence_images).

A 4000×3000 JPEG with camera EXIF, GPS and a rotation flag is made in memory, photo-like (smooth
light plus sensor noise, ~4 MB). Timed separately: the upload check on the request path
(sniff + verify, header only) and the re-encode the Celery worker does (decode, shrink to
2048 px, rotate, write a JPEG without metadata). One process, one thread: per core, so the
verdict is on CPU seconds (equal to wall seconds on an idle core; a busy shared machine stretches
only the wall time).
"""

from __future__ import annotations

import io
import time

from PIL import Image

from bench.report import INFO, MET, MISSED, Report, Row, seconds, verdict
from bench.timing import median
from observers.services import evidence_images as images

WIDTH, HEIGHT = 4000, 3000
REPEATS = 10
TARGET = 0.250
GPS_IFD, MAKE, MODEL, ORIENTATION = 0x8825, 0x010F, 0x0110, 0x0112


def photo_bytes(width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """A photo-like JPEG (quality 92) with EXIF: camera, orientation 6 (rotated), GPS position."""
    light = Image.linear_gradient("L").resize((width, height))
    channels = [
        Image.blend(light, Image.effect_noise((width, height), sigma), 0.35) for sigma in (18, 24, 30)
    ]
    picture = Image.merge("RGB", channels)
    exif = Image.Exif()
    exif[MAKE], exif[MODEL], exif[ORIENTATION] = "BenchCam", "Model 12MP", 6
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (55.0, 45.0, 21.0), 3: "E", 4: (37.0, 37.0, 4.0)})
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def _cpu_and_wall(action) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def _check_upload(data: bytes) -> None:
    """What the upload request does before storing: name the format, verify the header."""
    images.verify(io.BytesIO(data), images.sniff(data[:32]) or "")


def run_p5(report: Report, repeats: int = REPEATS, size: tuple[int, int] = (WIDTH, HEIGHT)) -> None:
    """Measure and report P5: request-path check and worker re-encode, median of `repeats`."""
    data = photo_bytes(*size)
    checks = [_cpu_and_wall(lambda: _check_upload(data))[0] for _ in range(repeats)]
    encodes = [_cpu_and_wall(lambda: images.reencode(io.BytesIO(data))) for _ in range(repeats)]
    wall, cpu = median([w for w, _ in encodes]), median([c for _, c in encodes])
    photo = f"{size[0] * size[1] / 1e6:.0f} MP JPEG ({len(data) / 1e6:.1f} MB, {size[0]}×{size[1]})"
    figure = f"reencode one {photo}: median {seconds(wall)} wall, {seconds(cpu)} CPU (of {repeats})"
    report.add(Row("P5", "—", figure, "≤ 250 ms CPU", "—", verdict(cpu, "<=", TARGET)))
    check = f"upload check on the request path (sniff + verify): median {seconds(median(checks))}"
    report.add(Row("P5", "—", check, "—", "—", INFO))
    clean = Image.open(io.BytesIO(images.reencode(io.BytesIO(data))))
    upright = clean.size[0] < clean.size[1]  # the landscape photo was flagged "rotate 90°"
    stripped = not clean.getexif() and max(clean.size) <= images.MAX_SIDE and upright
    result = f"output {clean.size[0]}×{clean.size[1]}, rotated upright, no EXIF/GPS left"
    report.add(Row("P5", "—", result, "no metadata", "—", MET if stripped else MISSED))
