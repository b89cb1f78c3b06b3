"""Fixtures of the publication tests: an organisation admin, a protocol photo, Golos's releases.

Builds on tests/tallies/test_selectors.py's `reconciled` (election night in miniature): Golos
copied stations 91 (differs from the official protocol) and 120 (matches); the other
organisation copied 92, which must never appear in Golos's release.
"""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from elections.models import Commission
from observers.models import Evidence, Membership
from tallies import services
from tallies.models import CopyPhoto, ProtocolCopy, StationTallyState
from tallies.services import releases


@pytest.fixture(autouse=True)
def empty_cache():
    """Pages and throttles are cached in the process: each test starts with an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English unless a test asks for another language (the site's default is Russian)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def admin(organization):
    """Adam, an admin of Golos: the only kind of member who may publish."""
    user = get_user_model().objects.create_user(
        username="adam", password="pw-adam", email="adam@golos.example"
    )
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.ADMIN)
    return user


def publish(organization, contest, admin, **options):
    """Publish Golos's next release (changelog given unless the test gives one)."""
    options.setdefault("changelog", "First release.")
    return releases.publish_release(organization=organization, contest=contest, published_by=admin, **options)


@pytest.fixture
def release(reconciled, organization, contest, admin):
    """Golos's release 1 of the contest, public now."""
    return publish(organization, contest, admin)


def current_copy(organization, contest, station) -> ProtocolCopy:
    state = StationTallyState.objects.get(organization=organization, contest=contest, station=station)
    return state.current_copy


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 200, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def photo(reconciled, organization, contest, station, observer) -> Evidence:
    """A sanitised (ready) photo attached to Golos's copy of station 91."""
    evidence = Evidence.objects.create(
        organization=organization,
        uploaded_by=observer,
        original_name="IMG_0001.jpg",
        original_sha256="0" * 64,
        original_size=3,
        file=ContentFile(jpeg(), name="clean.jpg"),
        content_type="image/jpeg",
        status=Evidence.Status.READY,
    )
    CopyPhoto.objects.create(copy=current_copy(organization, contest, station), evidence=evidence)
    return evidence


@pytest.fixture
def tec(contest) -> Commission:
    return Commission.objects.get(election=contest.election, name="84 Пресненский район")


def submit_copy(observer, contest, station, lines, options, django_capture_on_commit_callbacks):
    """Submit a copy and let the tallies count it (on-commit tasks run)."""
    with django_capture_on_commit_callbacks(execute=True):
        return services.submit_protocol_copy(
            observer=observer,
            contest=contest,
            station=station,
            lines=lines,
            options=options,
            client_uuid=uuid.uuid4(),
            channel=ProtocolCopy.Channel.WEB,
        ).copy


def later(minutes: int = 60):
    return timezone.now() + timedelta(minutes=minutes)
