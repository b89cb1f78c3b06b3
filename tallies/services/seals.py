"""Sealing observer copies into the audit hash chain, and checking the seals.

`seal_copies` (a Celery beat job, every minute) takes copies not yet sealed, computes each one's
digest — SHA-256 of the canonical JSON of `copy_fields` — and appends one audit entry per
organisation and batch, action ``protocol_copies.sealed``, whose ``after`` is
``{"copies": {"<copy id>": "<sha256 hex>", ...}}``. The submission path is untouched (no chain
lock per copy); a copy is sealed within about a minute of its commit.

`verify_seals` recomputes every sealed copy's digest from the rows as they are now and names each
copy that no longer matches the digest its chained entry holds: an edit made behind the
append-only triggers' back, which `audit.verify_chain` alone cannot see.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from observers.models import AuditEntry, Organization
from observers.services import audit
from tallies.models import WITH_FIGURES, CopySeal, ProtocolCopy

ACTION = "protocol_copies.sealed"
BATCH = 1000  # copies per audit entry


@dataclass(frozen=True)
class SealProblem:
    """A sealed copy that no longer matches its seal; `sequence` is the sealing entry's."""

    copy_id: int
    sequence: int
    reason: str

    def __str__(self) -> str:
        return f"copy {self.copy_id} (sealed in audit entry {self.sequence}): {self.reason}"


def copy_fields(copy: ProtocolCopy) -> dict[str, Any]:
    """What a seal covers: the copy's own fields and its figures ({code: votes}), JSON-ready.

    Reads `copy.figures()`: prefetch its layout's slots (`_with_figures`). The figures are the
    codes and counts the copy gives, whatever its storage (rows until migration 0040, an array
    since), so a seal made before still verifies.
    """
    figures = copy.figures()
    return {
        "id": copy.pk,
        "client_uuid": str(copy.client_uuid),
        "organization": copy.organization_id,
        "observer": copy.observer_id,
        "contest": copy.contest_id,
        "station": copy.station_id,
        "channel": copy.channel,
        "revises": copy.revises_id,
        "entered_by": copy.entered_by_id,
        "note": copy.note,
        "submitted_at": audit.utc_iso(copy.submitted_at),
        "lines": dict(figures.lines),
        "options": dict(figures.options),
    }


def digest(copy: ProtocolCopy) -> str:
    """SHA-256 (hex) of the canonical JSON of `copy_fields(copy)`."""
    return hashlib.sha256(audit.canonical_json(copy_fields(copy)).encode("utf-8")).hexdigest()


def seal_copies(*, limit: int = 20 * BATCH) -> int:
    """Seal up to `limit` unsealed copies, oldest first; return how many were sealed."""
    sealed = 0
    organization_ids = (
        ProtocolCopy.objects.filter(seal__isnull=True).values_list("organization", flat=True).distinct()
    )
    for organization in Organization.objects.filter(pk__in=list(organization_ids)).order_by("pk"):
        while sealed < limit and (count := _seal_batch(organization, min(BATCH, limit - sealed))):
            sealed += count
    return sealed


def _seal_batch(organization: Organization, size: int) -> int:
    """Seal one batch of the organisation's copies in one transaction; return its size."""
    with transaction.atomic():
        audit.lock_chain(organization)  # two sealers never seal the same copy twice
        copies = list(
            _with_figures(ProtocolCopy.objects.filter(organization=organization, seal__isnull=True)).order_by(
                "pk"
            )[:size]
        )
        if not copies:
            return 0
        entry = audit.record(
            organization=organization,
            actor=None,
            action=ACTION,
            obj=organization,
            before={},
            after={"copies": {str(copy.pk): digest(copy) for copy in copies}},
        )
        CopySeal.objects.bulk_create([CopySeal(copy=copy, entry=entry) for copy in copies])
    return len(copies)


def verify_seals(organization: Organization) -> list[SealProblem]:
    """Check every sealed copy of the organisation against its chained digest; list the mismatches.

    Trusts the entries' `after` only as far as `audit.verify_chain` does: run that first.
    """
    problems: list[SealProblem] = []
    for sequence, sealed in _sealed_digests(organization):
        found = {c.pk: c for c in _with_figures(ProtocolCopy.objects.filter(pk__in=list(sealed)))}
        for copy_id, expected in sealed.items():
            copy = found.get(copy_id)
            if copy is None:
                problems.append(SealProblem(copy_id, sequence, "the copy is missing"))
            elif digest(copy) != expected:
                station = copy.station.number
                reason = f"its fields or figures changed (station {station}, client_uuid {copy.client_uuid})"
                problems.append(SealProblem(copy_id, sequence, reason))
    return problems


def _sealed_digests(organization: Organization) -> Iterator[tuple[int, dict[int, str]]]:
    entries = AuditEntry.objects.filter(organization=organization, action=ACTION).order_by("sequence")
    for entry in entries.iterator(chunk_size=20):
        yield entry.sequence, {int(k): v for k, v in entry.after.get("copies", {}).items()}


def _with_figures(copies: QuerySet[ProtocolCopy]) -> QuerySet[ProtocolCopy]:
    return copies.select_related("station").prefetch_related(WITH_FIGURES)
