"""The two database functions that read or wrote CopyFigure rows, on the copies' arrays (0040).

1. `tallies_submit_api_copy` (the API's fast path, migrations 0016 and 0032) stores the figures
   as the new copy's array in its layout (`tallies_copy_layout`, found or created by content)
   instead of one CopyFigure row each: `p_line_ids` and `p_option_ids` are now the layout's ids
   (the form's lines, then its options, by position and id) and `p_values` the array in that
   order. A resend reads the stored copy's figures back from its array, in the same columns as
   before (one element per figure given: its line id or option id, and its value). The rest of
   the function is 0032's text, unchanged: this migration edits it in four places and fails if
   any is not found.
2. `tallies_apply_station_tally` (0030, 0033) holds the accepted rule, which now reads arrays:
   its text is `tallies.services.apply_sql.function_sql()` as of this change
   (tests/tallies/test_apply_sql.py holds the installed function equal to it).
"""

from importlib import import_module

from django.db import migrations

BEFORE = import_module("tallies.migrations.0032_submission_resend_stale").FORWARD
APPLY_BEFORE = import_module("tallies.migrations.0033_apply_station_tally_updated_at").AFTER


def _rows(column: str) -> str:
    return (
        f"(SELECT array_agg({column} ORDER BY u.pos) FROM tallies_protocolcopy pc"
        " JOIN tallies_copylayout lay ON lay.id = pc.figure_layout_id"
        " CROSS JOIN LATERAL unnest(pc.figure_values) WITH ORDINALITY AS u(value, pos)"
        " WHERE pc.id = v_existing.id AND u.value IS NOT NULL)"
    )


EDITS = [
    (
        "            (SELECT array_agg(f.line_id ORDER BY f.id) FROM tallies_copyfigure f"
        " WHERE f.copy_id = v_existing.id),\n",
        "            " + _rows("lay.line_ids[u.pos]::bigint") + ",\n",
    ),
    (
        "            (SELECT array_agg(f.option_id ORDER BY f.id) FROM tallies_copyfigure f"
        " WHERE f.copy_id = v_existing.id),\n",
        "            " + _rows("lay.option_ids[u.pos - cardinality(lay.line_ids)]::bigint") + ",\n",
    ),
    (
        "            (SELECT array_agg(f.value::bigint ORDER BY f.id) FROM tallies_copyfigure f"
        " WHERE f.copy_id = v_existing.id),\n",
        "            " + _rows("u.value::bigint") + ",\n",
    ),
    (
        """                                      channel, revises_id, entered_by_id, note, submitted_at)
    VALUES (p_client_uuid, v_observer.organization_id, v_observer.id, p_contest_id, p_station_id,
            'api', NULL, p_user_id, p_note, v_now)""",
        """                                      channel, revises_id, entered_by_id, note, submitted_at,
                                      figure_layout_id, figure_values)
    VALUES (p_client_uuid, v_observer.organization_id, v_observer.id, p_contest_id, p_station_id,
            'api', NULL, p_user_id, p_note, v_now,
            -- The figures as one array in the layout of the form's ids (none: no layout, no array)
            CASE WHEN cardinality(p_values) > 0
                 THEN tallies_copy_layout(p_line_ids::integer[], p_option_ids::integer[]) END,
            CASE WHEN cardinality(p_values) > 0 THEN p_values::integer[] END)""",
    ),
    (
        """    INSERT INTO tallies_copyfigure (copy_id, line_id, option_id, value)
    SELECT v_copy_id, f.line_id, f.option_id, f.value
      FROM unnest(p_line_ids, p_option_ids, p_values) AS f(line_id, option_id, value);
""",
        "",
    ),
]


def _edited(sql: str) -> str:
    for old, new in EDITS:
        if sql.count(old) != 1:
            raise RuntimeError(f"the fast path's function text changed; not found once: {old!r}")
        sql = sql.replace(old, new)
    return sql


SUBMIT = _edited(BEFORE)

# apply_sql.function_sql() as of this migration (frozen here, as 0030 froze its text)
APPLY = """CREATE OR REPLACE FUNCTION tallies_apply_station_tally(p_state_id bigint, p_lock_timeout text)
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
    SELECT c.id, c.station_id, c.figure_layout_id, c.figure_values,
        COUNT(*) OVER (PARTITION BY c.station_id) AS copies
    FROM (SELECT "tallies_protocolcopy"."id" AS "id", "tallies_protocolcopy"."station_id" AS "station_id", "tallies_protocolcopy"."figure_layout_id" AS "figure_layout_id", "tallies_protocolcopy"."figure_values" AS "figure_values" FROM "tallies_protocolcopy" WHERE ("tallies_protocolcopy"."contest_id" = v_contest_id AND "tallies_protocolcopy"."organization_id" = v_organization_id AND "tallies_protocolcopy"."station_id" IN (v_station_id) AND NOT EXISTS(SELECT 1 AS "a" FROM "tallies_protocolcopy" "U0" WHERE "U0"."revises_id" = ("tallies_protocolcopy"."id") LIMIT 1) AND NOT EXISTS(SELECT 1 AS "a" FROM "tallies_quarantine" "U0" WHERE ("U0"."released_at" IS NULL AND "U0"."copy_id" = ("tallies_protocolcopy"."id")) LIMIT 1) AND "tallies_protocolcopy"."figure_values" IS NOT NULL AND ("tallies_protocolcopy"."transcribes_id" IS NULL OR EXISTS(SELECT 1 AS "a" FROM "tallies_protocolcopy" "U0" WHERE ("U0"."figure_values" IS NOT NULL AND "U0"."id" = ("tallies_protocolcopy"."transcribes_id")) LIMIT 1)))) c
    WHERE TRUE
),
several AS (
    -- Stations with several countable copies: the lowest and the highest value they give for
    -- each line a copy has.
    SELECT c.station_id, lay.line_ids[u.pos] AS line_id, lay.option_ids[u.pos - cardinality(lay.line_ids)] AS option_id, MIN(u.value) AS low,
        MAX(u.value) AS high
    FROM countable c JOIN tallies_copylayout lay ON lay.id = c.figure_layout_id CROSS JOIN LATERAL unnest(c.figure_values) WITH ORDINALITY AS u(value, pos)
    WHERE c.copies > 1 AND u.value IS NOT NULL
    GROUP BY 1, 2, 3
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
    SELECT c.station_id, lay.line_ids[u.pos] AS line_id, lay.option_ids[u.pos - cardinality(lay.line_ids)] AS option_id, u.value
    -- (NOT copies > 1 is copies = 1, written so that the planner expects most stations here.)
    FROM countable c JOIN tallies_copylayout lay ON lay.id = c.figure_layout_id CROSS JOIN LATERAL unnest(c.figure_values) WITH ORDINALITY AS u(value, pos)
    WHERE NOT c.copies > 1 AND u.value IS NOT NULL
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
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("tallies", "0040_copy_figure_arrays")]

    operations = [
        migrations.RunSQL(SUBMIT, BEFORE),
        migrations.RunSQL(APPLY, APPLY_BEFORE),
    ]
