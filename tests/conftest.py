"""Personas and a small geography shared by every test.

- `organization` with `observer` (Alice, a field observer) and `coordinator` (Carol);
- `other_organization` with `other_observer` (Oscar), who must see nothing of Alice's;
- Alice and Oscar each hold a live mandate covering every station of `contest`;
- `contest`: the Russia 2011 party-list contest with one region, one TEC and two stations.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from elections.models import Contest, PollingStation
from elections.services import (
    StationRecord,
    define_election,
    define_protocol_form,
    ensure_hierarchy,
    shipped_spec,
)
from observers.models import Membership, Observer, Organization
from observers.services import mandates

# PEC 91 (Город Москва, 84 Пресненский район), 2011: the official protocol and the copy a КПРФ
# observer took home (kartaitogov.ru). The copy breaks line 2 = 3+4+5+6+17−18 (2200 vs 2165)
# and keeps the other relations; United Russia has 1115 officially and 445 on the copy.
LINES_PEC_91_OFFICIAL = {
    "voters_on_list": 2326,
    "ballots_received": 2200,
    "ballots_issued_early": 0,
    "ballots_issued_in_station": 1771,
    "ballots_issued_outside": 19,
    "ballots_cancelled": 410,
    "ballots_in_portable_boxes": 19,
    "ballots_in_stationary_boxes": 1771,
    "ballots_invalid": 40,
    "ballots_valid": 1750,
    "absentee_certs_received": 70,
    "absentee_certs_issued_at_station": 49,
    "voters_by_absentee_cert": 35,
    "absentee_certs_cancelled": 21,
    "absentee_certs_issued_by_tec": 4,
    "absentee_certs_lost": 0,
    "ballots_lost": 0,
    "ballots_unaccounted": 0,
}
OPTIONS_PEC_91_OFFICIAL = {
    "p1_SR": 93,
    "p2_LDPR": 257,
    "p3_Patriots": 1,
    "p4_KPRF": 280,
    "p5_Yabloko": 3,
    "p6_UR": 1115,
    "p7_RightCause": 1,
}
LINES_PEC_91_COPY = {
    **LINES_PEC_91_OFFICIAL,
    "voters_on_list": 2124,
    "ballots_issued_in_station": 1393,
    "ballots_issued_outside": 21,
    "ballots_cancelled": 746,
    "ballots_in_stationary_boxes": 1369,
    "ballots_valid": 1348,
    "ballots_lost": 5,
}
OPTIONS_PEC_91_COPY = {
    "p1_SR": 193,
    "p2_LDPR": 122,
    "p3_Patriots": 20,
    "p4_KPRF": 280,
    "p5_Yabloko": 271,
    "p6_UR": 445,
    "p7_RightCause": 17,
}


def shared_data() -> Path:
    """The real data folder; skips the test when absent, except under CI where it must exist."""
    path = Path(settings.SHARED_DATA_DIR)
    if not (path / "ru2011-observer-copies").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"real data missing at {path}: CI must run the real-data tests")
        pytest.skip(f"real data not found at {path} (set SHARED_DATA_DIR)")
    return path


@pytest.fixture
def contest(db) -> Contest:
    define_protocol_form(spec=shipped_spec("forms", "ru-duma-2011"))
    election = define_election(spec=shipped_spec("specs", "ru-duma-2011"))
    ensure_hierarchy(
        election=election,
        root_name="ЦИК России",
        stations=[
            StationRecord(("Город Москва", "84 Пресненский район"), "91", 2326),
            StationRecord(("Город Москва", "84 Пресненский район"), "92", 2000),
            StationRecord(("Город Москва", "85 Тверской район"), "120", 1800),
        ],
    )
    return election.contests.get()


@pytest.fixture
def station(contest) -> PollingStation:
    return PollingStation.objects.get(pec__election=contest.election, number="91")


@pytest.fixture
def other_station(contest) -> PollingStation:
    return PollingStation.objects.get(pec__election=contest.election, number="120")


def _user(username: str):
    return get_user_model().objects.create_user(username=username, password="pw-" + username)


@pytest.fixture
def organization(db) -> Organization:
    return Organization.objects.create(slug="golos", name="Golos", status=Organization.Status.APPROVED)


@pytest.fixture
def other_organization(db) -> Organization:
    return Organization.objects.create(
        slug="other", name="Other observers", status=Organization.Status.APPROVED
    )


def _with_live_mandate(observer: Observer, contest: Contest) -> Observer:
    """Give `observer` a live mandate (a mobile team) for every station of the contest's election."""
    stations = list(PollingStation.objects.filter(pec__election=contest.election).select_related("pec"))
    mandates.issue_mandate(
        organization=observer.organization,
        observer=observer,
        election=contest.election,
        stations=stations,
        issued_by=None,
    )
    return observer


@pytest.fixture
def observer(organization, contest) -> Observer:
    """Alice, with a live mandate for stations 91, 92 and 120 (only mandated observers can submit)."""
    user = _user("alice")
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.OBSERVER)
    alice = Observer.objects.create(organization=organization, user=user, display_name="Alice")
    return _with_live_mandate(alice, contest)


@pytest.fixture
def other_observer(other_organization, contest) -> Observer:
    """Oscar, of the other organisation, with a live mandate for the same three stations."""
    user = _user("oscar")
    Membership.objects.create(user=user, organization=other_organization, role=Membership.Role.OBSERVER)
    oscar = Observer.objects.create(organization=other_organization, user=user, display_name="Oscar")
    return _with_live_mandate(oscar, contest)


@pytest.fixture
def coordinator(organization):
    user = _user("carol")
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.COORDINATOR)
    return user


@pytest.fixture
def new_uuid():
    return lambda: uuid.uuid4()


from tests.tallies.test_selectors import reconciled  # noqa: E402,F401  (election night in miniature)


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Reload the shipped taxonomy and checklists when a transactional test flushed them.

    Data migrations load them once per test database; a `transaction=True` test (live server,
    real Celery worker) empties every table afterwards, and with xdist any later test may run next.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None and "db" not in request.fixturenames:
        return
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    request.getfixturevalue("transactional_db" if transactional else "db")
    from observers.models import ChecklistItem, ViolationType
    from observers.services import violations, visits

    if not (ViolationType.objects.exists() and ChecklistItem.objects.exists()):
        violations.load_violation_types()
        visits.load_checklist_items()


@pytest.fixture
def broker_down(monkeypatch):
    """Call `broker_down(task, ...)`: from then on those tasks' `delay` cannot reach the broker."""
    from kombu.exceptions import OperationalError as BrokerUnreachable

    def refuse(**kwargs):
        raise BrokerUnreachable("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    def take_down(*tasks):
        for task in tasks:
            monkeypatch.setattr(task, "delay", refuse)

    return take_down
