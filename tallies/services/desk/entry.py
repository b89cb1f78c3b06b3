"""Copies typed at the desk: a phone-in on an observer's behalf, and a blind second entry.

Both go through tallies.services.submit_protocol_copy, so they are validated, stored append-only
and tallied like any copy. A phone-in (channel "phone") needs the observer's live mandate, as a
copy sent by the observer would. A blind entry (channel "transcription") is another coordinator
typing the figures from a copy's protocol photo without seeing the copy's figures; it is kept as
a copy of the same observer, station and contest, so where it disagrees with the copy the
station is in conflict until a coordinator resolves the line (or it agrees and is confirmed).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from elections.models import Contest, PollingStation
from observers.access import AnyUser
from observers.models import Evidence, Observer
from observers.services import audit
from tallies.errors import FieldError
from tallies.models import LineVerification, ProtocolCopy
from tallies.services.desk.scope import authorize
from tallies.services.submission import SubmittedCopy, submit_protocol_copy

Channel = ProtocolCopy.Channel


@transaction.atomic
def phone_in(
    *,
    observer: Observer,
    contest: Contest,
    station: PollingStation,
    lines: Mapping[str, Any],
    options: Mapping[str, Any],
    client_uuid: uuid.UUID,
    by: AnyUser,
    note: str = "",
    missing: Collection[str] = (),
) -> SubmittedCopy:
    """Store a copy an observer dictated by phone, entered by coordinator `by`.

    Raises what submit_protocol_copy raises (FieldError, NotAssignedError without a live
    mandate, IdempotencyConflict) and PermissionDenied for anyone but the observer's
    organisation's coordinators of the station. A resend with the same key writes nothing.
    """
    user = authorize(by=by, organization=observer.organization, station=station)
    submitted = submit_protocol_copy(
        observer=observer,
        contest=contest,
        station=station,
        lines=lines,
        options=options,
        client_uuid=client_uuid,
        channel=Channel.PHONE,
        entered_by=user,
        note=note,
        missing=missing,
    )
    if submitted.created:
        copy = submitted.copy
        audit.record(
            organization=observer.organization,
            actor=user,
            action="protocol_copy.phoned_in",
            obj=copy,
            before={},
            after={"observer": observer.pk, "station": station.pk, "contest": contest.pk, **_figures(copy)},
            reason=note,
        )
    return submitted


def blind_entry_of(copy: ProtocolCopy) -> ProtocolCopy | None:
    """The blind second entry made for `copy` (the newest transcription of it), if any.

    None for a copy sent as photos only: its two entries stay blind to each other, read only
    through desk.transcription.entries_of under that queue's rules (issue 18).
    """
    if copy.figure_values is None:
        return None
    return copy.transcriptions.order_by("-pk").first()


@transaction.atomic
def blind_entry(
    *,
    copy: ProtocolCopy,
    lines: Mapping[str, Any],
    options: Mapping[str, Any],
    client_uuid: uuid.UUID,
    by: AnyUser,
) -> SubmittedCopy:
    """Store coordinator `by`'s blind entry of `copy`'s protocol photo as a transcription copy.

    Raises FieldError on "copy" when the copy is itself a blind entry, was entered by `by`, has
    no ready photo or already has a blind entry; what submit_protocol_copy raises (the copy's
    observer needs a live mandate); PermissionDenied for anyone but the coordinators.
    """
    copy = (
        ProtocolCopy.objects.select_for_update()
        .select_related("organization", "station__pec")
        .get(pk=copy.pk)
    )
    user = authorize(by=by, organization=copy.organization, station=copy.station)
    _check_blind_enterable(copy, client_uuid, user)
    submitted = submit_protocol_copy(
        observer=copy.observer,
        contest=copy.contest,
        station=copy.station,
        lines=lines,
        options=options,
        client_uuid=client_uuid,
        channel=Channel.TRANSCRIPTION,
        entered_by=user,
        transcribes=copy,
    )
    if submitted.created:
        audit.record(
            organization=copy.organization,
            actor=user,
            action="protocol_copy.blind_entry",
            obj=copy,
            before={"transcription": None},
            after={"transcription": submitted.copy.pk, **_figures(submitted.copy)},
        )
    return submitted


def _check_blind_enterable(copy: ProtocolCopy, client_uuid: uuid.UUID, user: User) -> None:
    if copy.channel == Channel.TRANSCRIPTION:
        raise FieldError("copy", _("This copy is itself a blind entry."))
    if copy.figure_values is None:
        raise FieldError(
            "copy", _("This copy was sent as photos only: transcribe it from “Photos to transcribe”.")
        )
    if copy.entered_by_id == user.pk:
        raise FieldError("copy", _("You entered this copy; another coordinator must make the blind entry."))
    if not copy.photos.filter(evidence__status=Evidence.Status.READY).exists():
        raise FieldError("copy", _("This copy has no protocol photo to enter the figures from."))
    existing = blind_entry_of(copy)
    if existing is not None and existing.client_uuid != client_uuid:
        raise FieldError("copy", _("This copy already has a blind entry."))


@transaction.atomic
def confirm_blind_entry(*, copy: ProtocolCopy, by: AnyUser) -> list[LineVerification]:
    """Mark every figure of `copy` checked against the photo, as its blind entry matches it.

    Raises FieldError on "copy" without a blind entry or when the two differ (resolve those
    lines instead), PermissionDenied for anyone but the coordinators.
    """
    copy = ProtocolCopy.objects.select_related("organization", "station__pec").get(pk=copy.pk)
    user = authorize(by=by, organization=copy.organization, station=copy.station)
    entry = blind_entry_of(copy)
    if entry is None:
        raise FieldError("copy", _("This copy has no blind entry yet."))
    if any(copy.figures().differing(entry.figures())):
        raise FieldError("copy", _("The blind entry differs from the copy: resolve the differing lines."))
    note = _("matches its blind entry (copy %(id)s)") % {"id": entry.pk}
    rows = LineVerification.objects.bulk_create(
        LineVerification(
            copy=copy,
            line_id=line_id,
            option_id=option_id,
            method="photo",
            note=note,
            verified_by=user,
        )
        for line_id, option_id, _value in copy.figure_refs()
    )
    audit.record(
        organization=copy.organization,
        actor=user,
        action="protocol_copy.blind_entry_confirmed",
        obj=copy,
        before={"transcription": entry.pk, "verified": False},
        after={"transcription": entry.pk, "verified": True, "figures": len(rows)},
    )
    return rows


def _figures(copy: ProtocolCopy) -> dict[str, dict[str, int]]:
    figures = copy.figures()
    return {"lines": dict(sorted(figures.lines.items())), "options": dict(sorted(figures.options.items()))}
