"""Copies that reach the desk by other roads: phoned in by a coordinator, or typed blind from a photo."""

from __future__ import annotations

import importlib
import uuid
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from observers.models import AuditEntry, Mandate
from tallies import services
from tallies.errors import FieldError, NotAssignedError
from tallies.models import LineVerification, ProtocolCopy, StationTallyState
from tallies.selectors import desk as selectors
from tallies.services import desk
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY
from tests.tallies.support import assert_equals_recompute, blind, root_tally, submit_web_copy, with_photo

pytestmark = pytest.mark.django_db


def entries(action):
    return list(AuditEntry.objects.filter(action=action))


def test_it_stores_a_phone_in_as_the_observers_copy_entered_by_the_coordinator(
    observer, coordinator, contest, station, organization, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted = desk.phone_in(
            observer=observer, contest=contest, station=station, lines=LINES_PEC_91_COPY,
            options=OPTIONS_PEC_91_COPY, client_uuid=uuid.uuid4(), by=coordinator, note="called at 21:40",
        )  # fmt: skip

    copy = submitted.copy
    assert (copy.channel, copy.observer, copy.entered_by) == ("phone", observer, coordinator)
    assert root_tally(contest, organization).option_totals["p6_UR"] == 445
    entry = entries("protocol_copy.phoned_in")[0]
    assert (entry.object_id, entry.after["options"]["p6_UR"], entry.reason) == (
        str(copy.pk),
        445,
        "called at 21:40",
    )


def test_it_writes_one_audit_entry_for_a_phone_in_sent_twice(observer, coordinator, contest, station):
    key = uuid.uuid4()
    kwargs = {"observer": observer, "contest": contest, "station": station, "lines": LINES_PEC_91_COPY}
    first = desk.phone_in(**kwargs, options=OPTIONS_PEC_91_COPY, client_uuid=key, by=coordinator)
    again = desk.phone_in(**kwargs, options=OPTIONS_PEC_91_COPY, client_uuid=key, by=coordinator)

    assert (first.created, again.created, again.copy) == (True, False, first.copy)
    assert len(entries("protocol_copy.phoned_in")) == 1


def test_it_refuses_a_phone_in_for_an_observer_without_a_live_mandate(
    observer, coordinator, contest, station
):
    Mandate.objects.filter(observer=observer).update(status=Mandate.Status.WITHDRAWN)

    with pytest.raises(NotAssignedError):
        desk.phone_in(
            observer=observer, contest=contest, station=station, lines=LINES_PEC_91_COPY,
            options=OPTIONS_PEC_91_COPY, client_uuid=uuid.uuid4(), by=coordinator,
        )  # fmt: skip


def test_it_stores_a_blind_entry_as_a_transcription_of_the_same_station(copy, dave):
    entry = blind(with_photo(copy), dave)

    assert (entry.channel, entry.entered_by, entry.observer, entry.station) == (
        "transcription",
        dave,
        copy.observer,
        copy.station,
    )
    assert (entry.transcribes, entry.note, desk.blind_entry_of(copy)) == (copy, "", entry)
    assert entries("protocol_copy.blind_entry")[0].after["transcription"] == entry.pk


def test_it_links_the_blind_entries_stored_before_the_relation_by_their_note(
    copy, observer, contest, station, other_station, dave
):
    other = submit_web_copy(observer, contest, other_station)

    def typed(note, at=station):
        return services.submit_protocol_copy(
            observer=observer, contest=contest, station=at, lines=LINES_PEC_91_COPY,
            options=OPTIONS_PEC_91_COPY, client_uuid=uuid.uuid4(), channel="transcription",
            entered_by=dave, note=note,
        ).copy  # fmt: skip

    old = typed(f"blind entry of copy {copy.pk}")
    elsewhere = typed(f"blind entry of copy {other.pk}")  # the rule wants the same station
    unrelated = typed(f"blind entry of copy {copy.pk}0")
    migration = importlib.import_module("tallies.migrations.0018_protocolcopy_transcribes")

    migration.link_blind_entries(apps, SimpleNamespace(connection=connection))

    links = dict(ProtocolCopy.objects.filter(channel="transcription").values_list("pk", "transcribes"))
    assert links == {old.pk: copy.pk, elsewhere.pk: None, unrelated.pk: None}
    assert desk.blind_entry_of(copy) == old and desk.blind_entry_of(other) is None


def test_it_refuses_a_blind_entry_without_a_photo_by_its_own_enterer_or_twice(
    observer, coordinator, dave, contest, station
):
    phoned = desk.phone_in(
        observer=observer, contest=contest, station=station, lines=LINES_PEC_91_COPY,
        options=OPTIONS_PEC_91_COPY, client_uuid=uuid.uuid4(), by=coordinator,
    ).copy  # fmt: skip
    with pytest.raises(FieldError, match="photo"):
        blind(phoned, dave)
    with_photo(phoned)
    with pytest.raises(FieldError, match="another coordinator"):
        blind(phoned, coordinator)
    blind(phoned, dave)
    with pytest.raises(FieldError, match="already"):
        blind(phoned, dave)


def test_it_lists_exactly_the_lines_where_the_blind_entry_differs(copy, dave):
    typed_lines = {**LINES_PEC_91_COPY, "ballots_valid": 1384}
    entry = blind(with_photo(copy), dave, {**OPTIONS_PEC_91_COPY, "p6_UR": 446, "p1_SR": 139}, typed_lines)

    diff = selectors.blind_diff(copy, entry)

    assert [(row.code, row.copy_value, row.entry_value) for row in diff] == [
        ("lines.ballots_valid", 1348, 1384),
        ("options.p1_SR", 193, 139),
        ("options.p6_UR", 445, 446),
    ]


def test_it_puts_a_station_in_conflict_when_the_blind_entry_differs_until_resolved(
    copy, dave, organization, contest, station, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entry = blind(with_photo(copy), dave, {**OPTIONS_PEC_91_COPY, "p6_UR": 446})
    assert StationTallyState.objects.get(station=station).conflicts == ["options.p6_UR"]

    with django_capture_on_commit_callbacks(execute=True):
        desk.resolve_conflict(
            organization=organization, station=station, contest=contest, code="options.p6_UR",
            chosen_copy=entry, reason="the photo shows 446", by=dave,
        )  # fmt: skip

    assert root_tally(contest, organization).option_totals["p6_UR"] == 446
    assert selectors.blind_diff(copy, entry)[0].resolved == 446
    assert_equals_recompute(contest, organization)


def test_it_confirms_a_matching_blind_entry_by_verifying_every_figure(copy, dave):
    blind(with_photo(copy), dave)

    rows = desk.confirm_blind_entry(copy=copy, by=dave)

    assert (
        len(rows)
        == len(copy.figure_refs())
        == LineVerification.objects.filter(copy=copy, method="photo").count()
    )
    assert entries("protocol_copy.blind_entry_confirmed")[0].after["verified"] is True


def test_it_refuses_to_confirm_a_blind_entry_that_differs(copy, dave):
    blind(with_photo(copy), dave, {**OPTIONS_PEC_91_COPY, "p6_UR": 446})

    with pytest.raises(FieldError, match="differs"):
        desk.confirm_blind_entry(copy=copy, by=dave)
