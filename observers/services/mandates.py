"""Mandates: issue one (observer × election × station, or a mobile team × stations), record its history.

The history is append-only (MandateEvent); Mandate.status is the status of the latest event.
Which status may follow which is the TRANSITIONS table below; a stored protocol copy is a fact
and records "copy obtained" whatever the status (tallies.services.submission calls
`record_copy_obtained`). Observers may record only what happens to them at the station.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from elections.models import Contest, Election, PollingStation
from observers.errors import MandateError
from observers.models import Mandate, MandateEvent, Observer, Organization

Status = Mandate.Status
AnyUser = AbstractBaseUser | AnonymousUser
AT_STATION = {Status.ADMITTED, Status.NOT_ADMITTED, Status.COPY_OBTAINED, Status.COPY_REFUSED, Status.REMOVED}
PER_CONTEST = {Status.COPY_OBTAINED, Status.COPY_REFUSED}
NEEDS_REASON = {Status.NOT_ADMITTED, Status.REMOVED}
OBSERVER_STATUSES = [Status.ADMITTED, Status.NOT_ADMITTED, Status.COPY_REFUSED, Status.REMOVED]
AFTER_A_COPY: set[str] = {
    Status.COPY_OBTAINED,
    Status.COPY_REFUSED,
    Status.REMOVED,
    Status.WITHDRAWN,
    Status.ADMITTED,  # a mobile team moves on to its next station
    Status.NOT_ADMITTED,
}
TRANSITIONS: dict[str, set[str]] = {
    Status.ISSUED: {Status.HANDED_OVER, Status.WITHDRAWN},
    Status.HANDED_OVER: {Status.ADMITTED, Status.NOT_ADMITTED, Status.WITHDRAWN},
    Status.ADMITTED: {Status.COPY_OBTAINED, Status.COPY_REFUSED, Status.REMOVED, Status.WITHDRAWN},
    Status.NOT_ADMITTED: {Status.ADMITTED, Status.WITHDRAWN},  # let in after a complaint
    Status.COPY_OBTAINED: AFTER_A_COPY,
    Status.COPY_REFUSED: AFTER_A_COPY,
    Status.REMOVED: {Status.ADMITTED, Status.WITHDRAWN},  # let back in
    Status.WITHDRAWN: set(),
}
MOBILE_EXTRA: dict[str, set[str]] = {Status.ADMITTED: {Status.ADMITTED, Status.NOT_ADMITTED}}


@transaction.atomic
def issue_mandate(
    *,
    organization: Organization,
    observer: Observer,
    election: Election,
    stations: Sequence[PollingStation],
    issued_by: AnyUser | None,
) -> Mandate:
    """Issue a mandate for `stations` (several make a mobile team) and record the "issued" event.

    Raises MandateError naming the field: "organization" unless it is approved, "observer" for
    an inactive observer or one of another organisation, "stations" for none or one outside
    `election`.
    """
    _check_issuable(organization, observer, election, stations)
    mandate = Mandate.objects.create(
        organization=organization, observer=observer, election=election, is_mobile_team=len(stations) > 1
    )
    mandate.stations.set(stations)
    MandateEvent.objects.create(mandate=mandate, status=Status.ISSUED, recorded_by_id=_pk(issued_by))
    return mandate


def _check_issuable(
    organization: Organization, observer: Observer, election: Election, stations: Sequence[PollingStation]
) -> None:
    if organization.status != Organization.Status.APPROVED:
        raise MandateError("organization", _("Only an approved organisation can deploy observers."))
    if observer.organization_id != organization.pk or not observer.is_active:
        raise MandateError("observer", _("Choose an active observer of this organisation."))
    if not stations:
        raise MandateError("stations", _("Give at least one polling station."))
    outside = [s.number for s in stations if s.pec.election_id != election.pk]
    if outside:
        raise MandateError(
            "stations", _("Polling station %(number)s is not in this election.") % {"number": outside[0]}
        )


@transaction.atomic
def record_event(
    *,
    mandate: Mandate,
    status: str,
    recorded_by: AnyUser | None,
    station: PollingStation | None = None,
    contest: Contest | None = None,
    reason: str = "",
    by_whom: str = "",
    occurred_at: datetime | None = None,
) -> MandateEvent:
    """Append a status change to `mandate`'s history and make it the mandate's status.

    Raises MandateError naming the field: "status" for a change the current status does not
    allow (the message names both), "station" for a station outside the mandate, "contest" for a
    missing or foreign contest, "reason" when not admitted or removed without a reason.
    """
    locked = Mandate.objects.select_for_update().get(pk=mandate.pk)
    _check_transition(locked, status)
    station = _event_station(locked, status, station)
    _check_details(locked, status, contest, reason)
    event = MandateEvent.objects.create(
        mandate=locked,
        status=status,
        station=station,
        contest=contest if status in PER_CONTEST else None,
        reason=reason.strip(),
        by_whom=by_whom.strip(),
        occurred_at=occurred_at or timezone.now(),
        recorded_by_id=_pk(recorded_by),
    )
    _set_status(locked, status)
    mandate.status = status
    return event


def record_observer_event(
    *, observer: Observer, mandate: Mandate, status: str, **details: object
) -> MandateEvent:
    """Record what happened to `observer` at the station under their own mandate.

    Observers may record admitted, not admitted, copy refused and removed; raises
    MandateError("status") for anything else and MandateError("mandate") for another's mandate.
    """
    if mandate.observer_id != observer.pk:
        raise MandateError("mandate", _("This is not your mandate."))
    if status not in OBSERVER_STATUSES:
        raise MandateError("status", _("Only the organisation can record this status."))
    return record_event(mandate=mandate, status=status, recorded_by=observer.user, **details)  # type: ignore[arg-type]


def allowed_statuses(mandate: Mandate) -> list[str]:
    """The statuses that may follow the mandate's current one, in the order of Mandate.Status."""
    allowed = set(TRANSITIONS[mandate.status])
    if mandate.is_mobile_team:
        allowed |= MOBILE_EXTRA.get(mandate.status, set())
    return [status for status in Status.values if status in allowed]


def _check_transition(mandate: Mandate, status: str) -> None:
    if status not in Status.values:
        raise MandateError("status", _("Unknown status %(status)s.") % {"status": status})
    if status not in allowed_statuses(mandate):
        message = _("A mandate in status “%(current)s” cannot become “%(new)s”.")
        raise MandateError(
            "status", message % {"current": Status(mandate.status).label, "new": Status(status).label}
        )


def _event_station(mandate: Mandate, status: str, station: PollingStation | None) -> PollingStation | None:
    """The station the event happened at: required at a station, implied for a one-station mandate."""
    if status not in AT_STATION:
        return None
    stations = list(mandate.stations.all())
    if station is None and len(stations) == 1:
        return stations[0]
    if station is None or station.pk not in {s.pk for s in stations}:
        raise MandateError("station", _("Choose one of the mandate's polling stations."))
    return station


def _check_details(mandate: Mandate, status: str, contest: Contest | None, reason: str) -> None:
    if status in PER_CONTEST and (contest is None or contest.election_id != mandate.election_id):
        raise MandateError("contest", _("Choose the contest of this election the protocol is for."))
    if status in NEEDS_REASON and not reason.strip():
        raise MandateError("reason", _("Say why: the reason or pretext given."))


def _set_status(mandate: Mandate, status: str) -> None:
    mandate.status = status
    mandate.save(update_fields=["status"])


def _pk(user: AnyUser | None) -> int | None:
    return user.pk if user is not None else None


def submission_mandate(*, observer: Observer, election_id: int, station: PollingStation) -> Mandate | None:
    """The observer's newest live mandate for `election_id` covering `station`, locked; None if none.

    Call inside a transaction: the lock makes a withdrawal and a submission wait for each other.
    """
    mandates = Mandate.objects.live().filter(
        observer=observer, organization_id=observer.organization_id, election_id=election_id, stations=station
    )
    return mandates.select_for_update(of=("self",)).order_by("-created_at", "-id").first()


def record_copy_obtained(
    *, mandate: Mandate, station: PollingStation, contest: Contest, recorded_by: AnyUser | None
) -> MandateEvent | None:
    """Record that a copy of `contest` at `station` was stored under `mandate` (once per both).

    A stored copy is a fact, so no transition check; returns None when already recorded.
    `mandate` is as read in this transaction, locked (submission_mandate): its status is current.
    """
    events = MandateEvent.objects.filter(mandate=mandate, station=station, contest=contest)
    if events.filter(status=Status.COPY_OBTAINED).exists():
        return None
    event = MandateEvent.objects.create(
        mandate=mandate,
        status=Status.COPY_OBTAINED,
        station=station,
        contest=contest,
        recorded_by_id=_pk(recorded_by),
    )
    if mandate.status != Status.COPY_OBTAINED:  # a mobile team's later copies: no UPDATE to write
        _set_status(mandate, Status.COPY_OBTAINED)
    return event
