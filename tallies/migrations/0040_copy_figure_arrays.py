"""Observers' copies store their figures as one integer array per copy (issue 17), as official
snapshots do since 0031; CopyFigure (one row per figure, ~25 per copy) is dropped.

Each copy that gives figures gets a layout (CopyLayout: the ids of its contest's protocol lines
in form order, then of its ballot options in ballot order; any line or option a figure row names
that the contest no longer has is appended in id order, so no figure is lost), shared by every
copy of the same content, with one CopyLayoutSlot per position whose foreign keys PROTECT the
line or option as CopyFigure's did. Each copy's rows become one array in that order, NULL where
the copy gives no figure (one array_agg per copy); a copy with no rows (photos only) keeps a NULL
array and no layout. The check then fails the migration unless every copy keeps its count of
figures, the sum of its line figures and the sum of its option figures, and its array is exactly
as wide as its layout. Then the rows are dropped. The functions take the table names so a test can
run them on scratch tables.

The copies are append-only: the conversion's one UPDATE runs with the update trigger disabled
(ALTER TABLE … DISABLE TRIGGER, inside this migration's transaction) and enabled again after it.
"""

from dataclasses import dataclass

import django.contrib.postgres.fields
import django.db.models.deletion
import django.db.models.lookups
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


@dataclass(frozen=True)
class Tables:
    copies: str = "tallies_protocolcopy"
    figures: str = "tallies_copyfigure"


class ConversionError(RuntimeError):
    """The arrays do not hold exactly the figure rows: the migration stops and nothing changes."""


# tallies_copy_layout(line ids, option ids) → the id of the layout with exactly that content,
# created with its slots if there is none yet (installed by migration 0040). Safe under
# concurrency: a racing insert of the same content waits for the other and then reads it.
GET_OR_CREATE = """
CREATE FUNCTION tallies_copy_layout(p_line_ids integer[], p_option_ids integer[])
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    SELECT id INTO v_id FROM tallies_copylayout WHERE line_ids = p_line_ids AND option_ids = p_option_ids;
    IF v_id IS NOT NULL THEN
        RETURN v_id;
    END IF;
    INSERT INTO tallies_copylayout (line_ids, option_ids) VALUES (p_line_ids, p_option_ids)
    ON CONFLICT (line_ids, option_ids) DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN  -- another transaction stored it first
        SELECT id INTO v_id FROM tallies_copylayout
         WHERE line_ids = p_line_ids AND option_ids = p_option_ids;
        RETURN v_id;
    END IF;
    INSERT INTO tallies_copylayoutslot (layout_id, position, line_id, option_id)
    SELECT v_id, l.pos, l.id, NULL FROM unnest(p_line_ids) WITH ORDINALITY AS l(id, pos)
    UNION ALL
    SELECT v_id, cardinality(p_line_ids) + o.pos, NULL, o.id
      FROM unnest(p_option_ids) WITH ORDINALITY AS o(id, pos);
    RETURN v_id;
END $$;
"""
DROP_GET_OR_CREATE = "DROP FUNCTION tallies_copy_layout(integer[], integer[]);"


DROP_GET_OR_CREATE = "DROP FUNCTION tallies_copy_layout(integer[], integer[]);"

# Each copy with figure rows: its layout's line ids and option ids (the contest's, then extras)
LAYOUTS = """
CREATE TEMP TABLE copy_layouts ON COMMIT DROP AS
WITH form_lines AS (
    SELECT c.id AS contest_id, array_agg(l.id ORDER BY l.position, l.id) AS ids
    FROM elections_contest c JOIN elections_protocolline l ON l.form_id = c.form_id GROUP BY c.id
), form_options AS (
    SELECT o.contest_id, array_agg(o.id ORDER BY o.position, o.id) AS ids
    FROM elections_ballotoption o GROUP BY o.contest_id
), given AS (
    SELECT pc.id AS copy_id, coalesce(fl.ids, '{{}}') AS form_lines, coalesce(fo.ids, '{{}}') AS form_options
    FROM {t.copies} pc
    LEFT JOIN form_lines fl ON fl.contest_id = pc.contest_id
    LEFT JOIN form_options fo ON fo.contest_id = pc.contest_id
    WHERE EXISTS (SELECT 1 FROM {t.figures} f WHERE f.copy_id = pc.id)
)
SELECT g.copy_id,
    g.form_lines || ARRAY(
        SELECT f.line_id FROM {t.figures} f
        WHERE f.copy_id = g.copy_id AND f.line_id IS NOT NULL AND f.line_id <> ALL(g.form_lines)
        ORDER BY f.line_id
    ) AS line_ids,
    g.form_options || ARRAY(
        SELECT f.option_id FROM {t.figures} f
        WHERE f.copy_id = g.copy_id AND f.option_id IS NOT NULL AND f.option_id <> ALL(g.form_options)
        ORDER BY f.option_id
    ) AS option_ids,
    NULL::bigint AS layout_id
FROM given g
"""

# One layout per distinct content (tallies_copy_layout creates it with its slots)
SHARED = """
WITH distinct_layouts AS (
    SELECT line_ids, option_ids, tallies_copy_layout(line_ids::integer[], option_ids::integer[]) AS layout_id
    FROM (SELECT DISTINCT line_ids, option_ids FROM copy_layouts) d
)
UPDATE copy_layouts cl SET layout_id = d.layout_id
FROM distinct_layouts d WHERE d.line_ids = cl.line_ids AND d.option_ids = cl.option_ids
"""

# A slot's key: a line id, or minus an option id (as the figure rows' coalesce(line, -option))
CONVERT = """
WITH slots AS (
    SELECT cl.copy_id, cl.layout_id, l.id AS key, l.pos
    FROM copy_layouts cl, unnest(cl.line_ids) WITH ORDINALITY AS l(id, pos)
    UNION ALL
    SELECT cl.copy_id, cl.layout_id, -o.id, cardinality(cl.line_ids) + o.pos
    FROM copy_layouts cl, unnest(cl.option_ids) WITH ORDINALITY AS o(id, pos)
), filled AS (
    SELECT s.copy_id, min(s.layout_id) AS layout_id, array_agg(f.value ORDER BY s.pos) AS vals
    FROM slots s
    LEFT JOIN {t.figures} f ON f.copy_id = s.copy_id AND coalesce(f.line_id, -f.option_id) = s.key
    GROUP BY s.copy_id
)
UPDATE {t.copies} pc SET figure_layout_id = filled.layout_id, figure_values = filled.vals
FROM filled WHERE filled.id = pc.id
""".replace("filled.id", "filled.copy_id")

CHECK = """
WITH arrays AS (
    SELECT pc.id,
        cardinality(pc.figure_values) AS width,
        cardinality(l.line_ids) + cardinality(l.option_ids) AS layout_width,
        (SELECT count(v) FROM unnest(pc.figure_values) v) AS given,
        (SELECT coalesce(sum(v), 0) FROM unnest(pc.figure_values[1:cardinality(l.line_ids)]) v) AS lines,
        (SELECT coalesce(sum(v), 0) FROM unnest(pc.figure_values[cardinality(l.line_ids) + 1:]) v)
            AS options
    FROM {t.copies} pc LEFT JOIN tallies_copylayout l ON l.id = pc.figure_layout_id
    WHERE pc.figure_values IS NOT NULL OR pc.figure_layout_id IS NOT NULL
), figure_rows AS (
    SELECT copy_id AS id, count(*) AS given,
        coalesce(sum(value) FILTER (WHERE line_id IS NOT NULL), 0) AS lines,
        coalesce(sum(value) FILTER (WHERE option_id IS NOT NULL), 0) AS options
    FROM {t.figures} GROUP BY copy_id
)
SELECT coalesce(a.id, r.id) FROM arrays a FULL JOIN figure_rows r ON r.id = a.id
WHERE a.id IS NULL
    OR a.width IS DISTINCT FROM a.layout_width
    OR a.given <> coalesce(r.given, 0)
    OR a.lines <> coalesce(r.lines, 0)
    OR a.options <> coalesce(r.options, 0)
ORDER BY 1
"""

APPEND_ONLY_UPDATE = """
SELECT tgname FROM pg_trigger
WHERE tgrelid = '{t.copies}'::regclass AND tgname LIKE 'pgtrigger_append_only_update_%%'
"""


def convert_figures(cursor, tables: Tables = Tables()) -> None:  # type: ignore[no-untyped-def]
    """Fill every copy's layout and array from its figure rows, then check; the rows stay."""
    cursor.execute(LAYOUTS.format(t=tables))
    cursor.execute(SHARED)
    cursor.execute(APPEND_ONLY_UPDATE.format(t=tables))
    triggers = [name for (name,) in cursor.fetchall()]
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred FK event may be pending at ENABLE
    for name in triggers:
        cursor.execute(f'ALTER TABLE {tables.copies} DISABLE TRIGGER "{name}"')
    cursor.execute(CONVERT.format(t=tables))
    for name in triggers:
        cursor.execute(f'ALTER TABLE {tables.copies} ENABLE TRIGGER "{name}"')
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    cursor.execute("DROP TABLE copy_layouts")
    check_conversion(cursor, tables)


def check_conversion(cursor, tables: Tables = Tables()) -> None:  # type: ignore[no-untyped-def]
    """Raise ConversionError naming the copies whose array lost, gained or changed a figure."""
    cursor.execute(CHECK.format(t=tables))
    wrong = [row[0] for row in cursor.fetchall()]
    if wrong:
        raise ConversionError(
            f"{len(wrong)} protocol copies would not keep their figures as arrays "
            f"(count of figures, sums of lines and options, or width), e.g. ids {wrong[:10]}; nothing changed"
        )


def convert(apps, schema_editor):  # type: ignore[no-untyped-def]
    with schema_editor.connection.cursor() as cursor:
        convert_figures(cursor)


RESTORE = """
INSERT INTO {t.figures} (copy_id, line_id, option_id, value)
SELECT c.id, lay.line_ids[u.pos], lay.option_ids[u.pos - cardinality(lay.line_ids)], u.value
FROM {t.copies} c JOIN tallies_copylayout lay ON lay.id = c.figure_layout_id
CROSS JOIN LATERAL unnest(c.figure_values) WITH ORDINALITY AS u(value, pos)
WHERE u.value IS NOT NULL
"""


def restore(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Unapplying: every array's figures become CopyFigure rows again, checked as the conversion is
    (the arrays and layouts are dropped after this by the reversed AddField/CreateModel)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(RESTORE.format(t=Tables()))
        check_conversion(cursor)


class Migration(migrations.Migration):

    dependencies = [
        ('elections', '0009_register_version'),
        ('observers', '0007_client_keys'),
        ('tallies', '0039_station_comparison_path'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CopyLayout',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('line_ids', django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField())),
                ('option_ids', django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField())),
            ],
        ),
        migrations.CreateModel(
            name='CopyLayoutSlot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField()),
            ],
            options={
                'ordering': ['layout', 'position'],
            },
        ),
        migrations.AddConstraint(
            model_name='copylayout',
            constraint=models.UniqueConstraint(fields=('line_ids', 'option_ids'), name='copylayout_unique'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='copylayout',
            trigger=pgtrigger.compiler.Trigger(name='append_only_update', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;", hash='af46b8cad20e0019cc63db9e08fc72c77cf1e119', operation='UPDATE', pgid='pgtrigger_append_only_update_340af', table='tallies_copylayout', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='copylayout',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;", hash='e5a414aa7d81e27409fc7946519f53209935df89', operation='DELETE', pgid='pgtrigger_append_only_delete_6f014', table='tallies_copylayout', when='BEFORE')),
        ),
        migrations.AddField(
            model_name='copylayoutslot',
            name='layout',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='slots', to='tallies.copylayout'),
        ),
        migrations.AddField(
            model_name='copylayoutslot',
            name='line',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='elections.protocolline'),
        ),
        migrations.AddField(
            model_name='copylayoutslot',
            name='option',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='elections.ballotoption'),
        ),
        migrations.AddIndex(
            model_name='copylayoutslot',
            index=models.Index(condition=models.Q(('line__isnull', False)), fields=['line'], name='copylayoutslot_line'),
        ),
        migrations.AddIndex(
            model_name='copylayoutslot',
            index=models.Index(condition=models.Q(('option__isnull', False)), fields=['option'], name='copylayoutslot_option'),
        ),
        migrations.AddConstraint(
            model_name='copylayoutslot',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('line__isnull', False), ('option__isnull', True)), models.Q(('line__isnull', True), ('option__isnull', False)), _connector='OR'), name='copylayoutslot_line_xor_option'),
        ),
        migrations.AddConstraint(
            model_name='copylayoutslot',
            constraint=models.UniqueConstraint(fields=('layout', 'position'), name='copylayoutslot_unique_position'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='copylayoutslot',
            trigger=pgtrigger.compiler.Trigger(name='append_only_update', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;", hash='d55061a4a6ab257b5f47548a972f0ca86f6e6a65', operation='UPDATE', pgid='pgtrigger_append_only_update_124ae', table='tallies_copylayoutslot', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='copylayoutslot',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;", hash='a7bcff0706d84f8eb48312e7fe33a68409bff553', operation='DELETE', pgid='pgtrigger_append_only_delete_34ae4', table='tallies_copylayoutslot', when='BEFORE')),
        ),
        migrations.RunSQL(GET_OR_CREATE, DROP_GET_OR_CREATE),
        migrations.AddField(
            model_name='protocolcopy',
            name='figure_values',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(null=True), blank=True, null=True),
        ),
        migrations.AddField(
            model_name='protocolcopy',
            name='figure_layout',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tallies.copylayout'),
        ),
        migrations.RunPython(convert, restore, elidable=False),
        pgtrigger.migrations.AddTrigger(
            model_name='protocolcopy',
            trigger=pgtrigger.compiler.Trigger(name='figures_fit_layout', sql=pgtrigger.compiler.UpsertTriggerSql(func="\nIF EXISTS (\n    SELECT 1 FROM inserted c JOIN tallies_copylayout l ON l.id = c.figure_layout_id\n    WHERE cardinality(c.figure_values) <> cardinality(l.line_ids) + cardinality(l.option_ids)\n) THEN\n    RAISE EXCEPTION 'a copy''s figures do not fit its layout' USING ERRCODE = 'check_violation';\nEND IF;\nRETURN NULL;\n", hash='4f52b63bbaea8e5adc32837aefc697df27cca0ee', level='STATEMENT', operation='INSERT', pgid='pgtrigger_figures_fit_layout_7cdb0', referencing='REFERENCING NEW TABLE AS inserted ', table='tallies_protocolcopy', when='AFTER')),
        ),
        migrations.AddConstraint(
            model_name='protocolcopy',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('figure_layout__isnull', True), ('figure_values__isnull', True)), models.Q(('figure_layout__isnull', False), ('figure_values__isnull', False)), _connector='OR'), name='copy_figures_with_layout'),
        ),
        migrations.AddConstraint(
            model_name='protocolcopy',
            constraint=models.CheckConstraint(condition=django.db.models.lookups.Exact(models.Func(models.F('figure_values'), function='array_ndims'), 1), name='copy_figures_one_dimension'),
        ),
        migrations.AddConstraint(
            model_name='protocolcopy',
            constraint=models.CheckConstraint(condition=django.db.models.lookups.Exact(models.Func(models.F('figure_values'), output_field=models.BooleanField(), template='0 <= ALL(%(expressions)s)'), True), name='copy_figures_not_negative'),
        ),
        migrations.AddConstraint(
            model_name='protocolcopy',
            constraint=models.CheckConstraint(condition=django.db.models.lookups.Exact(models.Func(models.F('figure_values'), output_field=models.BooleanField(), template='cardinality(array_remove(%(expressions)s, NULL)) > 0'), True), name='copy_figures_some_given'),
        ),
        migrations.RemoveIndex(
            model_name='copyfigure',
            name='copyfigure_line',
        ),
        migrations.RemoveIndex(
            model_name='copyfigure',
            name='copyfigure_option',
        ),
        migrations.RemoveConstraint(
            model_name='copyfigure',
            name='copyfigure_line_xor_option',
        ),
        migrations.RemoveConstraint(
            model_name='copyfigure',
            name='copyfigure_unique_figure',
        ),
        migrations.RemoveField(
            model_name='copyfigure',
            name='copy',
        ),
        migrations.RemoveField(
            model_name='copyfigure',
            name='line',
        ),
        migrations.RemoveField(
            model_name='copyfigure',
            name='option',
        ),
        migrations.DeleteModel(
            name='CopyFigure',
        ),
    ]
