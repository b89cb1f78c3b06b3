"""The comparison picks the finest level the official data allows and says which level it compared.

Station protocols → station by station; region totals → the region's tally with coverage and a
margin; national totals only (Kazakhstan 2023) → the nation, with the same caveats.
"""

from __future__ import annotations

import csv
import uuid

import pytest
from django.urls import reverse

from elections.models import PollingStation
from elections.services import (
    StationRecord,
    define_election,
    define_protocol_form,
    ensure_hierarchy,
    shipped_spec,
)
from observers.models import Observer
from tallies import services, tasks
from tallies.models import AnalysisRun, ProtocolCopy
from tallies.services import comparison
from tallies.services.official_levels import import_level_file
from tests.support import (
    LINES_PEC_91_COPY,
    LINES_PEC_120,
    OPTIONS_PEC_91_COPY,
    OPTIONS_PEC_120,
    shared_data,
    submit,
)

pytestmark = pytest.mark.django_db
MOSCOW = "Город Москва"


def run_for(organization, contest, snapshot=None) -> AnalysisRun:
    return comparison.run_comparison(
        organization_id=organization.pk, contest_id=contest.pk, snapshot_id=snapshot.pk if snapshot else None
    )


def test_it_compares_station_by_station_when_the_snapshot_has_station_protocols(
    reconciled, organization, contest
):
    run = run_for(organization, contest)

    result = run.result
    assert run.kind == "comparison" and run.status == "done"
    assert run.inputs["level"] == "PEC" and run.inputs["snapshot_id"] == reconciled.snapshot_id
    assert result["level"] == "station" and not result["is_partial"] and result["aggregates"] == []
    station = result["station"]
    assert (station["official_stations"], station["stations_total"], station["stations_compared"]) == (
        3,
        3,
        2,
    )
    assert station["classes"] == {"match": 1, "turnout": 0, "party": 0, "both": 1, "other": 0}
    assert result["caveats"] == []


def test_it_records_the_inputs_and_reuses_a_run_until_a_copy_arrives(
    reconciled, organization, contest, observer, django_capture_on_commit_callbacks
):
    first = run_for(organization, contest)
    assert run_for(organization, contest) == first

    station_92 = PollingStation.objects.get(pec__election=contest.election, number="92")
    with django_capture_on_commit_callbacks(execute=True):
        copy = submit(observer, contest, station_92, LINES_PEC_120, OPTIONS_PEC_120)

    second = run_for(organization, contest)
    assert second != first and second.inputs["newest_copy_id"] == copy.pk
    assert second.result["station"]["stations_compared"] == 3


def test_it_says_there_is_nothing_to_compare_without_official_results(contest, organization):
    run = run_for(organization, contest)

    assert run.result["level"] == "none" and run.result["caveats"] == ["no_official"]
    assert run.inputs["snapshot_id"] is None


def test_it_stores_a_failure_on_the_run(reconciled, organization, contest, monkeypatch):
    def broken(**kwargs):
        raise ValueError("broken on purpose")

    monkeypatch.setattr(comparison, "compare", broken)

    run = run_for(organization, contest)

    assert run.status == "failed" and "broken on purpose" in run.error and run.finished_at


def test_the_task_is_registered_with_the_tallies_tasks_and_returns_the_run(reconciled, organization, contest):
    run_id = tasks.run_comparison.delay(organization_id=organization.pk, contest_id=contest.pk).get()

    assert AnalysisRun.objects.get(pk=run_id).result["level"] == "station"


# Region totals only: Moscow's official totals (3 stations) against copies of 91 and 120.

REGION_HEADER = ["region", "voters_on_list", "ballots_issued_early", "ballots_issued_in_station"]
REGION_HEADER += ["ballots_issued_outside", "p1_SR", "p2_LDPR", "p3_Patriots", "p4_KPRF", "p5_Yabloko"]
REGION_HEADER += ["p6_UR", "p7_RightCause"]
MOSCOW_OFFICIAL = [MOSCOW, 6126, 0, 3671, 29, 293, 457, 11, 630, 243, 1995, 21]


@pytest.fixture
def region_only(contest, station, other_station, observer, tmp_path, django_capture_on_commit_callbacks):
    """Moscow's official totals as the only official data; Alice copied stations 91 and 120."""
    path = tmp_path / "regions.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([REGION_HEADER, MOSCOW_OFFICIAL])
    with django_capture_on_commit_callbacks(execute=True):
        snapshot, _ = import_level_file(contest=contest, path=path, source="test")
        submit(observer, contest, station, LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY)
        submit(observer, contest, other_station, LINES_PEC_120, OPTIONS_PEC_120)
    return snapshot


def test_it_compares_the_region_with_coverage_when_only_region_totals_exist(
    region_only, organization, contest
):
    result = run_for(organization, contest).result

    assert result["level"] == "region" and result["station"] is None
    assert result["caveats"] == ["aggregate_only", "not_random"]
    (moscow,) = result["aggregates"]
    assert moscow["name"] == MOSCOW and moscow["level"] == "region"
    coverage = moscow["coverage"]
    assert (coverage["stations_with_copies"], coverage["stations_total"], coverage["stations_source"]) == (
        2,
        3,
        "app",
    )
    assert coverage["stations_percent"] == "66.67"
    # registered voters at 91 and 120 (2326 + 1800) of the official 6126 on the lists
    assert (coverage["voters_covered"], coverage["voters_total"], coverage["voters_source"]) == (
        4126,
        6126,
        "official",
    )
    assert coverage["voters_percent"] == "67.35"
    assert moscow["observer"]["options"]["p6_UR"] == 445 + 390  # the organisation's tally of Moscow


def test_two_copies_of_two_tecs_get_no_margin_and_no_outside_the_margin(region_only, organization, contest):
    """Issue 22: "Karaganda ±6.77 from 4 copies of one TEC (1.96 used at n = 4)"; here 2 copies, 2 TECs."""
    moscow = run_for(organization, contest).result["aggregates"][0]
    turnout = moscow["turnout"]

    # Copies: 91 took part 0 + 1393 + 21 = 1414 of 2124; 120: 900 of 1800. p = 2314 / 3924 = 58.97 %.
    assert (turnout["observer"], turnout["margin"], turnout["stations"]) == ("58.97", None, 2)
    # Official: (0 + 3671 + 29) / 6126 = 60.40 %: a difference, but no margin to be outside of.
    assert (turnout["official"], turnout["difference"], turnout["outside_margin"]) == ("60.40", "1.43", None)
    assert moscow["uncertainty"]["reasons"] == ["few_stations", "few_tecs"]
    assert (moscow["uncertainty"]["tecs"], moscow["uncertainty"]["tecs_total"]) == (2, 2)


def test_a_share_far_from_the_official_one_is_not_called_outside_a_margin_it_has_not(
    region_only, organization, contest
):
    shares = {s["code"]: s for s in run_for(organization, contest).result["aggregates"][0]["shares"]}

    united_russia = shares["p6_UR"]
    assert united_russia["official"] == "54.66"  # 1995 / 3650 option votes
    assert (united_russia["observer"], united_russia["margin"]) == ("37.14", None)  # 835 / 2248
    assert (united_russia["difference"], united_russia["outside_margin"]) == ("17.52", None)


def test_it_gives_what_the_official_total_implies_for_the_stations_without_copies(
    region_only, organization, contest
):
    moscow = run_for(organization, contest).result["aggregates"][0]

    # Official 1995 UR of 3650 option votes, copies 445 + 390 = 835 of 2248: 1160 / 1402 = 82.74 %.
    united_russia = next(s for s in moscow["shares"] if s["code"] == "p6_UR")
    assert united_russia["implied"] == "82.74"
    # Turnout: (3700 − 2314) / (6126 − 3924) = 1386 / 2202 = 62.94 %.
    assert moscow["turnout"]["implied"] == "62.94"
    # Yabloko: the copies hold 271 + 150 = 421 votes, the official total of the whole region 243.
    # The assumption (the observed protocols entered the total unchanged) cannot hold: said so.
    yabloko = next(s for s in moscow["shares"] if s["code"] == "p5_Yabloko")
    assert yabloko["implied"] is None
    assert moscow["unobserved"] == {"stations": 1, "voters": 2000, "consistent": False}


# National totals only: Kazakhstan 2023 (kz-national-results), a small station list, three copies.

KZ_LINES = {
    "voters_on_list": 1000,
    "voters_on_supplementary_list": 0,
    "ballots_received": 1000,
    "ballots_issued_in_station": 600,
    "ballots_issued_outside": 0,
    "ballots_unused": 400,
    "ballots_spoiled": 0,
    "ballots_in_stationary_boxes": 600,
    "ballots_in_portable_boxes": 0,
    "voters_took_part": 600,
    "ballots_invalid": 0,
    "ballots_valid": 600,
}
KZ_OPTIONS = {"amanat": 300, "auyl": 60, "respublica": 60, "ak_zhol": 60, "peoples_party": 40}
KZ_OPTIONS |= {"osdp": 40, "baytaq": 20, "against_all": 20}


@pytest.fixture
def kazakhstan(organization, django_capture_on_commit_callbacks):
    """The 2023 Mazhilis party list: official national totals, four stations, copies of three."""
    data = shared_data()
    define_protocol_form(spec=shipped_spec("forms", "kz-mazhilis-party-list"))
    election = define_election(spec=shipped_spec("specs", "kz-mazhilis-2023"))
    contest = election.contests.get()
    ensure_hierarchy(
        election=election,
        root_name="ЦИК РК",
        stations=[StationRecord(("Алматы", "Алмалинская"), str(n), 1000) for n in (1, 2)]
        + [StationRecord(("Астана", "Есильская"), str(n), None) for n in (3, 4)],
    )
    services.import_official_results(
        contest=contest,
        path=data / "kz-national-results" / "kz_national_results.csv",
        election_key="kz-majilis-2023",
        source="CEC of Kazakhstan via kz-national-results",
        root_name="ЦИК РК",
    )
    partner = Observer.objects.create(organization=organization, display_name="Partner file")
    with django_capture_on_commit_callbacks(execute=True):
        for number, amanat in (("1", 300), ("2", 340), ("3", 240)):
            services.submit_protocol_copy(
                observer=partner,
                contest=contest,
                station=PollingStation.objects.get(pec__election=election, number=number),
                lines=KZ_LINES,
                options={**KZ_OPTIONS, "amanat": amanat, "auyl": 60 + 300 - amanat},
                client_uuid=uuid.uuid4(),
                channel=ProtocolCopy.Channel.IMPORT,
            )
    return contest


def test_it_compares_the_nation_when_only_national_totals_exist(kazakhstan, organization):
    result = run_for(organization, kazakhstan).result

    assert result["level"] == "nation" and result["station"] is None
    (nation,) = result["aggregates"]
    assert nation["level"] == "nation" and nation["name"] == "ЦИК РК"
    coverage = nation["coverage"]
    assert (coverage["stations_with_copies"], coverage["stations_total"]) == (3, 4)
    assert coverage["votes_covered"] == 1800 and coverage["votes_official"] == 6_366_441
    assert coverage["votes_percent"] == "0.03"
    # Two stations lack registered voters and the official file gives none: the total is unknown.
    assert (coverage["voters_covered"], coverage["voters_total"]) == (3000, None)


def test_it_warns_that_the_station_list_is_incomplete_and_drops_the_correction(kazakhstan, organization):
    result = run_for(organization, kazakhstan).result

    assert result["caveats"] == ["aggregate_only", "not_random", "station_list_incomplete"]
    nation = result["aggregates"][0]
    assert nation["station_list_incomplete"] is True
    amanat = next(s for s in nation["shares"] if s["code"] == "amanat")
    assert (amanat["observer"], amanat["official"]) == ("48.89", "53.90")  # 880 / 1800; 3,431,510 / 6,366,441
    # Three copies in two TECs: no margin (it was ±9.49 with 1.96, as if 3 stations made a sample).
    assert amanat["margin"] is None and amanat["outside_margin"] is None
    assert nation["turnout"]["official"] is None  # the 2023 file gives no voters on the lists


# Pages


def test_the_page_computes_on_request_and_then_shows_the_stored_comparison(region_only, carol, contest):
    url = reverse("results-comparison", args=[contest.pk])
    assert "not been computed" in carol.get(url, headers={"Accept-Language": "en"}).content.decode()

    response = carol.post(url, {"snapshot": region_only.pk}, headers={"Accept-Language": "en"})
    assert response.status_code == 302

    page = carol.get(response["Location"], headers={"Accept-Language": "en"})
    text = page.content.decode()
    assert page.context["stored"].is_current
    assert "regional totals" in text and "Up to date." in text
    assert "not a random sample" in text and ">58.97<" in text and "±" not in text
    assert "of 3 stations have a copy (66.67 %)" in text
    assert "Fewer than 30 stations with copies" in text and "outside the margin" not in text
    assert "Implied for the stations without copies" in text and ">62.94<" in text
    assert "entered the official total unchanged" in text and "the assumption fails here" in text


def test_a_request_with_the_broker_down_says_the_comparison_was_not_started(
    region_only, carol, contest, broker_down
):
    broker_down(tasks.run_comparison)
    url = reverse("results-comparison", args=[contest.pk])

    response = carol.post(url, {"snapshot": region_only.pk}, headers={"Accept-Language": "en"}, follow=True)

    text = response.content.decode()
    assert response.status_code == 200 and "could not be started just now" in text
    assert "being computed" not in text and "not been computed" in text
    assert not AnalysisRun.objects.filter(kind=AnalysisRun.Kind.COMPARISON).exists()


def test_the_page_says_when_the_stored_comparison_is_out_of_date(
    region_only, carol, contest, organization, observer, django_capture_on_commit_callbacks
):
    run_for(organization, contest)
    station_92 = PollingStation.objects.get(pec__election=contest.election, number="92")
    with django_capture_on_commit_callbacks(execute=True):
        submit(observer, contest, station_92, LINES_PEC_120, OPTIONS_PEC_120)

    response = carol.get(reverse("results-comparison", args=[contest.pk]), headers={"Accept-Language": "en"})

    assert not response.context["stored"].is_current
    assert "compute again" in response.content.decode()


def test_the_station_level_page_shows_the_classes(reconciled, carol, contest, organization):
    run_for(organization, contest)

    text = carol.get(
        reverse("results-comparison", args=[contest.pk]), headers={"Accept-Language": "en"}
    ).content
    assert "station by station" in text.decode() and "Both turnout lines and votes differ" in text.decode()


def test_the_page_is_for_coordinators_of_the_organisation_only(region_only, client, observer, contest):
    client.force_login(observer.user)

    assert client.get(reverse("results-comparison", args=[contest.pk])).status_code == 403
    assert client.post(reverse("results-comparison", args=[contest.pk])).status_code == 403


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_the_comparison_pages_render_in_each_language(reconciled, carol, contest, organization, language):
    run_for(organization, contest)
    headers = {"Accept-Language": language}

    for name in ("results-comparison", "results-discrepancies", "results-snapshot-diff"):
        response = carol.get(reverse(name, args=[contest.pk]), headers=headers)
        assert response.status_code == 200
        assert f'lang="{language}"' in response.content.decode()
