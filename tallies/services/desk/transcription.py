"""Copies sent as photos only, transcribed at the desk: two blind entries, their agreed figures
stored as the copy's revision, and a third coordinator's settlement where they differ (issue 18).

A photo-only copy (tallies.services.photos.submit_photo_only_copy) has no figures. Two
coordinators of its organisation, at its station, each type every figure from its photos without
seeing the other's: each entry is a transcription copy that `transcribes` it, and counts nowhere
(tallies.selectors.accepted.countable_copies). When the second entry agrees with the first, the
figures are stored as a revision of the copy: still the observer's copy, entered by the second
transcriber, with an audit entry naming both. Where they differ, a third coordinator settles each
differing line with a value and a reason, as for a station's conflict, and the revision is
stored with the agreed and settled values. The revision is then checked against the control
relations, tallied and reconciled like any copy (submit_protocol_copy).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from elections.protocol import Figures
from observers.access import AnyUser
from observers.models import Evidence
from observers.services import audit
from tallies.errors import FieldError
from tallies.models import ProtocolCopy
from tallies.services.desk.scope import LINES, OPTIONS, authorize, require_reason
from tallies.services.submission import SubmittedCopy, submit_protocol_copy

ENTRIES = 2  # the blind entries a photo-only copy needs
REVISION = uuid.UUID("6b1f9c52-3a57-4d3e-9a53-2f0c1d5e8a71")  # namespace of the revisions' keys


def entries_of(copy: ProtocolCopy) -> list[ProtocolCopy]:
    """The blind entries typed from `copy`'s photos, oldest first (at most ENTRIES)."""
    return list(copy.transcriptions.select_related("entered_by").order_by("pk"))


Pair = tuple[int | None, int | None]  # the two entries' values of a figure; None: marked missing


def differences(entries: list[ProtocolCopy]) -> dict[str, Pair]:
    """Where the two entries differ: "lines.<code>"/"options.<code>" → (first's, second's value).

    A figure one entry marked "not on the copy / unreadable" (None) and the other typed differs,
    even from 0: the entries must agree on which figures are missing too.
    """
    first, second = (_by_code(entry.figures()) for entry in entries)
    codes = sorted(first.keys() | second.keys())
    pairs = {code: (first.get(code), second.get(code)) for code in codes}
    return {code: pair for code, pair in pairs.items() if pair[0] != pair[1]}


def _by_code(figures: Figures) -> dict[str, int]:
    found = {f"{LINES}.{code}": value for code, value in figures.lines.items()}
    found.update({f"{OPTIONS}.{code}": value for code, value in figures.options.items()})
    return found


@transaction.atomic
def transcribe_photo_copy(
    *,
    copy: ProtocolCopy,
    lines: Mapping[str, Any],
    options: Mapping[str, Any],
    client_uuid: uuid.UUID,
    by: AnyUser,
    missing: Collection[str] = (),
) -> SubmittedCopy:
    """Store coordinator `by`'s blind entry of photo-only `copy`; adopt the figures if two agree.

    `missing` names the figures ("lines.<code>"/"options.<code>") `by` marked "not on the copy /
    unreadable", as on the copy form: left out of the entry; two entries agree only if they
    mark the same ones, and the agreed revision lacks them too.

    Returns the entry (a resend with the same key returns it and writes nothing). Raises
    FieldError on "copy" when the copy gives figures, was already transcribed or corrected, has
    no ready photo, has both entries already, or `by` entered it or its other entry; what
    submit_protocol_copy raises on the figures; PermissionDenied for anyone but the
    coordinators of the copy's organisation at its station.
    """
    copy = _locked(copy)
    user = authorize(by=by, organization=copy.organization, station=copy.station)
    entries = entries_of(copy)
    resent = next((entry for entry in entries if entry.client_uuid == client_uuid), None)
    if resent is not None:
        return SubmittedCopy(resent, created=False)
    _check_transcribable(copy, entries, user)
    submitted = submit_protocol_copy(
        observer=copy.observer, contest=copy.contest, station=copy.station, lines=lines, options=options,
        client_uuid=client_uuid, channel=ProtocolCopy.Channel.TRANSCRIPTION, entered_by=user,
        transcribes=copy, missing=missing,
    )  # fmt: skip
    entries.append(submitted.copy)
    audit.record(
        organization=copy.organization,
        actor=user,
        action="protocol_copy.transcribed",
        obj=copy,
        before={"entries": [entry.pk for entry in entries[:-1]]},
        after={"entries": [entry.pk for entry in entries]},  # no figures: the other entry stays blind
    )
    if len(entries) == ENTRIES and not differences(entries):
        _adopt(copy, entries, entries[0].figures(), user, settled={}, reason="")
    return submitted


@transaction.atomic
def settle_transcription(
    *, copy: ProtocolCopy, values: Mapping[str, int], reason: str, by: AnyUser
) -> ProtocolCopy:
    """Settle the lines where the two blind entries of `copy` differ; store and return the revision.

    `values` maps each differing code ("lines.<code>"/"options.<code>") to the value read on the
    photo. Raises FieldError on "copy" (not two entries, nothing to settle, already transcribed,
    or `by` typed one of the entries), on a code (missing, negative, or not a differing line)
    or on "reason" (blank); PermissionDenied for anyone but the station's coordinators.
    """
    copy = _locked(copy)
    user = authorize(by=by, organization=copy.organization, station=copy.station)
    reason = require_reason(reason)
    entries = entries_of(copy)
    _check_settleable(copy, entries, user)
    differing = differences(entries)
    settled = _settled_values(differing, values)
    figures = _with_values(entries[0].figures(), settled)
    return _adopt(copy, entries, figures, user, settled=settled, reason=reason, differing=differing)


def _locked(copy: ProtocolCopy) -> ProtocolCopy:
    copies = ProtocolCopy.objects.select_for_update().select_related(
        "organization", "observer", "contest", "station__pec"
    )
    return copies.get(pk=copy.pk)


def _check_awaiting(copy: ProtocolCopy) -> None:
    if copy.figure_values is not None or copy.channel == ProtocolCopy.Channel.TRANSCRIPTION:
        raise FieldError("copy", _("This copy was not sent as photos only."))
    if ProtocolCopy.objects.filter(revises=copy).exists():
        raise FieldError("copy", _("This copy is already transcribed or corrected."))


def _check_transcribable(copy: ProtocolCopy, entries: list[ProtocolCopy], user: User) -> None:
    _check_awaiting(copy)
    if not copy.photos.filter(evidence__status=Evidence.Status.READY).exists():
        raise FieldError("copy", _("This copy has no protocol photo to enter the figures from."))
    if len(entries) >= ENTRIES:
        raise FieldError("copy", _("This copy already has its two entries."))
    if copy.entered_by_id == user.pk or any(entry.entered_by_id == user.pk for entry in entries):
        raise FieldError(
            "copy", _("You already typed this copy; another coordinator must make the other entry.")
        )


def _check_settleable(copy: ProtocolCopy, entries: list[ProtocolCopy], user: User) -> None:
    _check_awaiting(copy)
    if len(entries) < ENTRIES:
        raise FieldError("copy", _("This copy does not have its two entries yet."))
    if any(entry.entered_by_id == user.pk for entry in entries):
        raise FieldError(
            "copy", _("You typed one of the entries: a third coordinator settles the differences.")
        )


def _settled_values(differing: dict[str, Pair], values: Mapping[str, int]) -> dict[str, int]:
    extra = sorted(set(values) - set(differing))
    if extra:
        raise FieldError(extra[0], _("The two entries agree on this line."))
    settled = {}
    for code in differing:
        value = values.get(code)
        if value is None or value < 0:
            raise FieldError(code, _("Enter the value on the photo."))
        settled[code] = value
    if not settled:
        raise FieldError("copy", _("The two entries agree: there is nothing to settle."))
    return settled


def _with_values(figures: Figures, settled: dict[str, int]) -> Figures:
    lines, options = dict(figures.lines), dict(figures.options)
    for code, value in settled.items():
        kind, _dot, bare = code.partition(".")
        (lines if kind == LINES else options)[bare] = value
    return Figures(lines, options)


def _absent(copy: ProtocolCopy, figures: Figures) -> list[str]:
    """The figures of `copy`'s form that `figures` lacks: those both entries marked missing."""
    lines = copy.contest.form.lines.exclude(code__in=list(figures.lines)).values_list("code", flat=True)
    options = copy.contest.options.exclude(code__in=list(figures.options)).values_list("code", flat=True)
    return [f"{LINES}.{code}" for code in lines] + [f"{OPTIONS}.{code}" for code in options]


def _adopt(
    copy: ProtocolCopy,
    entries: list[ProtocolCopy],
    figures: Figures,
    user: User,
    *,
    settled: dict[str, int],
    reason: str,
    differing: dict[str, Pair] | None = None,
) -> ProtocolCopy:
    """Store `figures` as the revision of `copy` (the observer's, entered by `user`) and audit it."""
    revision = submit_protocol_copy(
        observer=copy.observer, contest=copy.contest, station=copy.station, lines=figures.lines,
        options=figures.options, client_uuid=uuid.uuid5(REVISION, str(copy.client_uuid)),
        channel=ProtocolCopy.Channel.TRANSCRIPTION, revises=copy, entered_by=user,
        missing=_absent(copy, figures),
    ).copy  # fmt: skip
    transcribers = [entry.entered_by.get_username() for entry in entries if entry.entered_by]
    audit.record(
        organization=copy.organization,
        actor=user,
        action="protocol_copy.transcription_settled" if settled else "protocol_copy.transcription_agreed",
        obj=copy,
        before={
            "entries": [entry.pk for entry in entries],
            "differing": {code: list(pair) for code, pair in (differing or {}).items()},
        },
        after={
            "revision": revision.pk,
            "observer": copy.observer.code,
            "transcribers": transcribers,
            "settled": settled,
            "lines": dict(sorted(figures.lines.items())),
            "options": dict(sorted(figures.options.items())),
        },
        reason=reason,
    )
    return revision
