"""The full observer recompute as set-based SQL on PostgreSQL (tallies.services.tallying calls it).

One statement derives every station's accepted figures with the rule of
tallies.selectors.accepted, writes the station states whose recorded figures differ (usually
none) with one UPDATE … FROM, sums the counted stations per PEC parent, adds each parent's sums
to itself and every commission above it (found by `Commission.path`), and upserts the tallies.
A partial copy's missing figures are absent rows, so each sum is over the stations that give
the figure; the stations lacking each figure are counted apart (`ObserverTally.missing`), looked
for only at the stations that give fewer figures than the form has.
Nothing of the 2.5 million figures of a national election leaves the database.

Locking is the caller's: it locks the root tallies, then `lock_station_states` locks every
state row before the statement reads the copies. A state created meanwhile by another
transaction (a first copy at a station) is recomputed if the statement sees it, and
`applied_version` is taken from the statement's snapshot, so a change committed after the
snapshot leaves the state stale for its own tally job instead of being lost.
"""

from __future__ import annotations

from django.db import connection

from elections.models import PATH_SEPARATOR
from tallies.selectors.accepted import accepted_sql

LOCK_STATES = """
SELECT COUNT(*) FROM (
    SELECT id FROM tallies_stationtallystate
    WHERE organization_id = %s AND contest_id = %s
    ORDER BY id FOR UPDATE
) locked
"""

CODES = """
LEFT JOIN elections_protocolline l ON l.id = {row}.line_id
LEFT JOIN elections_ballotoption o ON o.id = {row}.option_id
"""


def _figures(row: str, value: str) -> str:
    """SELECT items: the rows' lines and options as two JSON objects {code: value} (empty, not NULL).

    Built as json text, then read as jsonb once per object: the same jsonb as jsonb_object_agg
    (an integer is a number, a later duplicate code wins), at a fraction of its cost per figure.
    """
    return ", ".join(
        f"COALESCE((json_object_agg({alias}.code, {value})"
        f" FILTER (WHERE {row}.{kind}_id IS NOT NULL))::jsonb, '{{}}') AS {kind}s"
        for alias, kind in (("l", "line"), ("o", "option"))
    )


CONFLICT_CODE = "CASE WHEN a.line_id IS NULL THEN 'options.' || o.code ELSE 'lines.' || l.code END"

RECOMPUTE = f"""
WITH locked AS (
    SELECT s.id AS state_id, s.station_id, pec.parent_id
    FROM tallies_stationtallystate s
    JOIN elections_pollingstation ps ON ps.id = s.station_id
    JOIN elections_commission pec ON pec.id = ps.pec_id
    WHERE s.organization_id = %s AND s.contest_id = %s
),
{{rules}},
by_station AS (
    -- Every station with a countable copy: its figures, how many it gives, whether one is in conflict.
    SELECT a.station_id, {_figures("a", "a.value")}, COUNT(*) AS given,
        COUNT(a.value) < COUNT(*) AS in_conflict
    FROM accepted a {CODES.format(row="a")}
    GROUP BY a.station_id
),
counted AS (
    -- The stations that count: no line in conflict.
    SELECT station_id, lines, options, given FROM by_station WHERE NOT in_conflict
),
conflicted AS (
    SELECT a.station_id, jsonb_agg({CONFLICT_CODE} ORDER BY {CONFLICT_CODE} COLLATE "C") AS conflicts
    FROM accepted a {CODES.format(row="a")}
    WHERE a.value IS NULL
    GROUP BY a.station_id
),
expected AS (
    -- Every figure a complete copy gives (lines of the contest's form, its options).
    SELECT 'lines.' || l.code AS key, l.code, TRUE AS is_line
    FROM elections_protocolline l JOIN elections_contest c ON c.form_id = l.form_id WHERE c.id = %s
    UNION ALL
    SELECT 'options.' || o.code, o.code, FALSE FROM elections_ballotoption o WHERE o.contest_id = %s
),
partial AS MATERIALIZED (
    -- The few counted stations giving fewer figures than expected.
    SELECT station_id, lines, options FROM counted WHERE given < (SELECT COUNT(*) FROM expected)
),
station_missing AS (
    -- The figures each partial station lacks.
    SELECT b.station_id, e.key
    FROM partial b CROSS JOIN expected e
    WHERE (CASE WHEN e.is_line THEN b.lines ELSE b.options END) -> e.code IS NULL
),
changed AS (
    SELECT k.state_id, s.wanted_version, b.station_id IS NOT NULL AS is_counted,
        COALESCE(b.lines, '{{}}') AS lines, COALESCE(b.options, '{{}}') AS options,
        COALESCE(x.conflicts, '[]') AS conflicts
    FROM locked k
    JOIN tallies_stationtallystate s ON s.id = k.state_id
    LEFT JOIN counted b ON b.station_id = k.station_id
    LEFT JOIN conflicted x ON x.station_id = k.station_id
    WHERE s.applied_version <> s.wanted_version
        OR s.is_counted <> (b.station_id IS NOT NULL)
        OR s.applied_lines <> COALESCE(b.lines, '{{}}')
        OR s.applied_options <> COALESCE(b.options, '{{}}')
        OR s.conflicts <> COALESCE(x.conflicts, '[]')
),
states_written AS (
    UPDATE tallies_stationtallystate s
    SET applied_version = c.wanted_version, is_counted = c.is_counted,
        applied_lines = c.lines, applied_options = c.options, conflicts = c.conflicts
    FROM changed c WHERE s.id = c.state_id
),
parent_stations AS (
    -- The stations counted under each PEC parent (usually a TEC).
    SELECT k.parent_id, COUNT(*) AS stations
    FROM counted b JOIN locked k ON k.station_id = b.station_id
    WHERE k.parent_id IS NOT NULL
    GROUP BY k.parent_id
),
per_parent AS MATERIALIZED (
    -- Sums per PEC parent of the counted stations' figures. The parent is found through the
    -- tables rather than `locked` (the same rows: `accepted` holds only locked stations), whose
    -- statistics let the planner hash the 25 figures per station instead of sorting them twice.
    SELECT pec.parent_id, a.line_id, a.option_id, SUM(a.value) AS total
    FROM accepted a
    JOIN elections_pollingstation ps ON ps.id = a.station_id
    JOIN elections_commission pec ON pec.id = ps.pec_id
    WHERE pec.parent_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM conflicted x WHERE x.station_id = a.station_id)
    GROUP BY pec.parent_id, a.line_id, a.option_id
),
ancestry AS (
    -- Each PEC parent with every commission from the root down to itself, by path prefix.
    SELECT p.id AS parent_id, a.id AS commission_id
    FROM elections_commission p
    CROSS JOIN LATERAL string_to_array(p.path, '{PATH_SEPARATOR}') AS parts
    CROSS JOIN LATERAL generate_series(1, array_length(parts, 1) - 1) AS depth
    JOIN elections_commission a ON a.election_id = p.election_id
        AND a.path = array_to_string(parts[1:depth], '{PATH_SEPARATOR}') || '{PATH_SEPARATOR}'
    WHERE p.id IN (SELECT parent_id FROM parent_stations)
),
unit_sums AS (
    SELECT y.commission_id, p.line_id, p.option_id, SUM(p.total) AS total
    FROM per_parent p JOIN ancestry y ON y.parent_id = p.parent_id
    GROUP BY y.commission_id, p.line_id, p.option_id
),
unit_figures AS (
    SELECT t.commission_id, {_figures("t", "t.total")}
    FROM unit_sums t {CODES.format(row="t")}
    GROUP BY t.commission_id
),
unit_stations AS (
    SELECT y.commission_id, SUM(p.stations) AS stations
    FROM parent_stations p JOIN ancestry y ON y.parent_id = p.parent_id
    GROUP BY y.commission_id
),
parent_missing AS (
    SELECT k.parent_id, m.key, COUNT(*) AS stations, COUNT(DISTINCT m.station_id) AS partial
    FROM station_missing m JOIN locked k ON k.station_id = m.station_id
    WHERE k.parent_id IS NOT NULL
    GROUP BY GROUPING SETS ((k.parent_id, m.key), (k.parent_id))
),
unit_missing AS (
    SELECT t.commission_id, jsonb_object_agg(t.key, t.stations) AS missing
    FROM (
        SELECT y.commission_id, p.key, SUM(p.stations) AS stations
        FROM parent_missing p JOIN ancestry y ON y.parent_id = p.parent_id
        WHERE p.key IS NOT NULL
        GROUP BY y.commission_id, p.key
    ) t
    GROUP BY t.commission_id
),
unit_partial AS (
    SELECT y.commission_id, SUM(p.partial) AS stations
    FROM parent_missing p JOIN ancestry y ON y.parent_id = p.parent_id
    WHERE p.key IS NULL
    GROUP BY y.commission_id
),
units AS (
    SELECT commission_id FROM tallies_observertally WHERE organization_id = %s AND contest_id = %s
    UNION
    SELECT commission_id FROM unit_stations
),
tallies_written AS (
    INSERT INTO tallies_observertally AS t (organization_id, contest_id, commission_id,
        line_totals, option_totals, stations_count, missing, partial_stations, updated_at)
    SELECT %s, %s, u.commission_id, COALESCE(f.lines, '{{}}'), COALESCE(f.options, '{{}}'),
        COALESCE(n.stations, 0), COALESCE(m.missing, '{{}}'), COALESCE(p.stations, 0), now()
    FROM units u
    LEFT JOIN unit_figures f ON f.commission_id = u.commission_id
    LEFT JOIN unit_stations n ON n.commission_id = u.commission_id
    LEFT JOIN unit_missing m ON m.commission_id = u.commission_id
    LEFT JOIN unit_partial p ON p.commission_id = u.commission_id
    ON CONFLICT (organization_id, contest_id, commission_id) DO UPDATE
    SET line_totals = excluded.line_totals, option_totals = excluded.option_totals,
        stations_count = excluded.stations_count, missing = excluded.missing,
        partial_stations = excluded.partial_stations, updated_at = excluded.updated_at
    WHERE (t.line_totals, t.option_totals, t.stations_count, t.missing, t.partial_stations)
        IS DISTINCT FROM (excluded.line_totals, excluded.option_totals, excluded.stations_count,
            excluded.missing, excluded.partial_stations)
)
SELECT COALESCE(SUM(stations), 0) FROM parent_stations
"""


def lock_station_states(organization_id: int, contest_id: int) -> int:
    """Lock every station state of the organisation and contest (FOR UPDATE); return how many."""
    with connection.cursor() as cursor:
        cursor.execute(LOCK_STATES, [organization_id, contest_id])
        return cursor.fetchone()[0]


def recompute_in_sql(organization_id: int, contest_id: int) -> int:
    """Rebuild the states and tallies in one statement; return the stations counted.

    Call inside the transaction that holds the locks (root tallies, then `lock_station_states`).
    """
    # The stations of the locked states, named by the table (whose statistics the planner has)
    # rather than by `locked`, so that the copies are joined by hash, not looked up one by one.
    stations = (
        "c.station_id IN (SELECT station_id FROM tallies_stationtallystate"
        f" WHERE organization_id = {int(organization_id)} AND contest_id = {int(contest_id)})"
    )
    rules, params = accepted_sql(organization_id, contest_id, stations=stations)
    ids = [organization_id, contest_id]
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
        # JIT-compiling this statement takes seconds, several times what running it takes.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            RECOMPUTE.replace("{rules}", rules),
            [*ids, *params, contest_id, contest_id, *ids, *ids],
        )
        counted = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('jit', %s, true)", [jit])
    return counted
