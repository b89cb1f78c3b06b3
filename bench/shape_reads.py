"""SHAPE's reads: (b) sums per TEC, region and nation, (c) reconciliation reads, (d) sizes.

Run on the tables bench.storage_shape loaded, both shapes in the same run, so that the ratios
between them are measured under the same load. Every read is checked: both shapes (and DuckDB)
give the same sums, and the same discrepant stations, which are the ones the generator made.
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path
from typing import Any

from django.db import connection

from bench import storage_shape as shape
from bench.p3_duckdb import GROUP_BYS
from bench.report import INFO, MET, MISSED, Report, Row, seconds, stations_text, times
from bench.timing import median, timed

S = shape.SCHEMA
REPEATS, ONE_STATION_SAMPLE = 5, 300
JOIN_TEC = f"join {S}.commission pec on pec.id = c.station_id"
JOIN_REGION = JOIN_TEC + f" join {S}.commission tec on tec.id = pec.parent_id"
UNITS = (("pec.parent_id", JOIN_TEC), ("tec.parent_id", JOIN_REGION), ("0", ""))  # TEC, region, nation
ROWS_SUM = (
    "select {unit}, coalesce(f.line_id, {lines} + f.option_id), sum(f.value) "
    f"from {S}.r_copy_figure f join {S}.r_copy c on c.id = f.copy_id {{join}} group by 1, 2"
)
UNNEST_SUM = (
    f"select {{unit}}, u.pos, sum(u.v) from {S}.a_copy c {{join}} "
    "cross join lateral unnest(c.figures) with ordinality u (v, pos) group by 1, 2"
)
POSITION_SUM = f"select {{unit}}, {{sums}} from {S}.a_copy c {{join}} group by 1"
ROWS_DIFF = f"""
select p.commission_id from {S}.r_official p join {S}.r_official_figure f on f.protocol_id = p.id
join {S}.r_copy k on k.station_id = p.commission_id
join {S}.r_copy_figure c on c.copy_id = k.id
 and coalesce(c.line_id, -c.option_id) = coalesce(f.line_id, -f.option_id)
where c.value <> f.value"""
ARRAYS_DIFF = f"""
select p.commission_id from {S}.a_official p join {S}.a_copy k on k.station_id = p.commission_id
cross join lateral generate_subscripts(p.figures, 1) i
where p.figures <> k.figures and p.figures[i] <> k.figures[i]"""
ONE = {
    "rows": (
        f"select coalesce(f.line_id, {shape.LINES} + f.option_id), f.value from {S}.r_official_figure f "
        f"join {S}.r_official p on p.id = f.protocol_id where p.commission_id = %s",
        f"select coalesce(f.line_id, {shape.LINES} + f.option_id), f.value from {S}.r_copy_figure f "
        f"join {S}.r_copy c on c.id = f.copy_id where c.station_id = %s",
    ),
    "arrays": (
        f"select figures from {S}.a_official where commission_id = %s",
        f"select figures from {S}.a_copy where station_id = %s",
    ),
}
ALL = {
    "rows": (
        f"select p.commission_id, coalesce(f.line_id, {shape.LINES} + f.option_id), f.value "
        f"from {S}.r_official_figure f join {S}.r_official p on p.id = f.protocol_id",
        f"select c.station_id, coalesce(f.line_id, {shape.LINES} + f.option_id), f.value "
        f"from {S}.r_copy_figure f join {S}.r_copy c on c.id = f.copy_id",
    ),
    "arrays": (
        f"select commission_id, figures from {S}.a_official",
        f"select station_id, figures from {S}.a_copy",
    ),
}
Sums = dict[tuple[int, int], int]


def run_sums(report: Report, stations: int) -> None:
    """(b) The three GROUP BYs over the copies in each shape and in DuckDB; equal sums checked."""
    took: dict[str, float] = {}
    results: dict[str, Sums] = {}
    for name, function in (("rows", _rows_sums), ("unnest", _unnest_sums), ("positions", _position_sums)):
        runs = [timed(function) for _ in range(REPEATS)]
        took[name], results[name] = median([t for t, _ in runs]), runs[-1][1]
    duck, duck_sums = _duckdb_sums()
    where = stations_text(stations)
    figure = (
        f"(b) sums per TEC + region + nation of the copies: rows GROUP BY {seconds(took['rows'])}, arrays "
        f"unnest WITH ORDINALITY {seconds(took['unnest'])}, arrays per-position sum(figures[i]) "
        f"{seconds(took['positions'])}, DuckDB on rows {seconds(duck)} (median of {REPEATS})"
    )
    best = min(took["unnest"], took["positions"])
    report.add(Row("SHAPE", where, figure, "—", f"rows {times(took['rows'] / best)} arrays", INFO))
    ratios = (
        f"rows GROUP BY {times(took['rows'] / duck)}, arrays per-position "
        f"{times(took['positions'] / duck)}, arrays unnest {times(took['unnest'] / duck)} DuckDB"
    )
    report.add(
        Row("SHAPE", where, f"(b) the same sums in PostgreSQL against DuckDB: {ratios}", "—", "—", INFO)
    )
    same = results["rows"] == results["unnest"] == results["positions"] == duck_sums
    report.add(
        Row("SHAPE", where, "(b) rows, arrays and DuckDB give the same sums", "identical", "—", _ok(same))
    )
    for name, label in (("rows", "rows GROUP BY"), ("positions", "arrays per-position sum")):
        report.cost(f"sums per TEC + region + nation, {label} (SHAPE)", stations, took[name])


def _sums(statements: list[str], wide: bool = False) -> Sums:
    """Run one statement per level; key (level * 10^12 + unit, position), position from 1."""
    out: Sums = {}
    with connection.cursor() as cursor:
        for level, sql in enumerate(statements):
            cursor.execute(sql)
            for unit, *rest in cursor.fetchall():
                key = level * 10**12 + unit
                pairs = enumerate(rest, start=1) if wide else [tuple(rest[:2])]
                out.update({(key, int(pos)): int(total) for pos, total in pairs if total is not None})
    return out


def _rows_sums() -> Sums:
    return _sums([ROWS_SUM.format(unit=unit, join=join, lines=shape.LINES) for unit, join in UNITS])


def _unnest_sums() -> Sums:
    return _sums([UNNEST_SUM.format(unit=unit, join=join) for unit, join in UNITS])


def _position_sums() -> Sums:
    sums = ", ".join(f"sum(c.figures[{i}])" for i in range(1, shape.WIDTH + 1))
    return _sums([POSITION_SUM.format(unit=unit, join=join, sums=sums) for unit, join in UNITS], wide=True)


def _duckdb_sums() -> tuple[float, Sums]:
    """P3's three GROUP BYs in an in-memory DuckDB over the copies as rows (tec, region, code,
    value), exported from PostgreSQL: the median seconds of REPEATS and the sums."""
    import duckdb  # requirements-bench.txt

    export = (
        f"select c.station_id, pec.parent_id as tec, tec.parent_id as region, u.pos as code, u.v as value "
        f"from {S}.a_copy c {JOIN_REGION} cross join lateral unnest(c.figures) with ordinality u (v, pos)"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "figures.csv"
        statement = f"copy ({export}) to stdout (format csv, header)"
        with connection.cursor() as cursor, open(path, "wb") as out, cursor.copy(statement) as copy:
            for data in copy:
                out.write(data)
        duck = duckdb.connect()
        duck.execute(f"create table figures as select * from read_csv('{path}', header = true)")
    queries = [q.format(rows="select * from figures") for q in GROUP_BYS]
    took = median([timed(_duck_run, duck, queries)[0] for _ in range(REPEATS)])
    sums: Sums = {}
    for level, rows in enumerate(_duck_run(duck, queries)):
        for *unit, code, total in rows:
            sums[(level * 10**12 + (unit[0] if unit else 0), int(code))] = int(total)
    return took, sums


def _duck_run(duck: Any, queries: list[str]) -> list[list[tuple]]:
    return [duck.execute(query).fetchall() for query in queries]


def run_reconciliation_reads(report: Report, figures: shape.Figures) -> None:
    """(c) Copy against official figures: of one station (two queries, median over a sample), of
    every station in SQL (the discrepant figures), and of every station read into Python."""
    where, expected = stations_text(len(figures.stations)), figures.discrepant()
    sample = random.Random(17).sample(figures.stations, min(ONE_STATION_SAMPLE, len(figures.stations)))
    one, in_sql, in_python, same = {}, {}, {}, True
    for name in ("rows", "arrays"):
        one[name] = median([timed(_one_station, name, station)[0] for station in sample])
        runs = [timed(_discrepant_sql, name) for _ in range(3)]
        in_sql[name] = median([t for t, _ in runs])
        took, found = timed(_discrepant_python, name)
        in_python[name] = took
        same = same and runs[-1][1] == expected == found
    report.add(
        Row(
            "SHAPE",
            where,
            f"(c) one station's official and copy figures (2 queries): rows {_ms(one['rows'])}, arrays "
            f"{_ms(one['arrays'])} (median of {len(sample)} stations)",
            "—",
            f"rows {times(one['rows'] / one['arrays'])} arrays",
            INFO,
        )
    )
    labels = ("discrepant figures of all stations in SQL", "all stations read into Python and compared there")
    for label, took in zip(labels, (in_sql, in_python), strict=True):
        figure = f"(c) {label}: rows {seconds(took['rows'])}, arrays {seconds(took['arrays'])}"
        report.add(
            Row("SHAPE", where, figure, "—", f"rows {times(took['rows'] / took['arrays'])} arrays", INFO)
        )
    check = f"(c) both shapes find the {len(expected):,} discrepant stations, in SQL and in Python"
    report.add(Row("SHAPE", where, check, "identical", "—", _ok(same)))
    report.cost(
        "reconciliation of all stations in Python, rows (SHAPE)", len(figures.stations), in_python["rows"]
    )
    report.cost(
        "reconciliation of all stations in Python, arrays (SHAPE)", len(figures.stations), in_python["arrays"]
    )


def _ms(value: float) -> str:
    return f"{value * 1000:.2f} ms"


def _one_station(name: str, station: int) -> set[int]:
    with connection.cursor() as cursor:
        official, copy = [_fetch(cursor, sql, station) for sql in ONE[name]]
    return {pos for pos, value in official.items() if copy.get(pos, value) != value}


def _fetch(cursor, sql: str, station: int) -> dict[int, int]:  # type: ignore[no-untyped-def]
    cursor.execute(sql, [station])
    rows = cursor.fetchall()
    if rows and len(rows[0]) == 1:
        return {pos: v for pos, v in enumerate(rows[0][0], start=1) if v is not None}
    return dict(rows)


def _discrepant_sql(name: str) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(ROWS_DIFF if name == "rows" else ARRAYS_DIFF)
        return {station for (station,) in cursor.fetchall()}


def _discrepant_python(name: str) -> set[int]:
    official_sql, copies_sql = ALL[name]
    with connection.cursor() as cursor:
        official, copies = _by_station(cursor, official_sql, name), _by_station(cursor, copies_sql, name)
    return {
        station
        for station, figures in official.items()
        if any(copies[station][pos] != value for pos, value in figures.items() if value is not None)
    }


def _by_station(cursor, sql: str, name: str) -> dict[int, Any]:  # type: ignore[no-untyped-def]
    cursor.execute(sql)
    if name == "arrays":
        return {station: dict(enumerate(values, start=1)) for station, values in cursor.fetchall()}
    out: dict[int, dict[int, int]] = {}
    for station, pos, value in cursor.fetchall():
        out.setdefault(station, {})[pos] = value
    return out


def run_sizes(report: Report, stations: int) -> None:
    """(d) Table + index size (pg_total_relation_size) of each kind in each shape."""
    for kind in ("official", "copies"):
        rows = sum(_size(t) for t in shape.TABLES[("rows", kind)][:2] if t)
        arrays = _size(shape.TABLES[("arrays", kind)][0])
        figure = f"(d) tables + indexes of the {kind}: rows {_mib(rows)}, arrays {_mib(arrays)}"
        report.add(
            Row("SHAPE", stations_text(stations), figure, "—", f"rows {times(rows / arrays)} arrays", INFO)
        )


def _size(table: str) -> int:
    with connection.cursor() as cursor:
        if connection.get_autocommit():  # not inside a test's transaction
            cursor.execute(f"vacuum analyze {S}.{table}")
        cursor.execute("select pg_total_relation_size(%s::regclass)", [f"{S}.{table}"])
        return int(cursor.fetchone()[0])


def _mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


def _ok(same: bool) -> str:
    return MET if same else MISSED


def run_shape(report: Report, stations: int) -> None:
    """SHAPE at `stations`: build both shapes, time loads, sums, reconciliation reads and sizes."""
    report.note(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    try:
        figures = shape.build(stations)
        shape.run_loads(report, stations, figures, repeats=3 if stations <= 20_000 else 2)
        run_sums(report, stations)
        run_reconciliation_reads(report, figures)
        run_sizes(report, stations)
    finally:
        shape.drop()
    report.note(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
