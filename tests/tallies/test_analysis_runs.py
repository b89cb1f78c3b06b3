"""Analysis runs: Kazakh seats from the national results, observer against official seats,
forensics on clean and stuffed station data, reuse of runs whose inputs did not change.

`kz_contest` (tests/tallies/samples.py) loads a Mazhilis election from elections/specs (with its
seat rule) and imports the CEC's national totals from kz-national-results, as an organisation would.
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.utils import translation

from elections.models import SeatRule
from elections.services import SpecError, define_election, define_protocol_form, shipped_spec
from tallies import services
from tallies.analysis import seats as arithmetic
from tallies.models import AnalysisRun
from tallies.services import analysis
from tests.tallies.samples import clean_stations, kz_contest, write_stations

pytestmark = pytest.mark.django_db

SEATS, FORENSICS = AnalysisRun.Kind.SEATS, AnalysisRun.Kind.FORENSICS
SEATS_2021 = {"nur_otan": 76, "ak_zhol": 12, "peoples_party": 10, "auyl": 0, "adal": 0}
SEATS_2023 = {"amanat": 40, "auyl": 8, "respublica": 6, "ak_zhol": 6, "peoples_party": 5, "osdp": 4}
SEATS_2023 |= {"baytaq": 0}


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (the default language is Russian once catalogs exist)."""
    with translation.override("en"):
        yield


def run(organization, contest, kind, capture, **parameters) -> AnalysisRun:
    """Request a run and let its Celery task run (eager) when the transaction commits."""
    with capture(execute=True):
        requested = analysis.request_run(
            organization=organization, contest=contest, kind=kind, parameters=parameters
        )
    requested.refresh_from_db()
    return requested


def test_it_gives_the_2011_duma_contest_its_seat_rule_from_the_spec(contest):
    rule = SeatRule.objects.get(contest=contest)

    assert (rule.seats, rule.threshold_percent, rule.threshold_base) == (
        450,
        Decimal("7"),
        "voters_took_part",
    )
    assert rule.method == "hare_largest_remainder" and not rule.next_party_if_single


def test_it_creates_the_contest_seat_rule_from_the_election_spec():
    contest = kz_contest(2023)

    rule = SeatRule.objects.get(contest=contest)

    assert (rule.seats, rule.threshold_percent, rule.threshold_base) == (69, Decimal("5"), "voters_took_part")
    assert rule.method == "hare_largest_remainder" and rule.next_party_if_single
    assert "97-1" in rule.source


def test_it_refuses_a_seat_rule_with_an_unknown_key_or_method():
    define_protocol_form(spec=shipped_spec("forms", "kz-mazhilis-party-list"))
    spec = shipped_spec("specs", "kz-mazhilis-2021")
    spec["contests"][0]["seat_rule"] |= {"method": "lottery"}

    with pytest.raises(SpecError, match=r"contests\[party-list\].seat_rule: .*method"):
        define_election(spec=spec)


def test_it_reproduces_the_official_2021_seats_76_12_10(organization, django_capture_on_commit_callbacks):
    contest = kz_contest(2021)

    done = run(organization, contest, SEATS, django_capture_on_commit_callbacks)

    assert done.status == AnalysisRun.Status.DONE
    assert done.result["official"]["seats"] == SEATS_2021
    assert done.result["official"]["passed"] == ["nur_otan", "ak_zhol", "peoples_party"]
    assert done.result["official"]["quota"] == "67346.13"  # 6,599,921 votes / 98 seats
    assert done.result["observer"] is None and done.result["changes"] is None


def test_it_reproduces_the_2023_list_seats_on_voters_who_took_part(
    organization, django_capture_on_commit_callbacks
):
    contest = kz_contest(2023)

    done = run(organization, contest, SEATS, django_capture_on_commit_callbacks)

    official = done.result["official"]
    assert official["seats"] == SEATS_2023
    assert "against_all" not in official["seats"] and "against_all" not in official["votes"]
    assert official["voters_took_part"] == 6_366_441
    assert official["threshold"] == "318322.05"  # 5 % of the voters who took part


def test_it_records_the_inputs_a_seat_run_is_based_on(organization, django_capture_on_commit_callbacks):
    contest = kz_contest(2021)

    done = run(organization, contest, SEATS, django_capture_on_commit_callbacks)

    snapshot = contest.official_snapshots.get()
    assert done.inputs["snapshot_id"] == snapshot.pk
    assert done.inputs["rule"] == {
        "seats": 98,
        "threshold_percent": "7.00",
        "threshold_base": "valid_votes",
        "method": "hare_largest_remainder",
        "next_party_if_single": True,
    }
    assert done.finished_at is not None


def test_it_allocates_seats_from_the_observers_published_2021_shares():
    contest = kz_contest(2021)
    shares = {"nur_otan": "54.7", "ak_zhol": "16.8", "adal": "11.1", "peoples_party": "8.6", "auyl": "8.7"}

    found = analysis.seats_from_shares(contest=contest, shares={k: Decimal(v) for k, v in shares.items()})

    assert found["seats"] == {"nur_otan": 54, "ak_zhol": 16, "adal": 11, "auyl": 9, "peoples_party": 8}
    assert sorted(found["passed"]) == sorted(shares)  # all five pass 7 %, officially only three


def test_it_says_the_observer_figures_change_the_seats_when_they_do(
    reconciled, organization, contest, django_capture_on_commit_callbacks
):
    SeatRule.objects.filter(contest=contest).update(
        seats=10, threshold_percent=Decimal("5"), threshold_base="valid_votes"
    )

    done = run(organization, contest, SEATS, django_capture_on_commit_callbacks)

    official, observer = done.result["official"], done.result["observer"]
    assert official["votes"]["p6_UR"] == 1115 + 490 + 390 and official["stations"] == 3
    assert observer["votes"]["p6_UR"] == 445 + 390 and observer["stations"] == 2
    rule = arithmetic.AllocationRule(10, Decimal("5"))
    assert observer["seats"] == arithmetic.allocate(observer["votes"], rule).seats
    # Official: 3,618 votes of the five lists over 5 % / 10 seats → UR 5.51, Yabloko 0.67 → 5 and 1.
    # Observers: 2,201 / 10 → UR 3.79, Yabloko 1.91 → 4 and 2 (largest remainders).
    assert (official["seats"]["p6_UR"], official["seats"]["p5_Yabloko"]) == (5, 1)
    assert (observer["seats"]["p6_UR"], observer["seats"]["p5_Yabloko"]) == (4, 2)
    assert done.result["changes"] is True


def test_it_says_the_seats_stay_when_the_observer_figures_agree_on_them(
    reconciled, organization, contest, django_capture_on_commit_callbacks
):
    SeatRule.objects.filter(contest=contest).update(
        seats=1, threshold_percent=Decimal("5"), threshold_base="valid_votes"
    )

    done = run(organization, contest, SEATS, django_capture_on_commit_callbacks)

    assert done.result["official"]["seats"]["p6_UR"] == done.result["observer"]["seats"]["p6_UR"] == 1
    assert done.result["changes"] is False


def test_it_reuses_a_done_run_while_the_inputs_are_unchanged(
    organization, django_capture_on_commit_callbacks
):
    contest = kz_contest(2021)
    first = run(organization, contest, SEATS, django_capture_on_commit_callbacks)

    again = run(organization, contest, SEATS, django_capture_on_commit_callbacks)

    assert again.pk == first.pk
    assert AnalysisRun.objects.filter(kind=SEATS).count() == 1


def test_it_computes_anew_when_the_rule_changes(organization, django_capture_on_commit_callbacks):
    contest = kz_contest(2021)
    first = run(organization, contest, SEATS, django_capture_on_commit_callbacks)
    SeatRule.objects.filter(contest=contest).update(threshold_percent=Decimal("5"))

    second = run(organization, contest, SEATS, django_capture_on_commit_callbacks)

    assert second.pk != first.pk
    # Auyl's 5.29 % passes a 5 % threshold: 72 / 11 / 9 / 6 (domain.md §5.12).
    expected = {"nur_otan": 72, "ak_zhol": 11, "peoples_party": 9, "auyl": 6, "adal": 0}
    assert second.result["official"]["seats"] == expected


def test_it_leaves_a_computed_run_alone_when_its_message_comes_again(
    organization, django_capture_on_commit_callbacks
):
    contest = kz_contest(2021)
    done = run(organization, contest, SEATS, django_capture_on_commit_callbacks)

    again = analysis.compute_run(run_id=done.pk)

    assert again.finished_at == done.finished_at and again.result == done.result


def test_it_records_why_a_run_failed(organization, contest):
    SeatRule.objects.filter(contest=contest).delete()
    stray = AnalysisRun.objects.create(organization=organization, contest=contest, kind=SEATS)

    failed = analysis.compute_run(run_id=stray.pk)

    assert failed.status == AnalysisRun.Status.FAILED
    assert "No seat rule" in failed.error


def test_it_refuses_to_request_seats_without_a_rule(organization, contest):
    SeatRule.objects.filter(contest=contest).delete()
    with pytest.raises(analysis.AnalysisError, match="No seat rule"):
        analysis.request_run(organization=organization, contest=contest, kind=SEATS)


def stuff_to_whole_percents(stations, share: float, seed: int = 1):
    """Rewrite `share` of the stations so that turnout is the nearest whole percent (UR gains)."""
    rng = random.Random(seed)
    stuffed = list(stations)
    for i in rng.sample(range(len(stuffed)), int(len(stuffed) * share)):
        voters, took_part, votes = stuffed[i]
        target = round(round(100 * took_part / voters) * voters / 100)
        stuffed[i] = (voters, target, {**votes, "p6_UR": votes["p6_UR"] + target - took_part})
    return stuffed


def forensics_on(organization, contest, stations, path, capture) -> AnalysisRun:
    snapshot, _ = services.import_stations_file(
        contest=contest, path=write_stations(path, stations), source="generated", root_name="ЦИК России"
    )
    return run(organization, contest, FORENSICS, capture, snapshot_id=snapshot.pk)


def test_it_finds_no_whole_percent_excess_in_a_clean_generated_election(
    organization, contest, tmp_path, django_capture_on_commit_callbacks
):
    stations = clean_stations(3_000)

    done = forensics_on(
        organization, contest, stations, tmp_path / "clean.csv", django_capture_on_commit_callbacks
    )

    assert done.status == AnalysisRun.Status.DONE
    assert done.result["stations"] == 3_000 and done.result["leader"] == "p6_UR"
    for test in ("turnout", "leader", "combined"):
        assert not done.result["integer"][test]["is_excess"]
        assert done.result["integer"][test]["p_value_monte_carlo"] > 0.01
    assert not done.result["digits"]["is_lead"]


def test_it_finds_the_excess_when_a_tenth_of_the_stations_are_written_to_whole_percents(
    organization, contest, tmp_path, django_capture_on_commit_callbacks
):
    stations = stuff_to_whole_percents(clean_stations(3_000), 0.1)

    done = forensics_on(
        organization, contest, stations, tmp_path / "stuffed.csv", django_capture_on_commit_callbacks
    )

    turnout = done.result["integer"]["turnout"]
    assert turnout["is_excess"] and turnout["p_value"] < 1e-6 and turnout["p_value_monte_carlo"] < 0.001
    assert done.result["integer"]["combined"]["is_excess"]
    assert turnout["observed"] - turnout["expected"] > 200
    assert turnout["tenths"][0] > 2 * turnout["tenths"][5]  # ".0" stands out in the table too


def test_it_stores_the_fingerprint_last_digits_and_outliers(
    organization, contest, tmp_path, django_capture_on_commit_callbacks
):
    stations = clean_stations(500)
    stations[7] = (2_000, 1_990, {"p6_UR": 1_980, "p4_KPRF": 5, "p2_LDPR": 5})  # 99.5 % turnout

    done = forensics_on(
        organization, contest, stations, tmp_path / "one.csv", django_capture_on_commit_callbacks
    )

    result = done.result
    assert sum(n for _, _, n in result["fingerprint"]["cells"]) == 500
    assert [99, 99, 1] in result["fingerprint"]["cells"]
    digits = {o["option"]: o for o in result["digits"]["options"]}
    for code in ("p6_UR", "p4_KPRF", "p2_LDPR"):  # per option, counts of 100 votes and more
        assert sum(digits[code]["digits"]) == digits[code]["counts"]
        assert digits[code]["counts"] == sum(1 for *_, votes in stations if votes[code] >= 100)
    assert result["integer"]["excluded"] == 1  # the 99.5 % station: out of the paper's tests
    assert result["integer"]["stations"] == 499 and result["integer"]["simulations"] >= 1_000
    top = result["outliers"]["top"][0]
    assert top["number"] == "8" and top["turnout"] == "99.50" and top["side"] == "above"
    assert done.inputs["snapshot_id"] == contest.official_snapshots.get().pk and done.inputs["seed"] == 0


def test_it_reuses_a_forensics_run_until_another_snapshot_is_chosen(
    organization, contest, tmp_path, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first = forensics_on(organization, contest, clean_stations(200), tmp_path / "a.csv", capture)
    again = run(organization, contest, FORENSICS, capture, snapshot_id=first.inputs["snapshot_id"])

    other = forensics_on(organization, contest, clean_stations(200, seed=5), tmp_path / "b.csv", capture)

    assert again.pk == first.pk
    assert other.pk != first.pk and other.inputs["snapshot_id"] != first.inputs["snapshot_id"]


def test_it_refuses_forensics_on_observer_copies_until_there_are_many(organization, contest):
    with pytest.raises(analysis.AnalysisError, match="Too few copies"):
        analysis.request_run(
            organization=organization, contest=contest, kind=FORENSICS, parameters={"source": "observers"}
        )


def test_it_runs_forensics_on_the_observers_copies_once_there_are_enough(
    reconciled, organization, contest, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(analysis.forensics, "MIN_OBSERVER_STATIONS", 2)  # Golos copied stations 91 and 120

    done = run(organization, contest, FORENSICS, django_capture_on_commit_callbacks, source="observers")

    assert done.status == AnalysisRun.Status.DONE
    assert done.inputs["source"] == "observers" and done.inputs["copies"] == 2
    assert done.result["stations"] == 2 and done.result["leader"] == "p6_UR"
    # One-point cells (floor): copy of 91: 1414 / 2124 = 66.6 %, UR 445 of 1348 valid + 40 invalid
    # ballots = 32.1 % (the paper's denominator); 120: 50 %, 43.3 %.
    assert sorted(done.result["fingerprint"]["cells"]) == [[50, 43, 1], [66, 32, 1]]
