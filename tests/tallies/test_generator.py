"""The generated election: deterministic, consistent, and its falsifications are exactly what is found."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from elections.generator import plan_election, write_official_csv
from elections.protocol import check_relation
from elections.services import shipped_spec
from tallies import generator
from tallies.analysis import integers
from tallies.models import OfficialSnapshot, ProtocolCopy, StationTallyState

TOOK_PART = ("ballots_issued_early", "ballots_issued_in_station", "ballots_issued_outside")

RELATIONS = [r["expression"] for r in shipped_spec("forms", "ru-duma-2011")["control_relations"]]
SMALL = {"seed": 7, "stations": 200, "falsify": Decimal("0.25"), "copies": Decimal("0.2")}


def test_it_draws_the_same_election_byte_for_byte_from_the_same_seed(tmp_path):
    first = write_official_csv(plan_election(**SMALL), tmp_path / "first.csv")
    second = write_official_csv(plan_election(**SMALL), tmp_path / "second.csv")

    assert first.read_bytes() == second.read_bytes()
    assert plan_election(**SMALL) == plan_election(**SMALL)


def test_it_draws_another_election_from_another_seed():
    assert plan_election(**SMALL) != plan_election(**{**SMALL, "seed": 8})


def test_it_keeps_every_control_relation_on_honest_and_falsified_protocols():
    plan = plan_election(seed=2011, stations=2000, falsify=Decimal("0.5"))

    for station in plan:
        for figures in (station.honest, station.official):
            assert all(check_relation(expression, figures).holds for expression in RELATIONS), station


def test_it_falsifies_the_asked_share_of_the_stations_with_a_copy():
    plan = plan_election(**SMALL)

    assert sum(s.has_copy for s in plan) == 40
    assert sum(bool(s.stuffed) for s in plan) == 10
    assert all(s.has_copy for s in plan if s.stuffed)


def test_it_stuffs_the_leading_party_and_the_ballot_lines():
    station = next(s for s in plan_election(**SMALL) if s.stuffed)
    delta = station.official.minus(station.honest)

    assert {code: v for code, v in delta.options.items() if v} == {station.leader: station.stuffed}
    assert {code: v for code, v in delta.lines.items() if v} == {
        "ballots_issued_in_station": station.stuffed,
        "ballots_in_stationary_boxes": station.stuffed,
        "ballots_valid": station.stuffed,
        "ballots_cancelled": -station.stuffed,
    }


def test_it_spreads_the_stations_over_the_regions_and_tecs():
    plan = plan_election(seed=1, stations=400, falsify=Decimal(0), regions=5, tecs=8)

    assert len({s.region for s in plan}) == 5
    assert len({(s.region, s.tec) for s in plan}) == 40
    assert len({s.number for s in plan}) == 400


def test_it_refuses_a_share_above_one():
    with pytest.raises(ValueError, match="shares between 0 and 1"):
        plan_election(seed=1, stations=10, falsify=Decimal("1.5"))


@pytest.mark.django_db
def test_it_finds_exactly_the_falsified_stations_discrepant():
    summary = generator.generate(**SMALL)

    assert (summary.stations, summary.copies, summary.falsified) == (200, 40, 10)
    assert summary.stations_discrepant == 10
    assert summary.discrepant_are_falsified
    assert summary.copies_flagged == 0
    assert summary.leader == "Единая Россия"
    assert summary.leader_official_minus_observer == summary.ballots_stuffed > 0


@pytest.mark.django_db
def test_it_changes_nothing_when_run_again_with_the_same_seed():
    first = generator.generate(**SMALL)
    second = generator.generate(**SMALL)

    assert OfficialSnapshot.objects.filter(contest=first.contest).count() == 1
    assert ProtocolCopy.objects.filter(contest=first.contest).count() == 40
    assert not StationTallyState.objects.stale().exists()
    assert second.run == first.run


@pytest.mark.django_db
def test_it_refuses_another_geography_under_the_same_seed():
    generator.generate(**SMALL)

    with pytest.raises(generator.GeneratorError, match="exists with other stations"):
        generator.generate(**{**SMALL, "stations": 201})


@pytest.mark.django_db
def test_it_says_the_election_is_generated_and_not_real_data():
    out = StringIO()

    call_command("generate_election", seed=3, stations=100, falsify=Decimal("0.5"), stdout=out)

    assert "Generated election (seed 3): generated election, not real data" in out.getvalue()
    assert "Discrepant stations are exactly the falsified ones   yes" in out.getvalue()
    assert "Stations discrepant                                  5\n" in out.getvalue()


def test_a_clean_generated_election_shows_no_excess_of_whole_percent_turnouts():
    plan = plan_election(seed=3, stations=3_000, falsify=Decimal(0), copies=Decimal(0))
    turnout = [
        (sum(s.honest.lines[code] for code in TOOK_PART), s.honest.lines["voters_on_list"]) for s in plan
    ]

    test = integers.integer_percent_excess(turnout)

    assert test.p_value > 0.01 and test.p_value_monte_carlo > 0.01  # with `randint(35, 80) // 100` it was ~0
