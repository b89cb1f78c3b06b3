"""A coalition's writes and the checks they need: who may settle the pool, settling a conflict
line by line with a reason (audited), and a member's shared photo.

The pool itself (issue 15's rule: agreeing lines taken, disagreeing ones resolved or left in
conflict) is a read: tallies.selectors.pool. Observers' identities never cross organisations.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, User
from django.core.exceptions import PermissionDenied
from django.db import transaction

from elections.models import Contest, PollingStation
from observers.models import Coalition, Evidence, Membership, Organization
from observers.services import audit
from tallies.errors import FieldError
from tallies.models import CoalitionResolution, CopyPhoto, StationTallyState
from tallies.selectors.pool import photo_members, pool, pooling_members
from tallies.services import coalition_pool


def resolving_member(coalition: Coalition, user: AbstractBaseUser) -> Organization:
    """The pooling member `user` may settle conflicts for: an admin or whole-organisation coordinator.

    Raises PermissionDenied otherwise (a coordinator limited to a territory cannot settle the pool).
    """
    members = pooling_members(coalition)
    membership = (
        Membership.objects.coordinating()
        .filter(user_id=user.pk, organization__in=members, territory__isnull=True)
        .select_related("organization")
        .order_by("organization__name")
        .first()
    )
    if membership is None:
        raise PermissionDenied("Only coordinators of the whole organisation of a member settle the pool.")
    return membership.organization


def shared_photo(
    *,
    coalition: Coalition,
    contest: Contest,
    station: PollingStation,
    member: Organization,
    viewer: Organization,
) -> Evidence | None:
    """The newest sanitised photo of `member`'s current copy at `station`, as `viewer` may see it.

    Raises PermissionDenied when `member`'s consent does not include photos (and it is not the
    viewer itself); returns None when the member has no photo of a counted copy there.
    """
    if member.pk not in photo_members(coalition, viewer):
        raise PermissionDenied("This member does not share its protocol photos with the coalition.")
    state = StationTallyState.objects.filter(
        organization=member, contest=contest, station=station, current_copy__isnull=False
    ).first()
    if state is None:
        return None
    photos = CopyPhoto.objects.filter(copy_id=state.current_copy_id, evidence__status=Evidence.Status.READY)
    photo = photos.select_related("evidence").order_by("-attached_at", "-id").first()
    return photo.evidence if photo else None


@transaction.atomic
def resolve_conflict(
    *,
    coalition: Coalition,
    contest: Contest,
    station: PollingStation,
    kind: str,
    code: str,
    value: int,
    reason: str,
    by: User,
) -> CoalitionResolution:
    """Settle one line (or option) of a coalition conflict with a value and a reason; audited.

    Raises PermissionDenied when `by` may not settle the pool, FieldError naming ``reason``,
    ``value`` or ``code`` (a line not in conflict), with nothing written.
    """
    organization = resolving_member(coalition, by)
    if not reason.strip():
        raise FieldError("reason", "Say why this value is the right one.")
    if value < 0:
        raise FieldError("value", "A count cannot be negative.")
    current = pool(coalition, contest, [station.pk]).stations.get(station.pk)
    members = current.conflicts.get((kind, code)) if current else None
    if members is None:
        raise FieldError("code", f"{kind}.{code} is not in conflict at this station.")
    resolution = CoalitionResolution.objects.create(
        coalition=coalition, contest=contest, station=station, kind=kind, code=code,
        value=value, reason=reason.strip(), organization=organization, resolved_by=by,
    )  # fmt: skip
    before = {"values": {str(org): v for org, v in sorted(members.items())}, "station": station.pk}
    coalition_pool.request_refresh(coalition, contest)  # sent once this commits
    audit.record(
        organization=organization,
        actor=by,
        action="coalition.conflict_resolved",
        obj=resolution,
        before=before,
        after={"value": value, "line": f"{kind}.{code}"},
        reason=reason.strip(),
    )
    return resolution
