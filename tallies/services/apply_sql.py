"""One station's incremental tally in one round trip: the PL/pgSQL function `tallies_apply_station_tally`.

`tallies_apply_station_tally(state_id, lock_timeout) → boolean` (NULL: no such state) does what
`apply_station_tally` did in eight statements and Python arithmetic, in one transaction:

1. sets `lock_timeout` for the transaction (a longer wait raises SQLSTATE 55P03: StationBusy);
2. finds the PEC's ancestor commissions by path and creates their missing tallies (ON CONFLICT
   DO NOTHING, before any lock is held);
3. locks those tally rows root first (by path), then the station's state row, and answers
   FALSE if the state is not stale (already applied: nothing written);
4. derives the station's accepted figures with the rule of tallies.selectors.accepted (the
   text of `accepted_sql`, built into the function), moves every ancestor tally by
   (accepted − applied) and records what it applied in the state row; answers TRUE.

Each statement of a (volatile) PL/pgSQL function takes its own snapshot, so step 4 reads every
change committed before the state row was locked: a copy's transaction raises `wanted_version`
holding that row. The function's plans are cached per connection, so a call costs no planning.

The move keeps the rules of the Python arithmetic it replaced (tests/tallies/reference_apply.py,
held equal to this by tests/tallies/test_apply_sql.py): the station counts when it has accepted
figures and no line in conflict; `stations_count` and `partial_stations` move by the change in
"counted" and in "lacks an expected figure"; `missing` moves by the expected figures the station
lacked and lacks (a count reaching 0 is dropped); a tally left with no counted station holds no
figures, and a code that no counted station gives (coverage 0) is dropped, as a recompute has it.

The function holds a copy of the accepted rule, so it must change with it: `function_sql()`
builds the function from the rule as the code has it now, and a test fails while the installed
function differs from it. To follow a change of the rule, add a migration with
`migrations.RunSQL(<function_sql() output>)`.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from elections.models import PATH_SEPARATOR
from tallies.models import StationTallyState
from tallies.selectors.accepted import accepted_sql

# Stand-ins for the rule's parameters, replaced by the function's variables (see `_bind`).
RULE_VARIABLES = {-901: "v_organization_id", -902: "v_contest_id", -903: "v_station_id"}

CONFLICT_CODE = "CASE WHEN a.line_id IS NULL THEN 'options.' || o.code ELSE 'lines.' || l.code END"

HEADER = "CREATE OR REPLACE FUNCTION tallies_apply_station_tally(p_state_id bigint, p_lock_timeout text)\n"
# A generic plan for each statement, made once per connection: PostgreSQL's default keeps planning
# the move afresh (custom plans), which costs more than running it.
HEADER += "RETURNS boolean LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS "

LOCK = """
DECLARE
    v_organization_id bigint;
    v_contest_id bigint;
    v_station_id bigint;
    v_election_id bigint;
    v_path text;
    v_paths text[];
    v_commissions bigint[];
    v_tally_ids bigint[];
    v_stale boolean;
    v_written bigint;
BEGIN
    PERFORM set_config('lock_timeout', p_lock_timeout, true);
    SELECT s.organization_id, s.contest_id, s.station_id, pec.election_id, pec.path
    INTO v_organization_id, v_contest_id, v_station_id, v_election_id, v_path
    FROM tallies_stationtallystate s
    JOIN elections_pollingstation ps ON ps.id = s.station_id
    JOIN elections_commission pec ON pec.id = ps.pec_id
    WHERE s.id = p_state_id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    -- The PEC's ancestors ('A/', 'A/B/' for the PEC 'A/B/C/'; itself excluded), root first.
    SELECT COALESCE(array_agg(array_to_string(parts[1:depth], '{sep}') || '{sep}'), '{}') INTO v_paths
    FROM string_to_array(v_path, '{sep}') AS parts, generate_series(1, array_length(parts, 1) - 2) AS depth;
    SELECT COALESCE(array_agg(c.id ORDER BY c.path), '{}') INTO v_commissions
    FROM elections_commission c
    WHERE c.election_id = v_election_id AND c.path = ANY(v_paths);
    INSERT INTO tallies_observertally (organization_id, contest_id, commission_id,
        line_totals, option_totals, stations_count, missing, partial_stations, updated_at)
    SELECT v_organization_id, v_contest_id, a.commission_id, '{}', '{}', 0, '{}', 0, now()
    FROM unnest(v_commissions) WITH ORDINALITY AS a(commission_id, depth)
    WHERE NOT EXISTS (
        SELECT 1 FROM tallies_observertally e
        WHERE e.organization_id = v_organization_id AND e.contest_id = v_contest_id
            AND e.commission_id = a.commission_id
    )
    ORDER BY a.depth
    ON CONFLICT DO NOTHING;
    -- Root first: v_commissions is in path order.
    SELECT COALESCE(array_agg(locked.id ORDER BY locked.depth), '{}') INTO v_tally_ids FROM (
        SELECT t.id, array_position(v_commissions, t.commission_id) AS depth
        FROM tallies_observertally t
        WHERE t.organization_id = v_organization_id AND t.contest_id = v_contest_id
            AND t.commission_id = ANY(v_commissions)
        ORDER BY depth
        FOR UPDATE
    ) locked;
    SELECT s.applied_version <> s.wanted_version INTO v_stale
    FROM tallies_stationtallystate s WHERE s.id = p_state_id
    FOR UPDATE;
    IF NOT v_stale THEN
        RETURN FALSE;
    END IF;
""".replace("{sep}", PATH_SEPARATOR)

MOVE = f"""
    WITH {{rules}},
    station_figures AS (
        SELECT NOT COALESCE(bool_or(a.value IS NULL), FALSE) AND COUNT(*) > 0 AS counted,
            COALESCE(jsonb_object_agg(l.code, a.value) FILTER (WHERE a.line_id IS NOT NULL), '{{}}') AS lines,
            COALESCE(jsonb_object_agg(o.code, a.value) FILTER (WHERE a.line_id IS NULL), '{{}}') AS options,
            COALESCE(jsonb_agg({CONFLICT_CODE} ORDER BY {CONFLICT_CODE} COLLATE "C")
                FILTER (WHERE a.value IS NULL), '[]') AS conflicts
        FROM accepted a
        LEFT JOIN elections_protocolline l ON l.id = a.line_id
        LEFT JOIN elections_ballotoption o ON o.id = a.option_id
    ),
    target AS (
        -- What the station gives the tallies: its figures if it counts, none otherwise.
        SELECT counted, CASE WHEN counted THEN lines ELSE '{{}}' END AS lines,
            CASE WHEN counted THEN options ELSE '{{}}' END AS options, conflicts
        FROM station_figures
    ),
    state AS (
        SELECT s.id, s.wanted_version, s.is_counted, s.applied_lines, s.applied_options
        FROM tallies_stationtallystate s WHERE s.id = p_state_id
    ),
    expected AS (
        -- Every figure a complete copy gives: the lines of the contest's form, its options.
        SELECT 'lines' AS kind, l.code FROM elections_protocolline l
        JOIN elections_contest c ON c.form_id = l.form_id WHERE c.id = v_contest_id
        UNION ALL
        SELECT 'options', o.code FROM elections_ballotoption o WHERE o.contest_id = v_contest_id
    ),
    was_missing AS (
        SELECT e.kind || '.' || e.code AS key FROM expected e, state s
        WHERE s.is_counted
            AND NOT (CASE WHEN e.kind = 'lines' THEN s.applied_lines ELSE s.applied_options END ? e.code)
    ),
    now_missing AS (
        SELECT e.kind || '.' || e.code AS key FROM expected e, target t
        WHERE t.counted AND NOT (CASE WHEN e.kind = 'lines' THEN t.lines ELSE t.options END ? e.code)
    ),
    missing_steps AS (
        SELECT key, -1 AS step FROM was_missing UNION ALL SELECT key, 1 FROM now_missing
    ),
    steps AS (
        SELECT t.counted::int - s.is_counted::int AS stations,
            (EXISTS (SELECT 1 FROM now_missing))::int - (EXISTS (SELECT 1 FROM was_missing))::int AS partial
        FROM target t, state s
    ),
    deltas AS (
        -- (accepted − applied) per figure ('lines' or 'options', code), over the codes of either.
        SELECT d.kind, d.code, SUM(d.value)::bigint AS value FROM (
            SELECT 'lines' AS kind, j.key AS code, j.value::bigint AS value
            FROM target, jsonb_each_text(target.lines) j
            UNION ALL
            SELECT 'options', j.key, j.value::bigint FROM target, jsonb_each_text(target.options) j
            UNION ALL
            SELECT 'lines', j.key, -j.value::bigint FROM state, jsonb_each_text(state.applied_lines) j
            UNION ALL
            SELECT 'options', j.key, -j.value::bigint FROM state, jsonb_each_text(state.applied_options) j
        ) d
        GROUP BY d.kind, d.code
    ),
    counted AS (
        SELECT t.id, t.stations_count + p.stations AS stations_count,
            t.partial_stations + p.partial AS partial_stations,
            (
                SELECT COALESCE(jsonb_object_agg(m.key, m.n), '{{}}') FROM (
                    SELECT x.key, SUM(x.n)::bigint AS n FROM (
                        SELECT j.key, j.value::bigint AS n FROM jsonb_each_text(t.missing) j
                        UNION ALL
                        SELECT ms.key, ms.step FROM missing_steps ms
                    ) x
                    GROUP BY x.key HAVING SUM(x.n) <> 0
                ) m
            ) AS missing
        FROM tallies_observertally t, steps p
        WHERE t.id = ANY(v_tally_ids)
    ),
    moved AS (
        -- Each tally's figures plus the deltas, per kind, keeping the codes some counted station gives.
        SELECT c.id, f.kind,
            COALESCE(jsonb_object_agg(f.code, f.value) FILTER (
                WHERE f.code IS NOT NULL
                    AND c.stations_count - COALESCE((c.missing ->> (f.kind || '.' || f.code))::bigint, 0) > 0
            ), '{{}}') AS figures
        FROM counted c
        JOIN tallies_observertally t ON t.id = c.id
        CROSS JOIN LATERAL (
            SELECT y.kind, y.code, SUM(y.value)::bigint AS value FROM (
                SELECT 'lines' AS kind, j.key AS code, j.value::bigint AS value
                FROM jsonb_each_text(t.line_totals) j
                UNION ALL
                SELECT 'options', j.key, j.value::bigint FROM jsonb_each_text(t.option_totals) j
                UNION ALL
                SELECT dl.kind, dl.code, dl.value FROM deltas dl
            ) y
            GROUP BY y.kind, y.code
            UNION ALL
            SELECT 'lines', NULL, NULL  -- so that each tally has both kinds, if only empty
            UNION ALL
            SELECT 'options', NULL, NULL
        ) f
        WHERE c.stations_count > 0 OR f.code IS NULL
        GROUP BY c.id, f.kind
    ),
    tallies_written AS (
        UPDATE tallies_observertally t
        SET stations_count = c.stations_count, partial_stations = c.partial_stations,
            missing = c.missing, line_totals = ml.figures, option_totals = mo.figures,
            updated_at = now()
        FROM counted c
        JOIN moved ml ON ml.id = c.id AND ml.kind = 'lines'
        JOIN moved mo ON mo.id = c.id AND mo.kind = 'options'
        WHERE t.id = c.id
        RETURNING t.id
    ),
    state_written AS (
        UPDATE tallies_stationtallystate s
        SET applied_version = st.wanted_version, is_counted = t.counted, applied_lines = t.lines,
            applied_options = t.options, conflicts = t.conflicts
        FROM state st, target t
        WHERE s.id = st.id
    )
    SELECT COUNT(*) INTO v_written FROM tallies_written;
    IF v_written <> cardinality(v_tally_ids) THEN
        RAISE EXCEPTION 'station tally state %: % of % tallies written', p_state_id, v_written,
            cardinality(v_tally_ids);
    END IF;
    RETURN TRUE;
END
"""


def function_body() -> str:
    """The body of `tallies_apply_station_tally` as the code has the accepted rule now."""
    organization, contest, station = RULE_VARIABLES
    rules, params = accepted_sql(organization, contest, [station])
    return LOCK + MOVE.replace("{rules}", _bind(rules, params))


def function_sql() -> str:
    """CREATE OR REPLACE FUNCTION tallies_apply_station_tally, for a migration (see the module doc)."""
    return f"{HEADER}$${function_body()}$$;\n"


def _bind(sql: str, params: list[Any]) -> str:
    """`sql` with each %s replaced: a stand-in by its variable, a constant (an int) by its digits."""
    parts = sql.split("%s")
    if len(parts) != len(params) + 1 or "%" in "".join(parts).replace("%%", ""):
        raise ValueError("the accepted rule's placeholders are not plain %s")
    values = [RULE_VARIABLES.get(int(p), str(int(p))) for p in params]
    return "".join(part + value for part, value in zip(parts, [*values, ""], strict=True)).replace("%%", "%")


def apply_station(state_id: int, lock_timeout: float) -> bool:
    """Apply the station of state `state_id` if it is stale; return whether it was.

    One statement: in autocommit mode it is a transaction of its own. Raises
    StationTallyState.DoesNotExist for an unknown state and OperationalError (SQLSTATE 55P03)
    when the rows stay locked for `lock_timeout` seconds.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tallies_apply_station_tally(%s, %s)", [state_id, f"{round(lock_timeout * 1000)}ms"]
        )
        (applied,) = cursor.fetchone()
    if applied is None:
        raise StationTallyState.DoesNotExist(f"no station tally state {state_id}")
    return bool(applied)
