"""Submitting an observer's protocol copy: validate, store append-only, flag, schedule the tally."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from elections.models import Contest, ControlRelation, PollingStation
from elections.protocol import OPTIONS_TOTAL, Figures, RelationCheck, check_relation, parse_relation
from observers.models import Mandate, Observer
from observers.services import mandates
from tallies.errors import FieldError, IdempotencyConflict, NotAssignedError
from tallies.models import ControlFinding, ProtocolCopy, StationTallyState
from tallies.models.copy_layout import layout_id
from tallies.services import copy_validation, tallying
from tallies.services.copy_validation import ContestForm


@dataclass(frozen=True)
class SubmittedCopy:
    """The stored copy and whether this call created it (False: an idempotent resend)."""

    copy: ProtocolCopy
    created: bool


def submit_protocol_copy(
    *,
    observer: Observer,
    contest: Contest,
    station: PollingStation,
    lines: Mapping[str, Any],
    options: Mapping[str, Any],
    client_uuid: uuid.UUID,
    channel: str,
    revises: ProtocolCopy | None = None,
    entered_by: AbstractBaseUser | None = None,
    note: str = "",
    missing: Collection[str] = (),
    transcribes: ProtocolCopy | None = None,
) -> SubmittedCopy:
    """Store an observer's copy of a PEC protocol and schedule its TEC/region/nation tallies.

    `lines` maps every line code of the contest's form to a count, `options` every ballot
    option code to votes (non-negative integers). A resend with the same `client_uuid` returns
    the first copy and writes nothing (but queues the station's tally job again if it is still
    stale: `tallying.requeue_if_stale`). A copy that breaks control relations is stored with
    ControlFinding rows, never rejected. `revises` makes this copy a revision of an earlier
    current copy of the same station, contest and organisation. `transcribes` marks a desk
    transcription (channel "transcription") as typed from that copy's protocol photo.

    `missing` names the figures the observer marked "not on the copy / unreadable", as
    ``lines.<code>`` or ``options.<code>``: they are left out of `lines`/`options` and stored as
    absent (no figure row, never 0). A relation that needs a missing figure is not checked (no
    finding); the tallies count the copy's other figures (tallies.services.tallying).

    Channels "web" and "api" need a live mandate of `observer` for the contest's election that
    includes `station`; the copy then records "copy obtained" on that mandate. Channel "import"
    (a coordinator loading a partner's file) needs none.

    Raises FieldError naming the field (``station``, ``lines.<code>``, ``options.<code>``,
    ``revises``, ``missing``) for input that cannot be stored, with nothing written; NotAssignedError (a
    FieldError on ``station``, HTTP 403) without a live mandate; IdempotencyConflict when the
    key was used for another station, contest or observer.
    """
    existing = _existing(client_uuid, observer, contest, station)
    if existing:
        tallying.requeue_if_stale(copy_id=existing.pk)  # the first request may have died unqueued
        return SubmittedCopy(existing, created=False)
    form = copy_validation.form_of(contest)
    figures = copy_validation.validated_figures(contest, form, station, lines, options, missing)
    return _stored_once(
        lambda: _store(
            observer, contest, form, station, figures, client_uuid, channel, revises, entered_by, note,
            transcribes=transcribes,
        ),
        client_uuid, observer, contest, station,
    )  # fmt: skip


def submit_photo_only(
    *,
    observer: Observer,
    contest: Contest,
    station: PollingStation,
    client_uuid: uuid.UUID,
    channel: str,
    entered_by: AbstractBaseUser | None = None,
) -> SubmittedCopy:
    """Store a copy sent as photos only: it has no figure rows, so it counts nowhere yet.

    Its photos are attached by the caller (tallies.services.photos.submit_photo_only_copy); two
    coordinators then transcribe them blind and the agreed figures become the copy's revision
    (tallies.services.desk.transcription). The same mandate rule ("copy obtained" is recorded),
    idempotency and errors as submit_protocol_copy: FieldError on "station", NotAssignedError,
    IdempotencyConflict. The station's tally is not touched: nothing it counts has changed.
    """
    existing = _existing(client_uuid, observer, contest, station)
    if existing:
        return SubmittedCopy(existing, created=False)
    copy_validation.check_station(contest, station)
    return _stored_once(
        lambda: _store(
            observer, contest, ContestForm([], [], []), station, Figures(), client_uuid, channel, None,
            entered_by, "",
        ),
        client_uuid, observer, contest, station,
    )  # fmt: skip


def _stored_once(
    store: Callable[[], ProtocolCopy],
    client_uuid: uuid.UUID,
    observer: Observer,
    contest: Contest,
    station: PollingStation,
) -> SubmittedCopy:
    try:
        copy = store()
    except IntegrityError:
        # Two resends raced past the lookup before; the first one's row is the answer.
        existing = _existing(client_uuid, observer, contest, station)
        if existing is None:
            raise
        return SubmittedCopy(existing, created=False)
    return SubmittedCopy(copy, created=True)


def _existing(
    client_uuid: uuid.UUID, observer: Observer, contest: Contest, station: PollingStation
) -> ProtocolCopy | None:
    copy = ProtocolCopy.objects.filter(client_uuid=client_uuid).first()
    if copy is None:
        return None
    if (copy.observer_id, copy.contest_id, copy.station_id) != (observer.pk, contest.pk, station.pk):
        raise IdempotencyConflict(
            _("client_uuid %(key)s was already used for another copy; generate a new one")
            % {"key": client_uuid}
        )
    return copy


@transaction.atomic
def _store(
    observer: Observer,
    contest: Contest,
    form: ContestForm,
    station: PollingStation,
    figures: Figures,
    client_uuid: uuid.UUID,
    channel: str,
    revises: ProtocolCopy | None,
    entered_by: AbstractBaseUser | None,
    note: str,
    *,
    transcribes: ProtocolCopy | None = None,
) -> ProtocolCopy:
    mandate = _mandate(observer, contest, station, channel)
    if revises is not None:
        _check_revisable(revises, observer, contest, station)
    # No savepoint of its own: a racing duplicate key rolls back this whole atomic block (itself a
    # savepoint inside a caller's transaction), and submit_protocol_copy then reads the winner.
    given = bool(figures.lines or figures.options)  # none: sent as photos only
    layout, values = _figure_array(form, figures) if given else (None, None)
    copy = ProtocolCopy.objects.create(
        client_uuid=client_uuid,
        organization_id=observer.organization_id,
        observer=observer,
        contest=contest,
        station=station,
        channel=channel,
        revises=revises,
        transcribes=transcribes,
        entered_by_id=entered_by.pk if entered_by else None,
        note=note,
        figure_layout_id=layout,
        figure_values=values,
    )
    copy.keep_written(figures, _store_findings(copy, form, figures) if given else [])
    if mandate is not None:
        mandates.record_copy_obtained(
            mandate=mandate, station=station, contest=contest, recorded_by=entered_by
        )
    if given and (transcribes is None or transcribes.figure_values is not None):
        # A photo-only copy, and a blind entry of one, count nowhere (accepted.countable_copies).
        _make_current(copy)
    return copy


def _mandate(observer: Observer, contest: Contest, station: PollingStation, channel: str) -> Mandate | None:
    """The live mandate the copy is sent under (locked); None where none applies. Raises NotAssignedError.

    Imports (a partner's file) and blind second entries (a coordinator transcribing the photo of a
    copy already stored) are not the observer sending a copy now, so they need no live mandate.
    """
    if channel in (ProtocolCopy.Channel.IMPORT, ProtocolCopy.Channel.TRANSCRIPTION):
        return None
    mandate = mandates.submission_mandate(observer=observer, election_id=contest.election_id, station=station)
    if mandate is None:
        raise NotAssignedError(
            _("You have no live mandate for polling station %(number)s, so you cannot send its copy.")
            % {"number": station.number}
        )
    return mandate


def _check_revisable(
    revises: ProtocolCopy, observer: Observer, contest: Contest, station: PollingStation
) -> None:
    """Raise FieldError on "revises" unless it is `observer`'s own newest copy of this station and contest.

    A colleague's figures for the same station are a separate copy shown beside this one, never
    a revision of it (issue 12, reproduction 3): revising it would hide it from the desk.
    """
    revises = ProtocolCopy.objects.select_for_update().get(pk=revises.pk)
    if revises.observer_id != observer.pk:
        raise FieldError("revises", _("you can revise only a copy you sent yourself"))
    if (revises.contest_id, revises.station_id) != (contest.pk, station.pk):
        raise FieldError("revises", _("a revision must be of a copy of the same station and contest"))
    if ProtocolCopy.objects.filter(revises=revises).exists():
        raise FieldError("revises", _("this copy has already been revised; revise the newest one"))


def _figure_array(form: ContestForm, figures: Figures) -> tuple[int, list[int | None]]:
    """The copy's layout (the form's lines, then options, by position and id) and its array in it.

    A figure the copy does not give is NULL. The layout is found or created in one statement
    (copy_layout.layout_id); copies of a contest share it while the form stays as it is.
    Raises KeyError for a code the form does not have (validation refused it before).
    """
    lines = sorted(form.lines, key=lambda line: (line.position, line.pk))
    options = sorted(form.options, key=lambda option: (option.position, option.pk))
    values = [figures.lines.get(line.code) for line in lines] + [
        figures.options.get(option.code) for option in options
    ]
    if sum(value is not None for value in values) != len(figures.lines) + len(figures.options):
        raise KeyError(f"figures of codes not on the form: {figures}")
    return layout_id([line.pk for line in lines], [option.pk for option in options]), values


def _store_findings(copy: ProtocolCopy, form: ContestForm, figures: Figures) -> list[ControlFinding]:
    """Write a ControlFinding per broken relation (one INSERT, none if all hold); return them."""
    checked = check_relations(form.relations, figures, len(form.options))
    return ControlFinding.objects.bulk_create(
        ControlFinding(copy=copy, relation=relation, lhs=check.lhs, rhs=check.rhs)
        for relation, check in checked
        if check is not None and not check.holds
    )


def check_relations(
    relations: Iterable[ControlRelation], figures: Figures, options: int
) -> list[tuple[ControlRelation, RelationCheck | None]]:
    """Each relation with its check on `figures`, as a stored copy's findings are made.

    The check is None where the relation needs a figure marked missing (`checkable`): neither
    broken nor holding. `options` is the number of the contest's ballot options. Used before
    a copy is stored too (the Telegram bot's summary), so what the observer is shown before
    confirming is what the copy's findings will be.
    """
    return [
        (
            relation,
            check_relation(relation.expression, figures, relation.tolerance)
            if checkable(relation.expression, figures, options)
            else None,
        )
        for relation in relations
    ]


def checkable(expression: str, figures: Figures, options: int) -> bool:
    """Whether `figures` has every line the relation names (``options_total``: all `options` options)."""
    for name in parse_relation(expression).names():
        if name == OPTIONS_TOTAL:
            if len(figures.options) < options:
                return False
        elif name not in figures.lines:
            return False
    return True


def _make_current(copy: ProtocolCopy) -> StationTallyState:
    """Record `copy` as the station's newest copy and schedule the station's tally update."""
    state = tallying.touch_station(
        organization_id=copy.organization_id, contest_id=copy.contest_id, station_id=copy.station_id
    )
    StationTallyState.objects.filter(pk=state.pk).update(current_copy=copy)
    return state
