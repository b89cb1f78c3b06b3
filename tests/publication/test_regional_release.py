"""A release compared with official results published only per region (issue 22, scope 1 and 2).

Golos copied stations 91 and 120 of Moscow; the official file gives only regional totals, for
Moscow (3,000 stations) and St Petersburg (1,500 stations, no copy). Nothing was compared
station by station, so no page may speak of stations compared, stations in the official results
or votes moved; every figure carries what the copies cover.
"""

from __future__ import annotations

import csv

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from elections.models import Commission
from elections.services import StationRecord, ensure_hierarchy
from tallies import services
from tallies.models import OfficialProtocol, ReleaseCommission
from tallies.services.official_levels import import_level_file
from tests.publication.support import publish
from tests.support import LINES_PEC_91_COPY, LINES_PEC_120, OPTIONS_PEC_91_COPY, OPTIONS_PEC_120, submit

pytestmark = pytest.mark.django_db
MOSCOW, SPB = "Город Москва", "Санкт-Петербург"
PARTIES = ("p1_SR", "p2_LDPR", "p3_Patriots", "p4_KPRF", "p5_Yabloko", "p6_UR", "p7_RightCause")
MOSCOW_VOTES = (700_000, 500_000, 40_000, 900_000, 400_000, 2_100_000, 30_000)
SPB_VOTES = (300_000, 200_000, 10_000, 400_000, 100_000, 900_000, 10_000)


def regions_file(folder):
    path = folder / "regions.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        # Every line turnout needs (form lines 3, 4 and 5): an absent one is unknown, not 0.
        took_part = ["ballots_issued_early", "ballots_issued_in_station", "ballots_issued_outside"]
        writer.writerow(["region", "stations", "voters_on_list", *took_part, *PARTIES])
        writer.writerow([MOSCOW, "3000", "7200000", "30000", "4540000", "100000", *MOSCOW_VOTES])
        writer.writerow([SPB, "1500", "3800000", "10000", "1880000", "40000", *SPB_VOTES])
    return path


@pytest.fixture
def regional(contest, tmp_path, django_capture_on_commit_callbacks):
    """St Petersburg's one station (no copy) joins the list; the regional file is imported."""
    ensure_hierarchy(
        election=contest.election,
        root_name="ЦИК России",
        stations=[StationRecord((SPB, "Адмиралтейская"), "1")],
    )
    with django_capture_on_commit_callbacks(execute=True):
        snapshot, _ = import_level_file(contest=contest, path=regions_file(tmp_path), source="test")
    return snapshot


@pytest.fixture
def regional_release(
    regional,
    observer,
    organization,
    contest,
    admin,
    station,
    other_station,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(observer, contest, station, LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY)
        submit(observer, contest, other_station, LINES_PEC_120, OPTIONS_PEC_120)
    services.reconcile(organization_id=organization.pk, contest_id=contest.pk)
    return publish(organization, contest, admin)


def test_a_derived_national_total_counts_the_stations_of_the_regions_not_the_rows(regional, contest):
    root = Commission.objects.get(election=contest.election, parent__isnull=True)

    national = OfficialProtocol.objects.get(snapshot=regional, commission=root)

    assert national.is_derived and national.stations_count == 3000 + 1500  # not 2 (the rows)


def test_a_national_total_over_a_region_without_a_station_count_has_none(contest, tmp_path):
    path = tmp_path / "no-counts.csv"
    path.write_text(f"region,p6_UR\n{MOSCOW},5\n", encoding="utf-8")
    snapshot, _ = import_level_file(contest=contest, path=path, source="test")
    services.tally_official_snapshot(snapshot_id=snapshot.pk)

    national = snapshot.protocols.get(is_derived=True, commission__parent__isnull=True)

    assert national.stations_count == 0  # unknown, not 1


def test_the_release_invents_no_votes_moved_and_no_station_comparison(regional_release, client):
    root = regional_release.commissions.get(parent_id__isnull=True)
    assert root.stations_compared == 0 and root.figures["compared_observer"] is None

    page = client.get(regional_release.get_absolute_url()).content.decode()

    for claim in (
        "Votes moved",
        "stations compared",
        "stations in the official results",
        "Every compared station matches",
        "only the stations that both sources cover",
        "Stations where the copy differs",
    ):
        assert claim not in page
    assert "published only as regional totals" in page
    assert "+4" not in page  # no official-minus-observer difference of totals, e.g. +4,990,000


def test_a_region_page_says_its_level_and_coverage(regional_release, client, contest):
    moscow = regional_release.commissions.get(name=MOSCOW)

    page = client.get(f"{regional_release.get_absolute_url()}c/{moscow.commission_id}/").content.decode()

    assert "Votes moved" not in page and "stations compared" not in page
    assert "Observers' copies cover 2 of 3000 stations (0.07 %)" in page
    assert "They cover 4126 of 7200000 registered voters (0.06 %)" in page
    assert "Territorial commissions with copies: 2 of 2." in page


def test_the_national_coverage_counts_regions_and_tecs_and_sets_the_copied_regions_beside(
    regional_release, client
):
    coverage = regional_release.content["coverage"]

    assert (coverage["stations_with_copies"], coverage["stations_total"]) == (2, 4500)
    assert coverage["stations_source"] == "official"
    assert (coverage["regions_with_copies"], coverage["regions_total"]) == (1, 2)
    assert (coverage["tecs_with_copies"], coverage["tecs_total"]) == (2, 3)
    in_regions = coverage["official_in_regions_with_copies"]
    assert in_regions["regions"] == 1 and in_regions["stations"] == 3000
    assert in_regions["options"]["p6_UR"] == 2_100_000  # Moscow's alone, not Moscow's + St Petersburg's
    page = client.get(regional_release.get_absolute_url()).content.decode()
    assert "Regions with copies: 1 of 2." in page
    assert in_regions["turnout"] == "64.86"  # (30,000 + 4,540,000 + 100,000) of 7,200,000 voters
    assert "Official, regions with copies" in page and in_regions["turnout"] in page


def test_a_station_list_of_only_the_observed_stations_gives_no_total(regional, contest, tmp_path):
    """HAQ's case: the list holds only the stations with copies, so "2 of 2 (100 %)" would be false."""
    from tallies.selectors.copy_coverage import _list_incomplete, _Official, _Tally

    observed_only = _Tally(stations=2, stations_with_copies=2, votes_covered=2_000)

    assert _list_incomplete(observed_only, _Official(stations=0, voters=None, votes=7_000_000))
    assert not _list_incomplete(observed_only, None)


def test_votes_moved_needs_stations_compared_one_by_one():
    from tallies.selectors.release_layout import station_votes_moved, votes_moved

    totals = {
        "observer": {"stations": 505, "options": {"nur_otan": 100}},
        "official": {"stations": 10_000, "options": {"nur_otan": 5_517_894}},
        "compared_observer": None,
        "compared_official": None,
    }
    assert votes_moved(totals) == {}
    compared = {**totals, "compared_observer": {"stations": 2, "options": {"nur_otan": 90}}}
    compared["compared_official"] = {"stations": 2, "options": {"nur_otan": 95}}
    assert votes_moved(compared) == {"nur_otan": 5}
    station = {"observer": {"stations": 1, "options": {"a": 3}}, "official": None}
    assert station_votes_moved(station) == {}


def test_release_rows_of_regions_keep_their_coverage(regional_release):
    moscow = ReleaseCommission.objects.get(release=regional_release, name=MOSCOW)

    assert moscow.figures["coverage"]["stations_total"] == 3000
    assert moscow.figures["coverage"]["tecs_with_copies"] == 2


def test_the_coordinator_page_and_the_results_api_carry_coverage_and_no_votes_moved(
    regional_release, client, coordinator, contest
):
    client.force_login(coordinator)
    root = Commission.objects.get(election=contest.election, parent__isnull=True)
    api = APIClient()
    api.force_authenticate(coordinator)

    page = client.get(reverse("results-root", args=[contest.pk])).content.decode()
    data = api.get(reverse("api-contest-results", args=[contest.pk])).json()

    for claim in ("Votes moved", "stations compared", "stations in the official results", "Every compared"):
        assert claim not in page
    assert "Regions with copies: 1 of 2." in page and "Official, regions with copies" in page
    assert data["comparison_level"] == "region" and data["votes_moved"] == {}
    assert data["coverage"]["stations_total"] == 4500 and data["coverage"]["regions_with_copies"] == 1
    assert data["official_in_regions_with_copies"]["options"]["p6_UR"] == 2_100_000
    assert data["commission"]["id"] == root.pk


def test_the_public_api_and_the_dashboard_carry_the_coverage(regional_release, client, coordinator, contest):
    moscow = regional_release.commissions.get(name=MOSCOW)
    url = reverse("public-api-commissions", args=[regional_release.pk])
    rows = {row["name"]: row for row in client.get(url).json()["results"]}
    client.force_login(coordinator)

    board = client.get(reverse("dashboard", args=[contest.pk])).content.decode()

    assert rows[MOSCOW]["figures"]["coverage"]["stations_total"] == 3000
    assert moscow.figures["coverage"]["registered_voters_total"] == 7_200_000
    assert "Regions with copies: 1 of 2." in board and "Official, regions with copies" in board


def test_the_release_publishes_every_region_with_its_caveats_as_data(regional_release, client):
    regions = {row["name"]: row for row in regional_release.content["regions"]}

    assert set(regions) == {MOSCOW, SPB}  # St Petersburg has no copy: listed all the same
    assert regions[SPB]["status"] == "no_copies" and regions[SPB]["caveats"] == ["no_copies"]
    moscow = regions[MOSCOW]
    assert moscow["status"] == "no_margin" and moscow["turnout"]["margin"] is None
    assert moscow["no_margin_reasons"] == ["few_stations", "few_tecs"]
    assert "implied_assumes_unchanged" in moscow["caveats"] and "not_random" in moscow["caveats"]
    assert moscow["shares"]["p6_UR"]["official"] == "44.97"  # 2,100,000 of 4,670,000 option votes
    files = {f.name: f for f in regional_release.files.all()}
    assert "regions.csv" in files
    assert "regions.csv" in files["manifest.json"].content.decode()
    csv_text = files["regions.csv"].content.decode("utf-8-sig")
    assert "no_copies" in csv_text and "p6_UR_implied" in csv_text.splitlines()[0]

    page = client.get(regional_release.get_absolute_url()).content.decode()

    assert "Every region against its official total" in page
    assert "No copies: nothing observed, nothing compared." in page
    assert "at least 30 stations in at least 5 territorial commissions" in page
    assert "entered the official total unchanged" in page


def test_the_regional_comparison_api_and_csv(regional_release, coordinator, contest, client):
    api = APIClient()
    api.force_authenticate(coordinator)
    client.force_login(coordinator)

    data = api.get(reverse("api-regional-comparison", args=[contest.pk])).json()
    csv_text = client.get(reverse("results-regions-export", args=[contest.pk])).content.decode("utf-8-sig")

    assert [row["status"] for row in data["regions"]] == ["no_margin", "no_copies"]
    assert data["caveats"]["few_tecs"].startswith("Copies from fewer than 5")
    assert csv_text.splitlines()[0].startswith("region,status,stations_with_copies")
    assert len(csv_text.splitlines()) == 3


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_regional_release_is_translated(regional_release, client, language):
    page = client.get(regional_release.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()

    for english in (
        "Every region against its official total",
        "No copies: nothing observed, nothing compared.",
        "Regions with copies",
        "The official results are published only as",
        "Implied figures.",
    ):
        assert english not in page


def test_the_discrepancy_page_ranks_no_tec_by_votes_moved_against_regional_totals(
    regional_release, coordinator, contest, client
):
    client.force_login(coordinator)

    page = client.get(reverse("results-discrepancies", args=[contest.pk])).content.decode()

    assert "ranked by net votes moved" not in page and "it needs official station protocols" in page


def test_with_only_the_observed_stations_known_the_release_gives_no_station_total(
    contest,
    observer,
    organization,
    admin,
    station,
    other_station,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    """Issue 22: "505 of 505 stations (100.00 %)" when the list holds only the observed stations."""
    path = tmp_path / "no-counts.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["region", "voters_on_list", *PARTIES])
        writer.writerow([MOSCOW, "7200000", *MOSCOW_VOTES])
    with django_capture_on_commit_callbacks(execute=True):
        import_level_file(contest=contest, path=path, source="test")
        submit(observer, contest, station, LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY)
        submit(observer, contest, other_station, LINES_PEC_120, OPTIONS_PEC_120)
    services.reconcile(organization_id=organization.pk, contest_id=contest.pk)
    release = publish(organization, contest, admin)

    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(release.get_absolute_url()).content.decode()

    coverage = release.content["coverage"]
    assert coverage["stations_with_copies"] == 2 and coverage["stations_total"] is None
    assert coverage["stations_percent"] is None
    assert "how many stations there are in all is not known" in page and "(100" not in page
