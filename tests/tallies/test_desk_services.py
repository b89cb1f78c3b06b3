"""The desk's decisions: quarantine, release, resolve, verify, phone-in, blind entry.

Each moves the tally as the accepted figures say, never changes a stored copy, and leaves an
audit entry with before → after and the reason.
"""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied

from observers.models import AuditEntry
from observers.services import audit
from tallies.errors import FieldError
from tallies.models import ConflictResolution, StationTallyState
from tallies.services import desk
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY
from tests.tallies.support import (
    assert_equals_recompute,
    blind,
    raw_rows,
    root_tally,
    submit_web_copy,
    unchanged_since,
    with_photo,
)

pytestmark = pytest.mark.django_db

DISPUTED = {**OPTIONS_PEC_91_COPY, "p6_UR": 545}


@pytest.fixture
def conflict(copy, bob, contest, station, django_capture_on_commit_callbacks):
    """Alice's copy says 445 for United Russia, Bob's 545: the station is in conflict."""
    with django_capture_on_commit_callbacks(execute=True):
        return copy, submit_web_copy(bob, contest, station, DISPUTED)


def entries(action):
    return list(AuditEntry.objects.filter(action=action))


def test_it_takes_a_quarantined_copy_out_of_the_tally_and_puts_it_back_on_release(
    copy, coordinator, contest, organization, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        held = desk.quarantine(copy=copy, scope="all", reason="photo unreadable", by=coordinator)
    quarantined = root_tally(contest, organization)
    assert_equals_recompute(contest, organization)
    with django_capture_on_commit_callbacks(execute=True):
        desk.release(quarantine=held, reason="observer resent a clear photo", by=coordinator)

    assert (quarantined.stations_count, quarantined.option_totals) == (0, {})
    released = root_tally(contest, organization)
    assert (released.stations_count, released.option_totals["p6_UR"]) == (1, 445)
    assert_equals_recompute(contest, organization)


def test_it_audits_a_quarantine_and_its_release_with_before_after_and_reason(copy, coordinator):
    held = desk.quarantine(copy=copy, scope="results", reason="photo unreadable", by=coordinator)
    desk.release(quarantine=held, reason="clear photo", by=coordinator)

    quarantined, released = entries("protocol_copy.quarantined")[0], entries("protocol_copy.released")[0]
    assert (quarantined.before, quarantined.after) == (
        {"quarantine": None},
        {"quarantine": held.pk, "scope": "results"},
    )
    assert (quarantined.reason, quarantined.actor, quarantined.object_id) == (
        "photo unreadable",
        coordinator,
        str(copy.pk),
    )
    assert (released.before, released.after, released.reason) == (
        {"quarantine": held.pk, "scope": "results"},
        {"quarantine": None},
        "clear photo",
    )


def test_it_refuses_a_quarantine_without_a_reason_or_twice(copy, coordinator):
    with pytest.raises(FieldError) as blank:
        desk.quarantine(copy=copy, scope="all", reason="  ", by=coordinator)
    desk.quarantine(copy=copy, scope="all", reason="doubtful", by=coordinator)
    with pytest.raises(FieldError) as twice:
        desk.quarantine(copy=copy, scope="all", reason="again", by=coordinator)

    assert (blank.value.field, twice.value.field) == ("reason", "copy")


def test_it_refuses_to_release_a_quarantine_twice(copy, coordinator):
    held = desk.quarantine(copy=copy, scope="all", reason="doubtful", by=coordinator)
    desk.release(quarantine=held, reason="fine", by=coordinator)

    with pytest.raises(FieldError):
        desk.release(quarantine=held, reason="again", by=coordinator)


def test_it_counts_a_station_in_conflict_once_the_coordinator_resolves_it(
    conflict, coordinator, organization, contest, station, django_capture_on_commit_callbacks
):
    first, _second = conflict
    assert StationTallyState.objects.get(station=station).conflicts == ["options.p6_UR"]
    assert root_tally(contest, organization).stations_count == 0

    with django_capture_on_commit_callbacks(execute=True):
        desk.resolve_conflict(
            organization=organization, station=station, contest=contest, code="options.p6_UR",
            chosen_copy=first, reason="the photo shows 445", by=coordinator,
        )  # fmt: skip

    tally = root_tally(contest, organization)
    assert (tally.stations_count, tally.option_totals["p6_UR"]) == (1, 445)
    assert StationTallyState.objects.get(station=station).conflicts == []
    assert_equals_recompute(contest, organization)


def test_it_takes_a_typed_value_and_a_later_resolution_wins(
    conflict, coordinator, organization, contest, station, django_capture_on_commit_callbacks
):
    kwargs = {"organization": organization, "station": station, "contest": contest, "code": "options.p6_UR"}
    with django_capture_on_commit_callbacks(execute=True):
        desk.resolve_conflict(**kwargs, value=500, reason="recount", by=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        desk.resolve_conflict(**kwargs, value=545, reason="second recount", by=coordinator)

    assert root_tally(contest, organization).option_totals["p6_UR"] == 545
    assert_equals_recompute(contest, organization)


def test_it_audits_a_resolution_with_each_copys_value(conflict, coordinator, organization, contest, station):
    first, second = conflict
    desk.resolve_conflict(
        organization=organization, station=station, contest=contest, code="options.p6_UR",
        value=445, reason="photo", by=coordinator,
    )  # fmt: skip

    entry = entries("station.conflict_resolved")[0]
    assert entry.before == {
        "contest": contest.pk,
        "code": "options.p6_UR",
        "copies": {str(first.pk): 445, str(second.pk): 545},
    }
    assert entry.after == {"contest": contest.pk, "code": "options.p6_UR", "value": 445, "chosen_copy": None}
    assert (entry.object_type, entry.object_id, entry.reason) == (
        "elections.pollingstation",
        str(station.pk),
        "photo",
    )


def test_it_refuses_to_resolve_a_line_the_copies_agree_on(
    conflict, coordinator, organization, contest, station
):
    with pytest.raises(FieldError) as refused:
        desk.resolve_conflict(
            organization=organization, station=station, contest=contest, code="options.p4_KPRF",
            value=1, reason="why not", by=coordinator,
        )  # fmt: skip

    assert refused.value.field == "code"
    assert not ConflictResolution.objects.exists()


def test_it_refuses_a_value_that_is_not_on_the_chosen_copy(
    conflict, coordinator, organization, contest, station
):
    with pytest.raises(FieldError) as refused:
        desk.resolve_conflict(
            organization=organization, station=station, contest=contest, code="options.p6_UR",
            value=1, chosen_copy=conflict[0], reason="typo", by=coordinator,
        )  # fmt: skip

    assert refused.value.field == "value"


def test_it_verifies_a_line_without_changing_the_tally(copy, coordinator, contest, organization):
    tally = root_tally(contest, organization).figures()

    verification = desk.verify_line(
        copy=copy, code="options.p6_UR", method="callback", note="Alice confirmed", by=coordinator
    )

    assert (verification.option.code, verification.method, verification.verified_by) == (
        "p6_UR",
        "callback",
        coordinator,
    )
    entry = entries("protocol_copy.line_verified")[0]
    assert entry.before == {"code": "options.p6_UR", "value": 445, "verified": False}
    assert entry.after["verified"] is True and entry.reason == "Alice confirmed"
    assert root_tally(contest, organization).figures() == tally


def test_it_refuses_to_verify_an_unknown_line(copy, coordinator):
    with pytest.raises(FieldError) as refused:
        desk.verify_line(copy=copy, code="lines.no_such_line", method="photo", by=coordinator)

    assert refused.value.field == "code"


def test_it_never_changes_a_stored_copy_whatever_the_desk_does(
    conflict, coordinator, dave, organization, contest, station, django_capture_on_commit_callbacks
):
    first, second = conflict
    with_photo(first)
    before = raw_rows()
    with django_capture_on_commit_callbacks(execute=True):
        held = desk.quarantine(copy=second, scope="all", reason="doubtful", by=coordinator)
        desk.release(quarantine=held, reason="fine", by=coordinator)
        desk.verify_line(copy=first, code="lines.ballots_valid", method="photo", by=coordinator)
        desk.resolve_conflict(
            organization=organization, station=station, contest=contest, code="options.p6_UR",
            value=445, reason="photo", by=coordinator,
        )  # fmt: skip
        desk.blind_entry(
            copy=first,
            lines=LINES_PEC_91_COPY,
            options=OPTIONS_PEC_91_COPY,
            client_uuid=uuid.uuid4(),
            by=dave,
        )
        desk.confirm_blind_entry(copy=first, by=dave)

    assert unchanged_since(before)


def test_it_lets_only_the_organisations_coordinators_act(
    copy, observer, olga, organization, contest, station
):
    attempts = [
        lambda user: desk.quarantine(copy=copy, scope="all", reason="x", by=user),
        lambda user: desk.verify_line(copy=copy, code="options.p6_UR", method="photo", by=user),
        lambda user: desk.resolve_conflict(
            organization=organization,
            station=station,
            contest=contest,
            code="options.p6_UR",
            value=1,
            reason="x",
            by=user,
        ),
        lambda user: blind(with_photo(copy), user),
    ]
    for attempt in attempts:
        for user in (olga, observer.user):
            with pytest.raises(PermissionDenied):
                attempt(user)

    assert not AuditEntry.objects.exists()


def test_it_keeps_a_territory_coordinator_to_the_territory(copy, tina, observer, contest, other_station):
    with pytest.raises(PermissionDenied):
        desk.quarantine(copy=copy, scope="all", reason="outside", by=tina)

    inside = submit_web_copy(observer, contest, other_station)
    assert desk.quarantine(copy=inside, scope="all", reason="inside", by=tina).copy == inside


def test_it_chains_every_desk_action_into_a_verifiable_log(
    conflict, coordinator, organization, contest, station
):
    first, second = conflict
    held = desk.quarantine(copy=second, scope="all", reason="doubtful", by=coordinator)
    desk.release(quarantine=held, reason="fine", by=coordinator)
    desk.verify_line(copy=first, code="options.p6_UR", method="photo", by=coordinator)
    desk.resolve_conflict(
        organization=organization, station=station, contest=contest, code="options.p6_UR",
        value=445, reason="photo", by=coordinator,
    )  # fmt: skip

    result = audit.verify_chain(organization)
    assert (result.ok, result.entries) == (True, 4)
    assert list(AuditEntry.objects.values_list("sequence", flat=True)) == [1, 2, 3, 4]
