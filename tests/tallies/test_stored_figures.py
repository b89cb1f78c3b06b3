"""Stored per-commission figures (issue 17, scope 4): equal to the live counts, read at a cost that
does not grow with the stations, and named as out of date while they are."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from elections.models import Commission
from tallies import generator, tasks
from tallies.models import (
    CommissionFigures,
    CommissionFiguresState,
    OfficialSnapshot,
    ProtocolCopy,
    ReconciliationRun,
)
from tallies.selectors import station_sets, stored_figures
from tallies.selectors.commission import commission_results, latest_run
from tallies.selectors.copy_coverage import commission_coverage
from tallies.selectors.discrepant_list import discrepant_comparisons, discrepant_page
from tallies.selectors.layout import Layout
from tallies.services import coalition_pool, desk
from tallies.services import stored_figures as refreshing

pytestmark = pytest.mark.django_db


def generate(seed: int, stations: int, regions: int = 2, tecs: int = 2) -> None:
    share = {"falsify": Decimal("0.2"), "copies": Decimal("0.5")}
    generator.generate(seed=seed, stations=stations, regions=regions, tecs=tecs, **share)


def test_every_commission_stores_the_counts_and_coverage_counted_live():
    generate(2011, 40)
    contest = generator.load_contest(2011)
    organization = generator.generated_organization()
    run = latest_run(organization, contest)
    snapshot = OfficialSnapshot.objects.filter(contest=contest).latest("pk")
    base = Layout.of(contest).turnout_base_code()
    commissions = list(
        Commission.objects.filter(election=contest.election).exclude(level=Commission.Level.PEC)
    )

    assert refreshing.refresh(organization_id=organization.pk, contest_id=contest.pk)
    stored = stored_figures.read(organization.pk, contest, run, snapshot, commissions)

    assert stored.status == "current"
    assert station_sets.counts(organization.pk, contest.pk, run).discrepant > 0
    for commission in commissions:
        live = station_sets.counts(organization.pk, contest.pk, run, within=commission)
        assert stored.counts[commission.pk] == live, commission.path
        coverage = commission_coverage(organization.pk, contest, snapshot, commission, base)
        assert stored.coverage[commission.pk] == coverage, commission.path


def test_a_finished_reconciliation_run_stores_the_figures(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        generate(2011, 12)  # the generator reconciles through tallies.tasks.reconcile
    contest = generator.load_contest(2011)
    organization = generator.generated_organization()
    state = CommissionFiguresState.objects.get(organization=organization, contest=contest)

    assert state.computed_at is not None and state.requested_at is None
    assert state.inputs["run"] == ReconciliationRun.objects.filter(contest=contest).latest("pk").pk
    assert CommissionFigures.objects.filter(organization=organization, contest=contest).count() == 1 + 2 + 4


def page_queries(seed: int) -> tuple[int, int, str]:
    """Queries of the national and of a TEC's results (stored figures read), and the figures' status."""
    contest = generator.load_contest(seed)
    organization = generator.generated_organization()
    root = Commission.objects.get(election=contest.election, parent=None)
    tec = Commission.objects.filter(election=contest.election, level=Commission.Level.TEC).first()
    with CaptureQueriesContext(connection) as national:
        results = commission_results(organization=organization, contest=contest, commission=root)
    with CaptureQueriesContext(connection) as territorial:
        commission_results(organization=organization, contest=contest, commission=tec)
    return len(national), len(territorial), results.figures_status


def test_it_reads_the_figures_in_as_many_queries_at_3_stations_as_at_60(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the runs' refreshes, sent after commit
        generate(2011, 3, regions=1, tecs=1)
        generate(2012, 60, regions=1, tecs=1)

    small, large = page_queries(2011), page_queries(2012)

    assert small == large
    assert small[2] == "current"


def test_it_counts_live_until_figures_are_stored():
    generate(2011, 12)
    contest = generator.load_contest(2011)
    organization = generator.generated_organization()
    CommissionFiguresState.objects.all().delete()
    CommissionFigures.objects.all().delete()
    root = Commission.objects.get(election=contest.election, parent=None)
    run = latest_run(organization, contest)

    results = commission_results(organization=organization, contest=contest, commission=root)

    assert results.figures_status == "none"
    counts = station_sets.counts(organization.pk, contest.pk, run, within=root)
    assert (results.stations_compared, results.stations_discrepant) == (counts.compared, counts.discrepant)
    assert results.coverage["stations_with_copies"] == counts.with_copies


def test_it_says_the_figures_are_being_updated_once_the_tallies_moved(
    reconciled, carol, contest, organization, django_capture_on_commit_callbacks
):
    url = reverse("results-root", args=[contest.pk])
    assert carol.get(url).context["results"].figures_status == "none"  # counted live, then stored
    assert carol.get(url).context["results"].figures_status == "current"
    state = CommissionFiguresState.objects.get(organization=organization, contest=contest)
    state.requested_at = state.computed_at  # a refresh in flight: the page does not send another
    state.save(update_fields=["requested_at"])
    coalition_pool.touch_root_tallies(organization_id=organization.pk, contest_id=contest.pk)

    response = carol.get(url, headers={"Accept-Language": "ru"})

    assert response.context["results"].figures_status == "updating"
    page = response.content.decode()
    assert 'id="figures-updating"' in page and 'id="comparison-behind"' not in page
    assert "обновляются" in page
    CommissionFiguresState.objects.update(requested_at=None)  # that refresh was lost: the sweep drains
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_commission_figures() == 1
    response = carol.get(url)
    assert response.context["results"].figures_status == "current"
    assert 'id="figures-updating"' not in response.content.decode()


def test_the_stored_figures_follow_a_quarantine_once_refreshed(
    reconciled, organization, contest, station, coordinator, django_capture_on_commit_callbacks
):
    root = Commission.objects.get(election=contest.election, parent=None)
    refreshing.refresh(organization_id=organization.pk, contest_id=contest.pk)
    found = commission_results(organization=organization, contest=contest, commission=root)
    assert (found.figures_status, found.comparison_behind, found.stations_compared) == ("current", False, 2)
    assert discrepant_page(found, 1).paginator.count == discrepant_comparisons(found).count() == 1
    copy = ProtocolCopy.objects.get(organization=organization, contest=contest, station=station)
    with django_capture_on_commit_callbacks(execute=True):  # the tally job applies the quarantine
        desk.quarantine(copy=copy, scope="all", reason="smudged digits", by=coordinator)

    moved = commission_results(organization=organization, contest=contest, commission=root)
    refreshing.refresh(organization_id=organization.pk, contest_id=contest.pk)
    refreshed = commission_results(organization=organization, contest=contest, commission=root)

    assert station_sets.is_behind(reconciled)
    assert (moved.figures_status, moved.comparison_behind, moved.stations_compared) == ("updating", True, 2)
    assert moved.coverage["as_of"] == found.figures_as_of
    assert (refreshed.figures_status, refreshed.comparison_behind) == ("current", True)
    assert "as_of" not in refreshed.coverage
    counts = (
        refreshed.coverage["stations_with_copies"],
        refreshed.stations_compared,
        refreshed.stations_discrepant,
    )
    assert counts == (1, 1, 0)
    assert discrepant_page(refreshed, 1).paginator.count == discrepant_comparisons(refreshed).count() == 0
