"""Fixtures of the hostile-input tests: Adam (an organisation admin), API tokens, a WSGI app.

`api_world` builds election night in miniature (tests/conftest.py's `reconciled`)
plus a public release, a visit, an act and a photo of Golos's, so that fuzzed requests can reach
real objects and not only 404s.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from django.core import signals
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from observers.login_security import issue_token
from observers.models import Evidence, ViolationType
from observers.services import violations, visits
from tallies.models import StationTallyState
from tallies.services import releases
from tests.publication.support import jpeg


@dataclass
class ApiWorld:
    """Real objects for fuzzed requests: `headers[role]` authenticates, `ids[name]` is an object's id."""

    headers: dict[str, dict[str, str]]
    ids: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def api_world(reconciled, organization, contest, station, observer, coordinator, admin) -> ApiWorld:
    """Golos's copies, results, release 1, a visit, an act and a photo; a token per signed-in role."""
    release = releases.publish_release(
        organization=organization, contest=contest, published_by=admin, changelog="First release."
    )
    visit = visits.check_in(observer=observer, station=station, client_uuid=uuid.uuid4()).visit
    act = violations.file_act(
        observer=observer,
        station=station,
        client_uuid=uuid.uuid4(),
        stage="voting",
        violation_type=ViolationType.objects.get(code="VOT-GROUP"),
        occurred_at=datetime(2011, 12, 4, 20, 0),  # naive: local time of the election
        description="A man marked the ballots of his wife and daughter.",
        cosigner_codes=[],
    ).act
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
    state = StationTallyState.objects.get(organization=organization, contest=contest, station=station)
    users = {"observer": observer.user, "coordinator": coordinator, "admin": admin}
    tokens = {role: issue_token(user) for role, user in users.items()}
    headers = {"anonymous": {}} | {role: {"Authorization": f"Token {key}"} for role, key in tokens.items()}
    ids = {
        "contest": contest.pk,
        "station": station.pk,
        "commission": station.pec_id,
        "copy": state.current_copy_id,
        "release": release.pk,
        "visit": visit.pk,
        "act": act.pk,
        "evidence": evidence.pk,
    }
    return ApiWorld(headers=headers, ids=ids)


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """Django's WSGI handler, for requests inside the test's transaction.

    Django closes "old" connections when a request starts and finishes; inside a test that would
    close the connection holding the test's transaction (the test client switches this off too).
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    cache.clear()
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        cache.clear()
