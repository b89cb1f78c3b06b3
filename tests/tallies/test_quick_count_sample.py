"""Quick count: a seeded, recorded sample of stations that can be frozen, and its estimate.

`crowd` adds 40 stations to the contest's geography: 20 more in Moscow, 20 in Moscow Oblast, so
the population is 43 stations in two regions. `reported` submits copies for 12 sampled stations.
"""

from __future__ import annotations

import pytest
from django.utils import translation

from tallies.models import AnalysisRun, Quarantine, QuickCountSample
from tallies.services import analysis
from tallies.services.desk.quarantine import quarantine
from tests.tallies.samples import MOSCOW, OBLAST, POPULATION, draw, expected, report, sampled

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (the default language is Russian once catalogs exist)."""
    with translation.override("en"):
        yield


def test_it_draws_the_same_stations_from_the_same_seed_and_keeps_both_draws(crowd, organization, coordinator):
    first = draw(organization, coordinator, crowd, seed=7)

    second = draw(organization, coordinator, crowd, seed=7)

    assert sampled(first) == sampled(second) and len(sampled(first)) == 20
    assert QuickCountSample.objects.filter(organization=organization).count() == 2


def test_it_draws_a_random_seed_by_default_and_records_it(crowd, organization, coordinator):
    sample = draw(organization, coordinator, crowd, seed=None)

    assert 0 <= sample.seed < 10**12
    assert sample.stations.count() == sample.size == 20 and sample.created_by == coordinator


def test_it_draws_each_region_in_proportion_to_its_stations(crowd, organization, coordinator):
    sample = draw(organization, coordinator, crowd, size=20)

    strata = sorted(sample.stations.values_list("stratum", flat=True))

    # 20 × 23/43 = 10.70 and 20 × 20/43 = 9.30: floors 10 and 9, the last seat to the larger remainder.
    assert strata.count(MOSCOW) == 11 and strata.count(OBLAST) == 9


def test_it_refuses_to_redraw_a_frozen_sample(crowd, organization, coordinator):
    sample = draw(organization, coordinator, crowd)
    analysis.freeze_sample(organization=organization, sample=sample)

    with pytest.raises(analysis.SampleFrozenError, match=r"frozen at .*cannot be redrawn"):
        draw(organization, coordinator, crowd, seed=8)

    assert QuickCountSample.objects.filter(organization=organization).count() == 1


def test_it_freezes_only_the_latest_draw(crowd, organization, coordinator):
    older = draw(organization, coordinator, crowd, seed=1)
    draw(organization, coordinator, crowd, seed=2)

    with pytest.raises(analysis.QuickCountError, match="latest"):
        analysis.freeze_sample(organization=organization, sample=older)


def test_it_keeps_the_first_freezing_time_when_frozen_again(crowd, organization, coordinator):
    sample = draw(organization, coordinator, crowd)
    first = analysis.freeze_sample(organization=organization, sample=sample).frozen_at

    again = analysis.freeze_sample(organization=organization, sample=sample).frozen_at

    assert first is not None and again == first


def test_it_lets_another_organisation_draw_its_own_sample(
    crowd, organization, other_organization, coordinator
):
    analysis.freeze_sample(organization=organization, sample=draw(organization, coordinator, crowd))

    theirs = draw(other_organization, coordinator, crowd, seed=9)

    assert theirs.organization == other_organization and theirs.frozen_at is None


def test_it_refuses_a_sample_larger_than_the_population(crowd, organization, coordinator):
    with pytest.raises(analysis.QuickCountError, match=f"between 1 and {POPULATION}"):
        draw(organization, coordinator, crowd, size=POPULATION + 1)


def test_it_estimates_from_the_sampled_stations_that_reported(
    reported, organization, contest, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        requested = analysis.request_run(
            organization=organization,
            contest=contest,
            kind=AnalysisRun.Kind.QUICK_COUNT,
            parameters={"sample_id": reported.pk},
        )

    result = AnalysisRun.objects.get(pk=requested.pk).result
    turnout, ur = expected(reported)
    assert (result["reported"], result["drawn"], result["population_stations"]) == (12, 20, POPULATION)
    assert result["turnout"] == {"share": str(turnout.share), "margin": str(turnout.margin_of_error_95)}
    assert result["options"]["p6_UR"] == {"share": str(ur.share), "margin": str(ur.margin_of_error_95)}
    assert {w["code"] for w in result["warnings"]} >= {"few_stations"}
    assert result["convergence"]["reports"][-1] == 12


def test_it_orders_the_reports_by_the_time_each_station_first_reported(
    crowd, organization, coordinator, observer, django_capture_on_commit_callbacks
):
    sample = draw(organization, coordinator, crowd)
    newest_first = list(reversed(sampled(sample)[:5]))
    with django_capture_on_commit_callbacks(execute=True):
        for index, station_id in enumerate(newest_first):
            report(observer, crowd, station_id, index)

    found = analysis.reports.sample_reports(organization, crowd, sampled(sample))

    assert [r.station_id for r in found] == newest_first


def test_a_quarantined_copy_is_no_report(
    crowd, organization, coordinator, observer, django_capture_on_commit_callbacks
):
    sample = draw(organization, coordinator, crowd)
    stations = sampled(sample)[:3]
    with django_capture_on_commit_callbacks(execute=True):
        copies = [report(observer, crowd, station_id, index) for index, station_id in enumerate(stations)]
        quarantine(copy=copies[1], scope=Quarantine.Scope.RESULTS, reason="photo unreadable", by=coordinator)

    found = analysis.reports.sample_reports(organization, crowd, stations)

    assert [r.station_id for r in found] == [stations[0], stations[2]]
