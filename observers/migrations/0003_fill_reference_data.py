"""Load the shipped violation taxonomy and stage checklists (observers/data/*.json) by code.

Self-contained on purpose (historical models, no app code), and idempotent: rows are matched by
code and updated, never duplicated. `manage.py load_field_reference` reloads the files later.
"""

import json
from pathlib import Path

from django.db import migrations

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
TYPE_FIELDS = ("stage", "category", "labels")
ITEM_FIELDS = ("stage", "position", "answer", "problem_if", "labels")


def _rows(name, key):
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))[key]


def _load(model, rows, fields):
    for row in rows:
        model.objects.update_or_create(code=row["code"], defaults={field: row[field] for field in fields})


def fill(apps, schema_editor):
    _load(apps.get_model("observers", "ViolationType"), _rows("violation_types.json", "types"), TYPE_FIELDS)
    _load(apps.get_model("observers", "ChecklistItem"), _rows("checklist_items.json", "items"), ITEM_FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("observers", "0002_field_work"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
