"""The incremental tally of one station in one round trip (issue 17, P2): tallies_apply_station_tally.

What the function does, and why it holds a copy of the accepted rule, is said in
tallies/services/apply_sql.py; the text below is `apply_sql.function_sql()` as of this migration
(tests/tallies/test_apply_sql.py fails while the installed function differs from what the code
builds, so a change of the rule comes with a migration like this one).
"""

from django.db import migrations

APPLY = """
CREATE OR REPLACE FUNCTION tallies_apply_station_tally(p_state_id bigint, p_lock_timeout text)
RETURNS boolean LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
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
    SELECT COALESCE(array_agg(array_to_string(parts[1:depth], '/') || '/'), '{}') INTO v_paths
    FROM string_to_array(v_path, '/') AS parts, generate_series(1, array_length(parts, 1) - 2) AS depth;
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

    WITH 
countable AS (
    SELECT c.id, c.station_id, COUNT(*) OVER (PARTITION BY c.station_id) AS copies
    FROM (SELECT "tallies_protocolcopy"."id" AS "id", "tallies_protocolcopy"."station_id" AS "station_id" FROM "tallies_protocolcopy" WHERE ("tallies_protocolcopy"."contest_id" = v_contest_id AND "tallies_protocolcopy"."organization_id" = v_organization_id AND "tallies_protocolcopy"."station_id" IN (v_station_id) AND NOT EXISTS(SELECT 1 AS "a" FROM "tallies_protocolcopy" "U0" WHERE "U0"."revises_id" = ("tallies_protocolcopy"."id") LIMIT 1) AND NOT EXISTS(SELECT 1 AS "a" FROM "tallies_quarantine" "U0" WHERE ("U0"."released_at" IS NULL AND "U0"."copy_id" = ("tallies_protocolcopy"."id")) LIMIT 1) AND EXISTS(SELECT 1 AS "a" FROM "tallies_copyfigure" "U0" WHERE "U0"."copy_id" = ("tallies_protocolcopy"."id") LIMIT 1) AND ("tallies_protocolcopy"."transcribes_id" IS NULL OR EXISTS(SELECT 1 AS "a" FROM "tallies_copyfigure" "U0" WHERE "U0"."copy_id" = ("tallies_protocolcopy"."transcribes_id") LIMIT 1)))) c
    WHERE TRUE
),
several AS (
    -- Stations with several countable copies: the lowest and the highest value they give for
    -- each line a copy has.
    SELECT c.station_id, f.line_id, f.option_id, MIN(f.value) AS low, MAX(f.value) AS high
    FROM countable c JOIN tallies_copyfigure f ON f.copy_id = c.id
    WHERE c.copies > 1
    GROUP BY c.station_id, f.line_id, f.option_id
),
resolved AS (
    -- Each resolution keyed as the line it settles (a line if it names one, else its option);
    -- newest = 1 marks the latest of each station and line. Only a station with several copies
    -- can disagree, so only those stations' resolutions are read.
    SELECT station_id, COALESCE(line_id, 0) AS line_key,
        CASE WHEN line_id IS NULL THEN option_id ELSE 0 END AS option_key, value,
        ROW_NUMBER() OVER (
            PARTITION BY station_id, COALESCE(line_id, 0), CASE WHEN line_id IS NULL THEN option_id ELSE 0 END
            ORDER BY resolved_at DESC, id DESC
        ) AS newest
    FROM tallies_conflictresolution
    WHERE organization_id = v_organization_id AND contest_id = v_contest_id
        AND station_id IN (SELECT station_id FROM countable WHERE copies > 1)
),
accepted AS (
    -- One countable copy (the common case): its figures, nothing to compare or resolve.
    SELECT c.station_id, f.line_id, f.option_id, f.value
    -- (NOT copies > 1 is copies = 1, written so that the planner expects most stations here.)
    FROM countable c JOIN tallies_copyfigure f ON f.copy_id = c.id
    WHERE NOT c.copies > 1
    UNION ALL
    -- Several: a line they agree on, else its latest resolution, else NULL (a conflict).
    SELECT g.station_id, g.line_id, g.option_id, CASE WHEN g.low = g.high THEN g.low ELSE r.value END
    FROM several g
    LEFT JOIN resolved r ON r.newest = 1 AND g.low <> g.high AND r.station_id = g.station_id
        AND r.line_key = COALESCE(g.line_id, 0) AND r.option_key = COALESCE(g.option_id, 0)
),
    station_figures AS (
        SELECT NOT COALESCE(bool_or(a.value IS NULL), FALSE) AND COUNT(*) > 0 AS counted,
            COALESCE(jsonb_object_agg(l.code, a.value) FILTER (WHERE a.line_id IS NOT NULL), '{}') AS lines,
            COALESCE(jsonb_object_agg(o.code, a.value) FILTER (WHERE a.line_id IS NULL), '{}') AS options,
            COALESCE(jsonb_agg(CASE WHEN a.line_id IS NULL THEN 'options.' || o.code ELSE 'lines.' || l.code END ORDER BY CASE WHEN a.line_id IS NULL THEN 'options.' || o.code ELSE 'lines.' || l.code END COLLATE "C")
                FILTER (WHERE a.value IS NULL), '[]') AS conflicts
        FROM accepted a
        LEFT JOIN elections_protocolline l ON l.id = a.line_id
        LEFT JOIN elections_ballotoption o ON o.id = a.option_id
    ),
    target AS (
        -- What the station gives the tallies: its figures if it counts, none otherwise.
        SELECT counted, CASE WHEN counted THEN lines ELSE '{}' END AS lines,
            CASE WHEN counted THEN options ELSE '{}' END AS options, conflicts
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
                SELECT COALESCE(jsonb_object_agg(m.key, m.n), '{}') FROM (
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
            ), '{}') AS figures
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
            missing = c.missing, line_totals = ml.figures, option_totals = mo.figures
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
$$;
"""

DROP_APPLY = "DROP FUNCTION tallies_apply_station_tally(bigint, text);"


class Migration(migrations.Migration):
    dependencies = [
        ("elections", "0008_seat_rules"),
        ("tallies", "0029_coalition_pool"),
    ]

    operations = [migrations.RunSQL(APPLY, DROP_APPLY)]
