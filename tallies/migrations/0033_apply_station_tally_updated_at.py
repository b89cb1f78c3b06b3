"""tallies_apply_station_tally stamps the tallies it moves (`ObserverTally.updated_at`).

The seat analysis records the national tally's `updated_at` as "Observers' tally as of"; the
incremental apply moved the figures without moving that time, so the page named an older moment
than the figures it showed. The function's text is 0030's with one assignment added.
"""

from importlib import import_module

from django.db import migrations

BEFORE = import_module("tallies.migrations.0030_apply_station_tally").APPLY
MOVED = "line_totals = ml.figures, option_totals = mo.figures\n"
AFTER = BEFORE.replace(MOVED, MOVED.rstrip("\n") + ",\n            updated_at = now()\n")
assert AFTER.count("updated_at = now()") == BEFORE.count("updated_at = now()") + 1


class Migration(migrations.Migration):
    dependencies = [("tallies", "0032_submission_resend_stale")]

    operations = [migrations.RunSQL(AFTER, BEFORE)]
