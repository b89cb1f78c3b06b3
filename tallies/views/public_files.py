"""Public downloads of published releases (files, zip, protocol photos) and receipt checks.

Files never change once a release exists and stay public once published, so they are served
with an immutable cache header; before the publication time every URL here answers 404.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from tallies.models import Release
from tallies.publication import zip_bytes
from tallies.selectors import releases as selectors

IMMUTABLE = "public, max-age=31536000, immutable"
RECEIPT = re.compile(r"[0-9a-f]{64}")


def release_file(
    request: HttpRequest, election: str, contest: str, number: int, name: str, **publisher: Any
) -> HttpResponse:
    """Download one file of a release, byte for byte as its manifest lists it."""
    release = selectors.public_release(election, contest, number, **publisher)
    found = release.files.filter(name=name).first()
    if found is None:
        raise Http404("No such file in this release.")
    response = HttpResponse(bytes(found.content), content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.name}"'
    response["ETag"] = f'"{found.sha256}"'
    response["Cache-Control"] = IMMUTABLE
    return response


def release_zip(
    request: HttpRequest, election: str, contest: str, number: int, **publisher: Any
) -> HttpResponse:
    """Download every file of a release in one zip, in a folder named after the release."""
    release = selectors.public_release(election, contest, number, **publisher)
    files = {f.name: bytes(f.content) for f in release.files.all()}
    folder = folder_name(release)
    response = HttpResponse(zip_bytes(files, folder, release.created_at), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{folder}.zip"'
    response["Cache-Control"] = IMMUTABLE
    return response


def folder_name(release: Release) -> str:
    """The zip's folder: organisation (or coalition-<id>)-election-contest-vN."""
    election, contest = release.contest.election.slug, release.contest.slug
    return f"{release.publisher_slug()}-{election}-{contest}-v{release.number}"


def station_photo(
    request: HttpRequest, election: str, contest: str, number: int, station_id: int, **publisher: Any
) -> FileResponse:
    """The sanitised protocol photo of a station, when the organisation chose to publish photos."""
    release = selectors.public_release(election, contest, number, **publisher)
    row = selectors.station(release, station_id)
    if not release.show_photos or row.photo is None:
        raise Http404("No published photo.")
    response = FileResponse(row.photo.file.open("rb"), content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="station-{row.number}-v{release.number}.jpg"'
    response["Cache-Control"] = IMMUTABLE
    return response


def verifier(request: HttpRequest) -> HttpResponse:
    """Download the standalone verifier script (tools/verify_release.py, standard library only)."""
    script = Path(settings.BASE_DIR) / "tools" / "verify_release.py"
    response = HttpResponse(script.read_bytes(), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="verify_release.py"'
    return response


def receipt_lookup(request: HttpRequest) -> HttpResponse:
    """A form to check a receipt; a well-formed receipt redirects to its page."""
    text = request.GET.get("receipt", "").strip().lower()
    if RECEIPT.fullmatch(text):
        return redirect(reverse("public-receipt", args=[text]))
    return render(request, "public/receipt_lookup.html", {"receipt": text, "invalid": bool(text)})


def receipt(request: HttpRequest, receipt: str) -> HttpResponse:
    """Say which published releases include a copy's receipt (404 when none does)."""
    if not RECEIPT.fullmatch(receipt):
        raise Http404("Not a receipt.")
    found = selectors.receipts_found(receipt)
    return render(
        request, "public/receipt.html", {"receipt": receipt, "found": found}, status=200 if found else 404
    )
