"""The audit log: a SHA-256 hash chain per organisation that names the first row altered behind it."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from observers.models import AuditEntry
from observers.services import audit
from tests.tamper import behind_the_triggers

pytestmark = pytest.mark.django_db


def log(organization, actor, n=3):
    """Append `n` entries about the organisation itself and return them."""
    return [
        audit.record(
            organization=organization,
            actor=actor,
            action="protocol_copy.quarantined",
            obj=organization,
            before={"quarantine": None},
            after={"quarantine": i, "scope": "all", "note": "фото нечитаемо"},
            reason=f"reason {i}",
        )
        for i in range(1, n + 1)
    ]


def test_it_numbers_entries_and_links_each_to_the_previous_hash(organization, coordinator):
    first, second, third = log(organization, coordinator)

    assert [e.sequence for e in (first, second, third)] == [1, 2, 3]
    assert (first.prev_hash, second.prev_hash, third.prev_hash) == (
        "0" * 64,
        first.entry_hash,
        second.entry_hash,
    )


def test_it_hashes_the_previous_hash_and_the_canonical_json_of_the_fields(organization, coordinator):
    entry = AuditEntry.objects.get(pk=log(organization, coordinator, 1)[0].pk)

    # Written out by hand, independently of audit.hashed_fields: sorted keys, no spaces, UTF-8.
    actor, org, when = coordinator.pk, organization.pk, entry.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    text = (
        f'{{"action":"protocol_copy.quarantined","actor":{actor},'
        '"after":{"note":"фото нечитаемо","quarantine":1,"scope":"all"},'
        f'"before":{{"quarantine":null}},"created_at":"{when}","object_id":"{org}",'
        f'"object_type":"observers.organization","organization":{org},"reason":"reason 1","sequence":1}}'
    )
    assert json.loads(text)  # the hand-written text is JSON
    assert entry.entry_hash == hashlib.sha256(("0" * 64 + text).encode()).hexdigest()


def test_it_verifies_an_untouched_chain(organization, coordinator):
    log(organization, coordinator)

    assert audit.verify_chain(organization) == audit.VerifyResult(True, 3)


def test_it_keeps_one_chain_per_organisation(organization, other_organization, coordinator):
    log(organization, coordinator, 2)
    other = log(other_organization, None, 1)[0]

    assert (other.sequence, other.prev_hash) == (1, "0" * 64)
    assert audit.verify_chain(organization).ok and audit.verify_chain(other_organization).ok


def test_it_refuses_floats(organization, coordinator):
    with pytest.raises(TypeError):
        audit.record(
            organization=organization, actor=coordinator, action="x.y", obj=organization,
            before={}, after={"share": 0.5}, reason="",
        )  # fmt: skip


def test_it_stores_integer_keys_as_the_strings_it_hashed(organization, coordinator):
    entry = audit.record(
        organization=organization, actor=coordinator, action="x.y", obj=organization,
        before={10: 1, 9: 2}, after={}, reason="",
    )  # fmt: skip

    assert AuditEntry.objects.get(pk=entry.pk).before == {"10": 1, "9": 2}
    assert audit.verify_chain(organization).ok


def test_the_table_refuses_updates_and_deletes(organization, coordinator):
    entry = log(organization, coordinator, 1)[0]

    for statement in (
        "UPDATE tallies_auditentry SET reason = 'x' WHERE id = %s",
        "DELETE FROM tallies_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])


def test_it_names_the_entry_altered_by_raw_sql(organization, coordinator):
    entries = log(organization, coordinator, 5)

    behind_the_triggers(
        "tallies_auditentry",
        "UPDATE tallies_auditentry SET reason = 'nothing to see' WHERE id = %s",
        [entries[2].pk],
    )

    result = audit.verify_chain(organization)
    assert (result.ok, result.first_broken_sequence, result.entries) == (False, 3, 2)
    assert "hash" in result.reason


def test_it_names_an_entry_whose_after_was_altered(organization, coordinator):
    entries = log(organization, coordinator, 4)

    behind_the_triggers(
        "tallies_auditentry",
        """UPDATE tallies_auditentry SET after = '{"quarantine": 2, "scope": "results"}' WHERE id = %s""",
        [entries[1].pk],
    )

    assert audit.verify_chain(organization).first_broken_sequence == 2


def test_it_names_a_deleted_entry(organization, coordinator):
    entries = log(organization, coordinator, 4)

    behind_the_triggers("tallies_auditentry", "DELETE FROM tallies_auditentry WHERE id = %s", [entries[1].pk])

    result = audit.verify_chain(organization)
    assert (result.ok, result.first_broken_sequence) == (False, 2)


def test_it_notices_a_rewritten_entry_even_with_a_fresh_hash(organization, coordinator):
    entries = log(organization, coordinator, 3)
    forged = AuditEntry.objects.get(pk=entries[1].pk)
    forged.reason = "forged"
    forged.entry_hash = audit.compute_hash(forged.prev_hash, forged)

    behind_the_triggers(
        "tallies_auditentry",
        "UPDATE tallies_auditentry SET reason = %s, entry_hash = %s WHERE id = %s",
        [forged.reason, forged.entry_hash, forged.pk],
    )

    assert audit.verify_chain(organization).first_broken_sequence == 3  # its successor no longer links


def test_the_command_prints_ok_and_the_head(organization, coordinator, capsys):
    last = log(organization, coordinator, 2)[-1]

    call_command("verify_audit_chain", "--organization", organization.slug)

    assert f"{organization.slug}: ok, 2 entries, head 2 {last.entry_hash}" in capsys.readouterr().out


def test_the_command_fails_and_names_the_broken_sequence(
    organization, other_organization, coordinator, capsys
):
    entries = log(organization, coordinator, 3)
    behind_the_triggers(
        "tallies_auditentry", "UPDATE tallies_auditentry SET action = 'x.y' WHERE id = %s", [entries[0].pk]
    )

    with pytest.raises(CommandError):
        call_command("verify_audit_chain")

    out = capsys.readouterr().out
    assert f"{organization.slug}: BROKEN at sequence 1" in out and f"{other_organization.slug}: ok" in out
