"""Fixtures of the desk tests (no tests here): a second observer and coordinators, copies, photos.

Import the fixtures a module needs by name (pytest finds fixtures in the module's namespace).
"""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth import get_user_model

from elections.models import Commission
from observers.models import Evidence, Membership, Observer
from tallies import services
from tallies.models import CopyFigure, CopyPhoto, ObserverTally, ProtocolCopy
from tests.conftest import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY, _with_live_mandate


@pytest.fixture
def bob(observer, contest) -> Observer:
    """A second observer of Alice's organisation, with a live mandate for the same stations."""
    bob = Observer.objects.create(organization=observer.organization, display_name="Bob")
    return _with_live_mandate(bob, contest)


def _coordinator(username: str, organization, territory=None):
    user = get_user_model().objects.create_user(username=username, password="pw-" + username)
    Membership.objects.create(
        user=user, organization=organization, role=Membership.Role.COORDINATOR, territory=territory
    )
    return user


@pytest.fixture
def dave(organization):
    """A second coordinator of Alice's organisation (for the blind second entry)."""
    return _coordinator("dave", organization)


@pytest.fixture
def olga(other_organization):
    """A coordinator of the other organisation: must reach nothing of Alice's."""
    return _coordinator("olga", other_organization)


@pytest.fixture
def tina(organization, contest):
    """A coordinator of Alice's organisation limited to TEC "85 Тверской район" (station 120)."""
    tverskoy = Commission.objects.get(election=contest.election, name="85 Тверской район")
    return _coordinator("tina", organization, territory=tverskoy)


def submit(observer, contest, station, options=OPTIONS_PEC_91_COPY, lines=LINES_PEC_91_COPY):
    """An observer's web copy of the station (the observer has a live mandate)."""
    return services.submit_protocol_copy(
        observer=observer,
        contest=contest,
        station=station,
        lines=lines,
        options=options,
        client_uuid=uuid.uuid4(),
        channel=ProtocolCopy.Channel.WEB,
        entered_by=observer.user,
    ).copy


def with_photo(copy: ProtocolCopy) -> ProtocolCopy:
    """Attach a ready (sanitised) photo to the copy."""
    evidence = Evidence.objects.create(
        organization_id=copy.organization_id,
        uploaded_by=copy.observer,
        original_name="protocol.jpg",
        original_sha256="a" * 64,
        original_size=1000,
        status=Evidence.Status.READY,
    )
    CopyPhoto.objects.create(copy=copy, evidence=evidence)
    return copy


def root_tally(contest, organization) -> ObserverTally:
    root = Commission.objects.get(election=contest.election, parent__isnull=True)
    return ObserverTally.objects.get(organization=organization, contest=contest, commission=root)


def _nonzero(tally: ObserverTally) -> tuple[dict, dict, int]:
    """The tally's non-zero totals: an incremental tally keeps a code at 0 where a recompute has none."""
    lines = {code: value for code, value in tally.line_totals.items() if value}
    options = {code: value for code, value in tally.option_totals.items() if value}
    return lines, options, tally.stations_count


def assert_equals_recompute(contest, organization) -> None:
    before = _nonzero(root_tally(contest, organization))
    services.recompute_observer_tallies(organization_id=organization.pk, contest_id=contest.pk)
    assert before == _nonzero(root_tally(contest, organization))


def raw_rows() -> tuple[list[dict], list[dict]]:
    """Every ProtocolCopy and CopyFigure row, to compare before and after a desk action."""
    copies = list(ProtocolCopy.objects.order_by("pk").values())
    figures = list(CopyFigure.objects.order_by("pk").values())
    return copies, figures


def unchanged_since(before: tuple[list[dict], list[dict]]) -> bool:
    """True when every row of `before` is still there, exactly as it was (new rows may be added)."""
    copies, figures = raw_rows()
    old_copies, old_figures = before
    return copies[: len(old_copies)] == old_copies and figures[: len(old_figures)] == old_figures


@pytest.fixture
def copy(observer, contest, station, django_capture_on_commit_callbacks):
    """Alice's copy of station 91, tallied."""
    with django_capture_on_commit_callbacks(execute=True):
        return submit(observer, contest, station)


def blind(copy, by, options=OPTIONS_PEC_91_COPY, lines=LINES_PEC_91_COPY):
    """A blind second entry of `copy` typed by coordinator `by`."""
    from tallies.services import desk

    return desk.blind_entry(copy=copy, lines=lines, options=options, client_uuid=uuid.uuid4(), by=by).copy
