"""The list of discrepant stations under a commission, read by the path each comparison keeps (issue 17).

The list used to join every comparison to its station's PEC and sort them all by that path; it now
reads StationComparison.path from an index. These tests hold it to what it was: the stations
under the commission that the old query found (still compared, discrepant, under the commission
in its election by the register's live paths), in the order of those paths, page after page;
and after the register changes (a PEC's path edited, a station moved to another PEC) too.
"""

from __future__ import annotations

import pytest
from django.db import connection

from elections.models import Commission, PollingStation, stations_within
from observers.models import Observer
from tallies import selectors, services
from tallies.models import ProtocolCopy, ReconciliationRun, StationComparison
from tallies.selectors import station_sets
from tallies.services import desk
from tests.support import LINES_PEC_92, OPTIONS_PEC_92, import_copy, write_official_file

pytestmark = pytest.mark.django_db

NATION, REGION = "ЦИК России", "Город Москва"
PRESNYA, TVER, ARBAT = "84 Пресненский район", "85 Тверской район", "86 Арбат"
# (TEC, station number, votes added to United Russia in the copy: 0 matches the official protocol).
# Numbers chosen so that path order is not number order ("1000/" sorts before "91/").
STATIONS = [
    (PRESNYA, "91", 5),
    (PRESNYA, "92", 0),
    (PRESNYA, "1000", 7),
    (TVER, "120", 3),
    (TVER, "121", 4),
    (TVER, "122", 0),
    (ARBAT, "130", 9),
    (ARBAT, "131", 2),
]


@pytest.fixture
def run(
    contest, organization, coordinator, tmp_path, django_capture_on_commit_callbacks
) -> ReconciliationRun:
    """Official protocols of STATIONS; a partner's copies of each (six differ); station 131's copy
    quarantined after the run, so that it is no longer compared. Return the run."""
    path = write_official_file(
        tmp_path, [(tec, number, LINES_PEC_92, OPTIONS_PEC_92) for tec, number, _ in STATIONS]
    )
    partner = Observer.objects.create(organization=organization, display_name="Partner file")
    with django_capture_on_commit_callbacks(execute=True):
        services.import_stations_file(contest=contest, path=path, source="test", root_name=NATION)
        for _tec, number, more in STATIONS:
            station = PollingStation.objects.get(pec__election=contest.election, number=number)
            options = {**OPTIONS_PEC_92, "p6_UR": OPTIONS_PEC_92["p6_UR"] + more}
            import_copy(partner, contest, station, options, LINES_PEC_92)
    found = services.reconcile(organization_id=organization.pk, contest_id=contest.pk)
    copy = ProtocolCopy.objects.get(organization=organization, station__number="131")
    with django_capture_on_commit_callbacks(execute=True):
        desk.quarantine(copy=copy, scope="all", reason="smudged digits", by=coordinator)
    return found


def commission(contest, name: str) -> Commission:
    return Commission.objects.get(election=contest.election, name=name)


def listed(organization, contest, name: str, per_page: int = 2) -> list[tuple[str, str]]:
    """(station number, its PEC's live path) of every page of the commission's list, in order."""
    results = selectors.commission_results(
        organization=organization, contest=contest, commission=commission(contest, name)
    )
    first = selectors.discrepant_page(results, 1, per_page)
    items = [
        item for n in first.paginator.page_range for item in selectors.discrepant_page(results, n, per_page)
    ]
    return [(item.station.number, item.station.pec.path) for item in items]


def as_before(run: ReconciliationRun, within: Commission) -> list[tuple[str, str]]:
    """The stations the list showed before comparisons kept paths: the compared, discrepant ones
    under `within` by the register's live paths, sorted by those paths (code points: byte order)."""
    rows = station_sets.discrepant(run).filter(stations_within(within, "station__"))
    return sorted(
        ((c.station.number, c.station.pec.path) for c in rows.select_related("station__pec")),
        key=lambda r: r[1],
    )


def numbers(rows: list[tuple[str, str]]) -> list[str]:
    return [number for number, _ in rows]


@pytest.mark.parametrize("name", [NATION, REGION, PRESNYA, TVER, ARBAT])
def test_it_lists_the_discrepant_stations_under_the_commission_as_before(run, organization, contest, name):
    assert listed(organization, contest, name) == as_before(run, commission(contest, name))


def test_it_lists_them_in_path_order_without_the_matching_or_quarantined_ones(run, organization, contest):
    assert numbers(listed(organization, contest, NATION)) == ["1000", "91", "120", "121", "130"]
    assert numbers(listed(organization, contest, ARBAT)) == ["130"]  # 131 quarantined after the run


def test_a_station_whose_copy_was_revised_after_the_run_leaves_the_list(
    run, organization, contest, django_capture_on_commit_callbacks
):
    compared = ProtocolCopy.objects.get(organization=organization, station__number="120")
    with django_capture_on_commit_callbacks(execute=True):
        import_copy(
            compared.observer, contest, compared.station, OPTIONS_PEC_92, LINES_PEC_92, revises=compared
        )

    assert numbers(listed(organization, contest, TVER)) == ["121"]  # until the next run compares the revision
    assert listed(organization, contest, NATION) == as_before(run, commission(contest, NATION))


def test_every_comparison_keeps_its_stations_pec_path(run):
    rows = StationComparison.objects.filter(run=run).select_related("station__pec")

    assert len(rows) == len(STATIONS)
    assert all(row.path == row.station.pec.path for row in rows)


def test_a_pec_whose_path_is_edited_is_listed_under_its_new_path(run, organization, contest):
    pec = PollingStation.objects.get(pec__election=contest.election, number="130").pec
    tver = commission(contest, TVER)

    Commission.objects.filter(pk=pec.pk).update(parent=tver, path=Commission.child_path(tver.path, "130"))

    assert numbers(listed(organization, contest, TVER)) == ["120", "121", "130"]
    assert listed(organization, contest, ARBAT) == []
    for name in (NATION, TVER, ARBAT):
        assert listed(organization, contest, name) == as_before(run, commission(contest, name))


def test_a_pec_saved_from_its_model_keeps_its_comparisons_in_step(run, organization, contest):
    pec = PollingStation.objects.get(pec__election=contest.election, number="1000").pec
    pec.path = Commission.child_path(commission(contest, PRESNYA).path, "999")

    pec.save()

    assert StationComparison.objects.get(run=run, station__pec=pec).path == pec.path
    assert numbers(listed(organization, contest, PRESNYA)) == ["91", "1000"]  # ".../999/" after ".../91/"
    assert listed(organization, contest, PRESNYA) == as_before(run, commission(contest, PRESNYA))


def test_a_station_moved_to_another_pec_is_listed_under_it(run, organization, contest):
    arbat = commission(contest, ARBAT)
    new_pec = Commission.objects.create(
        election=contest.election,
        level=Commission.Level.PEC,
        parent=arbat,
        code="129",
        name="129",
        path=Commission.child_path(arbat.path, "129"),
    )
    station = PollingStation.objects.get(pec__election=contest.election, number="120")

    station.pec = new_pec
    station.save()

    assert StationComparison.objects.get(run=run, station=station).path == new_pec.path
    assert numbers(listed(organization, contest, ARBAT)) == ["120", "130"]  # 129/ sorts before 130/
    assert numbers(listed(organization, contest, TVER)) == ["121"]
    for name in (NATION, TVER, ARBAT):
        assert listed(organization, contest, name) == as_before(run, commission(contest, name))


def test_other_register_edits_leave_the_paths_alone(run, contest):
    before = dict(StationComparison.objects.filter(run=run).values_list("pk", "path"))

    Commission.objects.filter(election=contest.election).update(name="renamed")
    PollingStation.objects.filter(pec__election=contest.election).update(registered_voters=1)

    assert dict(StationComparison.objects.filter(run=run).values_list("pk", "path")) == before


def test_the_first_page_is_read_in_order_from_the_comparisons_path_index(run, organization, contest):
    """The plan the planner can choose: an index scan whose condition holds the commission's path
    range and whose order is the list's, so no sort; the tables are too small here to make it
    the cheapest, so sequential scans and sorts are priced out."""
    results = selectors.commission_results(
        organization=organization, contest=contest, commission=commission(contest, TVER)
    )
    query = selectors.discrepant_comparisons(results)[:50]
    sql, params = query.query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Index Scan using comparison_run_discrepant_path" in plan
    condition = next(line for line in plan.splitlines() if "comparison_run_discrepant_path" in line)
    following = plan.split(condition, 1)[1].splitlines()[1]
    assert "Index Cond" in following and "path" in following and ">=" in following
    assert "Sort" not in plan
