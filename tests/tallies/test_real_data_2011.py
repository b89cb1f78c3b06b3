"""The main job on real data: Russia 2011 official protocols against Golos/Gazeta.Ru observer copies.

The figures asserted are the issue's acceptance figures. The Moscow + St Petersburg bundle is
loaded once for the class (inside a transaction rolled back afterwards); the national file once,
in the one slow test.
"""

import csv
from collections import defaultdict
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import TestCase

from elections.models import Commission, Contest
from elections.protocol import Figures, check_relation
from observers.models import Organization
from tallies import demo, services
from tallies.models import OfficialProtocol, OfficialSnapshot, ProtocolCopy, ReconciliationRun
from tallies.services import analysis
from tests.support import shared_data

SOURCE = "CEC of Russia (izbirkom.ru), via dkobak/elections"


@dataclass(frozen=True)
class Loaded:
    contest: Contest
    organization: Organization
    snapshot: OfficialSnapshot
    run: ReconciliationRun
    submitted: int

    def root_rollup(self):
        return self.run.commissions.get(commission__parent__isnull=True)

    def copies(self):
        return ProtocolCopy.objects.filter(organization=self.organization, contest=self.contest)


def load(file_name: str, regions: tuple[str, ...] | None) -> Loaded:
    """Import an official file and submit the copies of `regions` the way the demo does."""
    contest, organization = demo.load_contest(), demo.demo_organization()
    with TestCase.captureOnCommitCallbacks(execute=True):
        snapshot, _ = services.import_stations_file(
            contest=contest,
            path=shared_data() / file_name,
            source=SOURCE,
            root_name="ЦИК России",
        )
        with transaction.atomic():
            submitted = demo.submit_copies(contest, organization, regions)
    run = services.reconcile(organization_id=organization.pk, contest_id=contest.pk, snapshot_id=snapshot.pk)
    return Loaded(contest, organization, snapshot, run, submitted)


@pytest.fixture(scope="class")
def cities(django_db_setup, django_db_blocker):
    shared_data()
    with django_db_blocker.unblock(), transaction.atomic():
        yield load(demo.CITIES_FILE, demo.CITIES)
        transaction.set_rollback(True)


def expected_differences() -> dict[tuple[str, str], dict]:
    """Per (region, uik) of the two cities: {"lines"|"options": {code: [observer, official]}} from the CSV."""
    rows: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    with open(shared_data() / demo.COPIES_FILE, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["region"] in demo.CITIES:
                side = "observer" if row["row_type"] == "observer_copy" else "official"
                rows[(row["region"], row["uik"])][side] = row
    contest = demo.load_contest()
    codes = {
        "lines": contest.form.line_codes(),
        "options": list(contest.options.values_list("code", flat=True)),
    }
    return {
        key: {
            kind: {
                code: [int(pair["observer"][code]), int(pair["official"][code])]
                for code in kind_codes
                if int(pair["observer"][code]) != int(pair["official"][code])
            }
            for kind, kind_codes in codes.items()
        }
        for key, pair in rows.items()
    }


def published_figures(snapshot: OfficialSnapshot) -> dict[int, Figures]:
    layout = snapshot.figure_layout
    rows = snapshot.protocols.filter(is_derived=False).values_list("pk", "figure_values")
    return {pk: layout.figures(values) for pk, values in rows}


@pytest.mark.django_db
class TestMoscowAndStPetersburg:
    def test_it_totals_the_official_protocols_of_both_cities(self, cities):
        root = Commission.objects.get(election=cities.contest.election, parent__isnull=True)
        figures = OfficialProtocol.objects.get(snapshot=cities.snapshot, commission=root).figures()

        assert cities.snapshot.protocols_count == 5_222
        assert figures.lines["voters_on_list"] == 10_829_903
        assert figures.lines["ballots_valid"] == 6_285_084
        assert figures.options["p6_UR"] == 2_756_365

    def test_it_finds_every_official_protocol_consistent(self, cities):
        relations = list(cities.contest.form.control_relations.values_list("expression", flat=True))
        protocols = published_figures(cities.snapshot)

        assert len(protocols) == 5_222
        assert len(relations) == 4
        broken = [
            pk
            for pk, figures in protocols.items()
            if not all(check_relation(r, figures).holds for r in relations)
        ]
        assert broken == []

    def test_it_matches_all_112_copies_to_a_station_and_finds_each_discrepant(self, cities):
        assert cities.submitted == cities.copies().count() == 112
        assert cities.run.stations.count() == 112
        assert cities.run.stations.filter(is_discrepant=True).count() == 112
        assert (cities.root_rollup().stations_compared, cities.root_rollup().stations_discrepant) == (
            112,
            112,
        )

    def test_it_finds_the_differences_the_file_shows_station_by_station(self, cities):
        found = {
            (c.station.pec.parent.parent.name, c.station.number): c.differences
            for c in cities.run.stations.select_related("station__pec__parent__parent")
        }

        assert len(found) == 112
        assert found == expected_differences()

    def test_it_counts_25875_more_united_russia_votes_officially_than_on_the_copies(self, cities):
        assert cities.root_rollup().votes_moved()["p6_UR"] == 25_875

    def test_it_keeps_the_36_copies_that_break_a_control_relation(self, cities):
        flagged = cities.copies().filter(findings__isnull=False).distinct()

        assert flagged.count() == 36
        assert cities.run.stations.filter(copy__in=flagged).count() == 36


@pytest.mark.slow
@pytest.mark.django_db
def test_it_checks_all_342_copies_against_the_national_file():
    loaded = load(demo.NATIONAL_FILE, None)

    assert loaded.snapshot.protocols_count == 95_225
    assert loaded.submitted == loaded.copies().count() == 342
    assert loaded.copies().filter(findings__isnull=False).distinct().count() == 104
    assert loaded.run.stations.count() == 342
    assert loaded.root_rollup().stations_compared == 342
    # The spec's seat rule (450 seats, 7 % of the voters who took part, Hare, largest remainders)
    # on the national official figures gives the CEC's published 2011 allocation.
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = analysis.request_run(organization=loaded.organization, contest=loaded.contest, kind="seats")
    run.refresh_from_db()
    official = {code: n for code, n in run.result["official"]["seats"].items() if n}
    assert official == {"p6_UR": 238, "p4_KPRF": 92, "p1_SR": 64, "p2_LDPR": 56}
