"""Line-level decisions: verify a copy's line against the photo or by call-back; resolve a conflict.

A resolution is a new ConflictResolution row (the latest counts, tallies.selectors.accepted); it
is accepted only for a line where the station's countable copies really disagree, since a line
they agree on is accepted as it is and a resolution there would change nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from elections.models import Contest, PollingStation
from observers.access import AnyUser
from observers.models import Organization
from observers.services import audit
from tallies.errors import FieldError
from tallies.models import ConflictResolution, LineVerification, ProtocolCopy, StationTallyState
from tallies.selectors.accepted import countable_copies
from tallies.services import tallying
from tallies.services.desk.scope import authorize, require_reason, target, value_on


@transaction.atomic
def verify_line(
    *, copy: ProtocolCopy, code: str, method: str, note: str = "", by: AnyUser
) -> LineVerification:
    """Record that the copy's figure for `code` was checked (method "photo" or "callback").

    Raises FieldError on "code" or "method", PermissionDenied for anyone but the organisation's
    coordinators. The tally is unchanged: a verification only marks the figure as checked.
    """
    copy = ProtocolCopy.objects.select_related("organization", "station__pec", "contest__form").get(
        pk=copy.pk
    )
    user = authorize(by=by, organization=copy.organization, station=copy.station)
    line, option = target(copy.contest, code)
    if method not in LineVerification.Method.values:
        raise FieldError("method", _("Choose how the figure was checked."))
    value = value_on(copy, code)
    verification = LineVerification.objects.create(
        copy=copy, line=line, option=option, method=method, note=note.strip(), verified_by=user
    )
    audit.record(
        organization=copy.organization,
        actor=user,
        action="protocol_copy.line_verified",
        obj=copy,
        before={"code": code, "value": value, "verified": False},
        after={
            "code": code,
            "value": value,
            "verified": True,
            "method": method,
            "verification": verification.pk,
        },
        reason=verification.note,
    )
    return verification


@transaction.atomic
def resolve_conflict(
    *,
    organization: Organization,
    station: PollingStation,
    contest: Contest,
    code: str,
    value: int | None = None,
    reason: str,
    chosen_copy: ProtocolCopy | None = None,
    by: AnyUser,
) -> ConflictResolution:
    """Settle a line the station's copies disagree on, with a value or a chosen copy's value.

    Raises FieldError on "code" (no disagreement there), "value" (missing, negative or not the
    chosen copy's), "chosen_copy" (not a countable copy of the station) or "reason" (blank), and
    PermissionDenied for anyone but the organisation's coordinators of the station.
    """
    user = authorize(by=by, organization=organization, station=station)
    reason = require_reason(reason)
    line, option = target(contest, code)
    tallying.touch_station(organization_id=organization.pk, contest_id=contest.pk, station_id=station.pk)
    values = _values_by_copy(organization, contest, station, code)  # after the lock touch_station takes
    if len(set(values.values())) < 2:
        raise FieldError("code", _("The copies of this station do not disagree on this line."))
    value = _chosen_value(value, chosen_copy, values)
    resolution = ConflictResolution.objects.create(
        organization=organization,
        contest=contest,
        station=station,
        line=line,
        option=option,
        value=value,
        chosen_copy=chosen_copy,
        reason=reason,
        resolved_by=user,
    )
    audit.record(
        organization=organization,
        actor=user,
        action="station.conflict_resolved",
        obj=station,
        before={"contest": contest.pk, "code": code, "copies": {str(k): v for k, v in values.items()}},
        after={"contest": contest.pk, "code": code, "value": value, "chosen_copy": _pk(chosen_copy)},
        reason=reason,
    )
    return resolution


@transaction.atomic
def accept_copy(
    *,
    organization: Organization,
    station: PollingStation,
    contest: Contest,
    chosen_copy: ProtocolCopy,
    reason: str,
    by: AnyUser,
) -> list[ConflictResolution]:
    """Settle every line the station's copies disagree on with `chosen_copy`'s values, one reason.

    One resolution and one audit entry per disputed line (resolve_conflict), all or none. Lines
    the chosen copy has no figure for, or that no longer disagree, are left as they are. Raises
    FieldError on "reason" (blank) or "chosen_copy" (not a countable copy of the station, or
    nothing it could settle) and PermissionDenied for anyone but the station's coordinators.
    """
    require_reason(reason)
    state = StationTallyState.objects.filter(
        organization=organization, contest=contest, station=station
    ).first()
    resolutions = []
    for code in state.conflicts if state is not None else []:
        if value_on(chosen_copy, code) is None:
            continue
        try:
            resolution = resolve_conflict(
                organization=organization, station=station, contest=contest, code=code,
                chosen_copy=chosen_copy, reason=reason, by=by,
            )  # fmt: skip
        except FieldError as error:
            if error.field != "code":  # "code": the copies agree there now; nothing to settle
                raise
            continue
        resolutions.append(resolution)
    if not resolutions:
        raise FieldError("chosen_copy", _("This copy settles none of the station's disputed lines."))
    return resolutions


def _values_by_copy(
    organization: Organization, contest: Contest, station: PollingStation, code: str
) -> dict[int, int]:
    """Each countable copy's figure for `code`: copy id → value (copies without it left out)."""
    copies = countable_copies(organization.pk, contest.pk, [station.pk]).order_by("pk")
    found = {copy.pk: value_on(copy, code) for copy in copies}
    return {pk: value for pk, value in found.items() if value is not None}


def _chosen_value(value: int | None, chosen_copy: ProtocolCopy | None, values: dict[int, int]) -> int:
    if chosen_copy is not None:
        if chosen_copy.pk not in values:
            raise FieldError("chosen_copy", _("Choose one of the station's copies that count."))
        if value is not None and value != values[chosen_copy.pk]:
            raise FieldError("value", _("This is not the value on the chosen copy."))
        return values[chosen_copy.pk]
    if value is None or value < 0:
        raise FieldError("value", _("Enter the value to accept, or choose a copy."))
    return value


def _pk(row: Any) -> int | None:
    return row.pk if row is not None else None
