"""The API's copy submission in one statement (issue 17, P1), and the version its form cache checks.

1. `elections_contest.form_version`: a number that changes, in the same transaction, whenever
   anything a submission reads from the contest's form changes: the contest's form or election,
   a line or control relation of its form, one of its ballot options (triggers below). It is
   drawn from a sequence, so a contest deleted and created again never gets a version an old
   cache entry holds. Not a model field: Django never writes it (INSERTs leave it to its default).
2. `tallies_submit_api_copy(...)`: what `submit_protocol_copy` does for a first copy sent through
   the API, in one round trip (tallies/services/fast_submission.py says what it takes and answers).
   It writes nothing and answers 'fallback' whenever anything is out of the ordinary, and the
   caller then runs the full Python service, which raises the errors with their messages.
"""

from django.db import migrations

FORM_VERSION = """
CREATE SEQUENCE elections_contest_form_version_seq;
ALTER TABLE elections_contest
    ADD COLUMN form_version bigint NOT NULL DEFAULT nextval('elections_contest_form_version_seq');

CREATE FUNCTION elections_contest_new_form_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.form_id IS DISTINCT FROM OLD.form_id OR NEW.election_id IS DISTINCT FROM OLD.election_id THEN
        NEW.form_version := nextval('elections_contest_form_version_seq');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER elections_contest_form_version BEFORE UPDATE ON elections_contest
    FOR EACH ROW EXECUTE FUNCTION elections_contest_new_form_version();

CREATE FUNCTION elections_form_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    -- TG_ARGV[0]: 'form' (a line or relation: every contest on its form) or 'contest' (an option).
    IF TG_ARGV[0] = 'form' THEN
        IF TG_OP <> 'INSERT' THEN ids := ARRAY[OLD.form_id]; END IF;
        IF TG_OP <> 'DELETE' THEN ids := ids || NEW.form_id; END IF;
        UPDATE elections_contest SET form_version = nextval('elections_contest_form_version_seq')
         WHERE form_id = ANY(ids);
    ELSE
        IF TG_OP <> 'INSERT' THEN ids := ARRAY[OLD.contest_id]; END IF;
        IF TG_OP <> 'DELETE' THEN ids := ids || NEW.contest_id; END IF;
        UPDATE elections_contest SET form_version = nextval('elections_contest_form_version_seq')
         WHERE id = ANY(ids);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER elections_line_form_version AFTER INSERT OR UPDATE OR DELETE ON elections_protocolline
    FOR EACH ROW EXECUTE FUNCTION elections_form_changed('form');
CREATE TRIGGER elections_relation_form_version AFTER INSERT OR UPDATE OR DELETE ON elections_controlrelation
    FOR EACH ROW EXECUTE FUNCTION elections_form_changed('form');
CREATE TRIGGER elections_option_form_version AFTER INSERT OR UPDATE OR DELETE ON elections_ballotoption
    FOR EACH ROW EXECUTE FUNCTION elections_form_changed('contest');
"""

DROP_FORM_VERSION = """
DROP TRIGGER elections_option_form_version ON elections_ballotoption;
DROP TRIGGER elections_relation_form_version ON elections_controlrelation;
DROP TRIGGER elections_line_form_version ON elections_protocolline;
DROP FUNCTION elections_form_changed();
DROP TRIGGER elections_contest_form_version ON elections_contest;
DROP FUNCTION elections_contest_new_form_version();
ALTER TABLE elections_contest DROP COLUMN form_version;
DROP SEQUENCE elections_contest_form_version_seq;
"""

SUBMIT = """
CREATE FUNCTION tallies_submit_api_copy(
    p_user_id bigint, p_client_uuid uuid, p_contest_id bigint, p_form_version bigint,
    p_station_id bigint, p_note text,
    p_line_ids bigint[], p_option_ids bigint[], p_values bigint[],
    p_relation_ids bigint[], p_lhs bigint[], p_rhs bigint[]
) RETURNS TABLE (
    outcome text, copy_id bigint, state_id bigint, observer_code text, note text,
    submitted_at timestamptz, line_ids bigint[], option_ids bigint[], figure_values bigint[],
    relation_ids bigint[], lhs bigint[], rhs bigint[]
) LANGUAGE plpgsql AS $$
DECLARE
    v_observer record;
    v_election_id bigint;
    v_existing record;
    v_mandate record;
    v_copy_id bigint;
    v_state_id bigint;
    v_now timestamptz := now();
BEGIN
    SELECT o.id, o.organization_id, o.code INTO v_observer
      FROM observers_observer o WHERE o.user_id = p_user_id AND o.is_active;
    SELECT c.election_id INTO v_election_id
      FROM elections_contest c WHERE c.id = p_contest_id AND c.form_version = p_form_version;
    IF v_observer.id IS NULL OR v_election_id IS NULL THEN
        RETURN QUERY SELECT 'fallback', NULL::bigint, NULL::bigint, NULL::text, NULL::text,
            NULL::timestamptz, NULL::bigint[], NULL::bigint[], NULL::bigint[], NULL::bigint[],
            NULL::bigint[], NULL::bigint[];
        RETURN;
    END IF;

    SELECT pc.id, pc.observer_id, pc.contest_id, pc.station_id, pc.channel, pc.revises_id, pc.note,
           pc.submitted_at INTO v_existing
      FROM tallies_protocolcopy pc WHERE pc.client_uuid = p_client_uuid;
    IF v_existing.id IS NOT NULL THEN
        IF (v_existing.observer_id, v_existing.contest_id, v_existing.station_id, v_existing.channel)
           IS DISTINCT FROM (v_observer.id, p_contest_id, p_station_id, 'api')
           OR v_existing.revises_id IS NOT NULL THEN
            RETURN QUERY SELECT 'fallback', v_existing.id, NULL::bigint, NULL::text, NULL::text,
                NULL::timestamptz, NULL::bigint[], NULL::bigint[], NULL::bigint[], NULL::bigint[],
                NULL::bigint[], NULL::bigint[];
            RETURN;
        END IF;
        RETURN QUERY SELECT 'resend', v_existing.id, NULL::bigint, v_observer.code::text,
            v_existing.note, v_existing.submitted_at,
            (SELECT array_agg(f.line_id ORDER BY f.id) FROM tallies_copyfigure f WHERE f.copy_id = v_existing.id),
            (SELECT array_agg(f.option_id ORDER BY f.id) FROM tallies_copyfigure f WHERE f.copy_id = v_existing.id),
            (SELECT array_agg(f.value::bigint ORDER BY f.id) FROM tallies_copyfigure f WHERE f.copy_id = v_existing.id),
            (SELECT array_agg(cf.relation_id ORDER BY cf.relation_id) FROM tallies_controlfinding cf WHERE cf.copy_id = v_existing.id),
            (SELECT array_agg(cf.lhs ORDER BY cf.relation_id) FROM tallies_controlfinding cf WHERE cf.copy_id = v_existing.id),
            (SELECT array_agg(cf.rhs ORDER BY cf.relation_id) FROM tallies_controlfinding cf WHERE cf.copy_id = v_existing.id);
        RETURN;
    END IF;

    -- As observers.services.mandates.submission_mandate: the newest live mandate covering the station.
    SELECT m.id, m.status INTO v_mandate
      FROM observers_mandate m
      JOIN observers_mandate_stations ms ON ms.mandate_id = m.id AND ms.pollingstation_id = p_station_id
      JOIN elections_pollingstation s ON s.id = p_station_id
      JOIN elections_commission pec ON pec.id = s.pec_id AND pec.election_id = v_election_id
     WHERE m.observer_id = v_observer.id AND m.organization_id = v_observer.organization_id
       AND m.election_id = v_election_id
       AND m.status NOT IN ('removed', 'withdrawn', 'not_admitted')
     ORDER BY m.created_at DESC, m.id DESC
     LIMIT 1
       FOR UPDATE OF m;
    IF v_mandate.id IS NULL THEN
        RETURN QUERY SELECT 'fallback', NULL::bigint, NULL::bigint, NULL::text, NULL::text,
            NULL::timestamptz, NULL::bigint[], NULL::bigint[], NULL::bigint[], NULL::bigint[],
            NULL::bigint[], NULL::bigint[];
        RETURN;
    END IF;

    INSERT INTO tallies_protocolcopy (client_uuid, organization_id, observer_id, contest_id, station_id,
                                      channel, revises_id, entered_by_id, note, submitted_at)
    VALUES (p_client_uuid, v_observer.organization_id, v_observer.id, p_contest_id, p_station_id,
            'api', NULL, p_user_id, p_note, v_now)
    ON CONFLICT (client_uuid) DO NOTHING
    RETURNING id INTO v_copy_id;
    IF v_copy_id IS NULL THEN  -- a resend racing this one stored it first: the caller reads it
        RETURN QUERY SELECT 'fallback', NULL::bigint, NULL::bigint, NULL::text, NULL::text,
            NULL::timestamptz, NULL::bigint[], NULL::bigint[], NULL::bigint[], NULL::bigint[],
            NULL::bigint[], NULL::bigint[];
        RETURN;
    END IF;
    INSERT INTO tallies_copyfigure (copy_id, line_id, option_id, value)
    SELECT v_copy_id, f.line_id, f.option_id, f.value
      FROM unnest(p_line_ids, p_option_ids, p_values) AS f(line_id, option_id, value);
    INSERT INTO tallies_controlfinding (copy_id, relation_id, lhs, rhs)
    SELECT v_copy_id, f.relation_id, f.lhs, f.rhs
      FROM unnest(p_relation_ids, p_lhs, p_rhs) AS f(relation_id, lhs, rhs);

    -- As observers.services.mandates.record_copy_obtained.
    IF NOT EXISTS (SELECT 1 FROM observers_mandateevent e
                    WHERE e.mandate_id = v_mandate.id AND e.station_id = p_station_id
                      AND e.contest_id = p_contest_id AND e.status = 'copy_obtained') THEN
        INSERT INTO observers_mandateevent (mandate_id, status, station_id, contest_id, reason, by_whom,
                                            occurred_at, recorded_by_id)
        VALUES (v_mandate.id, 'copy_obtained', p_station_id, p_contest_id, '', '', v_now, p_user_id);
        IF v_mandate.status <> 'copy_obtained' THEN
            UPDATE observers_mandate SET status = 'copy_obtained' WHERE id = v_mandate.id;
        END IF;
    END IF;

    -- As tallies.services.tallying.touch_station, and the copy becomes the station's current one.
    INSERT INTO tallies_stationtallystate AS st (organization_id, contest_id, station_id, current_copy_id,
        wanted_version, applied_version, is_counted, applied_lines, applied_options, conflicts)
    VALUES (v_observer.organization_id, p_contest_id, p_station_id, v_copy_id, 1, 0, false, '{}', '{}', '[]')
    ON CONFLICT (organization_id, contest_id, station_id)
    DO UPDATE SET wanted_version = st.wanted_version + 1, current_copy_id = EXCLUDED.current_copy_id
    RETURNING st.id INTO v_state_id;

    RETURN QUERY SELECT 'stored', v_copy_id, v_state_id, v_observer.code::text, p_note, v_now,
        NULL::bigint[], NULL::bigint[], NULL::bigint[], NULL::bigint[], NULL::bigint[], NULL::bigint[];
END $$;
"""

DROP_SUBMIT = """
DROP FUNCTION tallies_submit_api_copy(bigint, uuid, bigint, bigint, bigint, text, bigint[], bigint[],
    bigint[], bigint[], bigint[], bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("elections", "0006_line_role_ballots_in_boxes"),
        ("observers", "0005_auditentry"),
        ("tallies", "0015_coalition_releases"),
    ]

    operations = [
        migrations.RunSQL(FORM_VERSION, DROP_FORM_VERSION),
        migrations.RunSQL(SUBMIT, DROP_SUBMIT),
    ]
