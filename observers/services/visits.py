"""Station visits: check in under a live mandate, mark stages observed, answer checklists, check out.

A checklist answer is never changed in place: a changed answer is a new ChecklistAnswer row and
the latest row wins, so what the observer reported, and when, stays on record (domain.md W22).
Times typed by an observer are the election's local time (Election.time_zone); they are stored
in UTC (domain.md W11: when the count started).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from elections.models import Election, PollingStation
from observers.errors import ClientKeyConflict, FieldWorkError
from observers.models import ChecklistAnswer, ChecklistItem, Mandate, Observer, Visit
from observers.models.visits import Stage
from observers.services import mandates

NO_MANDATE = _("You have no live mandate for this polling station.")
UNKNOWN_STAGE = _("Unknown stage.")
CHECKOUT_BEFORE_CHECKIN = _("Check-out cannot be earlier than check-in.")
YES_NO_EXPECTED = _("Answer yes or no.")
NUMBER_EXPECTED = _("Enter a whole number, zero or more.")

Answer = tuple[ChecklistItem, bool | None, int | None]
CHECKLIST_FILE = Path(__file__).resolve().parent.parent / "data" / "checklist_items.json"


class CheckIn(NamedTuple):
    """The visit a check-in returns; `created` is False for a resend or the visit still open there."""

    visit: Visit
    created: bool


@cache
def checklist() -> dict[str, Any]:
    """The shipped stage checklists: {"items": [{code, stage, position, answer, problem_if, labels}]}."""
    return json.loads(CHECKLIST_FILE.read_text(encoding="utf-8"))


@transaction.atomic
def load_checklist_items() -> int:
    """Create or update every shipped checklist item by code; return how many the file holds."""
    keys = ("stage", "position", "answer", "problem_if", "labels")
    for row in checklist()["items"]:
        ChecklistItem.objects.update_or_create(code=row["code"], defaults={key: row[key] for key in keys})
    return len(checklist()["items"])


def live_stations(observer: Observer) -> QuerySet[PollingStation]:
    """Stations of the observer's live mandates, with their PEC, TEC and election."""
    station_ids = Mandate.objects.live_of(observer).values("stations")
    return PollingStation.objects.filter(pk__in=station_ids).select_related("pec__parent", "pec__election")


def live_mandate_for(observer: Observer, station: PollingStation) -> Mandate:
    """The observer's newest live mandate covering `station`, locked (call in a transaction).

    Raises FieldWorkError("station") when there is none: only a mandated observer reports.
    """
    election_id = station.pec.election_id
    mandate = mandates.submission_mandate(observer=observer, election_id=election_id, station=station)
    if mandate is None:
        raise FieldWorkError("station", NO_MANDATE)
    return mandate


def election_time(election: Election, value: datetime) -> datetime:
    """Return `value` as an aware UTC datetime; a naive `value` is read in the election's time zone."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, ZoneInfo(election.time_zone))
    return value.astimezone(UTC)


@transaction.atomic
def check_in(
    *, observer: Observer, station: PollingStation, client_uuid: uuid.UUID, at: datetime | None = None
) -> CheckIn:
    """Open a visit at `station`, keyed by the device's `client_uuid` (unique per observer).

    A resend with the same key returns that visit (created=False), even after the mandate ended;
    a check-in while a visit is still open at the station returns the open one. Raises
    ClientKeyConflict naming `station` or `checked_in_at` when the key came with another of
    them, FieldWorkError("station") without a live mandate.
    """
    moment = election_time(station.pec.election, at) if at else None
    if resent := _visit_sent_with(observer, client_uuid, station, moment):
        return CheckIn(resent, created=False)
    mandate = live_mandate_for(observer, station)  # the lock also serialises a double tap
    open_visit = Visit.objects.filter(observer=observer, station=station, checked_out_at=None).first()
    if open_visit is not None:
        return CheckIn(open_visit, created=False)
    try:
        with transaction.atomic():  # a savepoint: the same key may race in for another station
            visit = Visit.objects.create(
                observer=observer,
                mandate=mandate,
                station=station,
                checked_in_at=moment or timezone.now(),
                client_uuid=client_uuid,
            )
    except IntegrityError:
        if resent := _visit_sent_with(observer, client_uuid, station, moment):
            return CheckIn(resent, created=False)
        raise
    return CheckIn(visit, created=True)


def _visit_sent_with(
    observer: Observer, client_uuid: uuid.UUID, station: PollingStation, moment: datetime | None
) -> Visit | None:
    """The visit `observer` opened with this key, if any; ClientKeyConflict if it differs."""
    visit = Visit.objects.filter(observer=observer, client_uuid=client_uuid).first()
    if visit is None:
        return None
    if visit.station_id != station.pk:
        raise ClientKeyConflict("station")
    if moment is not None and visit.checked_in_at != moment:
        raise ClientKeyConflict("checked_in_at")
    return visit


def set_stage(*, visit: Visit, stage: str, observed: bool = True) -> Visit:
    """Add `stage` to the stages observed during `visit`, or remove it; raises FieldWorkError("stage")."""
    if stage not in Stage.values:
        raise FieldWorkError("stage", UNKNOWN_STAGE)
    stages = [value for value in visit.stages if value != stage]
    if observed:
        stages.append(stage)
    visit.stages = [value for value in Stage.values if value in stages]  # keep election-day order
    visit.save(update_fields=["stages"])
    return visit


def record_count_start(*, visit: Visit, started_at: datetime) -> Visit:
    """Record when the count started (naive = the election's local time); marks counting observed."""
    visit.count_started_at = election_time(visit.station.pec.election, started_at)
    visit.save(update_fields=["count_started_at"])
    return set_stage(visit=visit, stage=Stage.COUNTING)


def check_out(*, visit: Visit, at: datetime | None = None) -> Visit:
    """Close `visit` now or at `at` (naive = local time); repeating it keeps the first check-out."""
    if visit.checked_out_at is not None:
        return visit
    moment = election_time(visit.station.pec.election, at) if at else timezone.now()
    if moment < visit.checked_in_at:
        raise FieldWorkError("checked_out_at", CHECKOUT_BEFORE_CHECKIN)
    visit.checked_out_at = moment
    visit.save(update_fields=["checked_out_at"])
    return visit


def latest_answers(visit: Visit) -> dict[int, ChecklistAnswer]:
    """{item id: latest answer} for `visit`; an answer with neither yes nor number was withdrawn."""
    rows = (
        ChecklistAnswer.objects.filter(visit=visit)
        .select_related("item")
        .order_by("item_id", "-answered_at", "-id")
        .distinct("item_id")
    )
    return {row.item_id: row for row in rows}


@transaction.atomic
def answer(*, visit: Visit, item: ChecklistItem, yes: bool | None = None, number: int | None = None) -> bool:
    """Append an answer unless it repeats the latest one (None, None withdraws it); True if stored."""
    _check_shape(item, yes, number)
    Visit.objects.select_for_update().filter(pk=visit.pk).first()  # one writer per visit at a time
    latest = visit.answers.filter(item=item).order_by("-answered_at", "-id").first()
    previous = (latest.yes, latest.number) if latest else (None, None)
    if previous == (yes, number):
        return False
    ChecklistAnswer.objects.create(visit=visit, item=item, yes=yes, number=number, answered_at=timezone.now())
    if item.stage not in visit.stages:
        set_stage(visit=visit, stage=item.stage)
    return True


def answer_all(*, visit: Visit, answers: Iterable[Answer]) -> int:
    """Store each (item, yes, number) that changed; return how many new answers were stored."""
    with transaction.atomic():
        return sum(answer(visit=visit, item=item, yes=yes, number=number) for item, yes, number in answers)


def problems(visit: Visit) -> list[ChecklistAnswer]:
    """Latest yes/no answers equal to their item's `problem_if`, in checklist order."""
    found = [
        row
        for row in latest_answers(visit).values()
        if row.item.problem_if is not None and row.yes is row.item.problem_if
    ]
    return sorted(found, key=lambda row: (Stage.values.index(row.item.stage), row.item.position))


def _check_shape(item: ChecklistItem, yes: bool | None, number: int | None) -> None:
    if item.answer == ChecklistItem.Answer.YES_NO and number is not None:
        raise FieldWorkError(item.code, YES_NO_EXPECTED)
    if item.answer == ChecklistItem.Answer.NUMBER and (
        yes is not None or (number is not None and number < 0)
    ):
        raise FieldWorkError(item.code, NUMBER_EXPECTED)
