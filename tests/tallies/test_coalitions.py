"""Coalitions pool their copies: one count from several organisations' accepted figures.

Golos (Alice's copies, Carol coordinating) and Other observers (Oscar's copies) form a coalition
for the 2011 election. `reconciled` (tests/conftest.py): Golos copied stations 91
(differs from the official protocol) and 120 (matches); Other copied 92 (United Russia 777
against 490 officially).
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.urls import reverse

from elections.models import PollingStation
from observers.models import AuditEntry, Coalition, CoalitionMember, Evidence, Membership, Organization
from observers.services import organizations
from tallies.errors import FieldError
from tallies.models import CopyPhoto, OfficialSnapshot, ProtocolCopy
from tallies.selectors import pool as pool_reads
from tallies.services import coalitions
from tallies.services.analysis.pooled import pooled_seats
from tests.support import (
    LINES_PEC_91_OFFICIAL,
    OPTIONS_PEC_91_COPY,
    OPTIONS_PEC_91_OFFICIAL,
    OPTIONS_PEC_92,
    import_copy,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def coalition(contest, organization, other_organization, coordinator) -> Coalition:
    """Both organisations agreed to pool their copies for the election."""
    coalition = Coalition.objects.create(name="Pool", election=contest.election, created_by=organization)
    for member in (organization, other_organization):
        CoalitionMember.objects.create(
            coalition=coalition, organization=member, agreed_by=coordinator, agreed_at="2026-12-01T00:00Z"
        )
    return coalition


@pytest.fixture
def both_copied(
    coalition, contest, station, observer, other_observer, django_capture_on_commit_callbacks
) -> PollingStation:
    """Alice and Oscar both copied station 91; Oscar's copy gives United Russia 10 votes more."""
    with django_capture_on_commit_callbacks(execute=True):
        import_copy(observer, contest, station, OPTIONS_PEC_91_OFFICIAL, LINES_PEC_91_OFFICIAL)
        import_copy(
            other_observer,
            contest,
            station,
            {**OPTIONS_PEC_91_OFFICIAL, "p6_UR": 1125},
            LINES_PEC_91_OFFICIAL,
        )
    return station


def test_a_station_both_members_copied_alike_counts_once(
    coalition, contest, station, observer, other_observer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        import_copy(observer, contest, station, OPTIONS_PEC_91_OFFICIAL, LINES_PEC_91_OFFICIAL)
        import_copy(other_observer, contest, station, OPTIONS_PEC_91_OFFICIAL, LINES_PEC_91_OFFICIAL)

    pooled = pool_reads.pool(coalition, contest)

    assert list(pooled.counted()) == [station.pk]
    assert pooled.total().options == OPTIONS_PEC_91_OFFICIAL
    assert pooled.stations[station.pk].members == tuple(
        sorted([observer.organization_id, other_observer.organization_id])
    )


def test_members_disagreeing_make_a_coalition_conflict_kept_out_of_the_count(both_copied, coalition, contest):
    pooled = pool_reads.pool(coalition, contest)

    assert pooled.counted() == {}
    (waiting,) = pooled.in_conflict()
    assert list(waiting.conflicts) == [("options", "p6_UR")]
    assert sorted(waiting.conflicts[("options", "p6_UR")].values()) == [1115, 1125]


def test_a_coordinator_settles_the_line_with_a_reason_and_the_station_counts(
    both_copied, coalition, contest, coordinator, organization
):
    coalitions.resolve_conflict(
        coalition=coalition, contest=contest, station=both_copied, kind="options", code="p6_UR",
        value=1115, reason="Golos's photo of the protocol reads 1115", by=coordinator,
    )  # fmt: skip

    pooled = pool_reads.pool(coalition, contest)

    assert pooled.counted()[both_copied.pk].options["p6_UR"] == 1115
    entry = AuditEntry.objects.filter(organization=organization).order_by("-sequence").first()
    assert entry.action == "coalition.conflict_resolved" and entry.after["value"] == 1115
    assert entry.reason == "Golos's photo of the protocol reads 1115"


def test_settling_needs_a_reason_and_a_line_that_is_in_conflict(both_copied, coalition, contest, coordinator):
    with pytest.raises(FieldError, match="reason"):
        coalitions.resolve_conflict(
            coalition=coalition, contest=contest, station=both_copied, kind="options", code="p6_UR",
            value=1115, reason="  ", by=coordinator,
        )  # fmt: skip
    with pytest.raises(FieldError, match="not in conflict"):
        coalitions.resolve_conflict(
            coalition=coalition, contest=contest, station=both_copied, kind="options", code="p4_KPRF",
            value=1, reason="no", by=coordinator,
        )  # fmt: skip


def test_a_territory_coordinator_or_an_outsider_cannot_settle_the_pool(both_copied, coalition, contest):
    outsider = get_user_model().objects.create_user(username="mallory", password="pw")
    stranger = Organization.objects.create(slug="x", name="X", status=Organization.Status.APPROVED)
    Membership.objects.create(user=outsider, organization=stranger, role=Membership.Role.ADMIN)

    with pytest.raises(PermissionDenied):
        coalitions.resolving_member(coalition, outsider)


def test_a_member_that_has_not_agreed_or_has_left_contributes_nothing(
    both_copied, coalition, contest, other_organization
):
    CoalitionMember.objects.filter(coalition=coalition, organization=other_organization).update(
        agreed_at=None
    )

    pooled = pool_reads.pool(coalition, contest)

    assert pooled.counted()[both_copied.pk].options["p6_UR"] == 1115  # Golos's figures alone
    assert other_organization not in pooled.members


def test_the_pool_is_compared_station_by_station_with_the_official_protocols(reconciled, coalition, contest):
    pooled = pool_reads.pool(coalition, contest)
    snapshot = OfficialSnapshot.objects.get(contest=contest)

    found = pool_reads.compare_stations(pooled, snapshot)

    assert (found.stations_pooled, found.stations_compared, found.stations_discrepant) == (3, 3, 2)
    # official minus pooled at 91 (Golos's copy), 92 (Other's copy, 777) and 120 (agrees)
    assert found.votes_moved["p6_UR"] == (1115 - OPTIONS_PEC_91_COPY["p6_UR"]) + (
        OPTIONS_PEC_92["p6_UR"] - 777
    )


def test_the_coalition_page_shows_members_the_pool_and_the_conflict(
    client, both_copied, coalition, contest, coordinator
):
    client.force_login(coordinator)

    response = client.get(
        reverse("coalition-results", args=[coalition.pk, contest.pk]), headers={"Accept-Language": "en"}
    )

    assert response.status_code == 200
    page = response.context["page"]
    assert (page.counted, page.in_conflict) == (0, 1)
    assert [m.name for m in page.members] == ["Golos", "Other observers"]
    assert "Where members disagree" in response.content.decode()


def test_the_coalition_page_is_refused_to_anyone_not_settling_for_a_member(client, coalition, contest):
    outsider = get_user_model().objects.create_user(username="mallory", password="pw")
    client.force_login(outsider)

    response = client.get(reverse("coalition-results", args=[coalition.pk, contest.pk]))

    assert response.status_code == 403


def test_settling_through_the_page(client, both_copied, coalition, contest, coordinator):
    client.force_login(coordinator)
    url = reverse("coalition-resolve", args=[coalition.pk, contest.pk])

    client.post(
        url,
        {"station": both_copied.pk, "kind": "options", "code": "p6_UR", "value": "1125", "reason": "photo"},
    )

    assert pool_reads.pool(coalition, contest).counted()[both_copied.pk].options["p6_UR"] == 1125


def other_admin(other_organization):
    user = get_user_model().objects.create_user(username="otto")
    Membership.objects.create(user=user, organization=other_organization, role=Membership.Role.ADMIN)
    return user


def test_a_member_leaving_takes_its_figures_out_of_the_pool_from_then_on(
    both_copied, coalition, contest, other_organization
):
    assert pool_reads.pool(coalition, contest).counted() == {}  # the two members disagree

    organizations.leave_coalition(
        organization=other_organization, by=other_admin(other_organization), coalition=coalition
    )

    pooled = pool_reads.pool(coalition, contest)
    assert pooled.counted()[both_copied.pk].options == OPTIONS_PEC_91_OFFICIAL  # Golos's figures alone
    assert other_organization not in pooled.members


@pytest.fixture
def other_photo(both_copied, contest, other_organization, other_observer) -> Evidence:
    """A sanitised photo attached to Other observers' copy of station 91."""
    copy = ProtocolCopy.objects.filter(organization=other_organization, station=both_copied).get()
    evidence = Evidence.objects.create(
        organization=other_organization, uploaded_by=other_observer, original_name="p.jpg",
        original_sha256="0" * 64, original_size=3, file=ContentFile(b"\xff\xd8jpeg", name="p.jpg"),
        content_type="image/jpeg", status=Evidence.Status.READY,
    )  # fmt: skip
    CopyPhoto.objects.create(copy=copy, evidence=evidence)
    return evidence


def test_a_members_photo_is_shown_to_the_others_only_when_its_consent_includes_photos(
    client, other_photo, both_copied, coalition, contest, coordinator, other_organization
):
    client.force_login(coordinator)
    url = reverse("coalition-photo", args=[coalition.pk, contest.pk, both_copied.pk, other_organization.pk])
    page = client.get(reverse("coalition-results", args=[coalition.pk, contest.pk]))
    others = [photo for name, _value, photo in page.context["page"].conflicts[0].values if name != "Golos"]
    assert others == [None]

    assert client.get(url).status_code == 403

    CoalitionMember.objects.filter(organization=other_organization).update(shares_photos=True)
    page = client.get(reverse("coalition-results", args=[coalition.pk, contest.pk]))

    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"\xff\xd8jpeg"
    assert url in page.content.decode()


def test_the_pool_never_names_another_members_observers(
    client, both_copied, coalition, contest, coordinator, other_observer
):
    other_observer.display_name = "Oscar Secret"
    other_observer.save(update_fields=["display_name"])
    client.force_login(coordinator)

    page = client.get(reverse("coalition-results", args=[coalition.pk, contest.pk])).content.decode()

    assert "Oscar Secret" not in page and other_observer.code not in page


def test_the_coalition_page_shows_the_seats_the_pool_gives_by_the_contests_rule(
    client, reconciled, coalition, contest, coordinator
):
    client.force_login(coordinator)

    page = client.get(reverse("coalition-results", args=[coalition.pk, contest.pk])).context["page"]

    found = pooled_seats(pool_reads.pool(coalition, contest))
    assert found["observer"]["stations"] == 3  # the pool's three counted stations
    ours = found["observer"].get("seats", {})
    assert [(name, seats) for name, _official, seats in page.seats] == [
        (str(o), ours.get(o.code)) for o in contest.options.filter(is_against_all=False)
    ]
