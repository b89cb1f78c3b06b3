"""A generated election night for the dashboard tests, and the statuses derived from its tables.

`generate_night` generates an election (tallies.generator: the organisation's copies of a share
of the stations, counted), then deploys observers the way election night goes (`deploy`):
mandates for most stations, observers not admitted or removed, observers admitted or checked in
without a copy yet, conflicting second copies, a quarantined copy, a withdrawn mandate, copies
at stations without a mandate, and another organisation's observers at the same stations.
`expected_statuses` derives each station's status directly from the tables. Used at 200
stations (test_dashboard.py, test_dashboard_pages.py) and 10,000 (test_dashboard_scale.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from elections.models import Contest, PollingStation
from observers.models import Mandate, MandateEvent, Membership, Observer, Organization, Visit
from tallies import generator, services
from tallies.models import ProtocolCopy, Quarantine, StationTallyState
from tallies.selectors.coverage import Status

S = Mandate.Status
AT_STATION = {S.ADMITTED, S.NOT_ADMITTED, S.COPY_OBTAINED, S.COPY_REFUSED, S.REMOVED}
# Pinned query budgets (session and user included): the same for 200 stations
# (test_dashboard_pages.py) and for 10,000 (test_dashboard_scale.py). Pages count two more
# queries than before the menu: it reads the user's roles (tallies/navigation.py); and 8 more for
# the coverage beside the shares (tallies.selectors.copy_coverage); 1 for every station of the
# territory, 3 for the station counts (tallies.selectors.station_sets) and, on the page, 1 for
# why the map may be empty (issue 13); 1 for the coalition partners of the election and, on the
# page, 1 for the stations they cover (issue 15: whichever the number of partners or stations).
PAGE_QUERIES = 43
JSON_QUERIES = 38
STATIONS_QUERIES = 7
PROCESS_QUERIES = 13


@dataclass
class Night:
    """A generated election night: the contest, both organisations and their coordinators."""

    contest: Contest
    organization: Organization
    other: Organization
    coordinator: object
    other_coordinator: object


def coordinator_of(organization: Organization, username: str, territory=None):  # type: ignore[no-untyped-def]
    user = get_user_model().objects.create_user(username=username, password="pw")
    Membership.objects.create(
        user=user, organization=organization, role=Membership.Role.COORDINATOR, territory=territory
    )
    return user


def generate_night(stations: int, copies: str) -> Night:
    """Generate the election, deploy both organisations, and return the night."""
    call_command("generate_election", seed=97, stations=stations, copies=copies, falsify="0", stdout=None)
    organization = Organization.objects.get(slug=generator.ORGANIZATION_SLUG)
    contest = Contest.objects.get(election__slug="generated-97")
    other = Organization.objects.create(slug="rivals", name="Rivals", status=Organization.Status.APPROVED)
    deploy(contest, organization, other)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum does after an import; rolled back with the module's data
    return Night(
        contest, organization, other, coordinator_of(organization, "carla"), coordinator_of(other, "otto")
    )


def deploy(contest: Contest, organization: Organization, other: Organization) -> None:
    """Mandates, events, visits, conflicts and a quarantine over the stations, by station index."""
    stations = list(PollingStation.objects.filter(pec__election=contest.election).order_by("pk"))
    copied = set(
        StationTallyState.objects.filter(organization=organization, contest=contest).values_list(
            "station_id", flat=True
        )
    )
    plan = {s.pk: _plan(i, s.pk in copied) for i, s in enumerate(stations)}
    mandates = _mandates(organization, contest, stations, plan)
    _events(mandates, plan)
    _visits(mandates, plan)
    _rivals(other, contest, stations[:12])
    _conflicts_and_quarantine(organization, contest, stations, plan)


def _plan(index: int, copied: bool) -> str:
    """What happens at the station with this index (a copy or not decides the possibilities)."""
    if copied:
        return ["conflict", "quarantine", "no_mandate", "copy", "copy", "copy", "copy", "copy"][index % 8]
    return ["not_admitted", "removed", "admitted", "visit", "withdrawn", "no_mandate", "issued"][index % 7]


def _mandates(organization, contest, stations, plan) -> dict[int, Mandate]:  # type: ignore[no-untyped-def]
    """One observer and one mandate per planned station (bulk: 10,000 stations in seconds)."""
    chosen = [s for s in stations if plan[s.pk] != "no_mandate"]
    observers = Observer.objects.bulk_create(
        Observer(
            organization=organization,
            code=f"OBS-{s.pk}",
            display_name=f"Obs {s.number}",
            phone=f"+7{s.pk:09d}",
        )
        for s in chosen
    )
    statuses = {"not_admitted": S.NOT_ADMITTED, "removed": S.REMOVED, "withdrawn": S.WITHDRAWN}
    mandates = Mandate.objects.bulk_create(
        Mandate(
            organization=organization,
            observer=observer,
            election=contest.election,
            status=statuses.get(plan[s.pk], S.ADMITTED if plan[s.pk] == "admitted" else S.ISSUED),
        )
        for observer, s in zip(observers, chosen, strict=True)
    )
    Mandate.stations.through.objects.bulk_create(
        Mandate.stations.through(mandate_id=m.pk, pollingstation_id=s.pk)
        for m, s in zip(mandates, chosen, strict=True)
    )
    return {s.pk: m for m, s in zip(mandates, chosen, strict=True)}


def _events(mandates: dict[int, Mandate], plan: dict[int, str]) -> None:
    """Issued, then what happened at the station: admitted before not admitted/removed, withdrawn."""
    now = timezone.now()
    rows = []
    for station_id, mandate in mandates.items():
        rows.append(MandateEvent(mandate=mandate, status=S.ISSUED, occurred_at=now))
        what = plan[station_id]
        if what in ("not_admitted", "removed", "admitted"):
            rows.append(
                MandateEvent(mandate=mandate, status=S.ADMITTED, station_id=station_id, occurred_at=now)
            )
        if what in ("not_admitted", "removed"):
            later = now + timedelta(minutes=5)
            status = S.NOT_ADMITTED if what == "not_admitted" else S.REMOVED
            rows.append(
                MandateEvent(mandate=mandate, status=status, station_id=station_id, occurred_at=later)
            )
        if what == "withdrawn":
            rows.append(MandateEvent(mandate=mandate, status=S.WITHDRAWN, occurred_at=now))
    MandateEvent.objects.bulk_create(rows)


def _visits(mandates: dict[int, Mandate], plan: dict[int, str]) -> None:
    Visit.objects.bulk_create(
        Visit(observer_id=m.observer_id, mandate=m, station_id=station_id)
        for station_id, m in mandates.items()
        if plan[station_id] == "visit"
    )


def _rivals(other: Organization, contest: Contest, stations: list[PollingStation]) -> None:
    """The other organisation: a live mandate and a check-in at each of `stations` (never seen)."""
    for station in stations:
        observer = Observer.objects.create(organization=other, display_name="Rival", phone="+70000000000")
        mandate = Mandate.objects.create(organization=other, observer=observer, election=contest.election)
        mandate.stations.add(station)
        MandateEvent.objects.create(mandate=mandate, status=S.ADMITTED, station=station)
        Visit.objects.create(observer=observer, mandate=mandate, station=station)


def _conflicts_and_quarantine(organization, contest, stations, plan) -> None:  # type: ignore[no-untyped-def]
    """A second copy disagreeing on United Russia (conflict); a quarantined only copy (partial)."""
    second = Observer.objects.create(organization=organization, code="SECOND", display_name="Second")
    user = get_user_model().objects.create_user(username="desk")
    chosen = [s.pk for s in stations if plan[s.pk] in ("conflict", "quarantine")]
    states = StationTallyState.objects.filter(
        organization=organization, contest=contest, station_id__in=chosen
    )
    for state in states.select_related("current_copy", "station"):
        if plan[state.station_id] == "conflict":
            figures = state.current_copy.figures()
            options = {**figures.options, "p6_UR": figures.options["p6_UR"] + 7}
            services.submit_protocol_copy(
                observer=second, contest=contest, station=state.station, lines=figures.lines, options=options,
                client_uuid=uuid.uuid4(), channel=ProtocolCopy.Channel.IMPORT,
            )  # fmt: skip
        else:
            with transaction.atomic():
                Quarantine.objects.create(copy=state.current_copy, reason="unreadable", created_by=user)
                services.touch_station(
                    organization_id=organization.pk, contest_id=contest.pk, station_id=state.station_id
                )
    services.sweep_stale_tallies(limit=100_000)


def expected_statuses(organization: Organization, contest: Contest) -> dict[int, str]:
    """Each station's status, derived here in Python from the tables (rule: tallies.selectors.coverage)."""
    states = {
        s.station_id: s for s in StationTallyState.objects.filter(organization=organization, contest=contest)
    }
    mandated = set(
        Mandate.stations.through.objects.filter(
            mandate__organization=organization, mandate__election=contest.election
        ).values_list("pollingstation_id", flat=True)
    )
    latest: dict[int, str] = {}
    events = MandateEvent.objects.filter(
        mandate__organization=organization, mandate__election=contest.election, station__isnull=False
    )
    for station_id, status in events.order_by("occurred_at", "id").values_list("station_id", "status"):
        if status in AT_STATION:
            latest[station_id] = status
    visited = set(
        Visit.objects.filter(observer__organization=organization).values_list("station_id", flat=True)
    )
    in_scope = mandated | {pk for pk, s in states.items() if s.current_copy_id}
    return {pk: _status(states.get(pk), latest.get(pk), pk in visited) for pk in in_scope}


def _status(state: StationTallyState | None, event: str | None, visited: bool) -> str:
    if state and state.is_counted:
        return Status.COMPLETE
    if state and state.conflicts:
        return Status.CONFLICT
    if state and state.current_copy_id:
        return Status.PARTIAL
    if event in (S.NOT_ADMITTED, S.REMOVED):
        return Status.NOT_ADMITTED if event == S.NOT_ADMITTED else Status.REMOVED
    return (
        Status.PARTIAL
        if visited or event in (S.ADMITTED, S.COPY_OBTAINED, S.COPY_REFUSED)
        else Status.MISSING
    )


@contextmanager
def rolled_back(django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """A transaction for a whole test module's data, rolled back at its end (tests nest inside)."""
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)
