"""Give official totals tallied before 0022 the stations their percentages can be over.

Without it, a derived total from partial station protocols tallied earlier would keep showing
turnout as a ratio of sums over different stations. The service reads the current models, which
since 0031 keep official figures as arrays that do not exist yet here: 0031 runs this fill after
converting the figures (it only ever touches derived rows with null bases, so running it there
instead of here gives the same rows).
"""

from django.db import migrations


def fill(apps, schema_editor):
    """Moved to 0031 (fill_bases): the service now reads the figure arrays 0031 adds."""


class Migration(migrations.Migration):
    dependencies = [("tallies", "0022_percent_bases")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
