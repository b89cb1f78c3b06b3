"""Photos of protocol copies: link an Evidence file to a copy without touching the copy; copies
sent as photos only (submit_photo_only_copy).

Append-only: a copy may get several photos, each a CopyPhoto row; the copy and its figures are
never changed. Who may attach: the copy's observer (their own uploads) or a coordinator of the
copy's organisation (any upload of that organisation).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from elections.models import Contest, PollingStation
from observers.access import coordinator_scopes
from observers.errors import EvidenceRefused
from observers.models import Evidence, Observer
from observers.services import evidence as evidence_service
from tallies.errors import FieldError
from tallies.models import CopyPhoto, ProtocolCopy
from tallies.services.submission import SubmittedCopy, submit_photo_only, submit_protocol_copy


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
    """True when `user` is the copy's observer attaching their own upload, or coordinates its
    organisation at its station (inside their territory, if they are limited to one).
    """
    if evidence.organization_id != copy.organization_id:
        return False
    scopes = coordinator_scopes(user)
    if any(s.organization.pk == copy.organization_id and s.contains(copy.station) for s in scopes):
        return True
    own_copy = copy.observer.user_id is not None and copy.observer.user_id == user.pk
    return own_copy and evidence.uploaded_by_id == copy.observer_id


def submit_copy_with_photos(
    *,
    observer: Observer,
    submission: dict[str, Any],
    uploads: list[UploadedFile],
    user: AbstractBaseUser | AnonymousUser,
) -> tuple[SubmittedCopy, int]:
    """Store a web-form copy and attach its new photos in one transaction; return it and the count added.

    `submission` is the keyword arguments of submit_protocol_copy other than observer and channel.
    A resend (same client_uuid) stores only the photos the copy has no SHA-256 of yet. Raises
    what submit_protocol_copy and upload_evidence raise (FieldError, IdempotencyConflict,
    EvidenceRefused on "photos"); then nothing is stored and the raw files already written are deleted.
    """

    def submit() -> SubmittedCopy:
        return submit_protocol_copy(
            observer=observer, channel=ProtocolCopy.Channel.WEB, entered_by=observer.user, **submission
        )

    return _with_new_photos(submit, uploads, user)


def submit_photo_only_copy(
    *,
    observer: Observer,
    station: PollingStation,
    uploads: list[UploadedFile],
    client_uuid: uuid.UUID,
    channel: str,
    contest: Contest | None = None,
) -> tuple[SubmittedCopy, int]:
    """Store photos of a protocol as `observer`'s copy awaiting transcription; return it and the count added.

    For an observer with only a camera (web, API, the Telegram bot): the copy has no figures and
    counts nowhere until two coordinators transcribe it blind at the desk (issue 18). `contest`
    defaults to the only contest of the station's election. Each photo goes through the
    evidence path (checked; EXIF/GPS stripped in Celery) and is attached once by SHA-256, so a
    resend with the same `client_uuid` (a retry, or more photos of the same protocol) stores
    only the photos the copy lacks. The observer needs a live mandate for the station, as for
    any copy. Raises FieldError on "photos" (none given) or "contest" (several to choose from),
    what submit_photo_only raises (FieldError on "station", NotAssignedError,
    IdempotencyConflict) and EvidenceRefused on "photos", PermissionDenied (an observer without
    an account); then nothing is stored.
    """
    if not uploads:
        raise FieldError("photos", _("Send at least one photo of the protocol."))
    if contest is None:
        contest = _only_contest(station)

    def submit() -> SubmittedCopy:
        return submit_photo_only(
            observer=observer, contest=contest, station=station, client_uuid=client_uuid,
            channel=channel, entered_by=observer.user,
        )  # fmt: skip

    return _with_new_photos(submit, uploads, observer.user or AnonymousUser())


def _only_contest(station: PollingStation) -> Contest:
    contests = list(Contest.objects.filter(election_id=station.pec.election_id)[:2])
    if len(contests) != 1:
        raise FieldError("contest", _("Choose the contest of the protocol."))
    return contests[0]


def _with_new_photos(
    submit: Callable[[], SubmittedCopy],
    uploads: list[UploadedFile],
    user: AbstractBaseUser | AnonymousUser,
) -> tuple[SubmittedCopy, int]:
    """Store a copy and attach its new photos in one transaction; on any error delete the files written."""
    stored: list[Evidence] = []
    try:
        with transaction.atomic():
            submitted = submit()
            _attach_new_photos(submitted.copy, uploads, user, stored)
    except BaseException:
        for item in stored:
            if item.upload.name:
                default_storage.delete(item.upload.name)
        raise
    return submitted, len(stored)


def _attach_new_photos(
    copy: ProtocolCopy,
    uploads: list[UploadedFile],
    user: AbstractBaseUser | AnonymousUser,
    stored: list[Evidence],
) -> None:
    """Store and attach each upload the copy has no photo of yet; append new Evidence to `stored`.

    Locks the copy so two resends of it at once cannot both add the same photo.
    """
    if not uploads:
        return
    ProtocolCopy.objects.select_for_update().only("pk").get(pk=copy.pk)
    known = evidence_service.attached_sha256s(copy_id=copy.pk)
    for upload in uploads:
        digest = evidence_service.sha256_of(upload)
        if digest in known:
            continue  # a resend, or the same photo chosen twice: already stored once
        stored.append(_upload_photo(copy, upload, user))
        known.add(digest)


def _upload_photo(
    copy: ProtocolCopy, upload: UploadedFile, user: AbstractBaseUser | AnonymousUser
) -> Evidence:
    """Store one photo of `copy`; its EvidenceRefused names "photos", the input the photos come in."""

    def attach(evidence: Evidence) -> None:
        attach_copy_photo(copy=copy, evidence=evidence, user=user)

    try:
        return evidence_service.upload_evidence(observer=copy.observer, upload=upload, then=attach)
    except EvidenceRefused as refusal:
        raise EvidenceRefused(refusal.message, field="photos") from refusal


def add_copy_photos(*, copy: ProtocolCopy, uploads: list[UploadedFile], user: AbstractBaseUser) -> int:
    """Store and attach to `copy` the uploads it has no photo of yet (by SHA-256); return how many.

    The same path as the web form's photos (upload_evidence: checked, EXIF/GPS stripped in
    Celery). Raises EvidenceRefused or PermissionDenied; then nothing is stored.
    """
    stored: list[Evidence] = []
    try:
        with transaction.atomic():
            _attach_new_photos(copy, uploads, user, stored)
    except BaseException:
        for item in stored:
            if item.upload.name:
                default_storage.delete(item.upload.name)
        raise
    return len(stored)
