"""Copy seals: each copy's digest in the audit chain, so an edit behind the triggers is named."""

from __future__ import annotations

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
        "tallies_copyfigure",
        "UPDATE tallies_copyfigure SET value = value + 100 WHERE copy_id = %s AND option_id IS NOT NULL",
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
