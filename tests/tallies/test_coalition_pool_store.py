"""The stored coalition pool (issue 17, scope 4): the page reads it in a number of queries that does
not grow with the election, and what it stores is what pooling afresh gives.

A generated election (tallies.generator: one organisation's copy of every station, tallied) is
pooled by a coalition of that organisation and a second member without copies.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from kombu.exceptions import OperationalError

from elections.models import Contest
from observers.models import Coalition, CoalitionMember, Membership, Organization
from tallies import generator, tasks
from tallies.models import CoalitionPool, StationTallyState
from tallies.selectors import pool as pool_reads
from tallies.selectors.coalition_pool import inputs_of, stored_pool
from tallies.services import coalition_pool
from tests.tallies.conftest import admin_of

pytestmark = pytest.mark.django_db


def generated_coalition(seed: int, stations: int) -> tuple[Coalition, Contest]:
    """An election of `stations` stations, every one copied by the generated organisation, and a
    coalition of that organisation and Rivals (agreed, no copies)."""
    call_command("generate_election", seed=seed, stations=stations, copies="1", falsify="0", stdout=None)
    contest = Contest.objects.get(election__slug=f"generated-{seed}")
    organization = Organization.objects.get(slug=generator.ORGANIZATION_SLUG)
    rivals, _ = Organization.objects.get_or_create(
        slug="rivals", defaults={"name": "Rivals", "status": Organization.Status.APPROVED}
    )
    coalition = Coalition.objects.create(
        name=f"Pool {seed}", election=contest.election, created_by=organization
    )
    for member in (organization, rivals):
        CoalitionMember.objects.create(
            coalition=coalition, organization=member, agreed_at="2026-12-01T00:00Z"
        )
    return coalition, contest


def admin(organization: Organization):  # type: ignore[no-untyped-def]
    found = Membership.objects.filter(organization=organization, role=Membership.Role.ADMIN).first()
    return found.user if found else admin_of(organization, f"admin-{organization.slug}")


def page_queries(client, coalition: Coalition, contest: Contest) -> int:  # type: ignore[no-untyped-def]
    url = reverse("coalition-results", args=[coalition.pk, contest.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers={"Accept-Language": "en"})
    assert response.status_code == 200 and response.context["page"].freshness.status == "pooled"
    return len(queries)


def test_the_page_reads_the_stored_pool_in_as_many_queries_at_60_stations_as_at_3(
    client, django_assert_max_num_queries
):
    small, small_contest = generated_coalition(301, 3)
    large, large_contest = generated_coalition(302, 60)
    client.force_login(admin(Organization.objects.get(slug=generator.ORGANIZATION_SLUG)))
    for coalition, contest in ((small, small_contest), (large, large_contest)):
        coalition_pool.refresh(coalition_id=coalition.pk, contest_id=contest.pk)
    assert stored_pool(large, large_contest).result["counted"] == 60  # type: ignore[index]

    at_3 = page_queries(client, small, small_contest)

    with django_assert_max_num_queries(at_3):
        client.get(reverse("coalition-results", args=[large.pk, large_contest.pk]))
    assert page_queries(client, large, large_contest) == at_3


def test_the_stored_pool_is_what_pooling_afresh_gives(client):
    coalition, contest = generated_coalition(303, 40)

    coalition_pool.refresh(coalition_id=coalition.pk, contest_id=contest.pk)

    stored = stored_pool(coalition, contest)
    fresh = pool_reads.pool(coalition, contest)
    assert stored.current and stored.row is not None
    assert stored.row.inputs == inputs_of(coalition, contest)
    result = stored.result
    assert result is not None
    assert result["counted"] == len(fresh.counted()) == 40 and result["in_conflict"] == 0
    assert (result["total"]["lines"], result["total"]["options"]) == (
        fresh.total().lines,
        fresh.total().options,
    )
    assert {m["id"]: m["stations"] for m in result["members"]} == {
        o.pk: fresh.covered_by().get(o.pk, 0) for o in fresh.members
    }
    again = coalition_pool.compute(coalition, contest)
    assert {k: v for k, v in again.items() if k != "forensics"} == {
        k: v for k, v in result.items() if k != "forensics"
    }


def test_a_recompute_of_a_member_makes_the_stored_pool_stale(client):
    coalition, contest = generated_coalition(304, 5)
    organization = Organization.objects.get(slug=generator.ORGANIZATION_SLUG)
    coalition_pool.refresh(coalition_id=coalition.pk, contest_id=contest.pk)
    CoalitionPool.objects.filter(coalition=coalition).update(requested_at="2026-12-07T00:00Z")  # in flight

    tasks.recompute_observer_tallies(organization_id=organization.pk, contest_id=contest.pk)

    assert not stored_pool(coalition, contest).current  # its totals did not move; its version did


def test_a_members_tally_job_asks_for_a_refresh_once(client, monkeypatch, django_capture_on_commit_callbacks):
    coalition, contest = generated_coalition(305, 5)
    organization = Organization.objects.get(slug=generator.ORGANIZATION_SLUG)
    coalition_pool.refresh(coalition_id=coalition.pk, contest_id=contest.pk)
    sent: list[dict[str, int]] = []
    monkeypatch.setattr(tasks.refresh_coalition_pool, "delay", lambda **ids: sent.append(ids))
    states = StationTallyState.objects.filter(organization=organization, contest=contest).order_by("pk")

    with django_capture_on_commit_callbacks(execute=True):
        for state in states[:2]:
            StationTallyState.objects.filter(pk=state.pk).update(applied_version=0, wanted_version=7)
            tasks.apply_station_tally(state_id=state.pk)

    assert sent == [{"coalition_id": coalition.pk, "contest_id": contest.pk}]  # the second found it claimed
    assert not stored_pool(coalition, contest).current


def test_with_the_broker_down_the_page_says_so_and_the_sweep_asks_again(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    coalition, contest = generated_coalition(306, 5)
    organization = Organization.objects.get(slug=generator.ORGANIZATION_SLUG)
    client.force_login(admin(organization))

    def down(**ids: int) -> None:
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks.refresh_coalition_pool, "delay", down)
    response = client.get(reverse("coalition-results", args=[coalition.pk, contest.pk]))

    assert response.context["page"].freshness.status == "pending"
    assert 'data-comparison="pending"' in response.content.decode()
    assert CoalitionPool.objects.get(coalition=coalition).requested_at is None  # the claim is released
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_coalition_pools() == 1
    assert stored_pool(coalition, contest).current
