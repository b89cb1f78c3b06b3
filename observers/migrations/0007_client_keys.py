"""Client keys of violation acts and visits: unique per observer, empty on rows filed before them."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("observers", "0006_coalition_consent_scope"),
    ]

    operations = [
        migrations.AddField(
            model_name="violationact",
            name="client_uuid",
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="visit",
            name="client_uuid",
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddConstraint(
            model_name="violationact",
            constraint=models.UniqueConstraint(fields=("observer", "client_uuid"), name="unique_act_client_uuid"),
        ),
        migrations.AddConstraint(
            model_name="visit",
            constraint=models.UniqueConstraint(fields=("observer", "client_uuid"), name="unique_visit_client_uuid"),
        ),
    ]
