"""The election-night coverage dashboard on a generated election: counts, call list, access.

`night` is a 200-station election night (tests/tallies/night.py: the organisation's copies of
30 % of the stations, counted, and observers deployed the way election night goes). The
dashboard's counts are checked against statuses derived there, directly from the tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.urls import reverse

from elections.models import Commission, PollingStation
from elections.numbers import percent
from observers.models import Mandate
from tallies.models import CoverageSample
from tallies.selectors import dashboard as board
from tallies.selectors.coverage import CoverageScope, Status, coverage_report, station_statuses
from tallies.services import coverage as coverage_service
from tests.tallies.night import (
    Night,
    coordinator_of,
    expected_statuses,
    generate_night,
    rolled_back,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def night(django_db_setup, django_db_blocker) -> Iterator[Night]:
    with rolled_back(django_db_blocker):
        yield generate_night(200, "0.3")


def test_it_counts_each_status_as_the_database_does(night):
    expected = Counter(expected_statuses(night.organization, night.contest).values())

    report = coverage_report(CoverageScope(night.organization, night.contest))

    assert report.total.counts == {status: expected[status] for status in Status.values}
    assert all(report.total.counts[status] > 0 for status in Status.values)


def test_it_puts_each_station_in_exactly_one_status(night):
    rows = list(
        station_statuses(CoverageScope(night.organization, night.contest)).values_list("pk", "coverage")
    )

    assert dict(rows) == expected_statuses(night.organization, night.contest)
    assert len(rows) == len({pk for pk, _ in rows})


def test_it_adds_up_regions_and_tecs_to_the_total(night):
    report = coverage_report(CoverageScope(night.organization, night.contest))

    for rows in (report.regions, report.tecs):
        assert {s: sum(r.counts[s] for r in rows) for s in Status.values} == report.total.counts
        assert sum(r.expected for r in rows) == report.total.expected
    assert len(report.regions) == 5
    assert len(report.tecs) == 40


def test_it_expects_the_mandated_stations_and_counts_copies_without_a_mandate(night):
    report = coverage_report(CoverageScope(night.organization, night.contest))
    mandated = Mandate.stations.through.objects.filter(mandate__organization=night.organization)

    assert report.total.expected == mandated.values("pollingstation_id").distinct().count()
    assert report.total.total > report.total.expected


def test_it_gives_coverage_over_the_stations_expected_and_over_the_whole_territory(night):
    statuses = expected_statuses(night.organization, night.contest)
    mandated = set(
        Mandate.stations.through.objects.filter(mandate__organization=night.organization).values_list(
            "pollingstation_id", flat=True
        )
    )
    complete = {pk for pk, status in statuses.items() if status == Status.COMPLETE}
    every = PollingStation.objects.filter(pec__election=night.contest.election).count()

    total = coverage_report(CoverageScope(night.organization, night.contest)).total

    assert (total.expected_complete, total.territory) == (len(complete & mandated), every)
    assert total.complete_of_expected == percent(len(complete & mandated), len(mandated))
    assert total.complete_of_territory == percent(len(complete), every)
    assert total.territory > total.total  # stations nobody follows still count in the territory


def test_it_gives_each_region_and_tec_every_station_of_its_area(night):
    report = coverage_report(CoverageScope(night.organization, night.contest))
    region = Commission.objects.get(pk=int(report.regions[0].key.split(":")[1]))

    assert sum(row.territory for row in report.regions) == report.total.territory
    assert sum(row.territory for row in report.tecs) == report.total.territory
    assert report.regions[0].territory == PollingStation.objects.within(region).count()


def test_a_territory_coordinator_sees_the_stations_of_the_territory_only(night):
    region = Commission.objects.filter(election=night.contest.election, level=Commission.Level.SEC).first()

    total = coverage_report(CoverageScope(night.organization, night.contest, region)).total

    assert total.territory == PollingStation.objects.within(region).count()


def test_it_calls_only_its_own_observers_with_a_live_mandate_at_missing_stations(night):
    statuses = expected_statuses(night.organization, night.contest)
    missing = {pk for pk, status in statuses.items() if status == Status.MISSING}

    count, rows = board.call_list(CoverageScope(night.organization, night.contest), limit=1000)

    live = Mandate.objects.live().filter(organization=night.organization, stations__in=missing)
    assert count == len(rows) == live.count()
    assert {row.station_id for row in rows} < missing  # withdrawn mandates' stations stay missing, uncalled
    assert all(row.code.startswith("OBS-") and row.phone.startswith("+7") for row in rows)
    assert "Rival" not in {row.observer for row in rows}


def test_it_shows_another_organisation_only_its_own_stations(night, client):
    client.force_login(night.other_coordinator)

    data = client.get(reverse("dashboard-data", args=[night.contest.pk])).json()

    assert data["total"]["counts"][Status.PARTIAL] == 12  # admitted and checked in, no copy
    assert data["total"]["total"] == 12
    assert {row["observer"] for row in data["call_list"]["rows"]} <= {"Rival"}


def test_it_limits_a_territory_coordinator_to_their_region(night, client):
    region = coverage_report(CoverageScope(night.organization, night.contest)).regions[1]
    territory = Commission.objects.get(pk=int(region.key.split(":")[1]))
    client.force_login(coordinator_of(night.organization, "tess", territory=territory))

    data = client.get(reverse("dashboard-data", args=[night.contest.pk])).json()

    assert data["total"]["counts"] == region.counts
    assert [row["name"] for row in data["regions"]] == [region.name]
    assert {row["region"] for row in data["tecs"]} == {region.name}


def test_it_records_coverage_samples_that_the_progress_chart_reads(night):
    scope = CoverageScope(night.organization, night.contest)
    coverage_service.record_coverage(
        organization_id=night.organization.pk, election_id=night.contest.election_id
    )
    coverage_service.record_coverage(
        organization_id=night.organization.pk, election_id=night.contest.election_id
    )

    progress = board.progress(scope)

    assert len(progress.labels) == 2
    assert {s: values[-1] for s, values in progress.series.items()} == coverage_report(scope).total.counts


def test_it_reads_a_territory_s_own_progress_from_the_samples(night):
    region = coverage_report(CoverageScope(night.organization, night.contest)).regions[2]
    territory = Commission.objects.get(pk=int(region.key.split(":")[1]))
    coverage_service.record_coverage(
        organization_id=night.organization.pk, election_id=night.contest.election_id
    )

    progress = board.progress(CoverageScope(night.organization, night.contest, territory))

    assert {s: values[-1] for s, values in progress.series.items()} == region.counts


def test_it_records_samples_only_for_elections_being_held(night):
    held_on = night.contest.election.held_on

    assert coverage_service.record_election_night_coverage(today=held_on + timedelta(days=3)) == 0
    assert coverage_service.record_election_night_coverage(today=held_on) == 2  # both organisations
    assert CoverageSample.objects.count() == 2
