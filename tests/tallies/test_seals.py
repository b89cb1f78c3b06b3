"""Copy seals: each copy's digest in the audit chain, so an edit behind the triggers is named."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from observers.models import AuditEntry
from observers.services import audit
from tallies import services
from tallies.models import CopySeal, ProtocolCopy
from tallies.services import seals
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY
from tests.tamper import behind_the_triggers

pytestmark = pytest.mark.django_db


def submit(observer, contest, station, **changes) -> ProtocolCopy:
    return services.submit_protocol_copy(
        observer=observer,
        contest=contest,
        station=station,
        lines=LINES_PEC_91_COPY,
        options={**OPTIONS_PEC_91_COPY, **changes},
        client_uuid=uuid.uuid4(),
        channel=ProtocolCopy.Channel.API,
    ).copy


def test_it_writes_each_copys_digest_into_its_organisations_chain_once(
    observer, other_observer, contest, station, other_station
):
    mine = [submit(observer, contest, station), submit(observer, contest, other_station)]
    theirs = submit(other_observer, contest, station)

    assert seals.seal_copies() == 3
    assert seals.seal_copies() == 0

    entry = AuditEntry.objects.get(organization=observer.organization, action=seals.ACTION)
    assert entry.after == {"copies": {str(c.pk): seals.digest(c) for c in mine}}
    assert CopySeal.objects.get(copy=theirs).entry.organization == other_observer.organization
    assert audit.verify_chain(observer.organization).ok
    assert seals.verify_seals(observer.organization) == []


def test_the_digest_covers_the_figures(observer, contest, station, other_station):
    one, two = submit(observer, contest, station), submit(observer, contest, other_station, p6_UR=446)

    assert seals.copy_fields(one)["options"]["p6_UR"] == 445
    assert seals.digest(one) != seals.digest(two)


def test_a_figure_altered_behind_the_triggers_is_named(observer, contest, station, other_station):
    kept, altered = submit(observer, contest, station), submit(observer, contest, other_station)
    seals.seal_copies()
    sequence = AuditEntry.objects.get(action=seals.ACTION).sequence

    behind_the_triggers(
        "tallies_protocolcopy",  # the copy's last figure is an option's: 100 votes more
        "UPDATE tallies_protocolcopy SET figure_values[cardinality(figure_values)] ="
        " figure_values[cardinality(figure_values)] + 100 WHERE id = %s",
        [altered.pk],
    )

    assert audit.verify_chain(observer.organization).ok  # the chain itself is intact
    problems = seals.verify_seals(observer.organization)
    assert [(p.copy_id, p.sequence) for p in problems] == [(altered.pk, sequence)]
    assert str(other_station.number) in problems[0].reason and kept.pk != altered.pk


def test_the_command_names_the_altered_copy_and_fails(observer, contest, station, capsys):
    copy = submit(observer, contest, station)
    seals.seal_copies()
    behind_the_triggers(
        "tallies_protocolcopy", "UPDATE tallies_protocolcopy SET note = 'x' WHERE id = %s", [copy.pk]
    )

    with pytest.raises(CommandError):
        call_command("verify_audit_chain", "--organization", observer.organization.slug)

    assert f"SEAL BROKEN: copy {copy.pk} (sealed in audit entry 1)" in capsys.readouterr().out


# The digest that the code before migration 0040 (figures as CopyFigure rows, read with
# figures_from_rows) computed for a copy with these fields and the PEC 91 copy's figures: run
# on main at 72e7080 with the copy and its rows built in memory (no database).
SEALED_BEFORE_THE_ARRAYS = "1b2503276dfbc698fa20a61b285722548ff15842dec5dc69f0ba5681ab4305d0"
SEALED_FIELDS = {
    "pk": 4242,
    "client_uuid": uuid.UUID("3f0c2a8e-1d5b-4c7a-9e6f-0a1b2c3d4e5f"),
    "organization_id": 7,
    "observer_id": 11,
    "contest_id": 13,
    "station_id": 17,
    "channel": "api",
    "revises_id": None,
    "entered_by_id": 19,
    "note": "Seal test",
    "submitted_at": datetime.datetime(2026, 12, 7, 20, 15, 30, 123456, tzinfo=datetime.UTC),
}


def test_a_seal_made_while_figures_were_rows_still_verifies_on_the_array(observer, contest, station):
    stored = ProtocolCopy.objects.get(pk=submit(observer, contest, station).pk)  # figures read back
    for name, value in SEALED_FIELDS.items():
        setattr(stored, name, value)  # in memory only: the fields the old digest was made with

    assert stored.figure_values is not None and len(stored.figure_values) == len(LINES_PEC_91_COPY) + len(
        OPTIONS_PEC_91_COPY
    )
    assert seals.digest(stored) == SEALED_BEFORE_THE_ARRAYS
