"""A blind entry points at the copy it transcribes (issue 16): a real relation instead of a note.

Until now a blind entry found its copy by its note, "blind entry of copy <id>", among the
transcriptions of the same organisation, contest and station; the data step links the existing
entries by exactly that rule. Copies are append-only, so the one UPDATE runs with the update
trigger ignored for this statement; the notes stay as they were written.
"""

import django.db.models.deletion
import pgtrigger
from django.db import migrations, models

LINK = """
UPDATE tallies_protocolcopy entry SET transcribes_id = copy.id
FROM tallies_protocolcopy copy
WHERE entry.channel = 'transcription'
  AND entry.transcribes_id IS NULL
  AND entry.note = 'blind entry of copy ' || copy.id
  AND entry.organization_id = copy.organization_id
  AND entry.contest_id = copy.contest_id
  AND entry.station_id = copy.station_id
"""


def link_blind_entries(apps, schema_editor):
    with pgtrigger.ignore("tallies.ProtocolCopy:append_only_update"):
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(LINK)


class Migration(migrations.Migration):

    dependencies = [
        ('tallies', '0017_channelmessage_chat'),
    ]

    operations = [
        migrations.AddField(
            model_name='protocolcopy',
            name='transcribes',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='transcriptions', to='tallies.protocolcopy'),
        ),
        migrations.RunPython(link_blind_entries, migrations.RunPython.noop),
    ]
