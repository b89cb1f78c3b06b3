"""Discrepancy classes per station, votes moved, roll-ups per TEC and region, the TEC ranking."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from elections.models import Commission, PollingStation
from elections.protocol import Figures
from observers.models import Observer
from tallies import services
from tallies.models import FigureLayout, OfficialProtocol, OfficialSnapshot
from tallies.selectors import comparison as selectors
from tallies.selectors import discrepancies
from tallies.selectors.layout import Layout
from tests.support import (
    LINES_PEC_91_OFFICIAL,
    LINES_PEC_92,
    LINES_PEC_120,
    OPTIONS_PEC_91_OFFICIAL,
    OPTIONS_PEC_92,
    OPTIONS_PEC_120,
    import_copy,
    write_official_file,
)

pytestmark = pytest.mark.django_db
PRESNYA, TVER, ARBAT = "84 Пресненский район", "85 Тверской район", "86 Арбат"
TURNOUT = frozenset({"voters_on_list", "ballots_issued_in_station", "ballots_in_stationary_boxes"})


@pytest.mark.parametrize(
    ("differences", "kind"),
    [
        ({"lines": {}, "options": {}}, "match"),
        ({"lines": {"voters_on_list": [2124, 2326]}, "options": {}}, "turnout"),
        ({"lines": {"ballots_in_stationary_boxes": [1369, 1771]}}, "turnout"),
        ({"lines": {}, "options": {"p6_UR": [445, 1115]}}, "party"),
        ({"lines": {"ballots_issued_in_station": [1, 2]}, "options": {"p6_UR": [445, 1115]}}, "both"),
        ({"lines": {"ballots_cancelled": [746, 410]}, "options": {}}, "other"),
        ({"lines": {"ballots_cancelled": [746, 410]}, "options": {"p1_SR": [1, 2]}}, "party"),
    ],
)
def test_it_classes_a_station_by_the_lines_that_differ(differences, kind):
    assert discrepancies.classify(differences, TURNOUT) == kind


def test_turnout_lines_are_the_turnout_flags_plus_the_ballots_found_in_the_boxes(contest):
    codes = discrepancies.turnout_codes(Layout.of(contest))

    assert codes == {
        "voters_on_list",
        "ballots_issued_early",
        "ballots_issued_in_station",
        "ballots_issued_outside",
        "ballots_in_portable_boxes",
        "ballots_in_stationary_boxes",
    }


def test_it_counts_votes_moved_as_official_minus_observer():
    moved = discrepancies.votes_moved({"options": {"p6_UR": [445, 1115], "p5_Yabloko": [271, 3]}})

    assert moved == {"p6_UR": 670, "p5_Yabloko": -268}


def test_it_classes_the_reconciled_stations(reconciled):
    assert discrepancies.class_counts(reconciled) == {
        "match": 1,
        "turnout": 0,
        "party": 0,
        "both": 1,
        "other": 0,
    }
    (station_91,) = discrepancies.station_discrepancies(reconciled)
    assert station_91.kind == "both"
    assert station_91.votes_moved == {
        "p1_SR": -100,
        "p2_LDPR": 135,
        "p3_Patriots": -19,
        "p5_Yabloko": -268,
        "p6_UR": 670,
        "p7_RightCause": -16,
    }


def test_it_rolls_the_reconciled_stations_up_per_tec_and_region(reconciled):
    tecs = {r.commission.name: r for r in discrepancies.rollups(reconciled, Commission.Level.TEC)}
    (moscow,) = discrepancies.rollups(reconciled, Commission.Level.SEC)

    assert (
        tecs[PRESNYA].stations_compared,
        tecs[PRESNYA].stations_changed,
        tecs[PRESNYA].moved("p6_UR"),
    ) == (1, 1, 670)
    assert (tecs[TVER].stations_compared, tecs[TVER].stations_changed, tecs[TVER].votes_moved) == (1, 0, {})
    assert (moscow.stations_compared, moscow.stations_changed, moscow.moved("p6_UR")) == (2, 1, 670)
    assert moscow.classes == {"match": 1, "turnout": 0, "party": 0, "both": 1, "other": 0}


def copy(observer, contest, number, lines, options):
    """A partner's file's copy of the station numbered `number` (tests.support.import_copy)."""
    station = PollingStation.objects.get(pec__election=contest.election, number=number)
    return import_copy(observer, contest, station, options, lines)


@pytest.fixture
def three_tecs(contest, organization, tmp_path, django_capture_on_commit_callbacks):
    """Official protocols in three TECs; copies show 670 votes moved to UR in Presnya, 90 in Arbat,
    and 10 moved away from UR in Tver. Return the reconciliation run."""
    arbat_official = {**OPTIONS_PEC_92, "p6_UR": 580, "p4_KPRF": 110}
    path = write_official_file(
        tmp_path,
        [
            (PRESNYA, "91", LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL),
            (TVER, "120", LINES_PEC_120, OPTIONS_PEC_120),
            (ARBAT, "130", LINES_PEC_92, arbat_official),
        ],
    )
    partner = Observer.objects.create(organization=organization, display_name="Partner file")
    with django_capture_on_commit_callbacks(execute=True):
        services.import_stations_file(contest=contest, path=path, source="test", root_name="ЦИК России")
        copy(
            partner,
            contest,
            "91",
            LINES_PEC_91_OFFICIAL,
            {**OPTIONS_PEC_91_OFFICIAL, "p6_UR": 445, "p4_KPRF": 950},
        )
        copy(partner, contest, "120", LINES_PEC_120, {**OPTIONS_PEC_120, "p6_UR": 400, "p4_KPRF": 140})
        copy(partner, contest, "130", LINES_PEC_92, OPTIONS_PEC_92)
    return services.reconcile(organization_id=organization.pk, contest_id=contest.pk)


def test_it_ranks_tecs_by_net_votes_moved_to_the_leading_option(three_tecs):
    leading, ranking = discrepancies.tec_ranking(three_tecs)

    assert leading == "p6_UR"  # the most official votes
    assert [(r.commission.name, r.moved("p6_UR")) for r in ranking] == [
        (PRESNYA, 670),
        (ARBAT, 90),
        (TVER, -10),
    ]
    assert [r.stations_changed for r in ranking] == [1, 1, 1]
    assert discrepancies.class_counts(three_tecs)["party"] == 3


def test_it_exports_the_ranking_as_csv_in_the_same_order(three_tecs, client, coordinator, contest):
    client.force_login(coordinator)

    response = client.get(
        reverse("results-tec-ranking-export", args=[contest.pk]), headers={"Accept-Language": "en"}
    )

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == [
        "Rank",
        "Territorial commission",
        "Stations compared",
        "Stations whose protocol was changed",
    ]
    assert [row[:4] for row in rows[1:]] == [
        ["1", PRESNYA, "1", "1"],
        ["2", ARBAT, "1", "1"],
        ["3", TVER, "1", "1"],
    ]
    united_russia = rows[0].index("ЕР")
    assert [row[united_russia] for row in rows[1:]] == ["670", "90", "-10"]


def test_the_page_shows_classes_regions_and_the_ranking(three_tecs, client, coordinator, contest):
    client.force_login(coordinator)

    response = client.get(
        reverse("results-discrepancies", args=[contest.pk]), headers={"Accept-Language": "en"}
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "Party or candidate votes differ" in text and ">+670<" in text and ">-10<" in text
    assert text.index(PRESNYA) < text.index(ARBAT) < text.index(TVER)
    assert response.context["report"].leading_label == "ЕР"


def test_the_page_says_when_there_is_no_station_comparison(contest, client, coordinator):
    client.force_login(coordinator)

    response = client.get(
        reverse("results-discrepancies", args=[contest.pk]), headers={"Accept-Language": "en"}
    )

    assert response.status_code == 200 and "No station-by-station comparison" in response.content.decode()


def test_a_figure_missing_from_the_official_protocol_is_not_a_discrepancy(
    contest, other_station, observer, organization, django_capture_on_commit_callbacks
):
    snapshot = OfficialSnapshot.objects.create_with_layout(
        contest=contest, level="PEC", source="photos", file_name="photos.csv", file_sha256="1" * 64
    )
    legible = {c: v for c, v in OPTIONS_PEC_120.items() if c != "p7_RightCause"}  # not legible on the photo
    OfficialProtocol.objects.create(
        snapshot=snapshot,
        commission=other_station.pec,
        figure_values=FigureLayout.of_contest(contest).values_from(Figures(LINES_PEC_120, legible)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        copy(observer, contest, "120", LINES_PEC_120, OPTIONS_PEC_120)
    run = services.reconcile(organization_id=organization.pk, contest_id=contest.pk)

    assert not run.stations.get().is_discrepant  # a figure the official protocol lacks is not compared
    assert discrepancies.class_counts(run)["match"] == 1
    assert selectors.discrepancy_report(run).ranking[0].moved == [0] * 7
