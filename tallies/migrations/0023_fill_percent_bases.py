"""Give official totals tallied before 0022 the stations their percentages can be over.

Without it, a derived total from partial station protocols tallied earlier would keep showing
turnout as a ratio of sums over different stations. The service reads the current models: it only
runs over derived rows with null bases, which a database created after 0022 never has.
"""

from django.db import migrations


def fill(apps, schema_editor):
    from tallies.models import OfficialProtocol
    from tallies.services.official_bases import fill_missing_bases

    fill_missing_bases(OfficialProtocol.objects.all())


class Migration(migrations.Migration):
    dependencies = [("tallies", "0022_percent_bases")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
