"""Official figures as one integer array per protocol instead of one row per figure (issue 17).

Each snapshot gets its layout: the ids of its contest's protocol lines in form order, then of its
ballot options in ballot order (any line or option a figure names that the contest no longer has
is kept, appended in id order, so no figure is lost). Each protocol's figures become one array in
that order, NULL where the protocol gives no figure (one array_agg per protocol). The check then
fails the migration unless every protocol keeps its count of figures, the sum of its line figures
and the sum of its option figures, and its array is exactly as wide as its layout. Then the rows
are dropped. The functions take the table names so a test can run them on scratch tables.
"""

from dataclasses import dataclass

import django.contrib.postgres.fields
import django.db.models.lookups
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


@dataclass(frozen=True)
class Tables:
    snapshots: str = "tallies_officialsnapshot"
    protocols: str = "tallies_officialprotocol"
    figures: str = "tallies_officialfigure"


class ConversionError(RuntimeError):
    """The arrays do not hold exactly the figure rows: the migration stops and nothing changes."""


LAYOUT = """
UPDATE {t.snapshots} s SET
    layout_lines = ARRAY(
        SELECT l.id FROM elections_protocolline l JOIN elections_contest c ON c.form_id = l.form_id
        WHERE c.id = s.contest_id ORDER BY l.position, l.id
    ) || ARRAY(
        SELECT DISTINCT f.line_id FROM {t.figures} f JOIN {t.protocols} p ON p.id = f.protocol_id
        WHERE p.snapshot_id = s.id AND f.line_id IS NOT NULL AND f.line_id NOT IN (
            SELECT l.id FROM elections_protocolline l JOIN elections_contest c ON c.form_id = l.form_id
            WHERE c.id = s.contest_id
        ) ORDER BY f.line_id
    ),
    layout_options = ARRAY(
        SELECT o.id FROM elections_ballotoption o WHERE o.contest_id = s.contest_id ORDER BY o.position, o.id
    ) || ARRAY(
        SELECT DISTINCT f.option_id FROM {t.figures} f JOIN {t.protocols} p ON p.id = f.protocol_id
        WHERE p.snapshot_id = s.id AND f.option_id IS NOT NULL AND f.option_id NOT IN (
            SELECT o.id FROM elections_ballotoption o WHERE o.contest_id = s.contest_id
        ) ORDER BY f.option_id
    )
"""

# A slot is a layout position (1-based) and its key: a line id, or minus an option id
SLOTS = """
slots AS (
    SELECT s.id AS snapshot_id, l.id AS key, l.pos
    FROM {t.snapshots} s, unnest(s.layout_lines) WITH ORDINALITY AS l(id, pos)
    UNION ALL
    SELECT s.id, -o.id, cardinality(s.layout_lines) + o.pos
    FROM {t.snapshots} s, unnest(s.layout_options) WITH ORDINALITY AS o(id, pos)
)
"""

CONVERT = (
    "WITH "
    + SLOTS
    + """, filled AS (
    SELECT p.id, array_agg(f.value ORDER BY sl.pos) AS vals
    FROM {t.protocols} p JOIN slots sl ON sl.snapshot_id = p.snapshot_id
    LEFT JOIN {t.figures} f ON f.protocol_id = p.id AND coalesce(f.line_id, -f.option_id) = sl.key
    GROUP BY p.id
)
UPDATE {t.protocols} p SET figure_values = filled.vals FROM filled WHERE filled.id = p.id
"""
)

EMPTY = "UPDATE {t.protocols} SET figure_values = '{{}}' WHERE figure_values IS NULL"  # a layout of width 0

CHECK = """
WITH arrays AS (
    SELECT p.id,
        cardinality(p.figure_values) AS width,
        cardinality(s.layout_lines) + cardinality(s.layout_options) AS layout_width,
        (SELECT count(v) FROM unnest(p.figure_values) v) AS given,
        (SELECT coalesce(sum(v), 0) FROM unnest(p.figure_values[1:cardinality(s.layout_lines)]) v) AS lines,
        (SELECT coalesce(sum(v), 0) FROM unnest(p.figure_values[cardinality(s.layout_lines) + 1:]) v)
            AS options
    FROM {t.protocols} p JOIN {t.snapshots} s ON s.id = p.snapshot_id
), figure_rows AS (
    SELECT protocol_id AS id, count(*) AS given,
        coalesce(sum(value) FILTER (WHERE line_id IS NOT NULL), 0) AS lines,
        coalesce(sum(value) FILTER (WHERE option_id IS NOT NULL), 0) AS options
    FROM {t.figures} GROUP BY protocol_id
)
SELECT coalesce(a.id, r.id) FROM arrays a FULL JOIN figure_rows r ON r.id = a.id
WHERE a.id IS NULL
    OR a.width IS DISTINCT FROM a.layout_width
    OR a.given <> coalesce(r.given, 0)
    OR a.lines <> coalesce(r.lines, 0)
    OR a.options <> coalesce(r.options, 0)
ORDER BY 1
"""


def convert_figures(cursor, tables: Tables = Tables()) -> None:  # type: ignore[no-untyped-def]
    """Fill every snapshot's layout and every protocol's array from the figure rows, then check."""
    cursor.execute(LAYOUT.format(t=tables))
    cursor.execute(CONVERT.format(t=tables))
    cursor.execute(EMPTY.format(t=tables))
    check_conversion(cursor, tables)


def check_conversion(cursor, tables: Tables = Tables()) -> None:  # type: ignore[no-untyped-def]
    """Raise ConversionError naming the protocols whose array lost, gained or changed a figure."""
    cursor.execute(CHECK.format(t=tables))
    wrong = [row[0] for row in cursor.fetchall()]
    if wrong:
        raise ConversionError(
            f"{len(wrong)} official protocols would not keep their figures as arrays "
            f"(count of figures, sums of lines and options, or width), e.g. ids {wrong[:10]}; nothing changed"
        )


def convert(apps, schema_editor):  # type: ignore[no-untyped-def]
    with schema_editor.connection.cursor() as cursor:
        convert_figures(cursor)


def fill_bases(apps, schema_editor):  # type: ignore[no-untyped-def]
    """0023's fill, run again now that the service reads arrays (safe to repeat: only null bases)."""
    from tallies.models import OfficialProtocol
    from tallies.services.official_bases import fill_missing_bases

    fill_missing_bases(OfficialProtocol.objects.all())


def _not_null(model: str, name: str, base: models.Field) -> migrations.AlterField:  # type: ignore[type-arg]
    return migrations.AlterField(
        model_name=model, name=name, field=django.contrib.postgres.fields.ArrayField(base_field=base)
    )


class Migration(migrations.Migration):

    dependencies = [
        ('elections', '0008_seat_rules'),
        ('tallies', '0030_apply_station_tally'),
    ]

    operations = [
        migrations.AddField(
            model_name='officialprotocol',
            name='figure_values',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(null=True), null=True),
        ),
        migrations.AddField(
            model_name='officialsnapshot',
            name='layout_lines',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(), null=True),
        ),
        migrations.AddField(
            model_name='officialsnapshot',
            name='layout_options',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(), null=True),
        ),
        migrations.RunPython(convert, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(fill_bases, migrations.RunPython.noop),
        _not_null("officialprotocol", "figure_values", models.IntegerField(null=True)),
        _not_null("officialsnapshot", "layout_lines", models.IntegerField()),
        _not_null("officialsnapshot", "layout_options", models.IntegerField()),
        pgtrigger.migrations.AddTrigger(
            model_name='officialprotocol',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;", hash='9aef64917f7179d58d4424279869862c8a7dfcb1', operation='DELETE', pgid='pgtrigger_append_only_delete_7185b', table='tallies_officialprotocol', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='officialprotocol',
            trigger=pgtrigger.compiler.Trigger(name='figures_read_only', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."snapshot_id" IS DISTINCT FROM (NEW."snapshot_id") OR OLD."commission_id" IS DISTINCT FROM (NEW."commission_id") OR OLD."figure_values" IS DISTINCT FROM (NEW."figure_values"))', func="RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;", hash='c3f6b340fefafd5312d18faae517da9cff534942', operation='UPDATE', pgid='pgtrigger_figures_read_only_43d93', table='tallies_officialprotocol', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='officialprotocol',
            trigger=pgtrigger.compiler.Trigger(name='figures_fit_layout', sql=pgtrigger.compiler.UpsertTriggerSql(func="\nIF EXISTS (\n    SELECT 1 FROM inserted p JOIN tallies_officialsnapshot s ON s.id = p.snapshot_id\n    WHERE cardinality(p.figure_values) <> cardinality(s.layout_lines) + cardinality(s.layout_options)\n) THEN\n    RAISE EXCEPTION 'official figures do not fit the snapshot''s layout' USING ERRCODE = 'check_violation';\nEND IF;\nRETURN NULL;\n", hash='1452d2200a2cc65caf6b117169f908e45f04d428', level='STATEMENT', operation='INSERT', pgid='pgtrigger_figures_fit_layout_2611e', referencing='REFERENCING NEW TABLE AS inserted ', table='tallies_officialprotocol', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='officialsnapshot',
            trigger=pgtrigger.compiler.Trigger(name='layout_read_only', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."layout_lines" IS DISTINCT FROM (NEW."layout_lines") OR OLD."layout_options" IS DISTINCT FROM (NEW."layout_options"))', func="RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;", hash='157a5aee57a7869236bca2da8508115b7b8ce9b0', operation='UPDATE', pgid='pgtrigger_layout_read_only_52170', table='tallies_officialsnapshot', when='BEFORE')),
        ),
        migrations.AddConstraint(
            model_name='officialprotocol',
            constraint=models.CheckConstraint(condition=models.Q(django.db.models.lookups.Exact(models.Func(models.F('figure_values'), function='array_ndims'), 1), models.Q(('figure_values__len', 0)), _connector='OR'), name='official_figures_one_dimension'),
        ),
        migrations.AddConstraint(
            model_name='officialprotocol',
            constraint=models.CheckConstraint(condition=django.db.models.lookups.Exact(models.Func(models.F('figure_values'), output_field=models.BooleanField(), template='0 <= ALL(%(expressions)s)'), True), name='official_figures_not_negative'),
        ),
        migrations.RemoveConstraint(
            model_name='officialfigure',
            name='officialfigure_line_xor_option',
        ),
        migrations.DeleteModel(
            name='OfficialFigure',
        ),
    ]
