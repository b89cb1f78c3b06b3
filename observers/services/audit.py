"""The audit log: an append-only SHA-256 hash chain of review actions, one chain per organisation.

Each entry's `entry_hash` is SHA-256 of `prev_hash` followed by the canonical JSON of the entry's
fields (organisation id, sequence, actor id, action, object type and id, before, after, reason,
created_at in ISO 8601 UTC). The first entry of an organisation has 64 zeros as `prev_hash`.

Canonical JSON here is ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``
encoded as UTF-8: the subset of RFC 8785 (JCS) we need, because only strings, integers, booleans,
null, lists and objects with string keys are ever logged (no floats: `record` refuses them, as
JCS number formatting is where the two would differ). Appends are serialised per organisation
(an advisory transaction lock on PostgreSQL), so sequences never fork. The table itself refuses
UPDATE and DELETE (triggers); `verify_chain` recomputes every hash and names the first entry
that no longer matches, which is what an edit behind the triggers' back leaves behind.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from observers.access import AnyUser
from observers.models import AuditEntry, Organization

ZERO_HASH = "0" * 64
LOCK_NAMESPACE = 0x41554454  # "AUDT": the first key of pg_advisory_xact_lock(int, int)


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of a chain check: `first_broken_sequence` and `reason` are None when ok."""

    ok: bool
    entries: int
    first_broken_sequence: int | None = None
    reason: str | None = None


def canonical_json(value: Any) -> str:
    """Serialise `value` as canonical JSON (sorted keys, no spaces, UTF-8 text); refuse floats."""
    _refuse_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("audit entries hold no floats: log integers or strings (e.g. a Decimal as str)")
    if isinstance(value, dict):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)


def _as_stored(value: dict[str, Any]) -> dict[str, Any]:
    """`value` as it reads back from the JSON column (string keys, lists), so the hash matches."""
    return json.loads(canonical_json(value))


def utc_iso(moment: datetime) -> str:
    """Format an aware datetime as ISO 8601 in UTC with microseconds, e.g. 2011-12-04T20:00:00.000000Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    """The fields of `entry` covered by its hash, as a JSON-ready dict."""
    return {
        "organization": entry.organization_id,
        "sequence": entry.sequence,
        "actor": entry.actor_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
        "created_at": utc_iso(entry.created_at),
    }


def compute_hash(prev_hash: str, entry: AuditEntry) -> str:
    """SHA-256 (hex) of `prev_hash` followed by the canonical JSON of the entry's fields."""
    text = prev_hash + canonical_json(hashed_fields(entry))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@transaction.atomic
def record(
    *,
    organization: Organization,
    actor: AnyUser | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any],
    after: dict[str, Any],
    reason: str = "",
) -> AuditEntry:
    """Append an entry to the organisation's chain and return it; raise TypeError on a float.

    `action` is a dotted name ("protocol_copy.quarantined"); `obj` the row acted on. The chain
    stays locked until the caller's transaction ends, so call this last in a service.
    """
    lock_chain(organization)
    last = AuditEntry.objects.filter(organization=organization).order_by("-sequence").first()
    entry = AuditEntry(
        organization=organization,
        sequence=last.sequence + 1 if last else 1,
        actor_id=actor.pk if actor is not None else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=_as_stored(before),
        after=_as_stored(after),
        reason=reason,
        created_at=timezone.now(),
        prev_hash=last.entry_hash if last else ZERO_HASH,
    )
    entry.entry_hash = compute_hash(entry.prev_hash, entry)
    entry.save(force_insert=True)
    return entry


def lock_chain(organization: Organization) -> None:
    """Serialise appends to one organisation's chain until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, organization.pk])


def verify_chain(organization: Organization) -> VerifyResult:
    """Recompute the organisation's chain from its first entry; name the first entry that breaks it."""
    expected_sequence, prev_hash, count = 1, ZERO_HASH, 0
    entries = AuditEntry.objects.filter(organization=organization).order_by("sequence")
    for entry in entries.iterator(chunk_size=2000):
        problem = _problem(entry, expected_sequence, prev_hash)
        if problem:
            return VerifyResult(False, count, expected_sequence, problem)
        expected_sequence, prev_hash, count = entry.sequence + 1, entry.entry_hash, count + 1
    return VerifyResult(True, count)


def _problem(entry: AuditEntry, expected_sequence: int, prev_hash: str) -> str | None:
    if entry.sequence != expected_sequence:
        return f"entry {expected_sequence} is missing (next stored entry is {entry.sequence})"
    if entry.prev_hash != prev_hash:
        return "its prev_hash is not the previous entry's hash"
    if compute_hash(prev_hash, entry) != entry.entry_hash:
        return "its contents do not match its hash"
    return None


def chain_head(organization: Organization) -> tuple[int, str]:
    """The (sequence, entry_hash) of the organisation's newest entry; (0, 64 zeros) when empty."""
    last = AuditEntry.objects.filter(organization=organization).order_by("-sequence").first()
    return (last.sequence, last.entry_hash) if last else (0, ZERO_HASH)
