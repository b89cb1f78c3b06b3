"""P3: the project's full recompute against DuckDB summing the same rows per TEC, region and nation.

The current copies' figures are exported once from PostgreSQL (COPY … TO STDOUT, CSV) into an
in-memory DuckDB table; then the three GROUP BYs are timed there and, for reference, the same
three GROUP BYs in PostgreSQL itself. DuckDB's national sums must equal the recomputed tally.
"""

from __future__ import annotations

import tempfile
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
ROWS = """
select pec.parent_id as tec, tec.parent_id as region, coalesce(l.code, o.code) as code, f.value
from tallies_copyfigure f
join tallies_protocolcopy pc on pc.id = f.copy_id
join elections_pollingstation ps on ps.id = pc.station_id
join elections_commission pec on pec.id = ps.pec_id
join elections_commission tec on tec.id = pec.parent_id
left join elections_protocolline l on l.id = f.line_id
left join elections_ballotoption o on o.id = f.option_id
where pc.contest_id = {contest} and pc.organization_id = {organization}
  and not exists (select 1 from tallies_protocolcopy r where r.revises_id = pc.id)
"""
GROUP_BYS = (
    "select tec, code, sum(value) from ({rows}) t group by tec, code",
    "select region, code, sum(value) from ({rows}) t group by region, code",
    "select code, sum(value) from ({rows}) t group by code",
)


def run_p3(report: Report, case: GeneratedCase) -> None:
    """Measure and report P3 on `case` (whose recompute times P2 or build_case measured)."""
    import duckdb  # installed by requirements-bench.txt only

    rows = ROWS.format(contest=case.contest.pk, organization=case.observer.organization_id)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "figures.csv"
        took, count = timed(_export, rows, path)
        report.note(f"exported {count:,} figure rows to CSV in {seconds(took)}")
        duck = duckdb.connect()
        duck.execute(f"create table figures as select * from read_csv('{path}', header = true)")
    in_duck = [timed(_duck_group_bys, duck)[0] for _ in range(REPEATS)]
    in_postgres = [timed(_postgres_group_bys, rows)[0] for _ in range(3)]
    same = _nation(duck) == _recomputed_nation(case)
    _report(report, case, median(in_duck), median(in_postgres), same, count)


def _export(rows: str, path: Path) -> int:
    with connection.cursor() as cursor, open(path, "wb") as out:
        with cursor.copy(f"copy ({rows}) to stdout (format csv, header)") as copy:
            for data in copy:
                out.write(data)
        cursor.execute(f"select count(*) from ({rows}) t")
        return cursor.fetchone()[0]


def _duck_group_bys(duck: Any) -> None:
    for query in GROUP_BYS:
        duck.execute(query.format(rows="select * from figures")).fetchall()


def _postgres_group_bys(rows: str) -> None:
    with connection.cursor() as cursor:
        for query in GROUP_BYS:
            cursor.execute(query.format(rows=rows))
            cursor.fetchall()


def _nation(duck: Any) -> dict[str, int]:
    return {
        code: int(total)
        for code, total in duck.execute(GROUP_BYS[2].format(rows="select * from figures")).fetchall()
    }


def _recomputed_nation(case: GeneratedCase) -> dict[str, int]:
    root = Commission.objects.get(election=case.contest.election, parent__isnull=True)
    tally = ObserverTally.objects.get(
        organization=case.observer.organization, contest=case.contest, commission=root
    )
    return {**tally.line_totals, **tally.option_totals}


def _report(
    report: Report, case: GeneratedCase, duck: float, postgres: float, same: bool, count: int
) -> None:
    where = stations_text(case.stations)
    ratio = case.recompute / duck
    figure = (
        f"recompute_observer_tallies {seconds(case.recompute)} vs DuckDB GROUP BY TEC + region + nation "
        f"{seconds(duck)} (median of {REPEATS}, {count:,} rows)"
    )
    report.add(Row("P3", where, figure, "≤ 10×", times(ratio), verdict(ratio, "<=", TARGET)))
    sql = f"reference: the same 3 GROUP BYs in PostgreSQL SQL {seconds(postgres)} (median of 3)"
    report.add(Row("P3", where, sql, "—", f"{times(postgres / duck)} DuckDB", INFO))
    check = "DuckDB national sums == recomputed national tally"
    report.add(Row("P3", where, check, "identical", "—", MET if same else MISSED))
    report.cost("DuckDB GROUP BY ×3 (P3)", case.stations, duck)
    report.cost("PostgreSQL SQL GROUP BY ×3 (P3 reference)", case.stations, postgres)
