"""Belarus 2020: official protocols photographed at 1,395 of 5,709 stations (by2020-golos), a partial case.

The CEC published no station figures; the civic platform "Golos" transcribed the protocols posted
at some stations. As a PEC-level snapshot those are station protocols, but for a quarter of the
stations only, and some rows lack figures (or carry negative transcription junk, left out here).
The comparison must say it is partial and compare station by station only where figures exist.
"""

from __future__ import annotations

import csv
import gzip
import uuid

import pytest

from elections.models import PollingStation
from elections.protocol import Figures, check_relation
from elections.services import StationRecord, define_election, define_protocol_form, ensure_hierarchy
from observers.models import Observer
from tallies import services
from tallies.models import FigureLayout, OfficialProtocol, OfficialSnapshot, ProtocolCopy, ReconciliationRun
from tallies.selectors import discrepancies
from tallies.services import comparison
from tests.support import shared_data

pytestmark = pytest.mark.django_db
OPTIONS = ["tihanovkaja", "lukashenko", "dmitriyev", "kanopatskaja", "cherechen", "against"]
LINES = {
    "voters_on_list": "officialVoters",
    "ballots_total": "officialVotes",
    "ballots_invalid": "corrupted_officialVotes",
}
FORM = {
    "code": "by-president-2020-golos",
    "name": "Belarus 2020, presidential: the figures Golos transcribed (test form)",
    "lines": [
        {
            "number": "1",
            "code": "voters_on_list",
            "labels": {"en": "Voters on the list"},
            "turnout_base": True,
        },
        {"number": "2", "code": "ballots_total", "labels": {"en": "Ballots cast"}, "turnout_numerator": True},
        {"number": "3", "code": "ballots_invalid", "labels": {"en": "Spoilt ballots"}},
    ],
    # The data decide: of the 684 complete rows, officialVotes = the six options at 5 stations
    # and = the six options + spoilt ballots at 606 (see the first test).
    "control_relations": [
        {"code": "total", "expression": "ballots_total == ballots_invalid + options_total"}
    ],
}
ELECTION = {
    "slug": "by-president-2020",
    "name": "Belarus, presidential election, 9 August 2020",
    "country": "BY",
    "held_on": "2020-08-09",
    "time_zone": "Europe/Minsk",
    "contests": [
        {
            "slug": "president",
            "name": "President",
            "kind": "presidential",
            "form": FORM["code"],
            "options": [{"code": code, "name": code, "against_all": code == "against"} for code in OPTIONS],
        }
    ],
}


@pytest.fixture(scope="module")
def voice() -> list[dict[str, str]]:
    """The 5,709 stations of voice.csv.gz (skipped without the data folder, except under CI)."""
    with gzip.open(shared_data() / "by2020-golos" / "voice.csv.gz", "rt", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def count(text: str) -> int | None:
    """A transcribed figure, or None when empty or not a count (e.g. '-48')."""
    return int(text) if text.strip().isdigit() else None


def official(row: dict[str, str]) -> tuple[dict[str, int], dict[str, int]]:
    """The station's official lines and options that were transcribed (absent ones stay absent)."""
    lines = {code: count(row[column]) for code, column in LINES.items()}
    options = {code: count(row[f"{code}_officialVotes"]) for code in OPTIONS}
    return {c: v for c, v in lines.items() if v is not None}, {
        c: v for c, v in options.items() if v is not None
    }


def load(voice):
    """Build the contest, the 3-level hierarchy and the partial PEC snapshot; return (contest, by id)."""
    define_protocol_form(spec=FORM)
    contest = define_election(spec=ELECTION).contests.get()
    ensure_hierarchy(
        election=contest.election,
        root_name="ЦВК",
        stations=[
            StationRecord(tuple(row["id"].split("-")[:2]), row["id"], count(row["officialVoters"]))
            for row in voice
        ],
    )
    stations = {
        s.number: s
        for s in PollingStation.objects.filter(pec__election=contest.election).select_related("pec")
    }
    snapshot = OfficialSnapshot.objects.create_with_layout(
        contest=contest,
        level="PEC",
        source="Golos (protocol photos)",
        file_name="voice.csv.gz",
        file_sha256="b" * 64,
    )
    covered = [row for row in voice if row["lukashenko_officialVotes"]]
    layout = FigureLayout.of_contest(contest)
    OfficialProtocol.objects.bulk_create(
        OfficialProtocol(
            snapshot=snapshot,
            commission=stations[row["id"]].pec,
            figure_values=layout.values_from(Figures(*official(row))),
        )
        for row in covered
    )
    return contest, stations


def test_the_data_support_the_control_relation_of_the_test_form(voice):
    rows = [official(row) for row in voice]
    complete = [
        (lines, options) for lines, options in rows if len(options) == 6 and "ballots_invalid" in lines
    ]

    def holds(expression: str) -> int:
        checked = [Figures(lines, options) for lines, options in complete if "ballots_total" in lines]
        return sum(check_relation(expression, figures).holds for figures in checked)

    assert len([row for row in voice if row["lukashenko_officialVotes"]]) == 1395
    assert len(complete) == 684  # all seven official figures (six options and spoilt ballots)
    assert holds("ballots_total == options_total") == 5
    assert holds(FORM["control_relations"][0]["expression"]) == 606


def pick(voice, predicate, n):
    return [row for row in voice if predicate(row)][:n]


def complete_and_consistent(row) -> bool:
    lines, options = official(row)
    consistent = lines.get("ballots_total") == lines.get("ballots_invalid", -1) + sum(options.values())
    return len(lines) == 3 and len(options) == 6 and consistent and options["lukashenko"] >= 100


def test_it_says_the_station_comparison_is_partial_and_compares_only_where_figures_exist(
    voice, organization, django_capture_on_commit_callbacks
):
    contest, stations = load(voice)
    same, moved = pick(voice, complete_and_consistent, 2)
    (gappy,) = pick(
        voice, lambda row: row["lukashenko_officialVotes"] and not row["against_officialVotes"], 1
    )
    unofficial = pick(voice, lambda row: not row["lukashenko_officialVotes"], 2)
    partner = Observer.objects.create(organization=organization, display_name="Independent observers")

    def copy(row, shift=0):
        lines, options = official(row)
        lines = {"voters_on_list": 1000, "ballots_total": 900, "ballots_invalid": 10} | lines
        options = dict.fromkeys(OPTIONS, 5) | options
        options["lukashenko"] -= shift  # the official protocol gave Lukashenko `shift` more votes
        options["tihanovkaja"] += shift
        services.submit_protocol_copy(
            observer=partner,
            contest=contest,
            station=stations[row["id"]],
            lines=lines,
            options=options,
            client_uuid=uuid.uuid4(),
            channel=ProtocolCopy.Channel.IMPORT,
        )

    with django_capture_on_commit_callbacks(execute=True):
        copy(same)
        copy(moved, shift=100)
        copy(gappy)
        for row in unofficial:
            copy(row)

    run = comparison.run_comparison(organization_id=organization.pk, contest_id=contest.pk)

    result = run.result
    assert result["level"] == "station" and result["is_partial"] is True
    station = result["station"]
    assert (station["official_stations"], station["stations_total"], station["official_percent"]) == (
        1395,
        5709,
        "24.44",
    )
    assert (station["stations_with_copies"], station["stations_compared"]) == (5, 3)
    # The gappy station matches on every figure both sides have; only the shifted one differs.
    assert station["classes"] == {"match": 2, "turnout": 0, "party": 1, "both": 0, "other": 0}
    assert result["caveats"] == ["partial_official", "copies_without_official"]
    assert result["aggregates"] == []  # no regional claim from a quarter of the stations
    flagged = discrepancies.station_discrepancies(ReconciliationRun.objects.get(pk=station["run_id"]))
    (shifted,) = [item for item in flagged if item.kind != "match"]
    assert shifted.station_id == stations[moved["id"]].pk
    assert shifted.votes_moved == {"lukashenko": 100, "tihanovkaja": -100}
