"""A copy's figure rows keep three indexes instead of six (issue 17, P1: each is written 25 times per copy).

Before: the primary key, unique (copy, line), unique (copy, option), and one index each on copy,
line and option, every one over every row. After: the primary key; one unique index on
(copy, line, option) with NULLs not distinct, which under the line-xor-option check forbids what
the two unique constraints forbade and leads with the copy, as the copy's index did; and partial
indexes on line and option over the rows that have one. The database side is written out so that
the foreign keys stay as they are: Django's AlterField(db_index=False) would drop and re-add (so
re-validate) them on a table of millions of rows, for nothing.
"""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = """
ALTER TABLE tallies_copyfigure ADD CONSTRAINT copyfigure_unique_figure
    UNIQUE NULLS NOT DISTINCT (copy_id, line_id, option_id);
ALTER TABLE tallies_copyfigure DROP CONSTRAINT copyfigure_unique_line;
ALTER TABLE tallies_copyfigure DROP CONSTRAINT copyfigure_unique_option;
DROP INDEX tallies_copyfigure_copy_id_07a60ea9;
DROP INDEX tallies_copyfigure_line_id_7f19bc2c;
DROP INDEX tallies_copyfigure_option_id_b503e13d;
CREATE INDEX copyfigure_line ON tallies_copyfigure (line_id) WHERE line_id IS NOT NULL;
CREATE INDEX copyfigure_option ON tallies_copyfigure (option_id) WHERE option_id IS NOT NULL;
"""

BACKWARD = """
DROP INDEX copyfigure_option;
DROP INDEX copyfigure_line;
CREATE INDEX tallies_copyfigure_option_id_b503e13d ON tallies_copyfigure (option_id);
CREATE INDEX tallies_copyfigure_line_id_7f19bc2c ON tallies_copyfigure (line_id);
CREATE INDEX tallies_copyfigure_copy_id_07a60ea9 ON tallies_copyfigure (copy_id);
ALTER TABLE tallies_copyfigure ADD CONSTRAINT copyfigure_unique_option UNIQUE (copy_id, option_id);
ALTER TABLE tallies_copyfigure ADD CONSTRAINT copyfigure_unique_line UNIQUE (copy_id, line_id);
ALTER TABLE tallies_copyfigure DROP CONSTRAINT copyfigure_unique_figure;
"""

STATE = [
    migrations.RemoveConstraint(model_name="copyfigure", name="copyfigure_unique_line"),
    migrations.RemoveConstraint(model_name="copyfigure", name="copyfigure_unique_option"),
    migrations.AlterField(
        model_name="copyfigure",
        name="copy",
        field=models.ForeignKey(
            db_index=False,
            on_delete=django.db.models.deletion.PROTECT,
            related_name="figure_rows",
            to="tallies.protocolcopy",
        ),
    ),
    migrations.AlterField(
        model_name="copyfigure",
        name="line",
        field=models.ForeignKey(
            blank=True,
            db_index=False,
            null=True,
            on_delete=django.db.models.deletion.PROTECT,
            related_name="+",
            to="elections.protocolline",
        ),
    ),
    migrations.AlterField(
        model_name="copyfigure",
        name="option",
        field=models.ForeignKey(
            blank=True,
            db_index=False,
            null=True,
            on_delete=django.db.models.deletion.PROTECT,
            related_name="+",
            to="elections.ballotoption",
        ),
    ),
    migrations.AddIndex(
        model_name="copyfigure",
        index=models.Index(
            condition=models.Q(("line__isnull", False)), fields=["line"], name="copyfigure_line"
        ),
    ),
    migrations.AddIndex(
        model_name="copyfigure",
        index=models.Index(
            condition=models.Q(("option__isnull", False)), fields=["option"], name="copyfigure_option"
        ),
    ),
    migrations.AddConstraint(
        model_name="copyfigure",
        constraint=models.UniqueConstraint(
            fields=("copy", "line", "option"), name="copyfigure_unique_figure", nulls_distinct=False
        ),
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("elections", "0008_seat_rules"),
        ("tallies", "0036_coalition_release_preview"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)], state_operations=STATE
        )
    ]
