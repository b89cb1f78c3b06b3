"""The results selectors: figures by source, the comparison, children, discrepant stations.

The `reconciled` fixture (tests/conftest.py, also used by the page and API tests) builds election
night in miniature: official protocols for stations 91, 92 and 120; Golos's observers copied 91 (the real
2011 copy, which differs) and 120 (identical to the official protocol); another organisation
copied 92 with 777 votes for United Russia, which Golos must never see.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from elections.models import Commission
from tallies import selectors, services
from tests.support import LINES_PEC_120, OPTIONS_PEC_120, write_official_file

pytestmark = pytest.mark.django_db


def commission(contest, name: str) -> Commission:
    return Commission.objects.get(election=contest.election, name=name)


def results_for(organization, contest, name="ЦИК России") -> selectors.CommissionResults:
    return selectors.commission_results(
        organization=organization, contest=contest, commission=commission(contest, name)
    )


def test_it_compares_the_nation_over_the_compared_stations(reconciled, organization, contest):
    results = results_for(organization, contest)

    assert results.run == reconciled
    assert (results.stations_compared, results.stations_discrepant) == (2, 1)
    assert results.votes_moved["p6_UR"] == 1115 - 445
    assert results.compared_official.figures.options["p6_UR"] == 1115 + 390


def test_it_reports_each_source_over_its_own_stations(reconciled, organization, contest):
    results = results_for(organization, contest)

    assert (results.observer.stations, results.official.stations) == (2, 3)
    assert results.observer.figures.options["p6_UR"] == 445 + 390
    assert results.official.figures.options["p6_UR"] == 1115 + 490 + 390


def test_it_computes_turnout_from_the_marked_lines_and_shares_of_option_votes(
    reconciled, organization, contest
):
    results = results_for(organization, contest)

    assert results.official.turnout == Decimal("60.40")  # (1790 + 1010 + 900) / 6126
    assert results.compared_official.turnout == Decimal("65.20")  # (1790 + 900) / 4126
    assert results.observer.turnout == Decimal("58.97")  # (1414 + 900) / 3924
    assert results.official.shares["p6_UR"] == Decimal("54.66")  # 1995 / 3650
    assert results.observer.shares["p6_UR"] == Decimal("37.14")  # 835 / 2248


def test_it_gives_the_side_by_side_rows_in_form_and_ballot_order(reconciled, organization, contest):
    rows = results_for(organization, contest).figure_rows

    assert [row.number for row in rows[:3]] == ["1", "2", "3"]
    assert (rows[0].observer, rows[0].official, rows[0].difference) == (2124 + 1800, 2326 + 1800, 202)
    assert [row.code for row in rows if row.kind == "option"][-2:] == ["p6_UR", "p7_RightCause"]


def test_it_lists_the_children_with_their_turnout_and_comparison(reconciled, organization, contest):
    children = results_for(organization, contest, "Город Москва").children

    assert [child.commission.name for child in children] == ["84 Пресненский район", "85 Тверской район"]
    presnensky = children[0]
    assert (
        presnensky.stations_with_copies,
        presnensky.stations_compared,
        presnensky.stations_discrepant,
    ) == (
        1,
        1,
        1,
    )
    assert presnensky.official_turnout == Decimal("64.72")  # (1790 + 1010) / 4326
    assert presnensky.observer_turnout == Decimal("66.57")  # 1414 / 2124


def test_it_lists_precincts_under_a_tec_with_their_stations(reconciled, organization, contest, station):
    children = results_for(organization, contest, "84 Пресненский район").children

    assert [child.commission.code for child in children] == ["91", "92"]
    assert children[0].station_id == station.pk
    assert (children[0].stations_compared, children[0].stations_discrepant) == (1, 1)
    assert (children[1].stations_with_copies, children[1].observer_turnout) == (0, None)
    assert children[1].official_turnout == Decimal("50.50")


def test_it_labels_the_lines_and_options_of_a_discrepant_station(reconciled, organization, contest, station):
    results = results_for(organization, contest)

    with translation.override("en"):
        page = selectors.discrepant_page(results, 1)

    [item] = page.object_list
    assert item.station == station
    first = item.differences[0]
    assert (first.number, first.label, first.observer, first.official) == (
        "1",
        "Voters on the list",
        2124,
        2326,
    )
    united_russia = next(row for row in item.differences if row.code == "p6_UR")
    assert (united_russia.label, united_russia.difference) == ("ЕР", 670)


def test_it_never_mixes_in_another_organisations_copies(
    reconciled, organization, other_organization, contest
):
    ours, theirs = results_for(organization, contest), results_for(other_organization, contest)

    assert ours.observer.figures.options["p6_UR"] == 835
    assert theirs.observer.figures.options["p6_UR"] == 777
    assert theirs.stations_discrepant == 1
    assert [s.station.number for s in selectors.discrepant_page(theirs, 1).object_list] == ["92"]


def test_it_shows_official_figures_before_any_comparison(
    contest, organization, tmp_path, django_capture_on_commit_callbacks
):
    path = write_official_file(tmp_path, [("85 Тверской район", "120", LINES_PEC_120, OPTIONS_PEC_120)])
    with django_capture_on_commit_callbacks(execute=True):
        snapshot, _ = services.import_stations_file(
            contest=contest, path=path, source="t", root_name="ЦИК России"
        )

    results = results_for(organization, contest)

    assert (results.run, results.snapshot, results.observer) == (None, snapshot, None)
    assert results.official.figures.options["p6_UR"] == 390
    assert results.stations_compared == 0


def test_it_compares_a_station_line_by_line_with_the_copys_findings(
    reconciled, organization, contest, station
):
    with translation.override("en"):
        results = selectors.station_results(organization=organization, contest=contest, station=station)

    assert results.is_discrepant is True
    assert [c.name for c in results.breadcrumb] == ["ЦИК России", "Город Москва", "84 Пресненский район"]
    first = results.rows[0]
    assert (first.observer, first.official, first.difference) == (2124, 2326, 202)
    [finding] = results.findings
    assert (finding.label, finding.lhs, finding.rhs, finding.difference) == (
        "Line 2 = 3 + 4 + 5 + 6 + 17 − 18",
        2200,
        2165,
        35,
    )


def test_it_lists_the_contests_an_organisation_has_data_for(reconciled, organization, contest, db):
    from observers.models import Organization

    silent = Organization.objects.create(slug="silent", name="No copies")

    assert list(selectors.contests_with_data(organization)) == [contest]
    assert list(selectors.contests_with_data(silent)) == []
