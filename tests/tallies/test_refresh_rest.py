"""Stored results rest after each refresh (tallies.services.refresh_rest): on election night the
tally jobs, the pages and the sweep keep asking, and a refresh must not run back to back.

The product's defaults are set here (tests/settings.py turns the rest off for the other tests).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from observers.models import Organization
from tallies import generator, tasks
from tallies.models import CoalitionPool, CommissionFiguresState, StationTallyState
from tallies.selectors.coalition_pool import stored_pool
from tallies.services import coalition_pool
from tallies.services import stored_figures as figures
from tallies.services.refresh_rest import rest_until
from tests.tallies.test_coalition_pool_store import generated_coalition

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def product_rest(settings):
    settings.STORED_FIGURES_REST_SHARE = 1.0
    settings.STORED_FIGURES_MIN_REST = 10


def test_a_result_rests_as_long_as_it_took_and_at_least_the_minimum():
    finished = timezone.now()

    assert rest_until(finished - timedelta(seconds=49), finished) == finished + timedelta(seconds=49)
    assert rest_until(finished - timedelta(milliseconds=300), finished) == finished + timedelta(seconds=10)


def test_a_pool_is_not_refreshed_again_while_it_rests(monkeypatch, django_capture_on_commit_callbacks):
    coalition, contest = generated_coalition(311, 5)
    organization = Organization.objects.get(slug=generator.ORGANIZATION_SLUG)
    coalition_pool.refresh(coalition_id=coalition.pk, contest_id=contest.pk)
    sent: list[dict[str, int]] = []
    monkeypatch.setattr(tasks.refresh_coalition_pool, "delay", lambda **ids: sent.append(ids))
    state = StationTallyState.objects.filter(organization=organization, contest=contest).first()
    assert state is not None

    def tally_job() -> None:
        StationTallyState.objects.filter(pk=state.pk).update(applied_version=0, wanted_version=7)
        with django_capture_on_commit_callbacks(execute=True):
            tasks.apply_station_tally(state_id=state.pk)

    tally_job()
    resting = (sent[:], tasks.sweep_coalition_pools(), stored_pool(coalition, contest).current)
    CoalitionPool.objects.update(rest_until=timezone.now() - timedelta(seconds=1))
    tally_job()

    assert resting == ([], 0, False)  # stale, and nobody may refresh it yet
    assert sent == [{"coalition_id": coalition.pk, "contest_id": contest.pk}]


def test_commission_figures_rest_and_the_sweep_asks_once_the_rest_is_over(
    reconciled, organization, contest, django_capture_on_commit_callbacks
):
    figures.refresh(organization_id=organization.pk, contest_id=contest.pk)
    state = CommissionFiguresState.objects.get(organization=organization, contest=contest)
    computed_at, rests_until = state.computed_at, state.rest_until
    assert computed_at is not None and rests_until is not None
    assert rests_until >= computed_at + timedelta(seconds=10)
    coalition_pool.touch_root_tallies(organization_id=organization.pk, contest_id=contest.pk)

    resting = (
        figures.request_refresh(organization_id=organization.pk, contest_id=contest.pk),
        figures.refresh_for_page(organization_id=organization.pk, contest_id=contest.pk),
        tasks.sweep_commission_figures(),
    )
    CommissionFiguresState.objects.update(rest_until=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        rested = tasks.sweep_commission_figures()

    assert resting == (False, False, 0)
    assert rested == 1
    refreshed_at = CommissionFiguresState.objects.get(pk=state.pk).computed_at
    assert refreshed_at is not None and refreshed_at > computed_at
