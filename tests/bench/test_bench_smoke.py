"""Smoke runs of each benchmark's code path at ~200 stations: they produce figures and pass their
own correctness checks. Timings are not asserted (the full run is `make bench`). DuckDB and
locust come from requirements-bench.txt, which CI does not install: P3 is skipped without
DuckDB, and P1 is checked without gunicorn or locust (its spec, payload and statistics reader).
"""

from __future__ import annotations

import io
import json
import re
import uuid

import pytest

from bench import fixtures
from bench.createdb import NotABenchDatabase, ensure_database
from bench.generated import build_case
from bench.locust_run import parse_stats
from bench.p1_api import p1_spec
from bench.p2_incremental import run_p2
from bench.p4_import import run_p4
from bench.p5_photos import run_p5
from bench.reconciliation import run_reconciliation
from bench.report import INFO, MET, MISSED, Report
from tests.support import shared_data

pytestmark = pytest.mark.django_db
STATIONS = 200


@pytest.fixture
def report(tmp_path):
    with open(tmp_path / "report.txt", "w", encoding="utf-8") as out:
        yield Report(out=out)


def verdicts(report: Report, bench: str) -> list[str]:
    return [row.verdict for row in report.rows if row.bench == bench]


def checks_passed(report: Report, bench: str) -> bool:
    """Every correctness row (target "identical", "all compared", ...) of `bench` is met."""
    checks = [r for r in report.rows if r.bench == bench and r.target in CHECK_TARGETS]
    return bool(checks) and all(row.verdict == MET for row in checks)


CHECK_TARGETS = {"identical", "all compared", "no metadata", "nothing lost"}


def test_it_measures_the_incremental_tally_against_a_recompute_with_equal_totals(report):
    case = build_case(report, STATIONS, recomputes=1)

    run_p2(report, case, revisions=5)

    assert set(verdicts(report, "P2")) <= {MET, MISSED, INFO} and len(verdicts(report, "P2")) == 3
    assert checks_passed(report, "P2")
    assert report.costs["apply_station_tally per copy (P2)"][STATIONS] > 0


def test_it_compares_the_recompute_with_duckdb_on_the_same_rows(report):
    pytest.importorskip("duckdb")
    from bench.p3_duckdb import run_p3

    run_p3(report, build_case(report, STATIONS, recomputes=1))

    assert checks_passed(report, "P3")
    assert report.costs["DuckDB GROUP BY ×3 (P3)"][STATIONS] > 0


def test_it_pools_seven_members_incrementally_and_in_full_with_equal_figures(report, tmp_path):
    pytest.importorskip("duckdb")
    from bench.pooled import build_pooled_case, run_pooled

    case = build_pooled_case(report, STATIONS)
    run_pooled(report, case, revisions=5)

    assert case.copies == STATIONS + STATIONS // 10  # every 10th station covered by two members
    assert len(verdicts(report, "P2 pool")) == 3 and len(verdicts(report, "P3 pool")) == 3
    assert checks_passed(report, "P2 pool") and checks_passed(report, "P3 pool")
    assert report.costs["incremental pooled step per copy (P2 pool)"][STATIONS] > 0
    assert report.costs["coalition page, read from the stored pool"][STATIONS] > 0
    said = (tmp_path / "report.txt").read_text(encoding="utf-8")
    assert re.search(r"queries, pooled, ([\d,]+) stations counted \(the pool counts \1\)", said)


def test_it_imports_the_first_rows_of_the_2011_file_both_ways_then_reconciles_them(report, tmp_path):
    shared_data()

    imported = run_p4(report, STATIONS, tmp_path)
    run_reconciliation(report, imported)

    assert imported.stations == STATIONS
    assert checks_passed(report, "P4")
    assert checks_passed(report, "R")
    assert report.costs["coordinator national page (R)"][STATIONS] > 0


def test_it_sanitises_a_photo_with_exif_and_reports_its_cost(report):
    run_p5(report, repeats=1, size=(800, 600))

    assert len(verdicts(report, "P5")) == 3
    assert checks_passed(report, "P5")


@pytest.mark.urls("bench.urls")
def test_it_gives_locust_observers_whose_copies_the_api_accepts_and_a_bare_endpoint(client):
    spec = p1_spec(fixtures.define_generated_election(STATIONS), users=2, each=3)
    observer = spec["observers"][1]
    body = {"client_uuid": str(uuid.uuid4()), "contest": spec["contest"], "station": observer["stations"][0]}
    headers = {"HTTP_AUTHORIZATION": f"Token {observer['token']}"}

    copy = client.post("/api/copies/", json.dumps(body | spec["figures"]), "application/json", **headers)
    hello = client.post("/bench/hello/", json.dumps(body), "application/json")

    assert (copy.status_code, hello.status_code) == (201, 200)
    assert len(observer["stations"]) == 3


def test_it_reads_the_aggregated_row_of_a_locust_statistics_file(tmp_path):
    path = tmp_path / "api_stats.csv"
    path.write_text(
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
        "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,"
        "99.99%,100%\n"
        "POST,POST /api/copies/,300,0,40,45,10,200,900,10.0,0.0,40,50,55,60,80,95,120,150,200,200,200\n"
        ",Aggregated,300,0,40,45,10,200,900,10.0,0.0,40,50,55,60,80,95,120,150,200,200,200\n",
        encoding="utf-8",
    )

    stats = parse_stats(path, 30)

    assert (stats.requests, stats.failures, stats.per_second, stats.p95) == (300, 0, 10.0, 0.095)


def test_it_refuses_to_touch_a_database_whose_name_lacks_bench():
    with pytest.raises(NotABenchDatabase):
        ensure_database("postgres://postgres@127.0.0.1:5432/observer")


def test_it_says_how_each_cost_grows_and_flags_a_per_request_cost_that_grows():
    from bench.report import FLAT, LINEAR, MET, MISSED, SUBLINEAR, SUPERLINEAR, Report, growth_shape

    report = Report(out=io.StringIO())
    report.cost("recompute", 10_000, 0.5)
    report.cost("recompute", 100_000, 5.2)
    report.cost("submit", 10_000, 0.010, per_request=True)
    report.cost("submit", 100_000, 0.011, per_request=True)
    report.cost("page", 10_000, 0.040, per_request=True)
    report.cost("page", 100_000, 0.400, per_request=True)

    table = report.growth_markdown()
    assert [growth_shape(f, 10) for f in (1.1, 3.0, 10.0, 40.0)] == [FLAT, SUBLINEAR, LINEAR, SUPERLINEAR]
    assert "| recompute | 500.0 ms | 5.20 s | 10.4× | linear |" in table
    assert [(row.figure.split(":")[0], row.verdict) for row in report.rows] == [
        ("submit", MET),
        ("page", MISSED),
    ]
