"""The audit log: an organisation's append-only, hash-chained record of who did what.

Every app writes to it (desk decisions, roster and membership changes, copy seals): it belongs
to the organisation, so it lives here, below tallies (elections ← observers ← tallies). The
chain's rules are in observers/services/audit.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from observers.models.mandates import APPEND_ONLY
from observers.models.organizations import Organization


class AuditEntry(models.Model):
    """One action (a desk decision, a membership, a roster change, ...) in an organisation's log.

    `entry_hash` = SHA-256 of (`prev_hash` ‖ the canonical JSON of this entry's fields); the first
    entry's `prev_hash` is 64 zeros. `sequence` numbers an organisation's entries from 1.
    """

    organization = models.ForeignKey(Organization, models.PROTECT, related_name="audit_entries")
    sequence = models.PositiveBigIntegerField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        db_table = "tallies_auditentry"  # created by tallies; moved here without touching the table
        ordering = ["organization", "sequence"]
        triggers = APPEND_ONLY
        constraints = [
            models.UniqueConstraint(fields=["organization", "sequence"], name="one_audit_entry_per_sequence"),
        ]
