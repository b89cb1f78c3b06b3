"""P3: the project's full recompute against DuckDB summing the same rows per TEC, region and nation.

The current copies' figures are exported once from PostgreSQL (COPY … TO STDOUT, CSV) into an
in-memory DuckDB table; then the three GROUP BYs are timed there and, for reference, the same
three GROUP BYs in PostgreSQL itself. DuckDB's national sums must equal the recomputed tally.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

from bench.generated import GeneratedCase
from bench.report import INFO, MET, MISSED, Report, Row, seconds, stations_text, times, verdict
from bench.timing import median, timed
from elections.models import Commission
from tallies.models import ObserverTally

TARGET = 10.0
REPEATS = 5
# One row per figure given (station, tec, region, code, value), unnested from each copy's array
# at its layout's positions (a NULL element, a figure not given, is no row), as the rows were.
ROWS = """
select pc.station_id as station, pec.parent_id as tec, tec.parent_id as region,
       coalesce(l.code, o.code) as code, f.value
from tallies_protocolcopy pc
join tallies_copylayout lay on lay.id = pc.figure_layout_id
cross join lateral unnest(pc.figure_values) with ordinality as f(value, pos)
join elections_pollingstation ps on ps.id = pc.station_id
join elections_commission pec on pec.id = ps.pec_id
join elections_commission tec on tec.id = pec.parent_id
left join elections_protocolline l on l.id = lay.line_ids[f.pos]
left join elections_ballotoption o on o.id = lay.option_ids[f.pos - cardinality(lay.line_ids)]
where pc.contest_id = {contest} and pc.organization_id in ({organizations}) and f.value is not null
  and not exists (select 1 from tallies_protocolcopy r where r.revises_id = pc.id)
"""
GROUP_BYS = (
    "select tec, code, sum(value) from ({rows}) t group by tec, code",
    "select region, code, sum(value) from ({rows}) t group by region, code",
    "select code, sum(value) from ({rows}) t group by code",
)
IN_DUCK = "select * from figures"


@dataclass(frozen=True)
class Engines:
    """The same figure rows in DuckDB (table `figures`) and as a PostgreSQL query; GROUP BY times."""

    duck: Any
    rows: int
    duck_seconds: float
    postgres_seconds: float


def run_p3(report: Report, case: GeneratedCase) -> None:
    """Measure and report P3 on `case` (whose recompute times P2 or build_case measured)."""
    rows = ROWS.format(contest=case.contest.pk, organizations=case.observer.organization_id)
    engines = group_bys_in_both(report, rows, IN_DUCK, rows)
    same = nation(engines.duck, IN_DUCK) == _recomputed_nation(case)
    label = "recompute_observer_tallies"
    report_p3(report, "P3", case.stations, label, case.recompute, engines, same)


def group_bys_in_both(
    report: Report, rows: str, in_duck: str, in_postgres: str, prepare: str | None = None
) -> Engines:
    """Export `rows` (SQL) into an in-memory DuckDB table `figures`, then time the three GROUP BYs
    over `in_duck` there (median of REPEATS) and over `in_postgres` in PostgreSQL (median of 3).

    `prepare`: a DuckDB query whose result is stored as table `prepared` first, inside each
    timed repetition (a step the GROUP BYs then share, as the product shares its pool)."""
    import duckdb  # installed by requirements-bench.txt only

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "figures.csv"
        took, count = timed(_export, rows, path)
        report.note(f"exported {count:,} figure rows to CSV in {seconds(took)}")
        duck = duckdb.connect()
        duck.execute(f"create table figures as select * from read_csv('{path}', header = true)")
    in_duckdb = [timed(_duck_group_bys, duck, in_duck, prepare)[0] for _ in range(REPEATS)]
    in_pg = [timed(_postgres_group_bys, in_postgres)[0] for _ in range(3)]
    return Engines(duck, count, median(in_duckdb), median(in_pg))


def _export(rows: str, path: Path) -> int:
    with connection.cursor() as cursor, open(path, "wb") as out:
        with cursor.copy(f"copy ({rows}) to stdout (format csv, header)") as copy:
            for data in copy:
                out.write(data)
        cursor.execute(f"select count(*) from ({rows}) t")
        return cursor.fetchone()[0]


def _duck_group_bys(duck: Any, rows: str, prepare: str | None = None) -> None:
    if prepare:
        duck.execute(f"create or replace temp table prepared as {prepare}")
    for query in GROUP_BYS:
        duck.execute(query.format(rows=rows)).fetchall()


def _postgres_group_bys(rows: str) -> None:
    with connection.cursor() as cursor:
        for query in GROUP_BYS:
            cursor.execute(query.format(rows=rows))
            cursor.fetchall()


def nation(duck: Any, rows: str) -> dict[str, int]:
    """DuckDB's national sums over `rows`: code → total."""
    return {code: int(total) for code, total in duck.execute(GROUP_BYS[2].format(rows=rows)).fetchall()}


def _recomputed_nation(case: GeneratedCase) -> dict[str, int]:
    root = Commission.objects.get(election=case.contest.election, parent__isnull=True)
    tally = ObserverTally.objects.get(
        organization=case.observer.organization, contest=case.contest, commission=root
    )
    return {**tally.line_totals, **tally.option_totals}


def report_p3(
    report: Report, bench: str, stations: int, label: str, recompute: float, engines: Engines, same: bool
) -> None:
    """The P3 rows: `label` (the recompute, `recompute` seconds) against DuckDB, the reference, the check."""
    where = stations_text(stations)
    duck, postgres = engines.duck_seconds, engines.postgres_seconds
    ratio = recompute / duck
    figure = (
        f"{label} {seconds(recompute)} vs DuckDB GROUP BY TEC + region + nation "
        f"{seconds(duck)} (median of {REPEATS}, {engines.rows:,} rows)"
    )
    report.add(Row(bench, where, figure, "≤ 10×", times(ratio), verdict(ratio, "<=", TARGET)))
    sql = f"reference: the same 3 GROUP BYs in PostgreSQL SQL {seconds(postgres)} (median of 3)"
    report.add(Row(bench, where, sql, "—", f"{times(postgres / duck)} DuckDB", INFO))
    check = f"DuckDB national sums == {'pooled' if bench != 'P3' else 'recomputed'} national tally"
    report.add(Row(bench, where, check, "identical", "—", MET if same else MISSED))
    report.cost(f"DuckDB GROUP BY ×3 ({bench})", stations, duck)
    report.cost(f"PostgreSQL SQL GROUP BY ×3 ({bench} reference)", stations, postgres)
