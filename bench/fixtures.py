"""Fast fixture builders: a generated election with 20 options, and observers' copies at every station.

Copies go in with COPY as the same rows the submission service writes (ProtocolCopy with its
figure array in the contest's copy layout); ControlFindings and mandate events are left out.
bench.tallied then writes the station states and tallies as a finished tally job would, so the
election starts tallied.
"""

from __future__ import annotations

import random
import uuid

from django.db import connection
from django.utils import timezone

from bench import tallied
from bench.copyrows import copy_rows
from elections.models import Contest, PollingStation
from elections.protocol import Figures
from elections.services import StationRecord, define_election, define_protocol_form, ensure_hierarchy
from observers.models import Observer, Organization
from tallies.models.copy_layout import layout_id

OPTIONS = 20
REGIONS = 85
STATIONS_PER_TEC = 36  # 100,000 stations give ~2,800 TECs, as in landscape.md §18.2
LINES = ("voters_on_list", "ballots_issued", "ballots_in_boxes", "ballots_invalid", "ballots_valid")
NOTE = "bench fixture (generated, not real data)"
COPY_COLUMNS = ("client_uuid", "organization_id", "observer_id", "contest_id", "station_id", "channel")


def bench_form_spec() -> dict:
    """A protocol form of 5 lines whose control relations generated figures keep."""
    return {
        "code": "bench-20",
        "name": "Benchmark form: 5 lines, 20 options (generated, not real)",
        "lines": [
            {"number": str(n), "code": code, "labels": {"en": code.replace("_", " ")}}
            | ({"turnout_base": True} if code == "voters_on_list" else {})
            | ({"turnout_numerator": True} if code == "ballots_issued" else {})
            for n, code in enumerate(LINES, start=1)
        ],
        "control_relations": [
            {"code": "valid_eq_options", "expression": "ballots_valid == options_total"},
            {"code": "boxes", "expression": "ballots_in_boxes == ballots_invalid + ballots_valid"},
        ],
    }


def bench_election_spec(stations: int) -> dict:
    """An election of one 20-option party-list contest on the bench form; slug bench-<stations>."""
    return {
        "slug": f"bench-{stations}",
        "name": f"Generated benchmark election, {stations:,} stations (not real)",
        "country": "XX",
        "held_on": "2030-01-01",
        "time_zone": "UTC",
        "contests": [
            {
                "slug": "party-list",
                "name": "Party list (20 options)",
                "kind": "party_list",
                "form": "bench-20",
                "options": [{"code": f"o{n:02d}", "name": f"Party {n}"} for n in range(1, OPTIONS + 1)],
            }
        ],
    }


def station_records(stations: int) -> list[StationRecord]:
    """`stations` stations in contiguous blocks of ~36 per TEC, the TECs spread over 85 regions."""
    tecs = max(1, -(-stations // STATIONS_PER_TEC))
    regions = min(REGIONS, tecs)
    records = []
    for index in range(stations):
        tec = index * tecs // stations
        region = tec * regions // tecs
        chain = (f"Region {region + 1:02d}", f"TEC {tec + 1:04d}")
        records.append(StationRecord(chain, str(index + 1), 2000))
    return records


def honest_figures(rng: random.Random) -> Figures:
    """A protocol that keeps the bench form's control relations; votes 0..59 per option."""
    options = {f"o{n:02d}": rng.randrange(60) for n in range(1, OPTIONS + 1)}
    valid = sum(options.values())
    invalid = rng.randrange(15)
    lines = {
        "voters_on_list": valid + invalid + rng.randrange(100, 1500),
        "ballots_issued": valid + invalid,
        "ballots_in_boxes": valid + invalid,
        "ballots_invalid": invalid,
        "ballots_valid": valid,
    }
    return Figures(lines, options)


def define_generated_election(stations: int) -> Contest:
    """Define the bench form, the election and its hierarchy (COPY); return the contest."""
    define_protocol_form(spec=bench_form_spec())
    election = define_election(spec=bench_election_spec(stations))
    ensure_hierarchy(election=election, root_name="Generated CEC", stations=station_records(stations))
    return election.contests.get()


def bench_organization() -> Organization:
    organization, _ = Organization.objects.get_or_create(
        slug="bench-observers", defaults={"name": "Bench observers", "status": Organization.Status.APPROVED}
    )
    return organization


def fixture_observer(organization: Organization) -> Observer:
    observer, _ = Observer.objects.get_or_create(
        organization=organization, code="BENCH-0000", defaults={"display_name": "Bench fixture"}
    )
    return observer


def station_ids(contest: Contest) -> list[int]:
    """The contest's stations by id."""
    rows = PollingStation.objects.filter(pec__election_id=contest.election_id).order_by("id")
    return list(rows.values_list("pk", flat=True))


def add_generated_copies(
    contest: Contest, observer: Observer, seed: int = 1, stations: list[int] | None = None
) -> int:
    """Give every station of the contest (or of `stations`) one honest copy (COPY), tallied;
    return the number of copies. A station's figures depend on `seed` and the station alone, so
    two observers' copies of one station agree."""
    stations = station_ids(contest) if stations is None else stations
    now = timezone.now()
    lines = list(contest.form.lines.order_by("position", "pk").values_list("code", "pk"))
    options = list(contest.options.order_by("position", "pk").values_list("code", "pk"))
    layout = layout_id([pk for _code, pk in lines], [pk for _code, pk in options])
    copy_rows(
        "tallies_protocolcopy",
        (*COPY_COLUMNS, "note", "submitted_at", "figure_layout_id", "figure_values"),
        (
            (
                uuid.uuid4(),
                observer.organization_id,
                observer.pk,
                contest.pk,
                s,
                "import",
                NOTE,
                now,
                layout,
                _array(honest_figures(random.Random(seed * 10_000_019 + s)), lines, options),
            )
            for s in stations
        ),
    )
    tallied.add_counted_states(contest, observer)
    tallied.add_tallies(contest, observer.organization)
    return len(stations)


def _array(figures: Figures, lines: list[tuple[str, int]], options: list[tuple[str, int]]) -> str:
    """A station's figures as the copy's array in the layout's order, in COPY's text format."""
    values = [figures.lines.get(code) for code, _pk in lines] + [
        figures.options.get(code) for code, _pk in options
    ]
    return "{" + ",".join("NULL" if value is None else str(value) for value in values) + "}"


def _copies_by_station(contest: Contest, observer: Observer) -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "select station_id, id from tallies_protocolcopy where contest_id = %s and observer_id = %s",
            [contest.pk, observer.pk],
        )
        return dict(cursor.fetchall())
