# The seat rule models move to elections (elections 0008, issue 16): first drop the append-only
# triggers of the change log, whose names pgtrigger derives from tallies.SeatRuleChange;
# elections 0008 creates them again at once under the names of elections.SeatRuleChange.

import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tallies", "0023_fill_percent_bases"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(model_name="seatrulechange", name="append_only_update"),
        pgtrigger.migrations.RemoveTrigger(model_name="seatrulechange", name="append_only_delete"),
    ]
