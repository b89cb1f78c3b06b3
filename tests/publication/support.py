"""Helpers of the publication tests (and the coalition releases'): publish, read, photograph.

Fixtures (an admin, Golos's release, a photo) are in tests/conftest.py and tests/publication/conftest.py.
"""

from __future__ import annotations

import io
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tallies.models import ProtocolCopy, StationTallyState
from tallies.services import releases
from tests.support import submit


def publish(organization, contest, admin, **options):
    """Publish Golos's next release (changelog given unless the test gives one)."""
    options.setdefault("changelog", "First release.")
    return releases.publish_release(organization=organization, contest=contest, published_by=admin, **options)


def current_copy(organization, contest, station) -> ProtocolCopy:
    state = StationTallyState.objects.get(organization=organization, contest=contest, station=station)
    return state.current_copy


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 200, 200)).save(out, "JPEG")
    return out.getvalue()


def submit_copy(observer, contest, station, lines, options, django_capture_on_commit_callbacks):
    """Submit a copy and let the tallies count it (on-commit tasks run)."""
    with django_capture_on_commit_callbacks(execute=True):
        return submit(observer, contest, station, lines, options)


def later(minutes: int = 60):
    return timezone.now() + timedelta(minutes=minutes)


def coalition_release_urls(args, station, tec) -> dict[str, str]:
    """Every public URL of a coalition's release at `args` (coalition id, election, contest, number);
    checked in tests/publication/test_public_access.py and tests/tallies/test_coalition_releases.py."""
    return {
        "public-coalition-latest": reverse("public-coalition-latest", args=args[:3]),
        "public-coalition-release": reverse("public-coalition-release", args=args),
        "public-coalition-commission": reverse("public-coalition-commission", args=[*args, tec.pk]),
        "public-coalition-station": reverse("public-coalition-station", args=[*args, station.pk]),
        "public-coalition-station-photo": reverse("public-coalition-station-photo", args=[*args, station.pk]),
        "public-coalition-violations": reverse("public-coalition-violations", args=args),
        "public-coalition-data": reverse("public-coalition-data", args=args),
        "public-coalition-file": reverse("public-coalition-file", args=[*args, "stations.csv"]),
        "public-coalition-zip": reverse("public-coalition-zip", args=args),
    }
