"""The results selectors: figures by source, the comparison, children, discrepant stations.

The `reconciled` fixture (also used by the page and API tests) builds election night in
miniature: official protocols for stations 91, 92 and 120; Golos's observers copied 91 (the real
2011 copy, which differs) and 120 (identical to the official protocol); another organisation
copied 92 with 777 votes for United Russia, which Golos must never see.
"""

from __future__ import annotations

import csv
import uuid
from decimal import Decimal

import pytest
from django.utils import translation

from elections.models import Commission, PollingStation
from tallies import selectors, services
from tallies.models import ProtocolCopy
from tests.conftest import (
    LINES_PEC_91_COPY,
    LINES_PEC_91_OFFICIAL,
    OPTIONS_PEC_91_COPY,
    OPTIONS_PEC_91_OFFICIAL,
)

pytestmark = pytest.mark.django_db

LINES_PEC_92 = {
    **LINES_PEC_91_OFFICIAL,
    "voters_on_list": 2000,
    "ballots_received": 1800,
    "ballots_issued_in_station": 1000,
    "ballots_issued_outside": 10,
    "ballots_cancelled": 790,
    "ballots_in_portable_boxes": 10,
    "ballots_in_stationary_boxes": 1000,
    "ballots_invalid": 10,
    "ballots_valid": 1000,
    "absentee_certs_received": 50,
    "absentee_certs_issued_at_station": 20,
    "absentee_certs_cancelled": 30,
}
OPTIONS_PEC_92 = {"p1_SR": 100, "p2_LDPR": 100, "p3_Patriots": 10, "p4_KPRF": 200, "p5_Yabloko": 90}
OPTIONS_PEC_92 |= {"p6_UR": 490, "p7_RightCause": 10}
LINES_PEC_120 = {
    **LINES_PEC_92,
    "voters_on_list": 1800,
    "ballots_received": 1500,
    "ballots_issued_in_station": 900,
    "ballots_issued_outside": 0,
    "ballots_cancelled": 600,
    "ballots_in_portable_boxes": 0,
    "ballots_in_stationary_boxes": 900,
    "ballots_invalid": 0,
    "ballots_valid": 900,
}
OPTIONS_PEC_120 = {**OPTIONS_PEC_92, "p3_Patriots": 0, "p4_KPRF": 150, "p5_Yabloko": 150, "p6_UR": 390}
OFFICIAL_FILE = "official-test.csv"


def write_official_file(folder, rows) -> str:
    """Write station protocols in the "codes" format: region, tik, uik, lines, options."""
    path = folder / OFFICIAL_FILE
    line_codes, option_codes = list(LINES_PEC_91_OFFICIAL), list(OPTIONS_PEC_91_OFFICIAL)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["region", "tik", "uik", *line_codes, *option_codes])
        for tec, number, lines, options in rows:
            writer.writerow(
                [
                    "Город Москва",
                    tec,
                    number,
                    *(lines[c] for c in line_codes),
                    *(options[c] for c in option_codes),
                ]
            )
    return path


def submit(observer, contest, station, lines, options) -> ProtocolCopy:
    return services.submit_protocol_copy(
        observer=observer,
        contest=contest,
        station=station,
        lines=lines,
        options=options,
        client_uuid=uuid.uuid4(),
        channel=ProtocolCopy.Channel.WEB,
    ).copy


@pytest.fixture
def reconciled(
    contest, station, other_station, observer, other_observer, tmp_path, django_capture_on_commit_callbacks
):
    """Import official figures, submit both organisations' copies, reconcile; return Golos's run."""
    path = write_official_file(
        tmp_path,
        [
            ("84 Пресненский район", "91", LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL),
            ("84 Пресненский район", "92", LINES_PEC_92, OPTIONS_PEC_92),
            ("85 Тверской район", "120", LINES_PEC_120, OPTIONS_PEC_120),
        ],
    )
    station_92 = PollingStation.objects.get(pec__election=contest.election, number="92")
    with django_capture_on_commit_callbacks(execute=True):
        services.import_stations_file(contest=contest, path=path, source="test", root_name="ЦИК России")
    with django_capture_on_commit_callbacks(execute=True):
        submit(observer, contest, station, LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY)
        submit(observer, contest, other_station, LINES_PEC_120, OPTIONS_PEC_120)
        submit(other_observer, contest, station_92, LINES_PEC_92, {**OPTIONS_PEC_92, "p6_UR": 777})
    services.reconcile(organization_id=other_observer.organization_id, contest_id=contest.pk)
    return services.reconcile(organization_id=observer.organization_id, contest_id=contest.pk)


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
