"""Each station comparison keeps its station's PEC path, with an index on (run, is_discrepant, path)
(issue 17, scope 4: the first page of a national list of discrepant stations sorted every
discrepant comparison of the run by its PEC's path, joined in; 0.1 s at 95,225 stations).

The path is a copy of Commission.path and must stay equal to it, or a list under a commission
would miss a station or show it under another: statement-level triggers over the register copy a
PEC's new path, or a moved station's new PEC's path, into every comparison of that station, in
the statement that changes it, whoever writes it (admin, import, SQL). A BEFORE trigger on the
statements that can change either (UPDATE OF path, UPDATE OF pec_id) first takes the advisory
lock a reconciliation holds shared (tallies.services.reconciliation.PATHS_LOCK): a run that read
the old path before the edit committed and inserted its rows after cannot keep it, since the edit
waits for the run to commit, and its trigger then sees and corrects the run's rows.

Existing comparisons get their path from their station's PEC; the migration counts the rows left
without one, and any row whose copy differs from its PEC's path, and fails if there is any.
"""

from django.db import migrations, models

PATHS_LOCK = "1346458696, 0"  # tallies.services.reconciliation.PATHS_LOCK, 0x50415448 ("PATH")

FILL = """
UPDATE tallies_stationcomparison sc SET path = c.path
FROM elections_pollingstation s JOIN elections_commission c ON c.id = s.pec_id
WHERE s.id = sc.station_id
"""

MISMATCHED = """
SELECT count(*) FROM tallies_stationcomparison sc
LEFT JOIN elections_pollingstation s ON s.id = sc.station_id
LEFT JOIN elections_commission c ON c.id = s.pec_id
WHERE sc.path IS NULL OR c.path IS NULL OR sc.path <> c.path
"""

FUNCTIONS = f"""
CREATE FUNCTION tallies_comparison_paths_hold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock({PATHS_LOCK});
  RETURN NULL;
END $$;

CREATE FUNCTION tallies_comparison_paths_of_pecs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE tallies_stationcomparison sc SET path = n.path
  FROM changed_new n
  JOIN changed_old o ON o.id = n.id
  JOIN elections_pollingstation s ON s.pec_id = n.id
  WHERE n.path IS DISTINCT FROM o.path AND sc.station_id = s.id;
  RETURN NULL;
END $$;

CREATE FUNCTION tallies_comparison_paths_of_stations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE tallies_stationcomparison sc SET path = c.path
  FROM changed_new n
  JOIN changed_old o ON o.id = n.id
  JOIN elections_commission c ON c.id = n.pec_id
  WHERE n.pec_id IS DISTINCT FROM o.pec_id AND sc.station_id = n.id;
  RETURN NULL;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER elections_commission_comparison_paths_hold
  BEFORE UPDATE OF path ON elections_commission
  FOR EACH STATEMENT EXECUTE FUNCTION tallies_comparison_paths_hold();
CREATE TRIGGER elections_pollingstation_comparison_paths_hold
  BEFORE UPDATE OF pec_id ON elections_pollingstation
  FOR EACH STATEMENT EXECUTE FUNCTION tallies_comparison_paths_hold();
CREATE TRIGGER elections_commission_comparison_paths
  AFTER UPDATE ON elections_commission
  REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
  FOR EACH STATEMENT EXECUTE FUNCTION tallies_comparison_paths_of_pecs();
CREATE TRIGGER elections_pollingstation_comparison_paths
  AFTER UPDATE ON elections_pollingstation
  REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
  FOR EACH STATEMENT EXECUTE FUNCTION tallies_comparison_paths_of_stations();
"""

DROP = """
DROP TRIGGER elections_pollingstation_comparison_paths ON elections_pollingstation;
DROP TRIGGER elections_commission_comparison_paths ON elections_commission;
DROP TRIGGER elections_pollingstation_comparison_paths_hold ON elections_pollingstation;
DROP TRIGGER elections_commission_comparison_paths_hold ON elections_commission;
DROP FUNCTION tallies_comparison_paths_of_stations();
DROP FUNCTION tallies_comparison_paths_of_pecs();
DROP FUNCTION tallies_comparison_paths_hold();
"""


def fill_paths(apps, schema_editor):
    """Copy each comparison's PEC path; raise unless every row then holds its PEC's path."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FILL)
        cursor.execute(MISMATCHED)
        (wrong,) = cursor.fetchone()
    if wrong:
        raise RuntimeError(f"{wrong} station comparisons are without their PEC's path after the fill")


class Migration(migrations.Migration):
    dependencies = [
        ("elections", "0009_register_version"),
        ("tallies", "0038_release_preview_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="stationcomparison",
            name="path",
            field=models.CharField(db_collation="C", max_length=1000, null=True),
        ),
        migrations.RunPython(fill_paths, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="stationcomparison",
            name="path",
            field=models.CharField(db_collation="C", max_length=1000),
        ),
        migrations.AddIndex(
            model_name="stationcomparison",
            index=models.Index(fields=["run", "is_discrepant", "path"], name="comparison_run_discrepant_path"),
        ),
        migrations.RunSQL(FUNCTIONS + TRIGGERS, DROP),
    ]
