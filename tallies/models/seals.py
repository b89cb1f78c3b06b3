"""Seals: each observer copy's digest, written into the organisation's audit hash chain.

Copies are append-only (triggers refuse UPDATE and DELETE), but whoever controls the database can
disable a trigger. A seal makes such an edit visible: a periodic job writes the SHA-256 of every
new copy (its fields and figures) into an audit entry of its organisation's hash chain, and
`CopySeal` records which entry sealed which copy, so the job seals each copy once.
"""

from __future__ import annotations

from django.db import models

from observers.models import AuditEntry
from tallies.models.copies import APPEND_ONLY, ProtocolCopy


class CopySeal(models.Model):
    """Marks `copy` as sealed by `entry` (whose `after["copies"]` holds the copy's digest)."""

    copy = models.OneToOneField(ProtocolCopy, models.PROTECT, primary_key=True, related_name="seal")
    entry = models.ForeignKey(AuditEntry, models.PROTECT, related_name="sealed_copies")

    class Meta:
        triggers = APPEND_ONLY

    def __str__(self) -> str:
        return f"seal of copy {self.copy_id} in audit entry {self.entry_id}"
