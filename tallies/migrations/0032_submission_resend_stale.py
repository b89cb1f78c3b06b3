"""tallies_submit_api_copy's resend row names the station's tally state when its tallies lag the copy.

A resend used to take a third statement (tallying.requeue_if_stale, an ORM query built per
request) to learn whether the station's tallies are stale, so that the tally job the first
request may have died before sending is queued again. The function already reads the stored
copy, so it now answers that in its `state_id` column: the id of the copy's station tally state
if `applied_version <> wanted_version` (StationTallyState.objects.stale()), else NULL. The rest
of the function is the text of migration 0016, unchanged: this migration edits that text in two
places and fails if either is not found.
"""

from importlib import import_module

from django.db import migrations

FAST_PATH = import_module("tallies.migrations.0016_submission_fast_path")

OLD_EXISTING = """    SELECT pc.id, pc.observer_id, pc.contest_id, pc.station_id, pc.channel, pc.revises_id, pc.note,
           pc.submitted_at INTO v_existing"""
NEW_EXISTING = """    SELECT pc.id, pc.organization_id, pc.observer_id, pc.contest_id, pc.station_id, pc.channel,
           pc.revises_id, pc.note, pc.submitted_at INTO v_existing"""
OLD_RESEND = """        RETURN QUERY SELECT 'resend', v_existing.id, NULL::bigint, v_observer.code::text,"""
NEW_RESEND = """        -- As tallying.requeue_if_stale: the station's state if its tallies lag (the job again).
        RETURN QUERY SELECT 'resend', v_existing.id,
            (SELECT st.id FROM tallies_stationtallystate st
              WHERE st.organization_id = v_existing.organization_id
                AND st.contest_id = v_existing.contest_id AND st.station_id = v_existing.station_id
                AND st.applied_version <> st.wanted_version),
            v_observer.code::text,"""


def _edited(sql: str) -> str:
    for old in ("CREATE FUNCTION tallies_submit_api_copy(", OLD_EXISTING, OLD_RESEND):
        if sql.count(old) != 1:
            raise RuntimeError(f"migration 0016's function text changed; not found once: {old!r}")
    return sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


FORWARD = _edited(FAST_PATH.SUBMIT).replace(OLD_EXISTING, NEW_EXISTING).replace(OLD_RESEND, NEW_RESEND)
BACKWARD = _edited(FAST_PATH.SUBMIT)


class Migration(migrations.Migration):
    dependencies = [("tallies", "0031_official_figure_arrays")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
