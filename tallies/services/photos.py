"""Photos of protocol copies: link an Evidence file to a copy without touching the copy.

Append-only: a copy may get several photos, each a CopyPhoto row; the copy and its figures are
never changed. Who may attach: the copy's observer (their own uploads) or a coordinator of the
copy's organisation (any upload of that organisation).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied

from observers.access import coordinated_organizations
from observers.models import Evidence
from tallies.models import CopyPhoto, ProtocolCopy


def attach_copy_photo(
    *, copy: ProtocolCopy, evidence: Evidence, user: AbstractBaseUser | AnonymousUser
) -> CopyPhoto:
    """Attach `evidence` to `copy` once (a repeat returns the same row); raise PermissionDenied."""
    if not may_attach(copy=copy, evidence=evidence, user=user):
        raise PermissionDenied("You cannot attach this photo to this copy.")
    photo, _created = CopyPhoto.objects.get_or_create(
        copy=copy, evidence=evidence, defaults={"attached_by_id": user.pk}
    )
    return photo


def may_attach(*, copy: ProtocolCopy, evidence: Evidence, user: AbstractBaseUser | AnonymousUser) -> bool:
    """True when `user` is the copy's observer attaching their own upload, or coordinates its org."""
    if evidence.organization_id != copy.organization_id:
        return False
    if any(org.pk == copy.organization_id for org in coordinated_organizations(user)):
        return True
    own_copy = copy.observer.user_id is not None and copy.observer.user_id == user.pk
    return own_copy and evidence.uploaded_by_id == copy.observer_id
