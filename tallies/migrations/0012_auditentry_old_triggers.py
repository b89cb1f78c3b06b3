# The audit log moves to observers (observers 0005): first drop its append-only triggers, whose
# names pgtrigger derives from tallies.AuditEntry; observers 0005 creates them again at once.

import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tallies", "0011_telegram_bot"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(model_name="auditentry", name="append_only_update"),
        pgtrigger.migrations.RemoveTrigger(model_name="auditentry", name="append_only_delete"),
    ]
