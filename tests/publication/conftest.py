"""Fixtures of the publication tests: an organisation admin, a protocol photo, Golos's releases.

Builds on tests/conftest.py's `reconciled` (election night in miniature): Golos
copied stations 91 (differs from the official protocol) and 120 (matches); the other
organisation copied 92, which must never appear in Golos's release.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile

from elections.models import Commission
from observers.models import Evidence
from tallies.models import CopyPhoto
from tests.publication.support import current_copy, jpeg, publish


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
def release(reconciled, organization, contest, admin):
    """Golos's release 1 of the contest, public now."""
    return publish(organization, contest, admin)


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
