"""STATES: what the full recompute (P3) costs if a station state's figures were one integer[] (issue 17).

A probe of a design, run before any migration: docs/benchmarks.md ("The floor: why ≤ 10× is not
reachable with rows and JSON states") puts most of P3's cost in building and comparing each
station's two jsonb objects (`applied_lines`, `applied_options`). Here, inside one transaction
that is always rolled back, a scratch column `applied_values integer[]` is added to
tallies_stationtallystate and filled from the recorded jsonb in the contest's layout: its form's
lines by (position, id), then its ballot options by (position, id), as
tallies.models.figure_layout.FigureLayout.of_contest orders them; NULL where a counted station
gives no figure; '{}' for a station that does not count. Then two statements run, each in a
savepoint rolled back afterwards:

- **json**: the product's recompute (tallies.services.recompute_sql.RECOMPUTE), unchanged;
- **array**: the same text with the station states built, compared and written as arrays
  (`array_statement`): one `array_agg(value ORDER BY layout position)` per station compared
  with `IS DISTINCT FROM`; a partial station's array filled to the layout's width with NULLs.
  The accepted rule, the sums, the tallies, the conflicts and the missing counts are the
  product's CTEs, unchanged (the text is cut at named CTEs; a changed product text raises).

The array statement writes `applied_values` only, so `same_outcome` compares what the two
statements rewrote (which states, by ctid) and left (each state's figures as an array in the
layout, its conflicts and counted flag; every tally). A figure outside the layout (a line of
another form) would be dropped by the array statement; the bench's and the tests' copies have none.

    make bench BENCH_ARGS="--stations 10000 --only P3,STATES"

runs it on P3's generated election after P3 and reports the wall and the PostgreSQL backend's
CPU time (/proc/<pid>/stat) of each statement, interleaved, median of ROUNDS; `measure` raises
unless the two statements rewrite and leave the same.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from bench.generated import GeneratedCase
from bench.report import INFO, MET, Report, Row, seconds, stations_text
from bench.timing import median
from tallies.selectors.accepted import accepted_sql
from tallies.services import recompute_sql

ROUNDS = 5
ADD_COLUMN = "ALTER TABLE tallies_stationtallystate ADD COLUMN applied_values integer[]"

# The contest's layout: key = line id or minus option id, pos = 1-based position in the array.
SLOTS = """
SELECT x.key, x.code, x.is_line, (ROW_NUMBER() OVER (ORDER BY x.kind, x.position, x.id))::int AS pos
FROM (
    SELECT 0 AS kind, l.position, l.id, l.id AS key, l.code, TRUE AS is_line
    FROM elections_protocolline l JOIN elections_contest c ON c.form_id = l.form_id WHERE c.id = {contest}
    UNION ALL
    SELECT 1, o.position, o.id, -o.id, o.code, FALSE
    FROM elections_ballotoption o WHERE o.contest_id = {contest}
) x
"""

# A state's recorded jsonb as an array in the layout ('{}' if it does not count).
AS_ARRAY = """CASE WHEN s.is_counted THEN ARRAY(
    SELECT (CASE WHEN sl.is_line THEN s.applied_lines ELSE s.applied_options END ->> sl.code)::int
    FROM slots sl ORDER BY sl.pos) ELSE '{}' END"""

FILL = """WITH slots AS ({slots}) UPDATE tallies_stationtallystate s SET applied_values = {values}
WHERE s.organization_id = {organization} AND s.contest_id = {contest}"""

STATES = """WITH slots AS ({slots})
SELECT s.station_id, s.ctid::text, s.applied_version = s.wanted_version, s.is_counted, {values}, s.conflicts
FROM tallies_stationtallystate s WHERE s.organization_id = {organization} AND s.contest_id = {contest}
ORDER BY s.station_id"""

TALLIES = """SELECT commission_id, line_totals, option_totals, stations_count, missing, partial_stations
FROM tallies_observertally WHERE organization_id = %s AND contest_id = %s ORDER BY commission_id"""

STATIONS = """
by_station AS (
    -- Every station with a countable copy: its figures in layout order, how many, any conflict.
    SELECT a.station_id, array_agg(a.value ORDER BY sl.pos) AS vals, COUNT(*) AS given,
        COUNT(a.value) < COUNT(*) AS in_conflict
    FROM accepted a JOIN slots sl ON sl.key = COALESCE(a.line_id, -a.option_id)
    GROUP BY a.station_id
),
given AS (
    SELECT station_id, vals, given FROM by_station WHERE NOT in_conflict
),
partial AS MATERIALIZED (
    -- The few counted stations giving fewer figures than the layout has.
    SELECT station_id FROM given WHERE given < (SELECT COUNT(*) FROM slots)
),
filled AS (
    -- A partial station's array: NULL where it gives no figure.
    SELECT p.station_id, array_agg(g.value ORDER BY sl.pos) AS vals
    FROM partial p CROSS JOIN slots sl
    LEFT JOIN (
        SELECT a.station_id, s2.pos, a.value FROM accepted a
        JOIN partial p2 ON p2.station_id = a.station_id
        JOIN slots s2 ON s2.key = COALESCE(a.line_id, -a.option_id)
    ) g ON g.station_id = p.station_id AND g.pos = sl.pos
    GROUP BY p.station_id
),
counted AS (
    SELECT b.station_id, COALESCE(f.vals, b.vals) AS vals FROM given b
    LEFT JOIN filled f ON f.station_id = b.station_id
),
"""

MISSING = """
station_missing AS (
    -- The figures each partial station lacks.
    SELECT f.station_id, CASE WHEN sl.is_line THEN 'lines.' ELSE 'options.' END || sl.code AS key
    FROM filled f JOIN slots sl ON f.vals[sl.pos] IS NULL
),
"""

WRITES = """
changed AS (
    SELECT k.state_id, s.wanted_version, b.station_id IS NOT NULL AS is_counted,
        COALESCE(b.vals, '{}') AS vals, COALESCE(x.conflicts, '[]') AS conflicts
    FROM locked k
    JOIN tallies_stationtallystate s ON s.id = k.state_id
    LEFT JOIN counted b ON b.station_id = k.station_id
    LEFT JOIN conflicted x ON x.station_id = k.station_id
    WHERE s.applied_version <> s.wanted_version
        OR s.is_counted <> (b.station_id IS NOT NULL)
        OR s.applied_values IS DISTINCT FROM COALESCE(b.vals, '{}')
        OR s.conflicts <> COALESCE(x.conflicts, '[]')
),
states_written AS (
    UPDATE tallies_stationtallystate s
    SET applied_version = c.wanted_version, is_counted = c.is_counted,
        applied_values = c.vals, conflicts = c.conflicts
    FROM changed c WHERE s.id = c.state_id
),
"""


def _sql(template: str, organization_id: int, contest_id: int, values: str = AS_ARRAY) -> str:
    """`template` with {slots}, {values}, {organization} and {contest} put in (ids as digits)."""
    text = template.replace("{slots}", SLOTS).replace("{values}", values)
    text = text.replace("{organization}", str(int(organization_id)))
    return text.replace("{contest}", str(int(contest_id)))


def _replaced(text: str, start: str, end: str, new: str) -> str:
    """`text` with the part from `start` up to `end` replaced; ValueError unless each is found once."""
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        raise ValueError(f"the recompute's text changed: {start!r} … {end!r} not found once, in order")
    return text[: text.index(start)] + new.strip() + "\n" + text[text.index(end) :]


def array_statement(contest_id: int) -> str:
    """The recompute with states as arrays; `{rules}` and its parameters as in recompute_sql."""
    text = recompute_sql.RECOMPUTE
    text = _replaced(text, "by_station AS (", "conflicted AS (", STATIONS)
    text = _replaced(text, "expected AS (", "changed AS (", MISSING)
    text = _replaced(text, "changed AS (", "parent_stations AS (", WRITES)
    slots = "slots AS MATERIALIZED (" + SLOTS.replace("{contest}", str(int(contest_id))) + "),\n{rules},"
    return text.replace("{rules},", slots, 1)


def run(statement: str, organization_id: int, contest_id: int) -> tuple[float, float, int]:
    """Lock the states, run `statement` (RECOMPUTE or array_statement's); return (wall s, CPU s, counted).

    The CPU is the PostgreSQL backend's, user + system, over the statement alone.
    """
    stations = (
        "c.station_id IN (SELECT station_id FROM tallies_stationtallystate"
        f" WHERE organization_id = {int(organization_id)} AND contest_id = {int(contest_id)})"
    )
    rules, params = accepted_sql(organization_id, contest_id, stations=stations)
    ids = [organization_id, contest_id]
    expected = [contest_id, contest_id] if statement == recompute_sql.RECOMPUTE else []  # its `expected`
    recompute_sql.lock_station_states(organization_id, contest_id)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # as recompute_in_sql
        pid = connection.connection.info.backend_pid
        cpu, wall = backend_cpu(pid), time.perf_counter()
        cursor.execute(statement.replace("{rules}", rules), [*ids, *params, *expected, *ids, *ids])
        counted = int(cursor.fetchone()[0])
        return time.perf_counter() - wall, backend_cpu(pid) - cpu, counted


def backend_cpu(pid: int) -> float:
    """User + system CPU seconds of process `pid` (10 ms resolution)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def scratch_column(organization_id: int, contest_id: int) -> Iterator[None]:
    """A transaction with `applied_values` added and filled from the jsonb; always rolled back."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            # An ALTER TABLE waits for no deferred check: run those pending (a test's transaction).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(ADD_COLUMN)
            cursor.execute(_sql(FILL, organization_id, contest_id))
            cursor.execute("ANALYZE tallies_stationtallystate")
        try:
            yield
        finally:
            transaction.set_rollback(True)


@contextmanager
def rolled_back() -> Iterator[None]:
    """A savepoint rolled back on leaving (inside scratch_column)."""
    savepoint = transaction.savepoint_create()
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)


def outcome(organization_id: int, contest_id: int, *, array: bool) -> tuple[list[Any], list[Any]]:
    """(states as (station, ctid, applied?, counted, values in the layout, conflicts), tallies).

    The values are `applied_values` after the array statement, the jsonb read in the layout after
    the json one.
    """
    values = "s.applied_values" if array else AS_ARRAY
    with connection.cursor() as cursor:
        cursor.execute(_sql(STATES, organization_id, contest_id, values))
        rows = cursor.fetchall()
        cursor.execute(TALLIES, [organization_id, contest_id])
        return rows, cursor.fetchall()


def outcome_after(statement: str, organization_id: int, contest_id: int, *, array: bool) -> dict[str, Any]:
    """In a savepoint: run `statement`; the stations whose state it rewrote, and the outcome."""
    with rolled_back():
        before, _ = outcome(organization_id, contest_id, array=array)
        counted = run(statement, organization_id, contest_id)[2]
        states, tallies = outcome(organization_id, contest_id, array=array)
    rewritten = {row[0] for row, old in zip(states, before, strict=True) if row[1] != old[1]}
    return {
        "counted": counted,
        "rewritten": rewritten,
        "states": [(station, *rest) for station, _ctid, *rest in states],
        "tallies": tallies,
    }


def both_outcomes(organization_id: int, contest_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(json's outcome, array's outcome) over the states and tallies as they are recorded now.

    Call inside scratch_column (after any change to the recorded states, made to both jsonb and
    `applied_values`).
    """
    json = outcome_after(recompute_sql.RECOMPUTE, organization_id, contest_id, array=False)
    array = outcome_after(array_statement(contest_id), organization_id, contest_id, array=True)
    return json, array


def measure(organization_id: int, contest_id: int, rounds: int) -> dict[str, list[tuple[float, float]]]:
    """(wall s, backend CPU s) of each statement, `rounds` times, interleaved json, array."""
    statements = {"json": recompute_sql.RECOMPUTE, "array": array_statement(contest_id)}
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in statements}
    with scratch_column(organization_id, contest_id):
        json, array = both_outcomes(organization_id, contest_id)
        if json != array:
            raise AssertionError("the array statement's outcome differs from the recompute's")
        for _ in range(rounds):
            for name, statement in statements.items():
                with rolled_back():
                    runs[name].append(run(statement, organization_id, contest_id)[:2])
    return runs


def run_states(report: Report, case: GeneratedCase, rounds: int = ROUNDS) -> None:
    """Measure and report STATES on `case` (P3's election): both statements, side by side."""
    organization_id, contest_id = case.observer.organization_id, case.contest.pk
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    runs = measure(organization_id, contest_id, rounds)
    (json_wall, json_cpu), (array_wall, array_cpu) = (_medians(runs[name]) for name in ("json", "array"))
    stations = stations_text(case.stations)
    for name, wall, cpu in (("jsonb (product)", json_wall, json_cpu), ("integer[]", array_wall, array_cpu)):
        figure = f"recompute, states as {name}: wall {seconds(wall)}, backend CPU {seconds(cpu)}"
        figure += f" (median of {rounds}, interleaved, load {load})"
        report.add(Row("STATES", stations, figure, "—", "—", INFO))
    ratio = f"CPU {array_cpu / json_cpu:.2f}×, wall {array_wall / json_wall:.2f}×" if json_cpu else "—"
    report.add(Row("STATES", stations, "integer[] against jsonb, same rows, same run", "—", ratio, INFO))
    same = "the two statements rewrite and leave the same"
    report.add(Row("STATES", stations, same, "identical", "—", MET))
    report.cost("recompute with states as integer[] (STATES, CPU)", case.stations, array_cpu)


def _medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return median([wall for wall, _ in runs]), median([cpu for _, cpu in runs])
