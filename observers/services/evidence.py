"""Evidence files: accept an observer's photo, record the original's hash, sanitise it in Celery.

An upload is refused, and nothing stored, unless its bytes are a JPEG, PNG, HEIC/HEIF or WebP
image of at most MAX_UPLOAD_BYTES and images.MAX_PIXELS (evidence_images.py). An accepted upload
is kept privately as `Evidence.upload` (status pending) until `sanitise_evidence` re-encodes it
as a JPEG without EXIF, GPS, ICC, XMP or comments into `Evidence.file`, then deletes the raw
upload.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from celery import Task
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.outbox import enqueue_on_commit, send_or_leave_to_sweep
from observers.access import CoordinatorScope
from observers.errors import EvidenceRefused
from observers.models import Evidence, Observer, ViolationAct
from observers.services import evidence_images as images

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".jpe", ".png", ".heic", ".heif", ".webp")
UNREADABLE = gettext_noop("The image could not be read: the file may be damaged. Take the photo again.")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inspected:
    """What an accepted upload is: Pillow format, content type, SHA-256 (hex) and size in bytes."""

    format: str
    content_type: str
    sha256: str
    size: int


def inspect_upload(upload: UploadedFile) -> Inspected:
    """Check size, magic bytes and header of an upload; raise EvidenceRefused when not acceptable."""
    if upload.size is None or upload.size > MAX_UPLOAD_BYTES:
        limit = MAX_UPLOAD_BYTES // (1024 * 1024)
        raise EvidenceRefused(_("The file is too large: at most %(limit)d MB.") % {"limit": limit})
    upload.seek(0)
    format_ = images.sniff(upload.read(32))
    if format_ is None:
        raise _not_allowed(upload.name or "")
    _verify(upload, format_)
    content_type = images.ALLOWED[format_][0]
    return Inspected(format_, content_type, sha256_of(upload), upload.size)


def upload_evidence(
    *,
    observer: Observer,
    upload: UploadedFile,
    violation_act: ViolationAct | None = None,
    then: Callable[[Evidence], object] | None = None,
) -> Evidence:
    """Store an accepted upload as pending Evidence and queue its sanitising after commit.

    `then(evidence)` runs in the same transaction (e.g. attaching it to a protocol copy); if it
    or anything else fails, no row and no file remain. Raises EvidenceRefused.
    """
    inspected = inspect_upload(upload)
    if violation_act is not None and not acts_open_to(observer).filter(pk=violation_act.pk).exists():
        raise EvidenceRefused(_("You cannot add evidence to this act."), field="act")
    evidence = Evidence(
        organization=observer.organization,
        uploaded_by=observer,
        violation_act=violation_act,
        original_name=(upload.name or "")[-255:],
        original_sha256=inspected.sha256,
        original_size=inspected.size,
        content_type=inspected.content_type,
    )
    upload.seek(0)
    evidence.upload.save(f"{uuid.uuid4().hex}.{images.ALLOWED[inspected.format][1]}", upload, save=False)
    _create(evidence, then)
    return evidence


def attached_sha256s(*, copy_id: int) -> set[str]:
    """SHA-256 (hex) of the originals of the photos already attached to protocol copy `copy_id`."""
    return set(
        Evidence.objects.filter(copy_photos__copy_id=copy_id).values_list("original_sha256", flat=True)
    )


def acts_open_to(observer: Observer) -> QuerySet[ViolationAct]:
    """Violation acts `observer` may add evidence to: their own and those they co-signed."""
    mine = Q(observer=observer) | Q(cosigners__observer=observer)
    return ViolationAct.objects.filter(mine, organization_id=observer.organization_id).distinct()


def visible_evidence(
    user: AbstractBaseUser | AnonymousUser, scope: CoordinatorScope | None
) -> QuerySet[Evidence]:
    """Evidence `user` may see: their own uploads, and those of `scope` (the organisation the request
    works in: observers.access.working_scope; None for a user who coordinates none).

    A coordinator limited to a territory (a region or TEC) sees the photos of acts and copies at
    stations inside it; a photo attached to neither has no place, so only unrestricted
    coordinators (and its uploader) see it.
    """
    if not user.is_authenticated:
        return Evidence.objects.none()
    readable = Q(uploaded_by__user_id=user.pk)
    if scope is not None:
        readable |= Q(organization=scope.organization) & _in_territory(scope)
    return Evidence.objects.filter(readable).select_related("uploaded_by", "violation_act")


def _in_territory(coordinator: CoordinatorScope) -> Q:
    """A filter on evidence of acts or copies at stations in scope; none for the whole organisation."""
    if coordinator.is_whole_organization:
        return Q()
    copies = Evidence.objects.filter(coordinator.stations("copy_photos__copy__station__")).values("pk")
    # a subquery: a photo of two copies is one row
    return coordinator.stations("violation_act__station__") | Q(pk__in=copies)


def sanitise_evidence(*, evidence_id: int) -> str:
    """Re-encode a pending upload into Evidence.file and delete the raw upload; return the status.

    A corrupt image ends as rejected with the reason; an evidence no longer pending is left as it
    is, so running this twice is harmless.
    """
    with transaction.atomic():
        evidence = Evidence.objects.select_for_update().get(pk=evidence_id)
        if evidence.status != Evidence.Status.PENDING:
            return evidence.status
        raw_name = evidence.upload.name
        _store_clean(evidence)
        evidence.upload = ""
        evidence.save(update_fields=["upload", "file", "content_type", "status", "rejection"])
        transaction.on_commit(lambda: default_storage.delete(raw_name) if raw_name else None)
    return evidence.status


def requeue_pending_evidence(*, older_than: float = 120.0, limit: int = 500) -> int:
    """Queue `sanitise_evidence` again for uploads pending longer than `older_than` seconds.

    The outbox drain for photos (a beat job): a task message lost with Redis, or a worker killed
    mid-photo whose message was not redelivered, leaves the evidence pending; this picks it up.
    Sanitising is idempotent, so a second message for a photo in progress costs one no-op.
    Returns the number of uploads queued.
    """
    cutoff = timezone.now() - timedelta(seconds=older_than)
    ids = list(
        Evidence.objects.filter(status=Evidence.Status.PENDING, uploaded_at__lt=cutoff)
        .order_by("uploaded_at")
        .values_list("pk", flat=True)[:limit]
    )
    for evidence_id in ids:
        _queue(evidence_id)
    return len(ids)


def _store_clean(evidence: Evidence) -> None:
    """Fill evidence.file and status (ready), or status rejected with the reason."""
    try:
        with evidence.upload.open("rb") as raw:
            data = images.reencode(raw)
    except (*images.DECODE_ERRORS, *images.BOMB_ERRORS) as error:
        log.warning("evidence %s rejected: %r", evidence.pk, error)
        evidence.status, evidence.rejection = Evidence.Status.REJECTED, UNREADABLE
        return
    evidence.file.save(f"{uuid.uuid4().hex}.jpg", ContentFile(data), save=False)
    evidence.status, evidence.content_type = Evidence.Status.READY, "image/jpeg"


def _create(evidence: Evidence, then: Callable[[Evidence], object] | None) -> None:
    """Insert the row (and run `then`) atomically; on failure delete the stored raw file."""
    try:
        with transaction.atomic():
            evidence.save()
            if then is not None:
                then(evidence)
            enqueue_on_commit(_sanitise_task(), evidence_id=evidence.pk)  # requeue_pending_evidence
    except BaseException:
        if evidence.upload.name:
            default_storage.delete(evidence.upload.name)
        raise


def _queue(evidence_id: int) -> None:
    send_or_leave_to_sweep(_sanitise_task(), evidence_id=evidence_id)  # requeue_pending_evidence


def _sanitise_task() -> Task:
    from observers import tasks  # tasks import services; import here to avoid a cycle

    return tasks.sanitise_evidence


def _not_allowed(name: str) -> EvidenceRefused:
    if name.lower().endswith(IMAGE_EXTENSIONS):
        return _disguised()
    return EvidenceRefused(_("Only JPEG, PNG, HEIC or WebP photos are accepted."))


def _disguised() -> EvidenceRefused:
    return EvidenceRefused(_("This file is not a JPEG, PNG, HEIC or WebP image, although its name says so."))


def _verify(upload: UploadedFile, format_: str) -> None:
    """Let Pillow read the header and check the structure; refuse bombs and disguised files."""
    try:
        images.verify(upload, format_)
    except images.BOMB_ERRORS as error:
        raise _too_many_pixels() from error
    except images.DECODE_ERRORS as error:
        raise _disguised() from error


def _too_many_pixels() -> EvidenceRefused:
    limit = images.MAX_PIXELS // 1_000_000
    return EvidenceRefused(
        _("The image has too many pixels: at most %(limit)d megapixels.") % {"limit": limit}
    )


def sha256_of(upload: UploadedFile) -> str:
    """SHA-256 (hex) of the uploaded bytes, read in chunks from the start."""
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return digest.hexdigest()
