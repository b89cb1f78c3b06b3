"""Smoke run of SHAPE (figures stored as rows or as one array per protocol) at 200 stations: every
figure it prints comes with its checks, and both shapes hold the same figures. Timings are not
asserted (the full run is `make bench BENCH_ARGS="--only SHAPE"`)."""

from __future__ import annotations

import pytest
from django.db import connection

from bench import storage_shape as shape
from bench.report import INFO, MET, Report

pytestmark = pytest.mark.django_db
STATIONS = 200


@pytest.fixture
def report(tmp_path):
    with open(tmp_path / "report.txt", "w", encoding="utf-8") as out:
        yield Report(out=out)


def test_it_measures_both_shapes_and_both_give_the_same_sums_and_discrepancies(report):
    pytest.importorskip("duckdb")
    from bench.shape_reads import run_shape

    run_shape(report, STATIONS)

    rows = [row for row in report.rows if row.bench == "SHAPE"]
    checks = [row for row in rows if row.target == "identical"]
    assert len(checks) == 2 and all(row.verdict == MET for row in checks)
    assert {row.verdict for row in rows} == {INFO, MET}
    assert [row.figure[:3] for row in rows if row.verdict == INFO].count("(a)") == 3
    assert report.costs["sums per TEC + region + nation, rows GROUP BY (SHAPE)"][STATIONS] > 0
    with connection.cursor() as cursor:  # the scratch schema is dropped afterwards
        cursor.execute("select count(*) from pg_namespace where nspname = %s", [shape.SCHEMA])
        assert cursor.fetchone()[0] == 0


def test_both_shapes_store_the_same_figures_with_a_missing_one_left_out():
    figures = shape.build(STATIONS)
    try:
        shape.load("rows", "official", figures)
        shape.load("arrays", "official", figures)
        with connection.cursor() as cursor:
            cursor.execute(f"select count(*), sum(value) from {shape.SCHEMA}.r_official_figure")
            rows_count, rows_sum = cursor.fetchone()
            cursor.execute(f"select count(v), sum(v) from {shape.SCHEMA}.a_official, unnest(figures) v")
            arrays_count, arrays_sum = cursor.fetchone()
    finally:
        shape.drop()

    partial = STATIONS // 100  # every 100th official protocol lacks its last figure
    assert rows_count == arrays_count == STATIONS * shape.WIDTH - partial
    assert rows_sum == arrays_sum == sum(v for counts in figures.official for v in counts if v is not None)
    assert len(figures.discrepant()) == STATIONS // 20
