# The audit log now lives in observers (observers 0005 took over the table tallies_auditentry):
# tallies forgets its model, and a copy's seal points at observers.AuditEntry. No SQL runs.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("observers", "0005_auditentry"),
        ("tallies", "0012_auditentry_old_triggers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="copyseal",
                    name="entry",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sealed_copies",
                        to="observers.auditentry",
                    ),
                ),
                migrations.DeleteModel(name="AuditEntry"),
            ],
        ),
    ]
