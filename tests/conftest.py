"""Personas and a small geography shared by every test, each defined once, with one type.

- `contest`: the Russia 2011 party-list contest with one region, two TECs and three stations;
- `organization` (Golos) and `other_organization`; Golos's people:
  - `observer` (Alice) and `bob` (Bob): field observers, each with a live mandate covering every
    station of `contest`; `nick` (Nick) observes for Golos too, with an account and no mandate yet;
  - `coordinator` (Carol) sees the whole organisation; `dave` (Dave) and `erin` (Erin) are a
    second and a third coordinator;
    `tina` (Tina) coordinates TEC "85 Тверской район" (station 120) only;
  - `admin` (Adam) administers Golos;
- the other organisation's `other_observer` (Oscar, mandated at the same stations) and `olga`
  (Olga, a coordinator), who must see nothing of Golos's;
- `staff` (Stan): platform staff, member of no organisation.

People are model objects (`Observer` for observers, `User` for everyone else). A persona's name
alone is a logged-in client: `alice`, `carol` and `adam` (Django's test client, for pages);
`alice_api` (DRF's client, authenticated) and `alice_device` (Alice's phone: her API token).
Shared constants and helpers are in support modules (tests/browser.py, tests/tallies/support.py,
…), never in test modules; a test module imports no other test module.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from rest_framework.test import APIClient

from elections.models import Commission, Contest, PollingStation
from elections.services import (
    StationRecord,
    define_election,
    define_protocol_form,
    ensure_hierarchy,
    shipped_spec,
)
from observers.login_security import issue_token
from observers.models import Membership, Observer, Organization
from observers.services import mandates
from tallies import services
from tests.browser import CHROMIUM
from tests.support import (
    LINES_PEC_91_COPY,
    LINES_PEC_91_OFFICIAL,
    LINES_PEC_92,
    LINES_PEC_120,
    OPTIONS_PEC_91_COPY,
    OPTIONS_PEC_91_OFFICIAL,
    OPTIONS_PEC_92,
    OPTIONS_PEC_120,
    submit,
    write_official_file,
)


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts and ends in the default language (settings.LANGUAGE_CODE).

    A test client's request in kk or ru leaves that language active in the test's thread
    (LocaleMiddleware sets it per request and never resets it), so a later test in the same
    worker calling a service would read its messages in Kazakh.
    """
    translation.deactivate()
    yield
    translation.deactivate()


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
def bob(organization, contest) -> Observer:
    """Bob, Alice's colleague at Golos (code BOB2-2222), with a live mandate for the same stations."""
    user = _user("bob")
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.OBSERVER)
    bob = Observer.objects.create(organization=organization, user=user, display_name="Bob", code="BOB2-2222")
    return _with_live_mandate(bob, contest)


@pytest.fixture
def nick(organization, contest) -> Observer:
    """Nick observes for Golos, with an account and no mandate yet."""
    user = _user("nick")
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.OBSERVER)
    return Observer.objects.create(organization=organization, user=user, display_name="Nick")


def _member(username: str, organization: Organization, role: str, territory: Commission | None = None):
    user = _user(username)
    Membership.objects.create(user=user, organization=organization, role=role, territory=territory)
    return user


@pytest.fixture
def coordinator(organization):
    """Carol coordinates Golos: she sees the whole organisation."""
    return _member("carol", organization, Membership.Role.COORDINATOR)


@pytest.fixture
def dave(organization):
    """Dave, a second coordinator of Golos (for the blind second entry)."""
    return _member("dave", organization, Membership.Role.COORDINATOR)


@pytest.fixture
def erin(organization):
    """Erin, a third coordinator of Golos: settles what Carol's and Dave's entries differ on."""
    return _member("erin", organization, Membership.Role.COORDINATOR)


@pytest.fixture
def tina(organization, contest):
    """Tina coordinates Golos in TEC "85 Тверской район" (station 120) only."""
    tverskoy = Commission.objects.get(election=contest.election, name="85 Тверской район")
    return _member("tina", organization, Membership.Role.COORDINATOR, territory=tverskoy)


@pytest.fixture
def olga(other_organization):
    """Olga coordinates the other organisation: she must reach nothing of Golos's."""
    return _member("olga", other_organization, Membership.Role.COORDINATOR)


@pytest.fixture
def admin(organization):
    """Adam administers Golos: the only kind of member who may publish or manage members."""
    user = _member("adam", organization, Membership.Role.ADMIN)
    user.email = "adam@golos.example"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def staff(db):
    """Stan, platform staff (reviews organisations' applications), member of no organisation."""
    return get_user_model().objects.create_user(username="stan", password="pw-stan", is_staff=True)


@pytest.fixture
def alice(client, observer):
    """Alice's browser: the test client, logged in as her."""
    client.force_login(observer.user)
    return client


@pytest.fixture
def alice_api(observer):
    """An API client authenticated as Alice (the authentication itself is not under test)."""
    client = APIClient()
    client.force_authenticate(user=observer.user)
    return client


@pytest.fixture
def alice_device(observer):
    """Alice's phone: an API client sending her token (the field app's and P1's way)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(observer.user)}")
    return client


@pytest.fixture
def carol(client, coordinator):
    """Carol's browser: the test client, logged in as her."""
    client.force_login(coordinator)
    return client


@pytest.fixture
def adam(client, admin):
    """Adam's browser: the test client, logged in as him."""
    client.force_login(admin)
    return client


@pytest.fixture
def new_uuid():
    return lambda: uuid.uuid4()


@pytest.fixture
def reconciled(
    contest, station, other_station, observer, other_observer, tmp_path, django_capture_on_commit_callbacks
):
    """Election night in miniature: official figures, both organisations' copies, reconciled.

    Official protocols for stations 91, 92 and 120; Golos's observers copied 91 (the real 2011
    copy, which differs) and 120 (identical); the other organisation copied 92 with 777 votes
    for United Russia, which Golos must never see. Returns Golos's reconciliation run.
    """
    path = write_official_file(
        tmp_path,
        [
            ("84 Пресненский район", "91", LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL),
            ("84 Пресненский район", "92", LINES_PEC_92, OPTIONS_PEC_92),
            ("85 Тверской район", "120", LINES_PEC_120, OPTIONS_PEC_120),
        ],
    )
    station_92 = PollingStation.objects.get(pec__election=contest.election, number="92")
    with django_capture_on_commit_callbacks(execute=True):
        services.import_stations_file(contest=contest, path=path, source="test", root_name="ЦИК России")
    with django_capture_on_commit_callbacks(execute=True):
        submit(observer, contest, station, LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY)
        submit(observer, contest, other_station, LINES_PEC_120, OPTIONS_PEC_120)
        submit(other_observer, contest, station_92, LINES_PEC_92, {**OPTIONS_PEC_92, "p6_UR": 777})
    services.reconcile(organization_id=other_observer.organization_id, contest_id=contest.pk)
    return services.reconcile(organization_id=observer.organization_id, contest_id=contest.pk)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright (never a downloaded browser), one per test module."""
    if not CHROMIUM:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (apt-get install chromium): browser tests must run in CI")
        pytest.skip("Debian's chromium is not installed")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker) -> Iterator[object]:
    """The demo of run_demo served to the browser, built once for a crawl module (tests/crawl.py's
    serve_demo: a tests.crawl.Site); the database is emptied when the module ends."""
    from tests.crawl import serve_demo

    with django_db_blocker.unblock(), serve_demo() as site:
        yield site


@pytest.fixture
def fresh_storage(settings) -> Iterator[None]:
    """A new, empty InMemoryStorage for each test (changing STORAGES resets default_storage)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    yield


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
