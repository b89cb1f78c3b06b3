"""One definition of the stations with copies, compared and discrepant (issue 13, scope 5).

The issue's case: after one copy was quarantined, the nation page said 111 stations with copies
but 112 compared and 112 discrepant, because the counts came from the last comparison run while
the tallies had moved on. Here Golos's copy of station 91 (the discrepant one; see
tests/conftest.py) is quarantined after the run: every page, export and release
must count one station with copies, one compared (120) and none discrepant, without a new run.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from elections.models import Commission
from tallies import selectors
from tallies.models import ProtocolCopy
from tallies.selectors import discrepancies, station_sets
from tallies.services import desk, releases

pytestmark = pytest.mark.django_db

NATION, REGION, TEC_91, TEC_120 = "ЦИК России", "Город Москва", "84 Пресненский район", "85 Тверской район"


@pytest.fixture
def quarantined(reconciled, organization, contest, station, coordinator, django_capture_on_commit_callbacks):
    """Quarantine Golos's copy of station 91 after the run and let the tally job apply it; the run."""
    copy = ProtocolCopy.objects.get(organization=organization, contest=contest, station=station)
    with django_capture_on_commit_callbacks(execute=True):
        desk.quarantine(copy=copy, scope="all", reason="smudged digits", by=coordinator)
    return reconciled


def results(organization, contest, name: str) -> selectors.CommissionResults:
    commission = Commission.objects.get(election=contest.election, name=name)
    return selectors.commission_results(organization=organization, contest=contest, commission=commission)


def shown(found: selectors.CommissionResults) -> tuple[int, int, int]:
    """(with copies, compared, discrepant) as a results page shows them."""
    return found.coverage["stations_with_copies"], found.stations_compared, found.stations_discrepant


def test_it_counted_both_stations_before_the_quarantine(reconciled, organization, contest):
    assert shown(results(organization, contest, NATION)) == (2, 2, 1)


@pytest.mark.parametrize(
    ("name", "expected"), [(NATION, (1, 1, 0)), (REGION, (1, 1, 0)), (TEC_91, (0, 0, 0))]
)
def test_it_counts_only_accepted_copies_at_every_level_after_a_quarantine(
    quarantined, organization, contest, name, expected
):
    found = results(organization, contest, name)

    assert shown(found) == expected
    assert found.observer is None or found.observer.stations == expected[0]


def test_it_counts_the_children_by_the_same_definition(quarantined, organization, contest):
    regions = {row.commission.name: row for row in results(organization, contest, NATION).children}
    tecs = {row.commission.name: row for row in results(organization, contest, REGION).children}

    counts = lambda row: (row.stations_with_copies, row.stations_compared, row.stations_discrepant)  # noqa: E731
    assert counts(regions[REGION]) == (1, 1, 0)
    assert counts(tecs[TEC_91]) == (0, 0, 0)
    assert counts(tecs[TEC_120]) == (1, 1, 0)
    stations = results(organization, contest, TEC_91).children
    assert {row.commission.code: counts(row) for row in stations}["91"] == (0, 0, 0)


def test_it_hides_the_run_totals_that_still_include_the_quarantined_station(
    quarantined, organization, contest
):
    found = results(organization, contest, NATION)

    assert found.comparison_behind
    assert found.compared_observer is None and found.votes_moved == {}


def test_it_shows_the_totals_again_once_the_comparison_is_rerun(quarantined, organization, contest):
    from tallies import services

    services.reconcile(organization_id=organization.pk, contest_id=contest.pk)
    found = results(organization, contest, NATION)

    assert not found.comparison_behind
    assert found.compared_observer.stations == 1
    assert shown(found) == (1, 1, 0)


def test_compared_is_always_a_subset_of_with_copies(quarantined, organization, contest):
    with_copies = set(
        station_sets.with_copies(organization.pk, contest.pk).values_list("station_id", flat=True)
    )
    compared = set(station_sets.compared(quarantined).values_list("station_id", flat=True))
    discrepant = set(station_sets.discrepant(quarantined).values_list("station_id", flat=True))

    assert discrepant <= compared <= with_copies
    assert compared == with_copies


def test_the_pages_and_the_discrepant_csv_agree(quarantined, client, coordinator, contest):
    client.force_login(coordinator)
    nation = Commission.objects.get(election=contest.election, name=NATION)
    page = client.get(reverse("results-root", args=[contest.pk]), headers={"Accept-Language": "en"})
    url = reverse("results-commission-export", args=[contest.pk, nation.pk, "discrepant"])
    rows = list(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    children = reverse("results-commission-export", args=[contest.pk, nation.pk, "children"])
    region = list(csv.reader(io.StringIO(client.get(children).content.decode("utf-8-sig"))))[1]

    assert page.context["results"].stations_compared == 1
    assert len(rows) == 1  # the header only: station 91 left the comparison
    assert region[-3:] == ["1", "1", "0"]


def test_the_comparison_classes_count_the_same_stations(quarantined):
    classes = discrepancies.class_counts(quarantined)

    assert sum(classes.values()) == 1 and classes[discrepancies.MATCH] == 1


def test_a_release_preview_counts_the_same_stations_before_the_comparison_is_rerun(
    quarantined, organization, contest
):
    _publication, data = releases.preview_release(organization=organization, contest=contest, changelog="x")
    root = next(c for c in data.commissions if c.parent_id is None)

    assert (data.coverage["stations_with_copies"], data.coverage["stations_compared"]) == (1, 1)
    assert data.coverage["stations_discrepant"] == 0
    assert (root.stations_compared, root.stations_discrepant) == (1, 0)
    assert root.figures["compared_observer"] is None  # the run's totals still hold station 91


def test_a_published_release_counts_the_same_stations(quarantined, organization, contest, admin):
    release = releases.publish_release(
        organization=organization, contest=contest, published_by=admin, changelog="After the quarantine."
    )
    root = release.commissions.get(parent__isnull=True)

    assert (root.stations_compared, root.stations_discrepant) == (1, 0)
    assert release.content["coverage"]["stations_with_copies"] == 1
    assert not release.stations.filter(is_discrepant=True).exists()
