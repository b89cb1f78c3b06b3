"""Quarantine a doubtful copy (its figures leave the tally) and release it (they come back).

The copy itself is never touched: a Quarantine row holds it out, and releasing stamps that row.
Either way the station's tally is scheduled again and the audit log gets an entry.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from observers.access import AnyUser
from observers.services import audit
from tallies.errors import FieldError
from tallies.models import ProtocolCopy, Quarantine
from tallies.services import tallying
from tallies.services.desk.scope import authorize, require_reason


@transaction.atomic
def quarantine(*, copy: ProtocolCopy, scope: str, reason: str, by: AnyUser) -> Quarantine:
    """Hold `copy` out of the tally (scope "all" or "results"); raise FieldError or PermissionDenied.

    Refuses a blank reason, an unknown scope and a copy already in quarantine.
    """
    copy = (
        ProtocolCopy.objects.select_for_update()
        .select_related("organization", "station__pec")
        .get(pk=copy.pk)
    )
    user = authorize(by=by, organization=copy.organization, station=copy.station)
    reason = require_reason(reason)
    if scope not in Quarantine.Scope.values:
        raise FieldError("scope", _("Choose what to quarantine: the whole copy or its results."))
    if Quarantine.objects.active().filter(copy=copy).exists():
        raise FieldError("copy", _("This copy is already in quarantine; release it first."))
    held = Quarantine.objects.create(copy=copy, scope=scope, reason=reason, created_by=user)
    _touch(copy)
    audit.record(
        organization=copy.organization,
        actor=user,
        action="protocol_copy.quarantined",
        obj=copy,
        before={"quarantine": None},
        after={"quarantine": held.pk, "scope": scope},
        reason=reason,
    )
    return held


@transaction.atomic
def release(*, quarantine: Quarantine, reason: str, by: AnyUser) -> Quarantine:
    """Release a quarantine so the copy counts again; raise FieldError or PermissionDenied."""
    held = Quarantine.objects.select_for_update().get(pk=quarantine.pk)
    copy = ProtocolCopy.objects.select_related("organization", "station__pec").get(pk=held.copy_id)
    user = authorize(by=by, organization=copy.organization, station=copy.station)
    reason = require_reason(reason)
    if held.released_at is not None:
        raise FieldError("quarantine", _("This quarantine was already released."))
    held.released_by, held.released_at, held.release_reason = user, timezone.now(), reason
    held.save(update_fields=["released_by", "released_at", "release_reason"])
    _touch(copy)
    audit.record(
        organization=copy.organization,
        actor=user,
        action="protocol_copy.released",
        obj=copy,
        before={"quarantine": held.pk, "scope": held.scope},
        after={"quarantine": None},
        reason=reason,
    )
    return held


def _touch(copy: ProtocolCopy) -> None:
    tallying.touch_station(
        organization_id=copy.organization_id, contest_id=copy.contest_id, station_id=copy.station_id
    )
